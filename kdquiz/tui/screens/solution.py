"""The reference solution beside the learner's file, each in its own scrolling column."""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from kdquiz.catalog import Exercise
from kdquiz.i18n import colon, t

CODE_THEME = "monokai"
"""A Pygments theme that reads well on a dark background."""


class SolutionScreen(Screen[None]):
    """The reference solution beside the learner's file, each in its own scrolling column."""

    DEFAULT_CSS = """
    SolutionScreen #solution-columns { height: 1fr; }
    SolutionScreen .solution-column {
        width: 1fr; height: 1fr; border: round $primary; border-title-style: bold;
    }
    SolutionScreen #solution-reference { border: round $success; }
    """
    BINDINGS = [Binding("escape,s", "app.pop_screen", "Back", id="back")]

    def __init__(
        self, exercise: Exercise, mine: str | None, mine_path: str, reference: str
    ) -> None:
        super().__init__()
        self.exercise = exercise
        self.mine = mine
        """The learner's file, or None when it does not exist."""
        self.mine_path = mine_path
        self.reference = reference

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="solution-columns"):
            with VerticalScroll(id="solution-mine", classes="solution-column"):
                yield Static(id="solution-mine-code")
            with VerticalScroll(id="solution-reference", classes="solution-column"):
                yield Static(self._code(self.reference), id="solution-reference-code")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._relabel)

    def _relabel(self, lang: str) -> None:
        """Title and column titles in the app's language."""
        self.title = f"{self.exercise.id} · {self.exercise.title_in(lang)}"
        self.query_one(
            "#solution-mine"
        ).border_title = f"{t('ex_your_file', lang)}{colon(lang)}{self.mine_path}"
        self.query_one(
            "#solution-reference"
        ).border_title = f"{t('ex_reference', lang)}{colon(lang)}solutions/{self.exercise.id}.py"
        self.sub_title = t("ex_reference", lang)
        mine = self._code(self.mine) if self.mine is not None else Text(t("ex_no_file", lang))
        self.query_one("#solution-mine-code", Static).update(mine)

    @staticmethod
    def _code(source: str) -> Syntax:
        return Syntax(source, "python", theme=CODE_THEME, line_numbers=True, word_wrap=True)
