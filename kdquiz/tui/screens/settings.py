"""Settings: new questions a day, desired retention (with the daily workload it implies), and
the language. Saved in the progress store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.validation import Integer, Number
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from kdquiz.i18n import LANGUAGE_NAMES, LANGUAGES, t

if TYPE_CHECKING:
    from kdquiz.review import Deck


@dataclass(frozen=True)
class Settings:
    new_per_day: int
    lang: str
    desired_retention: float = 0.9


class SettingsScreen(ModalScreen[Settings | None]):
    """Edit the settings; enter saves, escape cancels."""

    DEFAULT_CSS = """
    SettingsScreen { align: center middle; }
    SettingsScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%; overflow-y: auto;
        border: thick $primary; background: $surface; padding: 0 2;
    }
    SettingsScreen RadioSet { layout: horizontal; }
    SettingsScreen Label { margin-top: 1; width: 100%; }
    SettingsScreen Input { width: 16; }
    SettingsScreen .note { color: $text-muted; margin-top: 0; }
    SettingsScreen #fit { margin-left: 0; }
    SettingsScreen #buttons { height: auto; margin-top: 1; align-horizontal: right; }
    SettingsScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        current: Settings,
        workload: Callable[[float], float] | None = None,
        deck: Deck | None = None,
        workspace: str = "",
    ) -> None:
        super().__init__()
        self.current = current
        self.workload = workload
        """Reviews a day that a desired retention implies (the deck's estimate)."""
        self.deck = deck
        """For the memory model's line and fitting it (None: not shown)."""
        self.workspace = workspace
        """Where the learner's exercise files are (shown, not edited here)."""

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
            yield Label(t("desired_retention", lang))
            yield Input(
                f"{self.current.desired_retention:.2f}",
                id="retention",
                type="number",
                validators=[Number(minimum=0.70, maximum=0.97)],
            )
            yield Label(self._workload_text(self.current.desired_retention), id="workload")
            if self.deck is not None:
                from kdquiz.fsrs_fit import model_line

                yield Label(t("fsrs_model", lang))
                yield Label(model_line(self.deck, lang), id="fsrs-model", classes="note")
                yield Button(t("fsrs_fit_button", lang), id="fit")
            if self.workspace:
                yield Label(t("settings_workspace", lang))
                yield Label(self.workspace, id="workspace", classes="note")
            yield Label(t("language", lang))
            with RadioSet(id="language"):
                for code in LANGUAGES:
                    yield RadioButton(LANGUAGE_NAMES[code], value=code == lang, name=code)
            with Horizontal(id="buttons"):
                yield Button(t("cancel", lang), id="cancel")
                yield Button(t("save", lang), id="save", variant="primary")

    def _workload_text(self, retention: float) -> str:
        if self.workload is None:
            return ""
        per_day = self.workload(retention)
        return t("workload", self.current.lang, n=round(per_day), retention=f"{retention:.0%}")

    @on(Input.Changed, "#retention")
    def retention_changed(self, event: Input.Changed) -> None:
        valid = event.validation_result is None or event.validation_result.is_valid
        label = self.query_one("#workload", Label)
        if valid and event.value:
            label.update(self._workload_text(float(event.value)))
        else:
            label.update(t("retention_invalid", self.current.lang))

    @on(Button.Pressed, "#fit")
    def fit(self) -> None:
        from kdquiz.tui.screens.fit import FitScreen

        if self.deck is not None:
            self.app.push_screen(FitScreen(self.deck, self.current.lang), self._fitted)

    def _fitted(self, changed: bool | None) -> None:
        from kdquiz.fsrs_fit import model_line

        if self.deck is not None and changed:
            self.query_one("#fsrs-model", Label).update(model_line(self.deck, self.current.lang))
            retention = self.query_one("#retention", Input).value
            try:
                self.query_one("#workload", Label).update(self._workload_text(float(retention)))
            except ValueError:
                pass

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def save(self) -> None:
        lang = self.current.lang
        field = self.query_one("#new-per-day", Input)
        result = field.validate(field.value)
        if result is not None and not result.is_valid:
            self.notify(t("new_per_day_invalid", lang), severity="warning")
            return
        retention = self.query_one("#retention", Input)
        result = retention.validate(retention.value)
        if not retention.value or (result is not None and not result.is_valid):
            self.notify(t("retention_invalid", lang), severity="warning")
            return
        pressed = self.query_one(RadioSet).pressed_button
        chosen = pressed.name if pressed is not None and pressed.name else lang
        self.dismiss(Settings(int(field.value), chosen, float(retention.value)))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
