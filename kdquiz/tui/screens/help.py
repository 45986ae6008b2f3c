"""The help screen: every key of every screen, read from the bindings themselves so it can
never go stale."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "ctrl+q": "ctrl+q", "escape": "esc", "enter": "enter", "space": "space", "up": "↑",
    "down": "↓", "question_mark": "?", "f1": "F1", "slash": "/",
}  # fmt: skip


def _key(keys: str) -> str:
    return " / ".join(KEY_NAMES.get(k, k) for k in keys.split(","))


def _describe(bindings: list[BindingType], table: Table, section: str) -> None:
    rows = []
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        rows.append((_key(binding.key), binding.description))
    if rows:
        table.add_row(f"[b]{section}[/b]", "")
        for key, description in rows:
            table.add_row(f"  {key}", description)
        table.add_row("", "")


def help_table() -> Table:
    from kdquiz.tui.app import KDQuizApp
    from kdquiz.tui.screens.base import AppScreen
    from kdquiz.tui.screens.browse import BrowseScreen
    from kdquiz.tui.screens.exercises import ExercisesScreen
    from kdquiz.tui.screens.home import HomeScreen
    from kdquiz.tui.screens.review import ReviewScreen
    from kdquiz.tui.screens.stats import StatsScreen

    table = Table.grid(padding=(0, 3))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    _describe(
        [*KDQuizApp.BINDINGS, Binding("ctrl+p", "", "Command palette: every action by name")],
        table,
        "Everywhere",
    )
    _describe(AppScreen.BINDINGS, table, "Every screen but home")
    _describe(HomeScreen.BINDINGS, table, "Home")
    review = [
        Binding("1-9", "", "Answer a choice question / toggle a multi-select option"),
        Binding("↑/↓ space", "", "Move between options / toggle or pick the highlighted one"),
        Binding("a", "", "Type an answer to an open question (tab leaves the text box)"),
        Binding("1-4", "", "After reveal: grade yourself Again / Hard / Good / Easy"),
        *ReviewScreen.BINDINGS,
    ]
    _describe(review, table, "Review and practice")
    _describe(BrowseScreen.BINDINGS, table, "Browse")
    _describe(ExercisesScreen.BINDINGS, table, "Exercises")
    _describe(StatsScreen.BINDINGS, table, "Statistics")
    return table


class HelpScreen(ModalScreen[None]):
    """Every key, grouped by screen; any of escape, q, ? or F1 closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 95%; height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark,f1", "app.pop_screen", "Close", show=False)]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            yield Static(help_table())
