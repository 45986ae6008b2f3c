"""What every main screen shares: access to the loaded data, and refreshing itself when the
language or the learner's progress changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.app import SystemCommand
from textual.binding import ActiveBinding, Binding
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer

from kdquiz.i18n import key_description, t

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

    NARROW_HIDDEN: frozenset[str] = frozenset({"quit"})
    """Actions the Footer leaves out below `NARROW` columns (their keys still work, and the
    help screen and the palette list them), so that Help and the language switch stay in view."""
    NARROW = 100

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The keys the Footer shows, with their descriptions in the app's language."""
        bindings = super().active_bindings
        narrow = 0 < self.size.width < self.NARROW
        return {
            key: active._replace(
                binding=translated(
                    active.binding, self.lang,
                    hide=narrow and active.binding.action in self.NARROW_HIDDEN,
                )
            )
            for key, active in bindings.items()
        }  # fmt: skip

    def on_resize(self, event: Resize) -> None:
        # (Textual calls this and each subclass's own on_resize.)
        for footer in self.query(Footer):
            footer.compact = self.size.width < 120
        self.refresh_bindings()

    def screen_commands(self) -> Iterable[SystemCommand]:
        """Palette entries for this screen's own keys that apply right now (the app adds them
        to its own entries)."""
        for binding in type(self).__dict__.get("BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            action = binding.action
            if action.startswith("app.") or self.check_action(action, ()) is False:
                continue
            description = key_description(action, self.lang, binding.description)
            yield SystemCommand(
                f"{self.palette_prefix}{description}",
                self.t("palette_key", keys=binding.key.split(",")[0]),
                partial(self.run_action, action),
            )

    @property
    def palette_prefix(self) -> str:
        """The screen's name before its own palette entries ("Review: Undo answer")."""
        name = type(self).__name__.removesuffix("Screen").lower()
        return self.t(f"palette_{name}") + ": "

    def confirm(self, question: str, then: Callable[[], object]) -> None:
        """Ask `question` in a yes/no dialog (in the app's language); call `then` on yes."""
        from kdquiz.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(question, self.t("ex_yes"), self.t("ex_no")), answered)

    def action_back(self) -> None:
        """Back to the screen underneath: home, or the browser / session this was opened from."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._changed, init=False)
        self.watch(self.app, "revision", self._changed, init=False)
        self._changed()

    def _changed(self, _: object = None) -> None:
        self.refresh_bindings()  # the Footer follows the language
        if self.data is None:
            return
        from kdquiz.progress import ProgressError

        try:
            self.refresh_view()
        except ProgressError as exc:  # e.g. the database was deleted or locked meanwhile
            self.notify(exc.text(self.lang), severity="error", timeout=15)

    def refresh_view(self) -> None:
        """Redraw from `self.data` in `self.lang`."""


def translated(binding: Binding, lang: str, hide: bool = False) -> Binding:
    """`binding` with its description in `lang` (and not shown, with `hide`)."""
    description = key_description(binding.action, lang, binding.description)
    return replace(binding, description=description, show=binding.show and not hide)
