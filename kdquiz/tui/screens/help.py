"""The help screen: every key of every screen, read from the bindings themselves so it can
never go stale."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from kdquiz.i18n import key_description, t

KEY_NAMES = {
    "ctrl+q": "ctrl+q", "escape": "esc", "enter": "enter", "space": "space", "up": "↑",
    "down": "↓", "question_mark": "?", "f1": "F1", "slash": "/",
}  # fmt: skip


def _key(keys: str) -> str:
    return " / ".join(KEY_NAMES.get(k, k) for k in keys.split(","))


def _describe(bindings: Sequence[BindingType], table: Table, section: str, lang: str) -> None:
    rows = []
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        rows.append((_key(binding.key), key_description(binding.action, lang, binding.description)))
    if rows:
        table.add_row(f"[b]{section}[/b]", "")
        for key, description in rows:
            table.add_row(f"  {key}", description)
        table.add_row("", "")


def help_table(lang: str = "en") -> Table:
    """Every key by screen; section titles and the review's keys in `lang`."""
    from kdquiz.tui.app import KDQuizApp
    from kdquiz.tui.screens.base import AppScreen
    from kdquiz.tui.screens.browse import BrowseScreen
    from kdquiz.tui.screens.exercises import ExercisesScreen
    from kdquiz.tui.screens.home import HomeScreen
    from kdquiz.tui.screens.interview import InterviewScreen
    from kdquiz.tui.screens.lab import LabScreen
    from kdquiz.tui.screens.review import ReviewScreen
    from kdquiz.tui.screens.stats import StatsScreen

    table = Table.grid(padding=(0, 3))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    _describe(
        [*KDQuizApp.BINDINGS, Binding("ctrl+p", "", t("help_palette", lang))],
        table,
        t("help_everywhere", lang),
        lang,
    )
    _describe(AppScreen.BINDINGS, table, t("help_every_screen", lang), lang)
    _describe(HomeScreen.BINDINGS, table, t("help_home", lang), lang)
    review = [
        Binding("1-9", "", t("help_numbers", lang)),
        Binding("↑/↓ space", "", t("help_arrows", lang)),
        Binding("a", "", t("help_type", lang)),
        Binding("ctrl+r", "", t("help_reveal", lang)),
        Binding("1-4", "", t("help_grade", lang)),
        *[b for b in ReviewScreen.BINDINGS if isinstance(b, Binding) and b.key != "ctrl+r"],
    ]
    _describe(review, table, t("help_review", lang), lang)
    _describe(BrowseScreen.BINDINGS, table, t("help_browse", lang), lang)
    _describe(ExercisesScreen.BINDINGS, table, t("help_exercises", lang), lang)
    _describe(InterviewScreen.BINDINGS, table, t("iv_mode", lang), lang)
    _describe(StatsScreen.BINDINGS, table, t("statistics", lang), lang)
    _describe(LabScreen.BINDINGS, table, t("lab", lang), lang)
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
        lang = getattr(self.app, "lang", "en")
        with VerticalScroll() as scroll:
            scroll.border_title = t("help_title", lang)
            yield Static(help_table(lang))
