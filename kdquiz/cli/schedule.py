"""`kdquiz fsrs`: the scheduler's memory model, and fitting it to the learner's own history."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import TYPE_CHECKING

from kdquiz.cli.common import UserError, confirm, language, load_bank, open_store, tr
from kdquiz.i18n import sentences

if TYPE_CHECKING:
    from kdquiz.fsrs_fit import Fit, FitOutcome
    from kdquiz.review import Deck


def _deck(args: argparse.Namespace) -> Deck:
    from kdquiz.review import Deck

    bank, _ = load_bank(args)
    return Deck(bank, open_store())


def format_parameters(parameters: tuple[float, ...]) -> str:
    from kdquiz.fsrs_fit import parameter_rows

    return "\n".join("  " + row for row in parameter_rows(parameters))


def cmd_fsrs(args: argparse.Namespace) -> int:
    from kdquiz.fsrs_fit import countable_reviews, evaluate, model_line

    deck = _deck(args)
    counted = countable_reviews(deck.reviews)
    if args.action == "show":
        print(model_line(deck, language()))
        print(format_parameters(deck.parameters))
        print(tr("fsrs_retention", retention=f"{deck.desired_retention:.2f}"))
        if counted:
            metrics = evaluate(deck.parameters, deck.reviews)
            print(tr("fsrs_scores", loss=f"{metrics.log_loss:.4f}", rmse=f"{metrics.rmse:.4f}"))
        return 0
    if args.action == "reset":
        if deck.fit is None:
            print(tr("fsrs_already_default"))
            return 0
        count = deck.use_fit(None, reschedule=not args.no_reschedule)
        message = tr("fit_now_defaults")
        if not args.no_reschedule:
            message = sentences(message, tr("fit_rescheduled", n=count), lang=language())
        print(message)
        return 0
    return _optimize(args, deck, counted)


def _optimize(args: argparse.Namespace, deck: Deck, counted: int) -> int:
    from kdquiz.fsrs_fit import MIN_REVIEWS, StoredFit, comparison_table, model_line, run_fit

    print(model_line(deck, language()))
    if counted < MIN_REVIEWS:
        print(tr("fit_until_then"))
        return 1
    show = sys.stderr.isatty()
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if show:
            bar = "█" * round(20 * done / total) + "░" * (20 - round(20 * done / total))
            status = tr("fit_pass", done=done, total=total)
            print(f"\033[2K{bar} {status}", end="\r", file=sys.stderr, flush=True)

    if show:
        print(tr("fit_starting"), end="\r", file=sys.stderr, flush=True)
    outcome = run_fit(deck.reviews, deck.parameters, progress, threading.Event())
    if show:
        print("\033[2K", end="", file=sys.stderr, flush=True)
    fit = _fitted(outcome)
    print(tr("fit_done", seconds=f"{time.monotonic() - started:.1f}"))
    print(tr("fit_parameters"))
    print(format_parameters(fit.parameters))
    print(comparison_table(fit, language()))
    if not fit.improves:
        print(tr("fit_not_better"))
        return 0
    if not confirm(tr("fsrs_use_confirm"), args.yes):
        print(tr("fsrs_kept"))
        return 0
    stored = StoredFit(fit.parameters, deck.clock(), counted)
    reschedule = not args.no_reschedule and confirm(
        tr("fsrs_reschedule_confirm", n=len(deck.cards)), args.yes
    )
    rescheduled = deck.use_fit(stored, reschedule)
    after = tr("fit_rescheduled", n=rescheduled) if reschedule else tr("fsrs_kept_dates")
    print(sentences(tr("fit_now_fitted"), after, lang=language()))
    return 0


def _fitted(outcome: FitOutcome) -> Fit:

    if outcome.fit is not None:
        return outcome.fit
    if outcome.failure == "timeout":
        raise UserError(tr("fit_timeout"))
    if outcome.failure == "memory":
        raise UserError(tr("fit_memory"))
    if outcome.failure == "cancelled":
        raise KeyboardInterrupt
    if outcome.detail.strip():
        print(outcome.detail.rstrip(), file=sys.stderr)
    raise UserError(tr("fit_crashed_above"))
