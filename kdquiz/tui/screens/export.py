"""Export the questions as an Anki deck from the app (as `kdquiz export anki` does)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from kdquiz.i18n import LANGUAGE_NAMES, t

DEFAULT_FILE = "~/kdquiz-questions.apkg"


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    lang: str
    """en, zh or both."""


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Where to write the deck and in which language; enter exports, escape cancels."""

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 64; height: auto; max-height: 100%; overflow-y: auto;
        border: thick $primary; background: $surface; padding: 0 2;
    }
    ExportScreen Label { margin-top: 1; width: 100%; }
    ExportScreen RadioSet { layout: horizontal; }
    ExportScreen #buttons { height: auto; margin-top: 1; align-horizontal: right; }
    ExportScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = t("export_title", self.lang)
            yield Label(t("export_file", self.lang))
            yield Input(DEFAULT_FILE, id="export-file")
            yield Label(t("export_lang", self.lang))
            with RadioSet(id="export-lang"):
                names = {**LANGUAGE_NAMES, "both": " + ".join(LANGUAGE_NAMES.values())}
                for code, label in names.items():
                    yield RadioButton(label, value=code == self.lang, name=code)
            with Horizontal(id="buttons"):
                yield Button(t("cancel", self.lang), id="cancel")
                yield Button(t("export", self.lang), id="export", variant="primary")

    @on(Button.Pressed, "#export")
    @on(Input.Submitted)
    def export(self) -> None:
        text = self.query_one("#export-file", Input).value.strip()
        path = Path(text).expanduser()
        if path.suffix != ".apkg":
            self.notify(t("export_not_apkg", self.lang), severity="warning")
            return
        pressed = self.query_one(RadioSet).pressed_button
        lang = pressed.name if pressed is not None and pressed.name else self.lang
        self.dismiss(ExportRequest(path, lang))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
