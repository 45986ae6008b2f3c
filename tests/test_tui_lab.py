"""The Lab screen: a run in its subprocess with progress, its result kept across restarts,
cancelling, and a clear message when the learner's code is still a stub."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from conftest import make_workspace
from kdquiz.tui.app import KDQuizApp
from kdquiz.tui.screens.lab import LabScreen, ProgressTracker, last_result_path

SIZE = (110, 40)
QUICK = {"epochs": 2, "eval_every": 1, "dim": 8}


@pytest.fixture(autouse=True)
def quick_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LabScreen, "config_overrides", QUICK)


def shown(app: KDQuizApp, selector: str) -> str:
    console = Console(width=400, file=io.StringIO(), color_system=None)
    console.print(app.screen.query_one(selector, Static).content)
    return " ".join(console.file.getvalue().split())


async def open_lab(app: KDQuizApp, pilot: Pilot[None]) -> LabScreen:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("l")
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LabScreen)
    screen.synthetic = True  # the same data whether or not MovieLens is installed here
    screen.seeds = 1
    return screen


async def wait_until_done(app: KDQuizApp, pilot: Pilot[None], screen: LabScreen) -> None:
    for _ in range(600):
        await pilot.pause(0.1)
        if screen.cancel is None:
            return
    raise AssertionError("the lab run did not finish in 60 s")


async def test_a_run_shows_progress_then_the_comparison_and_is_kept() -> None:
    app = KDQuizApp()
    async with app.run_test(size=(100, 30)) as pilot:  # results longer than the screen
        screen = await open_lab(app, pilot)
        assert "No result yet" in shown(app, "#lab-results")
        await pilot.press("g")
        assert screen.cancel is not None
        assert "x: Cancel" in shown(app, "#lab-status")
        assert screen.check_action("run", ()) is False  # one run at a time
        await wait_until_done(app, pilot, screen)
        results = shown(app, "#lab-results")
        for label in (
            "teacher (EASE)",
            "from scratch",
            "ranking KD",
            "listwise KD",
            "soft-target KD",
        ):
            assert label in results
        assert "validation NDCG@10 per epoch" in results
        assert "Done in" in shown(app, "#lab-status")
        scroll = screen.query_one("#lab-scroll")
        assert screen.focused is scroll and scroll.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0, "the keyboard scrolls the results"
        saved = json.loads(last_result_path().read_text())
        assert saved["seeds"] == [0] and saved["functions"] == "reference solutions"
    app = KDQuizApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_lab(app, pilot)
        assert "student, from scratch" in shown(app, "#lab-results")  # kept across restarts


async def test_cancelling_a_run_keeps_nothing() -> None:
    app = KDQuizApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lab(app, pilot)
        await pilot.press("g")
        await pilot.pause(0.3)
        await pilot.press("x")
        await wait_until_done(app, pilot, screen)
        assert "cancelled" in shown(app, "#lab-status")
        assert not last_result_path().exists()
        assert "No result yet" in shown(app, "#lab-results")


async def test_your_code_names_the_stub_to_solve(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "ws", "exercises")
    app = KDQuizApp(workspace=workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lab(app, pilot)
        await pilot.press("w")
        assert "your workspace" in shown(app, "#lab-setup")
        await pilot.press("g")
        await wait_until_done(app, pilot, screen)
        status = shown(app, "#lab-status")
        assert "is still a stub" in status and "check exercise_" in status
        assert not last_result_path().exists()


async def test_seeds_cycle_and_the_help_lists_the_lab_keys() -> None:
    app = KDQuizApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lab(app, pilot)
        seen = []
        for _ in range(3):
            await pilot.press("n")
            seen.append(screen.seeds)
        assert seen == [3, 5, 1]
        assert "Seeds: 1" in shown(app, "#lab-setup")
        titles = [c.title for c in screen.screen_commands()]
        assert "Lab: Run" in titles and "Lab: Cancel" not in titles


def test_progress_counts_every_training_of_the_plan() -> None:
    tracker = ProgressTracker()
    tracker.update({"event": "plan", "trainings": 2}, "en")
    status, fraction = tracker.update({"event": "stage", "stage": "teacher"}, "en")
    assert "teacher" in status and fraction == 0.0
    epoch = {"event": "epoch", "model": "scratch", "seed": 0, "epochs": 4, "valid_ndcg": 0.05}
    assert tracker.update({**epoch, "epoch": 2}, "en")[1] == pytest.approx(0.25)
    status, fraction = tracker.update({**epoch, "epoch": 4}, "en")
    assert fraction == pytest.approx(0.5) and "epoch 4/4" in status
    assert tracker.update({**epoch, "epoch": 4}, "zh")[1] == pytest.approx(1.0)
