"""Fitting FSRS's parameters to the learner's own review history.

The `fsrs` package's optimizer (gradient descent through the memory model, in torch) fits the
21 parameters to how this learner actually remembers; until there is enough history the default
parameters, fitted on many Anki users, are used. The fit runs as a sandbox job (`fit_job`, in a
subprocess: the app never imports torch). Counting the history and scoring parameters on it
need no torch and run here.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from fsrs import Card, Rating, ReviewLog, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

from kdquiz import sandbox
from kdquiz.i18n import t
from kdquiz.progress import ProgressStore, Review

if TYPE_CHECKING:
    from kdquiz.review import Deck
    from kdquiz.sandbox.warm import WarmServer

MIN_REVIEWS = 512
"""Reviews the optimizer learns from (see `countable_reviews`) before it fits anything: below
one mini-batch of 512, fsrs's optimizer returns the default parameters unchanged."""
MAX_SEQUENCE = 64
"""The optimizer uses up to the first 64 reviews of each card."""
EPOCHS = 5
"""fsrs's optimizer makes five passes over the history."""
SETTING = "fsrs_parameters"
FIT_TIMEOUT = 900.0
FIT_MEMORY = 4 << 30

Failure = Literal["timeout", "memory", "crashed", "cancelled", "too_few"]


@dataclass(frozen=True)
class Metrics:
    """How well parameters predict the history: the mean log-loss of the predicted chance of
    recall against what happened (recalled or not), and the root mean squared error of that
    chance, over the reviews the optimizer learns from. Lower is better for both."""

    log_loss: float
    rmse: float
    reviews: int


@dataclass(frozen=True)
class Fit:
    parameters: tuple[float, ...]
    old_parameters: tuple[float, ...]
    old: Metrics
    new: Metrics

    @property
    def improves(self) -> bool:
        """The fitted parameters predict the history better than the ones in use."""
        return self.new.log_loss < self.old.log_loss


@dataclass(frozen=True)
class FitOutcome:
    fit: Fit | None
    failure: Failure | None = None
    detail: str = ""
    """What the subprocess printed when it crashed (for the curious; trimmed)."""


def card_id(question_id: str) -> int:
    """A stable integer id for fsrs, which only uses it as a label (its default sleeps 1 ms)."""
    return zlib.crc32(question_id.encode())


def histories(reviews: Iterable[Review]) -> dict[str, list[Review]]:
    """Each question's reviews, oldest first."""
    by_question: dict[str, list[Review]] = {}
    for review in reviews:
        by_question.setdefault(review.question, []).append(review)
    for history in by_question.values():
        history.sort(key=lambda r: r.at)
    return by_question


def countable_reviews(reviews: Iterable[Review]) -> int:
    """Reviews the optimizer learns from: among each card's first 64, those at least a day after
    the card's previous review (same-day repeats say little about long-term memory)."""
    count = 0
    for history in histories(reviews).values():
        times = [r.at for r in history[:MAX_SEQUENCE]]
        count += sum(
            later - earlier >= timedelta(days=1) for earlier, later in itertools.pairwise(times)
        )
    return count


def evaluate(parameters: Sequence[float], reviews: Iterable[Review]) -> Metrics:
    """Score `parameters` on the history the way the optimizer's own loss does: replay each
    card's reviews, and at each countable review compare the predicted chance of recall with
    whether the answer was recalled (anything but Again)."""
    scheduler = Scheduler(parameters=parameters, enable_fuzzing=False)
    losses: list[float] = []
    squared: list[float] = []
    for question, history in histories(reviews).items():
        card: Card | None = None
        for review in history[:MAX_SEQUENCE]:
            if card is None:
                card = Card(card_id=card_id(question), due=review.at)
            elif card.last_review and review.at - card.last_review >= timedelta(days=1):
                p = float(scheduler.get_card_retrievability(card, review.at))
                p = min(1 - 1e-7, max(1e-7, p))
                recalled = review.rating != int(Rating.Again)
                losses.append(-math.log(p if recalled else 1 - p))
                squared.append((p - recalled) ** 2)
            card, _ = scheduler.review_card(card, Rating(review.rating), review_datetime=review.at)
    if not losses:
        return Metrics(math.nan, math.nan, 0)
    return Metrics(sum(losses) / len(losses), math.sqrt(sum(squared) / len(squared)), len(losses))


def parameter_rows(parameters: Sequence[float], digits: int = 4) -> list[str]:
    """The parameters seven to a row, named w0..w20 as in the FSRS papers."""
    rows = []
    for start in range(0, len(parameters), 7):
        chunk = parameters[start : start + 7]
        names = f"w{start}–w{start + len(chunk) - 1}"
        rows.append(f"{names:<8}" + " ".join(f"{p:{digits + 3}.{digits}f}" for p in chunk))
    return rows


# ---------------------------------------------------------------------- described to the learner


def model_line(deck: Deck, lang: str) -> str:
    """Which parameters schedule the reviews, and how far the history is from a fit."""
    counted = countable_reviews(deck.reviews)
    if deck.fit is not None:
        day = deck.fit.fitted_at.astimezone().date().isoformat()
        head = t("fsrs_fitted", lang, day=day, n=deck.fit.reviews)
    else:
        head = t("fsrs_default", lang)
    if counted < MIN_REVIEWS:
        tail = t("fsrs_need_more", lang, n=counted, need=MIN_REVIEWS, more=MIN_REVIEWS - counted)
    else:
        tail = t("fsrs_enough", lang, n=counted)
    return f"{head}\n{tail}"


