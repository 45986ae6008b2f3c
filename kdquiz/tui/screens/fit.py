"""Fit FSRS to the learner's reviews (as `kdquiz fsrs optimize` does): the fit runs in a
sandbox subprocess from a worker, with its passes on a progress bar; then the old and new
parameters' scores on the history, and the choice to use them (rescheduling or not)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, ProgressBar, Static

from kdquiz.fsrs_fit import (
    EPOCHS,
    MIN_REVIEWS,
    Fit,
    FitOutcome,
    StoredFit,
    comparison_table,
    countable_reviews,
    model_line,
    parameter_rows,
    run_fit,
)
from kdquiz.i18n import sentences, t
from kdquiz.review import Deck


class FitScreen(ModalScreen[bool]):
    """Fits at once when the history is long enough; dismisses True when the parameters in use
    changed."""

    DEFAULT_CSS = """
    FitScreen { align: center middle; }
    FitScreen > Vertical {
        width: 76; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    FitScreen VerticalScroll { height: auto; max-height: 16; }
    FitScreen Static { width: 100%; margin-top: 1; }
    FitScreen ProgressBar { margin-top: 1; }
    FitScreen #buttons { height: auto; margin-top: 1; align-horizontal: right; }
    FitScreen Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS = [Binding("escape", "close", "Back")]
    timer: Callable[[], float] = staticmethod(time.monotonic)
    """Measures how long the fit took (snapshot tests fix it)."""

    def __init__(self, deck: Deck, lang: str) -> None:
        super().__init__()
        self.deck = deck
        self.lang = lang
        self.cancel: threading.Event | None = None
        self.fit: Fit | None = None
        self.changed = False
        self.started = 0.0

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = t("fit_title", self.lang)
            with VerticalScroll(id="fit-body"):
                yield Static(model_line(self.deck, self.lang), id="fit-history")
                yield ProgressBar(total=EPOCHS, show_eta=False, id="fit-progress")
                yield Static("", id="fit-status")
                yield Static("", id="fit-result")
            with Horizontal(id="buttons"):
                yield Button(t("fit_defaults", self.lang), id="defaults")
                yield Button(t("fit_use", self.lang), id="use")
                yield Button(t("fit_use_reschedule", self.lang), id="reschedule", variant="primary")
                yield Button(t("close", self.lang), id="close")

    def on_mount(self) -> None:
        for button in ("use", "reschedule"):
            self.query_one(f"#{button}", Button).display = False
        self.query_one("#defaults", Button).display = self.deck.fit is not None
        enough = countable_reviews(self.deck.reviews) >= MIN_REVIEWS
        self.query_one("#fit-progress", ProgressBar).display = enough
        if enough:
            self.cancel = threading.Event()
            self.started = self.timer()
            self.query_one("#fit-status", Static).update(t("fit_starting", self.lang))
            self.run_fit(self.cancel)
        else:
            self.query_one("#fit-status", Static).update(t("fit_until_then", self.lang))

    def on_unmount(self) -> None:
        if self.cancel is not None:
            self.cancel.set()  # closing the screen stops a fit still running

    @work(thread=True, exclusive=True, group="fsrs-fit", exit_on_error=False)
    def run_fit(self, cancel: threading.Event) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        outcome = run_fit(self.deck.reviews, self.deck.parameters, progress, cancel)
        if not cancel.is_set():
            self.app.call_from_thread(self._finished, outcome)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#fit-progress", ProgressBar).update(progress=done, total=total)
        status = t("fit_pass", self.lang, done=done, total=total)
        self.query_one("#fit-status", Static).update(status)

    def _finished(self, outcome: FitOutcome) -> None:
        self.cancel = None
        status = self.query_one("#fit-status", Static)
        self.query_one("#fit-progress", ProgressBar).display = False
        if outcome.fit is None:
            key = {"timeout": "fit_timeout", "memory": "fit_memory"}.get(
                str(outcome.failure), "fit_crashed"
            )
            status.update(t(key, self.lang))
            return
        self.fit = fit = outcome.fit
        seconds = self.timer() - self.started
        verdict = t("fit_better" if fit.improves else "fit_not_better", self.lang)
        done = t("fit_done", self.lang, seconds=f"{seconds:.0f}")
        status.update(sentences(done, verdict, lang=self.lang))
        result = f"{comparison_table(fit, self.lang)}\n\n{t('fit_parameters', self.lang)}\n"
        self.query_one("#fit-result", Static).update(
            result + "\n".join(parameter_rows(fit.parameters, 3))
        )
        for button in ("use", "reschedule"):
            self.query_one(f"#{button}", Button).display = fit.improves
        if fit.improves:
            self.query_one("#reschedule", Button).focus()

    @on(Button.Pressed, "#use")
    @on(Button.Pressed, "#reschedule")
    def use(self, event: Button.Pressed) -> None:
        if self.fit is None:
            return
        reschedule = event.button.id == "reschedule"
        stored = StoredFit(self.fit.parameters, self.deck.clock(), self.fit.new.reviews)
        self._apply(stored, reschedule)

    @on(Button.Pressed, "#defaults")
    def defaults(self) -> None:
        self._apply(None, True)

    @work(thread=True, exclusive=True, group="fsrs-apply", exit_on_error=False)
    def _apply(self, stored: StoredFit | None, reschedule: bool) -> None:
        count = self.deck.use_fit(stored, reschedule)
        self.app.call_from_thread(self._applied, stored, reschedule, count)

    def _applied(self, stored: StoredFit | None, reschedule: bool, count: int) -> None:
        key = "fit_now_defaults" if stored is None else "fit_now_fitted"
        message = t(key, self.lang)
        if reschedule:
            message = sentences(message, t("fit_rescheduled", self.lang, n=count), lang=self.lang)
        self.notify(message, timeout=6)
        self.changed = True
        self.dismiss(True)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(self.changed)
