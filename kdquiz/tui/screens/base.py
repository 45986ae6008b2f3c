"""What every main screen shares: access to the loaded data, and refreshing itself when the
language or the learner's progress changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.binding import Binding
from textual.screen import Screen

from kdquiz.tui.i18n import t

if TYPE_CHECKING:
    from kdquiz.tui.app import AppData, KDQuizApp


class AppScreen(Screen[None]):
    """A main screen. Subclasses implement `refresh_view`, called on mount, when the data
    arrives, on every progress change and on every language switch."""

    BINDINGS = [Binding("escape", "back", "Back", id="back")]

    @property
    def kdapp(self) -> KDQuizApp:
        from kdquiz.tui.app import KDQuizApp

        return cast(KDQuizApp, self.app)

    @property
    def data(self) -> AppData | None:
        return self.kdapp.data

    @property
    def lang(self) -> str:
        return self.kdapp.lang

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def action_back(self) -> None:
        """Back to the screen underneath: home, or the browser / session this was opened from."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._changed, init=False)
        self.watch(self.app, "revision", self._changed, init=False)
        self._changed()

    def _changed(self, _: object = None) -> None:
        if self.data is not None:
            self.refresh_view()

    def refresh_view(self) -> None:
        """Redraw from `self.data` in `self.lang`."""
