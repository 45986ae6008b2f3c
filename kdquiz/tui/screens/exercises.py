"""The exercise workbench: every exercise with its status, and for the selected one the task,
the last check result per named check, and the hints taken so far.

From here the learner runs the hidden checks (in a thread worker, cancellable), takes the next
hint, edits the file in $EDITOR, watches it for saves, reveals the reference solution beside
their own file, and resets it to the stub. Progress is recorded exactly as the CLI records it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Header, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from kdquiz.catalog import Exercise
from kdquiz.checker.results import ExerciseResult
from kdquiz.checker.runner import Limits, run_hidden_suite, start_warm_checker
from kdquiz.i18n import colon
from kdquiz.progress import Attempt
from kdquiz.solving import (
    ever_passed,
    file_digest,
    may_show_solution,
    record_check,
    standing,
    workspace_key,
)
from kdquiz.tui.editor import edit_in_editor
from kdquiz.tui.screens.base import AppScreen
from kdquiz.tui.screens.solution import SolutionScreen
from kdquiz.tui.widgets.exercise_view import (
    check_view,
    describe_ago,
    heading,
    hints_view,
    list_entry,
)
from kdquiz.tui.widgets.task_view import TaskText
from kdquiz.workspace import SaveWatcher, Workspace, shown_path, task_text

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
WATCH_INTERVAL = 0.1
"""Seconds between two looks at the watched file (one os.stat)."""
TABS = ("tab-task", "tab-check", "tab-hints")


@dataclass
class CheckRun:
    """One check in progress: its exercise, the event that cancels it, when it started."""

    exercise: Exercise
    cancel: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)


# ---------------------------------------------------------------------- the workbench


class ExercisesScreen(AppScreen):
    """The workbench. `initial` is the id of the exercise selected on open (e.g. from a review
    question's related exercise)."""

    DEFAULT_CSS = """
    ExercisesScreen #ex-body { height: 1fr; }
    ExercisesScreen #ex-list { width: 30%; min-width: 26; max-width: 44; height: 100%;
        border: round $primary; }
    ExercisesScreen #ex-list:focus { border: round $accent; }
    ExercisesScreen #ex-detail { width: 1fr; height: 100%; padding: 0 0 0 1; }
    ExercisesScreen #ex-heading { height: auto; }
    ExercisesScreen #ex-state { height: auto; color: $warning; }
    ExercisesScreen #ex-tabs { height: 1fr; }
    ExercisesScreen #ex-tabs > ContentSwitcher { height: 1fr; }
    ExercisesScreen #ex-tabs TabPane { height: 1fr; padding: 0; }
    ExercisesScreen .ex-pane { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("c", "check", "Check", id="check", tooltip="Run the hidden checks"),
        Binding("x", "cancel_check", "Cancel", id="cancel", tooltip="Stop the running check"),
        Binding("h", "hint", "Hint", id="hint", tooltip="Show the next hint"),
        Binding("o", "edit", "Edit", id="edit", tooltip="Open your file in $EDITOR"),
        Binding("enter", "edit", "Edit your file", show=False, priority=True),
        Binding("w", "watch", "Watch", id="watch", tooltip="Re-check on every save"),
        Binding("s", "solution", "Solution", id="solution"),
        Binding("r", "reset", "Reset", id="reset", tooltip="Restore the stub (backed up)"),
        Binding("up", "move(-1)", "Previous exercise", show=False),
        Binding("down", "move(1)", "Next exercise", show=False),
        Binding("left", "tab(-1)", "Previous tab (Task, Check, Hints)", show=False),
        Binding("right", "tab(1)", "Next tab", show=False),
    ]

    NARROW_HIDDEN = frozenset({"quit", "watch", "reset"})

    def __init__(self, initial: str | None = None) -> None:
        super().__init__()
        self.initial = initial
        """Exercise id to select on open."""
        self.selected_id: str | None = None
        """The exercise shown in the detail pane."""
        self.statuses: dict[str, str] = {}
        """Exercise id -> untried / failing / passed, re-read from the store on every change."""
        self.last_results: dict[str, dict[str, Any]] = {}
        """Exercise id -> its last check result (`ExerciseResult.to_dict()`), from the store."""
        self.latest_attempts: dict[str, Attempt] = {}
        """Exercise id -> its latest recorded attempt (the score shown in the list)."""
        self.hint_counts: dict[str, int] = {}
        """Exercise id -> hints taken; bumped at once on `h`, before the store write lands."""
        self.check_notes: dict[str, str] = {}
        """Exercise id -> a note about the latest run that was not recorded (cancelled)."""
        self.current_run: CheckRun | None = None
        """The check in progress, if any (one at a time; a new one cancels it)."""
        self.watching = False
        """Watch mode: re-check the selected exercise whenever its file is saved."""
        self._watcher: SaveWatcher | None = None
        self._watch_timer: Timer | None = None
        self._ticker: Timer | None = None

    def on_mount(self) -> None:
        # (AppScreen's own on_mount runs too: Textual calls the handler of every class.)
        self.call_after_refresh(self.start_warm_checker)

    @work(thread=True, exclusive=True, exit_on_error=False, group="warm")
    def start_warm_checker(self) -> None:
        """After the first frame: start the process checks fork from (torch is imported there,
        never here), so the first check takes a fraction of a cold one."""
        start_warm_checker()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="ex-body"):
            yield OptionList(id="ex-list")
            with Vertical(id="ex-detail"):
                yield Static(id="ex-heading")
                yield Static(id="ex-state")
                with TabbedContent(id="ex-tabs"):
                    with TabPane("Task", id="tab-task"):
                        with VerticalScroll(classes="ex-pane"):
                            yield Static(id="ex-task")
                    with TabPane("Check", id="tab-check"):
                        with VerticalScroll(classes="ex-pane"):
                            yield Static(id="ex-check")
                    with TabPane("Hints", id="tab-hints"):
                        with VerticalScroll(classes="ex-pane"):
                            yield Static(id="ex-hints")
        yield Footer()

    def on_unmount(self) -> None:
        """Leaving the workbench stops a running check (its subprocess is killed)."""
        if self.current_run is not None:
            self.current_run.cancel.set()

    # ------------------------------------------------------------------ data and selection

    @property
    def workspace(self) -> Workspace | None:
        return self.data.workspace if self.data is not None else None

    @property
    def selected(self) -> Exercise | None:
        if self.data is None:
            return None
        return next((e for e in self.data.catalog if e.id == self.selected_id), None)

    def exercise_file(self, exercise: Exercise) -> str:
        """The learner's file as shown: relative to the workspace root."""
        workspace = self.workspace
        if workspace is None:
            return f"exercises/{exercise.id}.py"
        return shown_path(workspace.exercise_path(exercise), workspace.root)

    def refresh_view(self) -> None:
        data = self.data
        assert data is not None
        store = data.store
        if data.workspace is not None:
            state = standing(store, data.workspace, data.catalog)
            self.statuses, self.latest_attempts = dict(state.statuses), state.latest
            self.last_results = store.last_results(workspace_key(data.workspace))
        self.hint_counts = store.hints_by_exercise()
        options = self.query_one("#ex-list", OptionList)
        if options.option_count == 0:
            options.add_options([Option(self._option_prompt(e), id=e.id) for e in data.catalog])
            self._select_initial(data.catalog, options)
        else:
            for exercise in data.catalog:
                options.replace_option_prompt(exercise.id, self._option_prompt(exercise))
        self.title = self.t("ex_title")
        workspace = data.workspace
        self.sub_title = (
            f"{self.t('ex_workspace')}{colon(self.lang)}{shown_path(workspace.root, None)}"
            if workspace is not None
            else self.t("ex_no_workspace_short")
        )
        tabs = self.query_one("#ex-tabs", TabbedContent)
        for pane, key in zip(TABS, ("ex_tab_task", "ex_tab_check", "ex_tab_hints"), strict=True):
            tabs.get_tab(pane).label = self.t(key)
        self.show_detail()

    def _select_initial(self, catalog: Iterable[Exercise], options: OptionList) -> None:
        ids = [e.id for e in catalog]
        if self.initial is not None and self.initial not in ids:
            self.notify(self.t("ex_unknown", ex=self.initial), severity="warning")
        wanted = self.initial if self.initial in ids else ids[0] if ids else None
        if wanted is not None:
            options.highlighted = ids.index(wanted)
            self.select(wanted)

    @on(OptionList.OptionHighlighted, "#ex-list")
    def option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None and event.option.id != self.selected_id:
            self.select(event.option.id)

    def select(self, exercise_id: str) -> None:
        """Show `exercise_id`; a watch follows the selection without checking at once."""
        self.selected_id = exercise_id
        exercise = self.selected
        if exercise is not None and self.workspace is not None:
            self._watcher = SaveWatcher(self.workspace.exercise_path(exercise))
        for pane in self.query(".ex-pane").results(VerticalScroll):
            pane.scroll_home(animate=False)
        self.show_detail()

    # ------------------------------------------------------------------ rendering

    def _option_prompt(self, exercise: Exercise) -> Text:
        running = self.current_run is not None and self.current_run.exercise.id == exercise.id
        status = self.statuses.get(exercise.id, "untried")
        last = self.latest_attempts.get(exercise.id)
        return list_entry(exercise, status, last, running, self.lang, self.size.width >= 100)

    def _check_view(self, exercise: Exercise) -> RenderableType:
        attempt = self.latest_attempts.get(exercise.id)
        return check_view(
            ExerciseResult.from_dict(self.last_results.get(exercise.id)), attempt,
            self.check_notes.get(exercise.id, ""), self.exercise_file(exercise), self.lang,
            describe_ago(attempt.at, self.kdapp.clock(), self.lang) if attempt else "",
        )  # fmt: skip

    def _hints_view(self, exercise: Exercise) -> RenderableType:
        return hints_view(exercise, self.hint_counts.get(exercise.id, 0), self.lang)

    def _update_prompt(self, exercise: Exercise) -> None:
        self.query_one("#ex-list", OptionList).replace_option_prompt(
            exercise.id, self._option_prompt(exercise)
        )

    def show_detail(self) -> None:
        """Redraw the heading, the state line and the three tabs for the selected exercise."""
        exercise = self.selected
        if exercise is None:
            return
        taken = self.hint_counts.get(exercise.id, 0)
        shown_file = self.exercise_file(exercise) if self.workspace is not None else ""
        self.query_one("#ex-heading", Static).update(
            heading(exercise, taken, shown_file, self.lang)
        )
        self.update_state()
        task = TaskText(task_text(exercise, self.workspace, self.lang))
        self.query_one("#ex-task", Static).update(task)
        self.query_one("#ex-check", Static).update(self._check_view(exercise))
        self.query_one("#ex-hints", Static).update(self._hints_view(exercise))

    def update_state(self) -> None:
        """The line above the tabs: no workspace, a running check (with a timer), watch mode."""
        lines: list[Text] = []
        if self.workspace is None:
            lines.append(Text(self.t("ex_no_workspace")))
        run = self.current_run
        if run is not None:
            if run.cancel.is_set():
                lines.append(Text(self.t("ex_cancelling", ex=run.exercise.id), "bold"))
            else:
                elapsed = time.monotonic() - run.started
                frame = SPINNER[int(elapsed * 8) % len(SPINNER)]
                running = self.t("ex_running", ex=run.exercise.id, s=int(elapsed))
                lines.append(Text(f"{frame} {running}", "bold"))
        exercise = self.selected
        if self.watching and exercise is not None:
            watching = self.t("ex_watching", path=self.exercise_file(exercise))
            lines.append(Text(f"◉ {watching}", "cyan"))
        state = self.query_one("#ex-state", Static)
        state.update(Text("\n").join(lines))
        state.display = bool(lines)

    def show_tab(self, pane: str) -> None:
        self.query_one("#ex-tabs", TabbedContent).active = pane

    # ------------------------------------------------------------------ navigation

    def action_move(self, step: int) -> None:
        """Up / down move through the list whatever has focus (unless it scrolls itself)."""
        options = self.query_one("#ex-list", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_tab(self, step: int) -> None:
        tabs = self.query_one("#ex-tabs", TabbedContent)
        index = TABS.index(tabs.active) if tabs.active in TABS else 0
        tabs.active = TABS[(index + step) % len(TABS)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_check":
            return self.current_run is not None  # shown only while a check runs
        return True

    def _need_workspace(self) -> Workspace | None:
        """The workspace, or None after telling the learner in one sentence that there is none."""
        if self.workspace is None:
            self.notify(self.t("ex_no_workspace"), severity="error")
        return self.workspace

    @work(thread=True, exit_on_error=False, group="progress")
    def save_progress(self, write: Callable[[], None]) -> None:
        """Write a hint or a reveal to the store off the event loop, then refresh the screens."""
        write()
        self.app.call_from_thread(self.kdapp.changed)

    # ------------------------------------------------------------------ check

    def action_check(self, exercise: Exercise | None = None) -> None:
        """Run the hidden suite on the learner's file; a running check is cancelled first."""
        exercise = exercise or self.selected
        workspace = self._need_workspace()
        if exercise is None or workspace is None:
            return
        if self.current_run is not None:
            previous = self.current_run.exercise
            self.current_run.cancel.set()
            self.current_run = None
            self._update_prompt(previous)
        run = CheckRun(exercise)
        self.current_run = run
        self.check_notes.pop(exercise.id, None)
        self.run_check(run, workspace)
        if self._ticker is None:
            self._ticker = self.set_interval(0.25, self.update_state)
        self._update_prompt(exercise)
        self.update_state()
        self.refresh_bindings()
        if exercise.id == self.selected_id:
            self.show_tab("tab-check")

    @work(thread=True, exclusive=True, exit_on_error=False, group="check")
    def run_check(self, run: CheckRun, workspace: Workspace) -> None:
        """Run one check in the subprocess and record it like `kdquiz check` (unless cancelled)."""
        assert self.data is not None
        store = self.data.store
        result: ExerciseResult | None = None
        digest = file_digest(workspace.exercise_path(run.exercise))
        try:
            result = run_hidden_suite(
                [run.exercise.id], workspace.exercises_dir, Limits(), cancel=run.cancel
            )[0]
            if not run.cancel.is_set():
                record_check(store, workspace, result, digest)
        finally:
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._check_finished, run, result)

    def _check_finished(self, run: CheckRun, result: ExerciseResult | None) -> None:
        if run is not self.current_run:
            return  # superseded by a newer run
        self.current_run = None
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        exercise = run.exercise
        if result is not None and run.cancel.is_set():
            self.check_notes[exercise.id] = self.t("ex_cancelled")
            self.notify(self.t("ex_result_cancelled", ex=exercise.id), severity="warning")
        elif result is not None:
            values = {"ex": exercise.id, "passed": result.passed, "total": result.total}
            if result.status == "pass":
                self.notify(self.t("ex_result_pass", **values))
            elif result.status == "fail":
                self.notify(self.t("ex_result_fail", **values), severity="warning")
            else:
                self.notify(self.t("ex_result_error", **values), severity="error")
        self.refresh_bindings()
        self.kdapp.changed()  # re-reads the store here and on home
        if exercise.id == self.selected_id:
            self.show_tab("tab-check")

    def action_cancel_check(self) -> None:
        """Stop the running check: the runner kills its subprocess; nothing is recorded."""
        if self.current_run is not None:
            self.current_run.cancel.set()
            self.update_state()

    # ------------------------------------------------------------------ watch mode

    def action_watch(self) -> None:
        """Toggle watch mode.

        It polls the file's mtime and size every 0.1 s rather than using inotify/FSEvents:
        one os.stat is cheap, needs no extra dependency, and works the same on every OS, file
        system and editor (including those that save by renaming a new file into place).
        """
        exercise = self.selected
        if self._need_workspace() is None or exercise is None:
            return
        self.watching = not self.watching
        if self.watching:
            self.select(exercise.id)  # the current file is the baseline
            self._watch_timer = self.set_interval(WATCH_INTERVAL, self.poll_watched_file)
            self.notify(self.t("ex_watch_on", path=self.exercise_file(exercise)))
        else:
            if self._watch_timer is not None:
                self._watch_timer.stop()
                self._watch_timer = None
            self.notify(self.t("ex_watch_off"))
        self.update_state()

    def poll_watched_file(self) -> None:
        """Start a check once a save is complete (see SaveWatcher)."""
        exercise = self.selected
        if exercise is not None and self._watcher is not None and self._watcher.saved():
            self.action_check(exercise)

    # ------------------------------------------------------------------ hints

    def action_hint(self) -> None:
        """The next tier of hints, recorded like `kdquiz hint`."""
        exercise, data = self.selected, self.data
        if exercise is None or data is None:
            return
        self.show_tab("tab-hints")
        total = len(exercise.hints)
        taken = self.hint_counts.get(exercise.id, 0)
        if taken >= total:
            self.notify(self.t("ex_no_hints_left", total=total))
            return
        tier = taken + 1
        self.hint_counts[exercise.id] = tier
        store = data.store
        self.save_progress(lambda: store.record_hint(exercise.id, tier))
        self.show_detail()
        self.query_one("#tab-hints .ex-pane", VerticalScroll).scroll_end(animate=False)

    # ------------------------------------------------------------------ editor

    def action_edit(self) -> None:
        """Open the learner's file in $EDITOR (the app is suspended meanwhile), then offer to
        check it."""
        exercise, workspace = self.selected, self._need_workspace()
        if exercise is None or workspace is None:
            return
        path = workspace.exercise_path(exercise)
        shown = self.exercise_file(exercise)
        if not path.exists():
            self.notify(self.t("ex_missing_file", path=shown), severity="warning")
            return
        problem = edit_in_editor(self.app, path)
        if problem is not None:
            key, values = problem
            soft = key in ("ex_no_suspend", "ex_editor_status")
            self.notify(self.t(key, path=shown, **values), severity="warning" if soft else "error")
            if key != "ex_editor_status":
                return
        self.show_detail()  # the task may have been edited
        if not self.watching:  # in watch mode the save itself starts the check
            self.confirm(self.t("ex_run_now"), lambda: self.action_check(exercise))

    # ------------------------------------------------------------------ solution

    def action_solution(self) -> None:
        """The reference beside the learner's file: at once after a pass (or an earlier reveal),
        otherwise after a confirmation, like `kdquiz solution`."""
        exercise, data = self.selected, self.data
        if exercise is None or data is None:
            return
        if may_show_solution(data.store, exercise):
            self._reveal(exercise, ever_passed(data.store, exercise))
        else:
            self.confirm(
                self.t("ex_reveal_confirm", ex=exercise.id), lambda: self._reveal(exercise, False)
            )

    def _reveal(self, exercise: Exercise, had_passed: bool) -> None:
        assert self.data is not None
        try:
            reference = exercise.solution_path.read_text(encoding="utf-8")
        except OSError as exc:
            self.notify(f"{exercise.solution_path}: {exc.strerror}", severity="error")
            return
        mine: str | None = None
        workspace = self.workspace
        if workspace is not None:
            try:
                mine = workspace.exercise_path(exercise).read_text(encoding="utf-8")
            except OSError:
                mine = None
        store = self.data.store
        self.save_progress(lambda: store.record_reveal(exercise.id, had_passed))
        screen = SolutionScreen(exercise, mine, self.exercise_file(exercise), reference)
        self.app.push_screen(screen)

    # ------------------------------------------------------------------ reset

    def action_reset(self) -> None:
        """Put the stub back, after a confirmation; the learner's file is backed up first."""
        exercise, workspace = self.selected, self._need_workspace()
        if exercise is None or workspace is None:
            return
        question = self.t("ex_reset_confirm", ex=exercise.id, path=self.exercise_file(exercise))
        self.confirm(question, lambda: self._reset(exercise, workspace))

    def _reset(self, exercise: Exercise, workspace: Workspace) -> None:
        try:
            backup = workspace.restore_stub(exercise)
        except OSError as exc:
            self.notify(
                self.t("ex_reset_failed", ex=exercise.id, error=exc.strerror or exc),
                severity="error",
            )
            return
        if backup is None:
            self.notify(self.t("ex_reset_done_plain", ex=exercise.id))
        else:
            shown = shown_path(backup, workspace.root)
            self.notify(self.t("ex_reset_done", ex=exercise.id, backup=shown), timeout=10)
        if exercise.id == self.selected_id:
            self.select(exercise.id)  # a watch should not re-check the fresh stub
        self.show_tab("tab-task")

    # ------------------------------------------------------------------ command palette

    def screen_commands(self) -> Iterable[SystemCommand]:
        """Palette entries for the selected exercise (the app adds them to its own)."""
        exercise = self.selected
        if exercise is None:
            return
        ex = exercise.id
        yield SystemCommand(
            self.t("ex_cmd_check", ex=ex), self.t("ex_cmd_check_help"), self.action_check
        )
        if self.current_run is not None:
            yield SystemCommand(
                self.t("ex_cmd_cancel"), self.t("ex_cmd_cancel_help"), self.action_cancel_check
            )
        yield SystemCommand(
            self.t("ex_cmd_hint", ex=ex), self.t("ex_cmd_hint_help"), self.action_hint
        )
        yield SystemCommand(
            self.t("ex_cmd_edit", ex=ex), self.t("ex_cmd_edit_help"), self.action_edit
        )
        yield SystemCommand(self.t("ex_cmd_watch"), self.t("ex_cmd_watch_help"), self.action_watch)
        yield SystemCommand(
            self.t("ex_cmd_solution", ex=ex), self.t("ex_cmd_solution_help"), self.action_solution
        )
        yield SystemCommand(
            self.t("ex_cmd_reset", ex=ex), self.t("ex_cmd_reset_help"), self.action_reset
        )
