"""The distillation lab: run teacher → students on real data in a subprocess, watch the progress,
and read the comparison (table, validation curves, summary). The last result is kept on disk."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Header, ProgressBar, Static

from kdquiz.i18n import Message, colon
from kdquiz.lab.presets import FULL, QUICK, Preset, estimate, preset_of
from kdquiz.lab.tracker import LabProgress
from kdquiz.tui.screens.base import AppScreen

if TYPE_CHECKING:
    from kdquiz.lab.results import LabEvent, LabResult

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
        Binding(
            "p",
            "toggle_preset",
            "Preset",
            id="preset",
            tooltip="Quick (1 seed, fewer epochs: a first look) or the full recipe",
        ),  # fmt: skip
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

    NARROW_HIDDEN = AppScreen.NARROW_HIDDEN | {"cycle_seeds", "fetch_data"}
    """Left out of the Footer below 100 columns, so that Help and the language switch keep their
    room (the setup's key line lists n, and its note says "press f")."""

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
        self.preset: Preset = FULL
        """The recipe a run uses: quick (a first look) or full (key p)."""
        self.seeds = FULL.seeds
        self.cancel: threading.Event | None = None
        """Set to stop the running lab; None when nothing runs."""
        self.started = 0.0
        self.status = ""
        """What the status line says when no run is under way (the last run's end)."""
        self.progress = LabProgress()
        """The running lab's progress (the share done, what runs now, the time left)."""
        self.result: LabResult | None = None
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
        if action in ("run", "cycle_data", "toggle_workspace", "cycle_seeds", "toggle_preset"):
            return not running
        if action == "fetch_data":
            return self.movielens is False and not running
        return True

    @work(thread=True, exit_on_error=False, group="lab-load")
    def load_last_result(self) -> None:
        """Whether MovieLens is here (imports NumPy) and the last result, off the loop (a
        missing, corrupt or incompatible file is no result)."""
        from kdquiz.lab.data import movielens_path
        from kdquiz.lab.datasets import DEFAULT, installed
        from kdquiz.lab.results import LabResult

        movielens = installed(DEFAULT) is not None or movielens_path() is not None
        try:
            text = last_result_path().read_text(encoding="utf-8")
            result: LabResult | None = LabResult.from_json(json.loads(text))
        except (OSError, ValueError):  # LabResultError is a ValueError
            result = None
        self.app.call_from_thread(self._loaded, movielens, result)

    def _loaded(self, movielens: bool, result: LabResult | None) -> None:
        self.movielens = movielens
        self.refresh_bindings()
        if self.result is None and result is not None:
            self.result = result
            # The settings the shown result was run with.
            self.preset = preset_of(result.config)
            if len(result.seeds) in SEED_CHOICES:
                self.seeds = len(result.seeds)
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
            f"{self.t('lab_seeds')}{c}[b]{self.seeds}[/b]\n"
        )
        setup.append_text(self.preset_line())
        if self.movielens is False:
            setup.append("\n" + self.t("lab_no_movielens_app"), "dim")
        elif self.movielens and not self.synthetic:
            setup.append("\n" + self.t("lab_movielens_terms"), "dim")
        self.query_one("#lab-setup", Static).update(setup)
        self.update_progress()
        self.query_one("#lab-results", Static).update(self.results_view())

    def preset_line(self) -> Text:
        """The preset, what it means, and about how long a run takes with it."""
        preset = self.preset
        name = self.t(f"lab_preset_{preset.key}")
        means = self.t(f"lab_preset_{preset.key}_means", epochs=preset.config.get("epochs", ""))
        value = Text(self.t("lab_preset_value", name=name, means=means))
        value.stylize("bold", 0, len(name))  # the name comes first in both languages
        line = Text(f"{self.t('lab_preset')}{colon(self.lang)}") + value
        kind = "movielens-100k" if self.movielens and not self.synthetic else "synthetic"
        about = estimate(preset, self.seeds, kind) if self.movielens is not None else None
        if about is not None:
            line.append(f"   ·   {about.text(self.lang)}")
        return line

    def update_progress(self) -> None:
        running = self.cancel is not None
        bar = self.query_one("#lab-progress", ProgressBar)
        bar.display = running
        bar.update(progress=self.progress.fraction)
        if self.cancel is not None:
            cancelling = self.cancel.is_set()
            doing = self.progress.status().text(self.lang)
            status = self.t("lab_cancelling") if cancelling else doing
            timing = self.t("lab_elapsed", n=round(time.monotonic() - self.started))
            left = self.progress.time_left()
            if left is not None and not cancelling:
                timing += f" · {left.text(self.lang)}"
            status = self.t("lab_status_running", status=status, timing=timing,
                            cancel=self.t("cancel"))  # fmt: skip
        else:
            status = self.status or self.t("lab_press_run")
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

    def action_toggle_preset(self) -> None:
        """Quick ⇄ full; each starts with its own number of seeds (n still cycles them)."""
        self.preset = FULL if self.preset is QUICK else QUICK
        self.seeds = self.preset.seeds
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
        self.progress = LabProgress()
        self.status = ""
        self._ticker = self.set_interval(0.5, self.update_progress)
        self.refresh_bindings()
        self.update_progress()
        workspace = self.data.workspace if self.data is not None else None
        exercises = workspace.exercises_dir if (self.use_workspace and workspace) else None
        config = {"seeds": self.seeds, **self.preset.config, **self.config_overrides}
        self.run_lab(self.cancel, exercises, self.synthetic or not self.movielens, config)

    def action_cancel_run(self) -> None:
        if self.cancel is not None:
            self.cancel.set()
            self.update_progress()

    @work(thread=True, exclusive=True, exit_on_error=False, group="lab")
    def run_lab(self, cancel: threading.Event, exercises: Path | None, synthetic: bool,
                config: dict[str, Any]) -> None:  # fmt: skip
        """The lab in its subprocess with the recipe `config`; events come back to the screen
        as they arrive."""
        from kdquiz.lab.runner import LabRequest, choose_data, run_lab_process

        source, _ = choose_data(None, synthetic)
        request = LabRequest(source, exercises, config)

        def on_event(event: LabEvent) -> None:
            self.app.call_from_thread(self._progress, cancel, event)

        outcome = run_lab_process(request, on_event, cancel)
        if outcome.result is not None:
            path = last_result_path()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(outcome.result.to_json()), encoding="utf-8")
            except OSError:
                pass  # showing the result matters more than keeping it
        self.app.call_from_thread(self._finished, cancel, outcome.result, outcome.error)

    def _progress(self, cancel: threading.Event, event: LabEvent) -> None:
        if self.cancel is cancel:  # (not an event of a run that has ended)
            self.progress.update(event)
            self.update_progress()

    def _finished(self, cancel: threading.Event, result: LabResult | None,
                  error: Message | None) -> None:  # fmt: skip
        self.cancel = None
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if result is not None:
            self.result = result
            self.status = self.t("lab_done", seconds=f"{result.seconds:.0f}")
        elif cancel.is_set():
            self.status = self.t("lab_cancelled")
            self.notify(self.status, severity="warning")
        else:
            self.status = error.text(self.lang) if error else ""
            self.notify(self.status, severity="error", timeout=15)
        self.refresh_bindings()
        self.refresh_view()
