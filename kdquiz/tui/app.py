"""The kdquiz terminal app (a first home screen; the full app is built on top of it)."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.notifications import SeverityLevel
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from kdquiz.bank import builtin_bank_dir, load_banks, user_bank_dirs
from kdquiz.catalog import load_catalog
from kdquiz.progress import ProgressError, ProgressStore


class KDQuizApp(App[None]):
    """Home screen: what there is to practise and how far the learner got."""

    TITLE = "kdquiz"
    SUB_TITLE = "knowledge distillation for recommender systems"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="quit"), Binding("q", "quit", "Quit")]
    CSS = """
    #home { padding: 1 2; }
    .section { margin-bottom: 1; }
    """

    def __init__(self, questions: list[Path] | None = None) -> None:
        super().__init__()
        self.extra_banks = questions or []
        """Folders of user question banks (--questions), besides KDQUIZ_QUESTIONS."""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="home"):
            yield Static(id="exercises", classes="section")
            yield Static(id="questions", classes="section")
            yield Static(
                "The full review session, browser and workbench are on their way. "
                "Meanwhile: `kdquiz check exercise_1`, `kdquiz hint exercise_1`.",
                id="next",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.load_home()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load_home(self) -> None:
        """Read progress and the question banks off the event loop, then fill the screen."""
        catalog = load_catalog()
        notes: list[tuple[str, SeverityLevel]] = []
        try:
            store = ProgressStore.default()
            notes += [(warning, "warning") for warning in store.warnings]
            statuses = store.exercise_statuses()
        except ProgressError as exc:
            notes.append((str(exc), "error"))
            statuses = {}
        passed = sum(s == "passed" for s in statuses.values())
        rows = [f"[b]Exercises[/b]  {passed}/{len(catalog)} passed"]
        width = max(len(e.title) for e in catalog)
        for exercise in catalog:
            status = statuses.get(exercise.id, "untried")
            rows.append(f"  {exercise.id:<12} {exercise.title:<{width}}  [dim]{status}[/dim]")
        exercises_text = "\n".join(rows)
        bank, problems = load_banks(
            [builtin_bank_dir(), *user_bank_dirs(self.extra_banks)], {e.id for e in catalog}
        )
        rows = [f"[b]Questions[/b]  {len(bank.questions)}"]
        for topic, questions in sorted(bank.by_topic().items()):
            rows.append(f"  {topic:<24} {len(questions):>3}")
        if problems:
            notes.append(
                (
                    f"{len(problems)} problem(s) in your question banks; run `kdquiz validate`.",
                    "warning",
                )
            )
        self.call_from_thread(self._show_home, exercises_text, "\n".join(rows), notes)

    def _show_home(
        self, exercises: str, questions: str, notes: list[tuple[str, SeverityLevel]]
    ) -> None:
        self.query_one("#exercises", Static).update(exercises)
        self.query_one("#questions", Static).update(questions)
        for message, severity in notes:
            self.notify(message, severity=severity, timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(f"Could not load your data: {event.worker.error}", severity="error")


def run_app(questions: list[Path]) -> int:
    KDQuizApp(questions=questions).run()
    return 0
