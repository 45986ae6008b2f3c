"""The app's screens; `main_screen` builds the one a key or palette entry asks for."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen


def main_screen(name: str) -> Screen[Any]:
    """A fresh instance of a main screen: review, browse, exercises, stats, interview or lab."""
    if name == "review":
        from kdquiz.tui.screens.review import ReviewScreen

        return ReviewScreen()
    if name == "browse":
        from kdquiz.tui.screens.browse import BrowseScreen

        return BrowseScreen()
    if name == "exercises":
        from kdquiz.tui.screens.exercises import ExercisesScreen

        return ExercisesScreen()
    if name == "stats":
        from kdquiz.tui.screens.stats import StatsScreen

        return StatsScreen()
    if name == "interview":
        from kdquiz.tui.screens.interview import InterviewScreen

        return InterviewScreen()
    if name == "lab":
        from kdquiz.tui.screens.lab import LabScreen

        return LabScreen()
    raise ValueError(f"no screen called {name!r}")
