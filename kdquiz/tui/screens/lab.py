"""The distillation lab: run teacher → students on real data in a subprocess, watch the progress,
and read the comparison (table, validation curves, summary). The last result is kept on disk."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Header, ProgressBar, Static

from kdquiz.i18n import Message, colon
from kdquiz.tui.screens.base import AppScreen

SEED_CHOICES = (1, 3, 5)


def last_result_path() -> Path:
    from kdquiz.paths import data_dir

    return data_dir() / "lab" / "last.json"


class LabScreen(AppScreen):
    DEFAULT_CSS = """
    LabScreen #lab-setup { padding: 1 2 0 2; }
    LabScreen #lab-run { height: auto; padding: 0 2; }
    LabScreen #lab-progress { width: 60; }
    LabScreen #lab-results { padding: 1 2; }
    """
    BINDINGS = [
        Binding("g,enter", "run", "Run", id="run", tooltip="Run the lab"),
        Binding("x", "cancel_run", "Cancel", id="cancel", tooltip="Stop the running lab"),
        Binding("d", "cycle_data", "Data", id="data", tooltip="MovieLens-100K or synthetic"),
        Binding(
            "w",
            "toggle_workspace",
            "Your code",
            id="workspace",
            tooltip="Use your own losses and metrics from your workspace",
        ),  # fmt: skip
        Binding("n", "cycle_seeds", "Seeds", id="seeds", tooltip="1, 3 or 5 seeds"),
        Binding(
            "f", "fetch_data", "Fetch data", id="fetch", tooltip="Download MovieLens from GroupLens"
        ),
    ]

    NARROW_HIDDEN = AppScreen.NARROW_HIDDEN | {"fetch_data"}
    """(Below 100 columns the setup note says "press f" instead: Help and the language switch
    keep their room in the Footer.)"""

    config_overrides: dict[str, Any] = {}
    """Recipe overrides for every run from this screen (tests shorten the run with them)."""

    def __init__(self) -> None:
        super().__init__()
        self.synthetic = False
        """Use the synthetic data even when MovieLens-100K is installed."""
        self.movielens: bool | None = None
        """Whether MovieLens-100K is here, fetched or in a recbole wheel (None until the check
        in a worker is done)."""
        self.use_workspace = False
        self.seeds = 3
        self.cancel: threading.Event | None = None
        """Set to stop the running lab; None when nothing runs."""
        self.started = 0.0
        self.status = ""
        self.fraction = 0.0
        self.result: dict[str, Any] | None = None
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="lab-setup")
        with VerticalScroll(id="lab-run"):
            yield ProgressBar(total=1.0, show_eta=False, id="lab-progress")
            yield Static(id="lab-status")
        with VerticalScroll(id="lab-scroll"):
            yield Static(id="lab-results")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.load_last_result()
        self.query_one("#lab-scroll").focus()  # ↑/↓ and the page keys scroll long results

    def on_unmount(self) -> None:
        """Leaving the lab stops a running lab (its subprocess is killed)."""
        if self.cancel is not None:
            self.cancel.set()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        running = self.cancel is not None
        if action == "cancel_run":
            return running
        if action in ("run", "cycle_data", "toggle_workspace", "cycle_seeds"):
            return not running
        if action == "fetch_data":
            return self.movielens is False and not running
        return True

    @work(thread=True, exit_on_error=False, group="lab-load")
    def load_last_result(self) -> None:
        """Whether MovieLens is here (imports NumPy) and the last result, off the loop."""
        from kdquiz.lab.data import movielens_path
        from kdquiz.lab.datasets import DEFAULT, installed

        movielens = installed(DEFAULT) is not None or movielens_path() is not None
        try:
            result = json.loads(last_result_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            result = None
        self.app.call_from_thread(self._loaded, movielens, result)

    def _loaded(self, movielens: bool, result: dict[str, Any] | None) -> None:
        self.movielens = movielens
        self.refresh_bindings()
        if self.result is None and isinstance(result, dict) and "models" in result:
            self.result = result
            if len(result.get("seeds", [])) in SEED_CHOICES:
                self.seeds = len(result["seeds"])  # the setting the shown result was run with
        self.refresh_view()

    # ------------------------------------------------------------------ view

    def refresh_view(self) -> None:
        if self.movielens is None:
            data = "…"
        elif self.movielens and not self.synthetic:
            data = "MovieLens-100K"
        else:
            data = self.t("lab_synthetic")
        code = self.t("lab_your_code" if self.use_workspace else "lab_reference")
        c = colon(self.lang)
        setup = Text.from_markup(
            f"[b]{self.t('lab_title')}[/b]\n{self.t('lab_intro')}\n\n"
            f"{self.t('lab_data')}{c}[b]{data}[/b]   ·   "
            f"{self.t('lab_code')}{c}[b]{code}[/b]   ·   "
            f"{self.t('lab_seeds')}{c}[b]{self.seeds}[/b]"
        )
        if self.movielens is False:
            setup.append("\n" + self.t("lab_no_movielens_app"), "dim")
        elif self.movielens and not self.synthetic:
            setup.append("\n" + self.t("lab_movielens_terms"), "dim")
        self.query_one("#lab-setup", Static).update(setup)
        self.update_progress()
        self.query_one("#lab-results", Static).update(self.results_view())

    def update_progress(self) -> None:
        running = self.cancel is not None
        bar = self.query_one("#lab-progress", ProgressBar)
        bar.display = running
        bar.update(progress=self.fraction)
        status = self.status
        if running:
            status = (
                f"{status}  ({time.monotonic() - self.started:.0f} s)  —  x: {self.t('cancel')}"
            )
        elif not status:
            status = self.t("lab_press_run")
        self.query_one("#lab-status", Static).update(Text(status))

    def results_view(self) -> Text:
        from kdquiz.lab.report import (
            curves,
            format_summary,
            format_table,
            teacher_reference,
            text_chart,
        )

        if self.result is None:
            return Text(self.t("lab_no_result"), "dim")
        width = max(40, min(90, self.size.width - 16))
        view = Text()
        view.append(self.t("lab_last_result") + "\n\n", "bold")
        view.append(format_table(self.result, self.lang, self.size.width - 6) + "\n\n")
        reference = teacher_reference(self.result, self.lang)
        chart = text_chart(curves(self.result, self.lang), width=width, height=12, lang=self.lang,
                           reference=reference)  # fmt: skip
        view.append(chart + "\n\n")
        view.append(format_summary(self.result, self.lang))
        return view

    # ------------------------------------------------------------------ actions

    def action_cycle_data(self) -> None:
        if not self.movielens:
            self.notify(self.t("lab_no_movielens_app"), timeout=6)
            return
        self.synthetic = not self.synthetic
        self.refresh_view()

    def action_toggle_workspace(self) -> None:
        if self.data is not None and self.data.workspace is None:
            self.notify(self.t("ex_no_workspace_short"), severity="warning")
            return
        self.use_workspace = not self.use_workspace
        self.refresh_view()

    def action_cycle_seeds(self) -> None:
        self.seeds = SEED_CHOICES[(SEED_CHOICES.index(self.seeds) + 1) % len(SEED_CHOICES)]
        self.refresh_view()

    def action_fetch_data(self) -> None:
        """The data set's terms, then (if accepted) its download, in a dialog."""
        from kdquiz.lab.datasets import DEFAULT
        from kdquiz.tui.screens.fetch import FetchScreen

        self.app.push_screen(FetchScreen(DEFAULT, self.lang), self._fetched)

    def _fetched(self, fetched: bool | None) -> None:
        if not fetched:
            return
        from kdquiz.lab.datasets import DEFAULT, get

        self.movielens, self.synthetic = True, False
        self.notify(self.t("data_fetched_app", title=get(DEFAULT).title), timeout=6)
        self.refresh_bindings()
        self.refresh_view()

    def action_run(self) -> None:
        if self.cancel is not None or self.movielens is None:
            return
        self.cancel = threading.Event()
        self.started = time.monotonic()
        self.fraction = 0.0
        self.status = self.t("lab_starting")
        self._ticker = self.set_interval(0.5, self.update_progress)
        self.refresh_bindings()
        self.update_progress()
        workspace = self.data.workspace if self.data is not None else None
        exercises = workspace.exercises_dir if (self.use_workspace and workspace) else None
        self.run_lab(self.cancel, exercises, self.synthetic or not self.movielens, self.seeds)

    def action_cancel_run(self) -> None:
        if self.cancel is not None:
            self.cancel.set()
            self.status = self.t("lab_cancelling")
            self.update_progress()

    @work(thread=True, exclusive=True, exit_on_error=False, group="lab")
    def run_lab(self, cancel: threading.Event, exercises: Path | None, synthetic: bool,
                seeds: int) -> None:  # fmt: skip
        """The lab in its subprocess; events come back to the screen as they arrive."""
        from kdquiz.lab.runner import LabRequest, choose_data, run_lab_process

        source, _ = choose_data(None, synthetic)
        request = LabRequest(source, exercises, {"seeds": seeds, **self.config_overrides})
        tracker = ProgressTracker()

        def on_event(event: dict[str, Any]) -> None:
            status, fraction = tracker.update(event, self.lang)
            self.app.call_from_thread(self._progress, status, fraction)

        outcome = run_lab_process(request, on_event, cancel)
        if outcome.result is not None:
            path = last_result_path()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(outcome.result), encoding="utf-8")
            except OSError:
                pass  # showing the result matters more than keeping it
        self.app.call_from_thread(self._finished, cancel, outcome.result, outcome.error)

    def _progress(self, status: str, fraction: float) -> None:
        if self.cancel is not None and not self.cancel.is_set():
            self.status, self.fraction = status, fraction
            self.update_progress()

    def _finished(self, cancel: threading.Event, result: dict[str, Any] | None,
                  error: Message | None) -> None:  # fmt: skip
        self.cancel = None
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if result is not None:
            self.result = result
            self.status = self.t("lab_done", seconds=f"{result['seconds']:.0f}")
        elif cancel.is_set():
            self.status = self.t("lab_cancelled")
            self.notify(self.status, severity="warning")
        else:
            self.status = error.text(self.lang) if error else ""
            self.notify(self.status, severity="error", timeout=15)
        self.refresh_bindings()
        self.refresh_view()


