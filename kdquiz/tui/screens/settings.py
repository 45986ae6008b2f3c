"""Settings: how many new questions a day, and the language. Saved in the progress store."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.validation import Integer
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from kdquiz.tui.i18n import LANGUAGE_NAMES, LANGUAGES, t


@dataclass(frozen=True)
class Settings:
    new_per_day: int
    lang: str


class SettingsScreen(ModalScreen[Settings | None]):
    """Edit the settings; enter saves, escape cancels."""

    DEFAULT_CSS = """
    SettingsScreen { align: center middle; }
    SettingsScreen > Vertical {
        width: 60; height: auto; border: thick $primary; background: $surface; padding: 1 2;
    }
    SettingsScreen Label { margin-top: 1; }
    SettingsScreen Input { width: 16; }
    SettingsScreen #buttons { height: auto; margin-top: 1; align-horizontal: right; }
    SettingsScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: Settings) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        lang = self.current.lang
        with Vertical() as box:
            box.border_title = t("settings", lang)
            yield Label(t("new_per_day", lang))
            yield Input(
                str(self.current.new_per_day),
                id="new-per-day",
                type="integer",
                validators=[Integer(minimum=0, maximum=500)],
            )
            yield Label(t("language", lang))
            with RadioSet(id="language"):
                for code in LANGUAGES:
                    yield RadioButton(LANGUAGE_NAMES[code], value=code == lang, name=code)
            with Horizontal(id="buttons"):
                yield Button(t("cancel", lang), id="cancel")
                yield Button(t("save", lang), id="save", variant="primary")

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def save(self) -> None:
        field = self.query_one("#new-per-day", Input)
        result = field.validate(field.value)
        if result is not None and not result.is_valid:
            self.notify(t("new_per_day_invalid", self.current.lang), severity="warning")
            return
        pressed = self.query_one(RadioSet).pressed_button
        lang = pressed.name if pressed is not None and pressed.name else self.current.lang
        self.dismiss(Settings(int(field.value), lang))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
