"""Fitting FSRS from the app: Settings says where the history stands, the fit screen shows the
passes, the scores and the choice; the fit itself is faked here (tests/test_fsrs_fit.py runs it
for real)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from test_tui import make_app, settle, start, text_of
from textual.widgets import Button, ProgressBar

from kdquiz.dev.simulate import forgetful_parameters, record_history, simulated_history
from kdquiz.fsrs_fit import (
    MIN_REVIEWS,
    Fit,
    FitOutcome,
    Metrics,
    countable_reviews,
    default_parameters,
    load_fit,
)
from kdquiz.progress import ProgressStore
from kdquiz.tui.screens import fit as fit_screen
from kdquiz.tui.screens.fit import FitScreen
from kdquiz.tui.screens.settings import SettingsScreen

OLD = Metrics(0.4959, 0.3938, 1819)
BETTER = Metrics(0.4764, 0.3880, 1819)
WORSE = Metrics(0.5012, 0.3990, 1819)


def fake_fit(monkeypatch: pytest.MonkeyPatch, outcome: FitOutcome) -> list[threading.Event]:
    """Replace the subprocess fit with one that reports five passes and returns `outcome`;
    returns the cancel events it was given."""
    cancels: list[threading.Event] = []

    def run_fit(reviews, current, on_progress=None, cancel=None, server=None):  # type: ignore[no-untyped-def]
        assert tuple(current) == default_parameters()
        cancels.append(cancel)
        for done in range(1, 6):
            on_progress(done, 5)
        return outcome

    monkeypatch.setattr(fit_screen, "run_fit", run_fit)
    return cancels


def flat(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    """A widget's text with its wrapped lines joined again."""
    return text_of(app, selector).replace("\n", " ")


def seed(days: int) -> int:
    """A simulated history of `days` days in the store; returns its countable reviews."""
    reviews = simulated_history(questions=60, days=days, new_per_day=6)
    record_history(ProgressStore.default(), reviews)
    return countable_reviews(reviews)


async def open_fit(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await start(app, pilot)
    await pilot.press("o")
    assert isinstance(app.screen, SettingsScreen)
    app.screen.query_one("#fit", Button).press()
    await settle(app, pilot)
    assert isinstance(app.screen, FitScreen)


async def test_too_few_reviews_say_how_many_more(stub_workspace: Path) -> None:
    counted = seed(15)
    assert counted < MIN_REVIEWS
    app = make_app(stub_workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await pilot.press("o")
        line = flat(app, "#fsrs-model")
        assert "FSRS's default parameters" in line
        assert f"{counted} of the {MIN_REVIEWS} needed ({MIN_REVIEWS - counted} more)" in line
        app.screen.query_one("#fit", Button).press()
        await settle(app, pilot)
        assert "Until then" in flat(app, "#fit-status")
        assert not app.screen.query_one("#fit-progress", ProgressBar).display
        assert not app.screen.query_one("#use", Button).display


async def test_a_better_fit_is_shown_and_used_with_rescheduling(
    stub_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = seed(90)
    fitted = forgetful_parameters()
    fake_fit(monkeypatch, FitOutcome(Fit(fitted, default_parameters(), OLD, BETTER)))
    store = ProgressStore.default()
    before = store.cards()
    app = make_app(stub_workspace, lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_fit(app, pilot)
        screen = app.screen
        assert screen.query_one("#fit-progress", ProgressBar).progress == 5
        assert "拟合出的参数对你的复习预测得更准" in flat(app, "#fit-status")
        result = text_of(app, "#fit-result")
        assert "0.4959" in result and "0.4764" in result and f"{fitted[8]:.3f}" in result
        assert not screen.query_one("#defaults", Button).display  # nothing fitted yet
        screen.query_one("#reschedule", Button).press()
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert "按你的复习记录拟合的参数排程" in flat(app, "#fsrs-model")
    stored = load_fit(store)
    assert stored is not None and stored.parameters == fitted and stored.reviews == 1819
    assert app.data is not None and app.data.deck.parameters == fitted
    assert store.cards() != before and set(store.cards()) == set(before)
    assert counted >= MIN_REVIEWS


async def test_a_fit_that_predicts_no_better_is_not_offered(
    stub_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(90)
    fake_fit(monkeypatch, FitOutcome(Fit(forgetful_parameters(), default_parameters(), OLD, WORSE)))
    app = make_app(stub_workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_fit(app, pilot)
        assert "do not predict your reviews better" in flat(app, "#fit-status")
        assert not app.screen.query_one("#use", Button).display
        assert not app.screen.query_one("#reschedule", Button).display
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)
    assert load_fit(ProgressStore.default()) is None


async def test_a_failed_fit_changes_nothing(
    stub_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(90)
    fake_fit(monkeypatch, FitOutcome(None, "timeout"))
    app = make_app(stub_workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_fit(app, pilot)
        assert "did not finish in time; nothing was changed" in flat(app, "#fit-status")
        assert not app.screen.query_one("#use", Button).display
    assert load_fit(ProgressStore.default()) is None


async def test_closing_the_screen_stops_a_running_fit(
    stub_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(90)
    release = threading.Event()
    cancels: list[threading.Event] = []

    def slow_fit(reviews, current, on_progress=None, cancel=None, server=None):  # type: ignore[no-untyped-def]
        cancels.append(cancel)
        release.wait(10)
        return FitOutcome(None, "cancelled")

    monkeypatch.setattr(fit_screen, "run_fit", slow_fit)
    app = make_app(stub_workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await pilot.press("o")
        app.screen.query_one("#fit", Button).press()
        await pilot.pause()
        assert "Starting the optimizer" in flat(app, "#fit-status")
        await pilot.press("escape")
        await pilot.pause()
        assert cancels and cancels[0].is_set()
        release.set()
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)