def comparison_table(fit: Fit, lang: str) -> str:
    """Log-loss and RMSE of the parameters in use and of the fitted ones on the history."""
    from rich.cells import cell_len

    rows = [(t("fit_in_use", lang), fit.old), (t("fit_fitted", lang), fit.new)]
    width = max(cell_len(name) for name, _ in rows) + 2
    lines = [t("fit_scores", lang, n=fit.new.reviews), f"{'':{width}}{'log-loss':>9} {'RMSE':>8}"]
    lines += [
        name + " " * (width - cell_len(name)) + f"{m.log_loss:9.4f} {m.rmse:8.4f}"
        for name, m in rows
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------- stored parameters


def default_parameters() -> tuple[float, ...]:
    return tuple(float(p) for p in DEFAULT_PARAMETERS)


@dataclass(frozen=True)
class StoredFit:
    parameters: tuple[float, ...]
    fitted_at: datetime
    reviews: int
    """Countable reviews the fit learned from."""


def load_fit(store: ProgressStore) -> StoredFit | None:
    """The parameters fitted to the learner's history, or None (fsrs's defaults) when none are
    stored or the stored ones are damaged or outside fsrs's bounds."""
    text = store.get_setting(SETTING)
    if not text:
        return None
    try:
        data = json.loads(text)
        parameters = tuple(float(p) for p in data["parameters"])
        Scheduler(parameters=parameters)  # validates the count and the bounds
        return StoredFit(
            parameters, datetime.fromisoformat(data["fitted_at"]), int(data["reviews"])
        )
    except (ValueError, TypeError, KeyError):
        return None


def save_parameters(store: ProgressStore, fit: StoredFit | None) -> None:
    """Store fitted parameters (None: go back to the defaults)."""
    if fit is None:
        store.set_setting(SETTING, "")
        return
    document = {
        "parameters": list(fit.parameters),
        "fitted_at": fit.fitted_at.isoformat(timespec="seconds"),
        "reviews": fit.reviews,
    }
    store.set_setting(SETTING, json.dumps(document))


# ---------------------------------------------------------------------- running the fit


def run_fit(
    reviews: Sequence[Review],
    current: Sequence[float],
    on_progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    server: WarmServer | None = None,
) -> FitOutcome:
    """Fit parameters to `reviews` in a sandbox subprocess (forked from `server` if given, which
    has torch loaded already); `on_progress(done, total)` gets the optimizer's passes as they
    finish. Never raises for what the subprocess does."""
    if countable_reviews(reviews) < MIN_REVIEWS:
        return FitOutcome(None, "too_few")
    history = [[r.question, r.rating, r.at.isoformat()] for r in reviews]
    job = sandbox.Job(
        target="kdquiz.fsrs_fit:fit_job",
        config={"history": history, "current": list(current)},
        timeout=FIT_TIMEOUT,
        memory_bytes=FIT_MEMORY,
    )

    def event(e: dict[str, Any]) -> None:
        if e.get("event") == "epoch" and on_progress is not None:
            on_progress(int(e["done"]), int(e["total"]))

    outcome = sandbox.run(job, cancel, event, server)
    for e in outcome.events:
        if e.get("event") == "result":
            return FitOutcome(
                Fit(
                    tuple(e["parameters"]),
                    tuple(current),
                    Metrics(**e["old"]),
                    Metrics(**e["new"]),
                )
            )
    if outcome.stopped == "cancelled":
        return FitOutcome(None, "cancelled")
    if outcome.stopped == "timeout":
        return FitOutcome(None, "timeout")
    if "MemoryError" in outcome.output:
        return FitOutcome(None, "memory", outcome.output)
    return FitOutcome(None, "crashed", outcome.output)


def fit_job(config: dict[str, Any]) -> int:
    """The sandbox target: fit, then score the old and the new parameters; events "epoch" (as
    each of the optimizer's passes ends) and "result"."""
    events = open(config["events_path"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    token = config["token"]

    def emit(event: dict[str, Any]) -> None:
        events.write(json.dumps({**event, "token": token}) + "\n")

    import fsrs.optimizer as optimizer_module  # torch, pandas: only in this subprocess

    def epochs(iterable: Iterable[int], **_: Any) -> Iterable[int]:
        items = list(iterable)
        for done, item in enumerate(items):
            yield item
            emit({"event": "epoch", "done": done + 1, "total": len(items)})

    # fsrs reports its passes through tqdm; this stands in for it to report them as events.
    optimizer_module.tqdm = epochs  # type: ignore[attr-defined]
    reviews = [
        Review(question, "", datetime.fromisoformat(at), rating, rating != int(Rating.Again))
        for question, rating, at in config["history"]
    ]
    logs = [
        ReviewLog(card_id(r.question), Rating(r.rating), r.at, review_duration=None)
        for r in reviews
    ]
    fitted = optimizer_module.Optimizer(logs).compute_optimal_parameters()
    parameters = [float(p) for p in fitted]
    emit(
        {
            "event": "result",
            "parameters": parameters,
            "old": vars(evaluate(config["current"], reviews)),
            "new": vars(evaluate(parameters, reviews)),
        }
    )
    events.close()
    return 0
