"""The kdquiz terminal app (a first home screen; the full app is built on top of it)."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

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

    def __init__(self, questions: list[Path] | None = None, lang: str = "en") -> None:
        super().__init__()
        self.extra_banks = questions or []
        self.lang = lang

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
        catalog = load_catalog()
        try:
            store = ProgressStore.default()
            for warning in store.warnings:
                self.notify(warning, severity="warning", timeout=10)
            statuses = store.exercise_statuses()
        except ProgressError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            statuses = {}
        rows = [
            f"[b]Exercises[/b]  {sum(s == 'passed' for s in statuses.values())}"
            f"/{len(catalog)} passed"
        ]
        width = max(len(e.title) for e in catalog)
        for exercise in catalog:
            status = statuses.get(exercise.id, "untried")
            rows.append(f"  {exercise.id:<12} {exercise.title:<{width}}  [dim]{status}[/dim]")
        self.query_one("#exercises", Static).update("\n".join(rows))
        bank, problems = load_banks(
            [builtin_bank_dir(), *user_bank_dirs(self.extra_banks)], {e.id for e in catalog}
        )
        rows = [f"[b]Questions[/b]  {len(bank.questions)}"]
        for topic, questions in sorted(bank.by_topic().items()):
            rows.append(f"  {topic:<24} {len(questions):>3}")
        self.query_one("#questions", Static).update("\n".join(rows))
        if problems:
            self.notify(
                f"{len(problems)} problem(s) in your question banks; run `kdquiz validate`.",
                severity="warning",
            )


def run_app(workspace: Path | None, questions: list[Path], lang: str | None) -> int:
    KDQuizApp(questions=questions, lang=lang or "en").run()
    return 0