class ProgressTracker:
    """Turns the pipeline's events into a status line and the share of the run done."""

    def __init__(self) -> None:
        self.trainings = 0
        self.finished = 0
        self.stage = ""

    def update(self, event: dict[str, Any], lang: str) -> tuple[str, float]:
        from kdquiz.i18n import t

        kind = event.get("event")
        if kind == "plan":
            self.trainings = int(event["trainings"])
        elif kind == "stage":
            self.stage = str(event["stage"])
        fraction = 0.0
        if kind == "epoch":
            epoch, epochs = int(event["epoch"]), int(event["epochs"])
            if epoch == epochs:
                self.finished += 1
            if self.trainings:
                done = self.finished + (0 if epoch == epochs else epoch / epochs)
                fraction = min(1.0, done / self.trainings)
            status = t("lab_training", lang, model=event["model"], seed=event["seed"],
                       epoch=epoch, epochs=epochs, ndcg=f"{event['valid_ndcg']:.4f}")  # fmt: skip
        elif self.stage in ("data", "teacher"):
            status = t(f"lab_stage_{self.stage}", lang)
        else:
            status = t("lab_stage_student", lang, model=self.stage, seed=event.get("seed", ""))
        if self.trainings and kind != "epoch":
            fraction = self.finished / self.trainings
        return status, fraction
