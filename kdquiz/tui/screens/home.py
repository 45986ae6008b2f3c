"""Home: what is due today, what is new, exercises passed, the streak, and one key per flow."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.widgets import Footer, Header, Static

from kdquiz.i18n import colon, topic_name
from kdquiz.tui.screens.base import AppScreen
from kdquiz.tui.widgets.tile import Tile

MENU = (
    ("r", "review"), ("b", "browse"), ("e", "exercises"), ("i", "interview"), ("s", "stats"),
    ("l", "lab"),
)  # fmt: skip
"""The flows Home offers: key, screen."""


class HomeScreen(AppScreen, inherit_bindings=False):  # no "escape: home" on home itself
    NARROW_HIDDEN = frozenset({"quit", *(f"app.open('{name}')" for _, name in MENU)})
    """The menu on the screen shows these keys already."""
    BINDINGS = [
        Binding("r", "app.open('review')", "Review", id="review"),
        Binding("b", "app.open('browse')", "Browse", id="browse"),
        Binding("e", "app.open('exercises')", "Exercises", id="exercises"),
        Binding("i", "app.open('interview')", "Interview", id="interview"),
        Binding("s", "app.open('stats')", "Stats", id="stats"),
        Binding("l", "app.open('lab')", "Lab", id="lab"),
        Binding("o", "app.settings", "Settings", id="settings"),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static(id="greeting")
            with Grid(id="tiles"):
                yield Tile(id="tile-due", classes="tile")
                yield Tile(id="tile-new", classes="tile")
                yield Tile(id="tile-exercises", classes="tile")
                yield Tile(id="tile-streak", classes="tile")
            yield Static(id="menu")
            yield Static(id="advice")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        if self.data is None:
            self.refresh_view()  # "loading…", or why loading failed if it already did

    def refresh_view(self) -> None:
        data = self.data
        if data is None:
            error = self.kdapp.load_error
            self.query_one("#greeting", Static).update(
                f"[b red]{self.t('load_failed')}[/]\n{escape(error)}"
                if error
                else self.t("loading")
            )
            return
        from kdquiz.solving import standing  # not needed for the first frame
        from kdquiz.stats import streak, topic_stats
        from kdquiz.workspace import shown_path

        deck, now = data.deck, self.kdapp.clock()
        due, new = len(deck.due(now)), deck.new_left_today(now)
        passed = 0
        if data.workspace is not None:
            passed = standing(data.store, data.workspace, data.catalog).count("passed")
        moments = [r.at for r in deck.reviews] + [a.at for a in data.store.attempts()]
        days = streak(moments, now)
        greeting = (
            f"[b]{self.t('questions_in_bank', n=len(data.bank.questions))}  ·  "
            f"{self.t('n_exercises', n=len(data.catalog))}[/b]"
        )
        if data.workspace is not None:
            where = escape(shown_path(data.workspace.root))
            greeting += "\n" + self.t("home_workspace", path=f"[cyan]{where}[/]")
        self.query_one("#greeting", Static).update(greeting)
        self._tile("due", due, self.t("due_today"))
        self._tile("new", new, self.t("new_today"))
        self._tile("exercises", f"{passed}/{len(data.catalog)}", self.t("exercises_passed"))
        self._tile("streak", self.t("day" if days == 1 else "days", n=days), self.t("streak"))
        items = [f"[b reverse] {key} [/] {self.t('menu_' + name)}"
                 for key, name in (*MENU, ("o", "settings"))]  # fmt: skip
        # Two rows, so that 80 columns hold them: the four ways to practise, then the rest.
        self.query_one("#menu", Static).update("  ".join(items[:4]) + "\n" + "  ".join(items[4:]))
        advice = []
        if due + new == 0:
            advice.append(self.t("nothing_due"))
        weakest = next((s for s in topic_stats(deck, now) if s.retention is not None), None)
        if weakest is not None and weakest.accuracy is not None:
            advice.append(
                f"{self.t('weakest')}{colon(self.lang)}"
                f"[b]{topic_name(weakest.topic, self.lang)}[/b] — "
                + self.t("weakest_detail", share=f"{weakest.accuracy:.0%}", n=weakest.reviews)
            )
        self.query_one("#advice", Static).update("\n".join(advice))

    def _tile(self, name: str, value: object, label: str) -> None:
        self.query_one(f"#tile-{name}", Tile).update(f"[b]{value}[/b]\n[dim]{label}[/dim]")
