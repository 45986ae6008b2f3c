"""Placeholder: being written."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from kdquiz.tui.screens.base import AppScreen


class ExercisesScreen(AppScreen):
    def __init__(self, initial: str | None = None) -> None:
        super().__init__()
        self.initial = initial

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("ExercisesScreen")
        yield Footer()
