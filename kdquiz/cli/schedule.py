"""`kdquiz fsrs`: the scheduler's memory model, and fitting it to the learner's own history."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import TYPE_CHECKING

from kdquiz.cli.common import UserError, confirm, load_bank, open_store

if TYPE_CHECKING:
    from kdquiz.fsrs_fit import Fit, FitOutcome
    from kdquiz.review import Deck


def _deck(args: argparse.Namespace) -> Deck:
    from kdquiz.review import Deck

    bank, _ = load_bank(args)
    return Deck(bank, open_store())


def _describe(deck: Deck) -> str:
    if deck.fit is None:
        return "FSRS's defaults (fitted on the histories of many Anki users)"
    day = deck.fit.fitted_at.astimezone().date().isoformat()
    return f"fitted to your history on {day} ({deck.fit.reviews} reviews)"


def _history_line(counted: int) -> str:
    from kdquiz.fsrs_fit import MIN_REVIEWS

    note = "(reviews a day or more after the card's previous one count)"
    if counted < MIN_REVIEWS:
        return (
            f"Reviews to fit on: {counted} of the {MIN_REVIEWS} needed, "
            f"{MIN_REVIEWS - counted} more to go\n{note}."
        )
    return f"Reviews to fit on: {counted}, enough ({MIN_REVIEWS} needed)\n{note}."


def format_parameters(parameters: tuple[float, ...]) -> str:
    from kdquiz.fsrs_fit import parameter_rows

    return "\n".join("  " + row for row in parameter_rows(parameters))


def format_comparison(fit: Fit) -> str:
    """Log-loss and RMSE of the parameters in use and the fitted ones on the history."""
    rows = [("in use", fit.old), ("fitted", fit.new)]
    lines = [
        f"On your history ({fit.new.reviews} reviews; the same ones the fit learned from),",
        "lower is better:",
        f"  {'':8} {'log-loss':>9} {'RMSE':>8}",
    ]
    lines += [f"  {name:8} {m.log_loss:9.4f} {m.rmse:8.4f}" for name, m in rows]
    return "\n".join(lines)


def cmd_fsrs(args: argparse.Namespace) -> int:
    from kdquiz.fsrs_fit import countable_reviews, evaluate

    deck = _deck(args)
    counted = countable_reviews(deck.reviews)
    if args.action == "show":
        print(f"Parameters in use: {_describe(deck)}.")
        print(format_parameters(deck.parameters))
        print(f"Desired retention: {deck.desired_retention:.2f} (change it in the app's settings).")
        print(_history_line(counted))
        if counted:
            metrics = evaluate(deck.parameters, deck.reviews)
            print(f"On it, the parameters in use score log-loss {metrics.log_loss:.4f}, "
                  f"RMSE {metrics.rmse:.4f}.")  # fmt: skip
        return 0
    if args.action == "reset":
        if deck.fit is None:
            print("Already using FSRS's default parameters.")
            return 0
        deck.use_fit(None, reschedule=not args.no_reschedule)
        print("Back to FSRS's default parameters" + ("." if args.no_reschedule else
              f"; rescheduled your {len(deck.cards)} cards with them."))  # fmt: skip
        return 0
    return _optimize(args, deck, counted)


def _optimize(args: argparse.Namespace, deck: Deck, counted: int) -> int:
    from kdquiz.fsrs_fit import MIN_REVIEWS, StoredFit, run_fit

    print(_history_line(counted))
    if counted < MIN_REVIEWS:
        print("Until then kdquiz schedules with FSRS's default parameters.")
        return 1
    show = sys.stderr.isatty()
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if show:
            bar = "█" * round(20 * done / total) + "░" * (20 - round(20 * done / total))
            print(
                f"\033[2KFitting {bar} pass {done}/{total}", end="\r", file=sys.stderr, flush=True
            )

    if show:
        print("Fitting (starting the optimizer)…", end="\r", file=sys.stderr, flush=True)
    outcome = run_fit(deck.reviews, deck.parameters, progress, threading.Event())
    if show:
        print("\033[2K", end="", file=sys.stderr, flush=True)
    fit = _fitted(outcome)
    print(f"Fitted in {time.monotonic() - started:.1f} s.")
    print(format_parameters(fit.parameters))
    print(format_comparison(fit))
    if not fit.improves:
        print("The fitted parameters do not predict your history better; keeping the ones in use.")
        return 0
    if not confirm("Use the fitted parameters from now on?", args.yes):
        print("Kept the parameters in use.")
        return 0
    stored = StoredFit(fit.parameters, deck.clock(), counted)
    reschedule = not args.no_reschedule and confirm(
        f"Reschedule your {len(deck.cards)} cards with them now (as if they had always been used)?",
        args.yes,
    )
    rescheduled = deck.use_fit(stored, reschedule)
    print("Now scheduling with your fitted parameters" + (
        f"; rescheduled {rescheduled} cards." if reschedule else
        "; existing cards keep their due dates until their next review."))  # fmt: skip
    return 0


def _fitted(outcome: FitOutcome) -> Fit:
    from kdquiz.fsrs_fit import FIT_MEMORY, FIT_TIMEOUT
    from kdquiz.sandbox import format_bytes

    if outcome.fit is not None:
        return outcome.fit
    if outcome.failure == "timeout":
        raise UserError(f"the fit did not finish within {FIT_TIMEOUT:.0f} s; nothing was changed.")
    if outcome.failure == "memory":
        raise UserError(
            f"the fit ran out of memory (limit {format_bytes(FIT_MEMORY)}); nothing was changed."
        )
    if outcome.failure == "cancelled":
        raise KeyboardInterrupt
    if outcome.detail.strip():
        print(outcome.detail.rstrip(), file=sys.stderr)
    raise UserError("the optimizer stopped with an error (above); nothing was changed.")
