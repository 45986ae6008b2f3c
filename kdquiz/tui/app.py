"""The kdquiz terminal app: review sessions, the question browser, the exercise workbench and
statistics. It never imports torch: checks run in the checker's subprocess."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from kdquiz.i18n import LANGUAGE_NAMES, LANGUAGES, Message, t
from kdquiz.tui import cjk

if TYPE_CHECKING:
    # The data layers load in a worker after the first frame (start-up is part of the product).
    from kdquiz.bank import Problem, QuestionBank
    from kdquiz.catalog import Exercise
    from kdquiz.progress import ProgressStore
    from kdquiz.review import Deck
    from kdquiz.tui.screens.export import ExportRequest
    from kdquiz.workspace import Workspace


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppData:
    """Everything the screens show, loaded once off the event loop."""

    bank: QuestionBank
    problems: list[Problem]
    catalog: tuple[Exercise, ...]
    store: ProgressStore
    deck: Deck
    workspace: Workspace | None
    notes: list[tuple[Message, str]] = field(default_factory=list)
    """(message, severity) pairs to show once the app is up."""


class KDQuizApp(App[None]):
    """Keyboard-first practice for knowledge distillation interviews."""

    TITLE = "kdquiz"
    SUB_TITLE = "knowledge distillation for recommender systems"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("f1,question_mark", "help", "Help", id="help"),
        Binding("ctrl+l", "toggle_language", "中文/EN", id="language"),
    ]

    lang: reactive[str] = reactive("en")
    """Language of question texts and labels: 'en' or 'zh'; remembered between runs."""
    revision: reactive[int] = reactive(0)
    """Bumped whenever data or progress changes, so screens watching it refresh themselves."""

    def __init__(
        self,
        questions: list[Path] | None = None,
        workspace: Path | None = None,
        lang: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        interview: tuple[int, str | None] | None = None,
    ) -> None:
        super().__init__()
        cjk.install()  # Chinese lines break between characters, not only at spaces
        self.extra_banks = questions or []
        """Folders of user question banks (--questions), besides KDQUIZ_QUESTIONS."""
        self.workspace_path = workspace
        """--workspace, if given; otherwise the usual lookup."""
        self.requested_lang = lang
        """--lang, if given; it wins over (and replaces) the remembered language."""
        self.clock = clock
        """The current time (tests pass a fixed one)."""
        self.start_interview = interview
        """(minutes, focus) of the interview `kdquiz interview` opens once the data is in."""
        self.data: AppData | None = None
        """None until the loading worker finishes."""
        self._first_frame = threading.Event()
        self.load_error: str | None = None
        """Why the data could not be loaded (e.g. an unusable data dir), if it could not."""

    def get_default_screen(self) -> Screen[Any]:
        from kdquiz.tui.screens.home import HomeScreen

        return HomeScreen()

    def on_mount(self) -> None:
        if self.requested_lang in LANGUAGES:
            self.lang = self.requested_lang
        self.load_data()

    def on_ready(self) -> None:
        self._first_frame.set()

    # ------------------------------------------------------------------ data

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load_data(self) -> None:
        """Read the banks, the progress store and the workspace, then publish them."""
        # Start after the first frame is drawn: the imports below would otherwise compete with
        # it for the interpreter (the worker still exists from mount on, so tests can wait for it).
        self._first_frame.wait(timeout=1.0)
        from kdquiz.bank import builtin_bank_dir, load_banks, user_bank_dirs
        from kdquiz.catalog import load_catalog
        from kdquiz.progress import ProgressStore
        from kdquiz.review import Deck
        from kdquiz.workspace import WorkspaceError, find_workspace, shown_path

        catalog = load_catalog()
        notes: list[tuple[Message, str]] = []
        store = ProgressStore.default()  # ProgressError is reported by on_worker_state_changed
        notes += [(warning, "warning") for warning in store.warnings]
        bank, problems = load_banks(
            [builtin_bank_dir(), *user_bank_dirs(self.extra_banks)], {e.id for e in catalog}
        )
        if problems:
            notes.append((Message("note_bank_problems", n=len(problems)), "warning"))
        workspace = None
        try:
            workspace = find_workspace(catalog, explicit=self.workspace_path)
            if workspace.created:
                notes.append(
                    (
                        Message("note_workspace_created", root=shown_path(workspace.root)),
                        "information",
                    )  # fmt: skip
                )
            if workspace.added:
                added = ", ".join(workspace.added)
                notes.append((Message("note_exercises_added", ids=added), "information"))
        except WorkspaceError as exc:
            notes.append((exc, "error"))
        saved_lang = store.get_setting("lang")
        if self.requested_lang in LANGUAGES:
            store.set_setting("lang", self.requested_lang)
        deck = Deck(bank, store, clock=self.clock)
        data = AppData(bank, problems, catalog, store, deck, workspace, notes)
        self.call_from_thread(self._publish, data, saved_lang)

    def _publish(self, data: AppData, saved_lang: str | None) -> None:
        self.data = data
        if self.requested_lang not in LANGUAGES and saved_lang in LANGUAGES:
            self.lang = saved_lang
        self.revision += 1
        for note, severity in data.notes:
            self.notify(note.text(self.lang), severity=severity, timeout=10)  # type: ignore[arg-type]
        if self.start_interview is not None:
            from kdquiz.tui.screens.interview import InterviewScreen

            minutes, focus = self.start_interview
            self.start_interview = None
            self.push_screen(InterviewScreen(minutes, focus))

    def changed(self) -> None:
        """Progress changed (an answer, a check): screens refresh what they show."""
        self.revision += 1

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Errors in workers become notifications, never a crash."""
        if event.state != WorkerState.ERROR:
            return
        from kdquiz.progress import ProgressError

        error = event.worker.error
        if isinstance(error, ProgressError):
            message = error.text(self.lang)
        else:
            message = t("background_error", self.lang, error=error)
        self.notify(message, severity="error", timeout=15)
        if event.worker.group == "load":
            from kdquiz.tui.screens.base import AppScreen

            self.load_error = message
            home = self.screen_stack[0]
            if isinstance(home, AppScreen):
                home.refresh_view()  # it says so instead of "loading…"

    # ------------------------------------------------------------------ language

    def action_toggle_language(self) -> None:
        self.lang = "zh" if self.lang == "en" else "en"
        self.notify(t("language_now", self.lang, name=LANGUAGE_NAMES[self.lang]), timeout=3)

    def watch_lang(self, lang: str) -> None:
        self.sub_title = t("tagline", lang)
        if self.data is not None:  # before that, load_data stores an explicit --lang itself
            self.save_setting("lang", lang)

    @work(thread=True, group="settings", exit_on_error=False)
    def save_setting(self, key: str, value: str) -> None:
        if self.data is not None:
            self.data.store.set_setting(key, value)

    # ------------------------------------------------------------------ navigation

    def open_screen(self, name: str) -> None:
        """Switch to one of the main screens (from home, the palette or another screen)."""
        from kdquiz.tui.screens import main_screen

        if self.data is None:
            self.notify(self.load_error or t("still_loading", self.lang), timeout=5)
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if name != "home":
            self.push_screen(main_screen(name))

    def action_open(self, name: str) -> None:
        self.open_screen(name)

    def action_settings(self) -> None:
        from kdquiz.tui.screens.settings import Settings, SettingsScreen

        if self.data is None:
            self.notify(t("still_loading", self.lang), timeout=3)
            return
        deck = self.data.deck
        current = Settings(deck.new_per_day, self.lang, deck.desired_retention)
        workspace = ""
        if self.data.workspace is not None:
            from kdquiz.workspace import shown_path

            workspace = shown_path(self.data.workspace.root)
        self.push_screen(
            SettingsScreen(current, deck.expected_daily_reviews, deck, workspace),
            self._apply_settings,
        )

    def _apply_settings(self, settings: object) -> None:
        from kdquiz.tui.screens.settings import Settings

        if not isinstance(settings, Settings):
            return
        self.lang = settings.lang
        self.save_schedule_settings(settings.new_per_day, settings.desired_retention)

    @work(thread=True, group="settings", exit_on_error=False)
    def save_schedule_settings(self, new_per_day: int, retention: float) -> None:
        if self.data is not None:
            self.data.deck.set_new_per_day(new_per_day)
            self.data.deck.set_desired_retention(retention)
            self.call_from_thread(self.changed)

    def action_export_anki(self) -> None:
        from kdquiz.tui.screens.export import ExportScreen

        if self.data is None:
            self.notify(t("still_loading", self.lang), timeout=3)
            return
        self.push_screen(ExportScreen(self.lang), self._export)

    def _export(self, request: object) -> None:
        from kdquiz.tui.screens.export import ExportRequest

        if isinstance(request, ExportRequest):
            self.export_anki(request)

    @work(thread=True, group="export", exit_on_error=False)
    def export_anki(self, request: ExportRequest) -> None:
        """Write the deck off the event loop (genanki builds a SQLite file)."""
        from kdquiz.anki import export_anki

        assert self.data is not None
        try:
            count = export_anki(self.data.bank.questions, request.path, request.lang)  # type: ignore[arg-type]
        except OSError as exc:
            message = t("export_failed", self.lang, path=request.path, why=exc.strerror or exc)
            self.call_from_thread(self.notify, message, severity="error", timeout=10)
            return
        message = t("export_done", self.lang, n=count, path=request.path)
        self.call_from_thread(self.notify, message, timeout=10)

    def action_help(self) -> None:
        from kdquiz.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette, in the app's language: Textual's own entries, then the app's, then the
        screen's (its keys that apply now)."""

        def command(key: str, callback: Callable[[], object]) -> SystemCommand:
            return SystemCommand(t(f"cmd_{key}", self.lang), t(f"cmd_{key}_help", self.lang),
                                 callback)  # fmt: skip

        yield command("review", lambda: self.open_screen("review"))
        yield command("browse", lambda: self.open_screen("browse"))
        yield command("exercises", lambda: self.open_screen("exercises"))
        yield command("interview", lambda: self.open_screen("interview"))
        yield command("stats", lambda: self.open_screen("stats"))
        yield command("lab", lambda: self.open_screen("lab"))
        yield command("settings", self.action_settings)
        yield command("language", self.action_toggle_language)
        yield command("help", self.action_help)
        yield command("anki", self.action_export_anki)
        yield command("theme", self.action_change_theme)
        if screen.query("HelpPanel"):
            yield command("hide_keys", self.action_hide_help_panel)
        else:
            yield command("keys", self.action_show_help_panel)
        yield command("screenshot", lambda: self.set_timer(0.1, self.deliver_screenshot))
        yield command("quit", self.action_quit)
        commands = getattr(screen, "screen_commands", None)
        if commands is not None:
            yield from commands()


def run_app(
    questions: list[Path],
    workspace: Path | None = None,
    lang: str | None = None,
    interview: tuple[int, str | None] | None = None,
) -> int:
    KDQuizApp(questions=questions, workspace=workspace, lang=lang, interview=interview).run()
    return 0
