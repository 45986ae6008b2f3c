"""The Lab screen: a run in its subprocess with progress, its result kept across restarts,
cancelling, and a clear message when the learner's code is still a stub."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import ProgressBar, Static

from conftest import make_workspace
from kdquiz.tui.app import KDQuizApp
from kdquiz.tui.screens.lab import LabScreen, last_result_path

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
        for _ in range(50):  # the results' height lands with the next layout (slow on 2 cores)
            if scroll.max_scroll_y > 0:
                break
            await pilot.pause(0.05)
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


FIXTURE = Path(__file__).with_name("fixtures") / "lab_result.json"


@pytest.fixture()
def fake_runs(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], threading.Event]:
    """Runs that report a little progress, wait until the test lets them go on, and return
    the fixture; the list gets each run's request."""
    from kdquiz.lab import runner
    from kdquiz.lab.results import EpochEvent, LabResult, PlanEvent, StageEvent, TrainedEvent

    monkeypatch.setattr(LabScreen, "config_overrides", {})
    requests: list[Any] = []
    go_on = threading.Event()
    result = LabResult.from_json(json.loads(FIXTURE.read_text(encoding="utf-8")))

    def run(request: Any, on_event: Any, cancel: threading.Event) -> runner.LabOutcome:
        requests.append(request)
        on_event(StageEvent("teacher"))
        on_event(PlanEvent(2))
        for epoch in range(1, 11):
            on_event(EpochEvent("scratch", 0.0, 0, epoch, 10, 0.05))
        on_event(TrainedEvent("scratch", 0.0, 0, "select", 10))
        on_event(EpochEvent("soft", 8.0, 0, 1, 10, 0.06))
        go_on.wait(30)
        return runner.LabOutcome(result)

    monkeypatch.setattr(runner, "run_lab_process", run)
    return requests, go_on


async def test_p_switches_the_preset_and_the_run_uses_it(
    fake_runs: tuple[list[Any], threading.Event],
) -> None:
    from kdquiz.lab.presets import FULL, QUICK

    requests, go_on = fake_runs
    app = KDQuizApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lab(app, pilot)
        await pilot.press("p")
        assert screen.preset is QUICK and screen.seeds == 1
        setup = shown(app, "#lab-setup")
        assert "Preset: quick (at most 30 epochs a student, a first look)" in setup
        assert "about 10 s on 2 free cores" in setup
        await pilot.press("g")
        assert screen.check_action("toggle_preset", ()) is False  # not during a run
        for _ in range(100):  # the progress so far: one training of two, and the time left
            await pilot.pause(0.05)
            if "left" in shown(app, "#lab-status"):
                break
        status = shown(app, "#lab-status")
        assert "Training the soft-target KD student (seed 0): epoch 1/10" in status
        assert "about 5 s left" in status and "x: Cancel" in status
        assert screen.query_one("#lab-progress", ProgressBar).progress == pytest.approx(0.55)
        go_on.set()
        await wait_until_done(app, pilot, screen)
        assert requests[-1].config == {"seeds": 1, "epochs": 30}
        assert "Done in 34 s" in shown(app, "#lab-status")
        await pilot.press("p")
        assert screen.preset is FULL and screen.seeds == 3
        assert "Preset: full (the measured recipe)" in shown(app, "#lab-setup")
        await pilot.press("n", "g")
        await wait_until_done(app, pilot, screen)
        assert requests[-1].config == {"seeds": 5}
    saved = json.loads(last_result_path().read_text(encoding="utf-8"))
    assert saved == json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("kept", ["{not json", "[]", '{"models": {}}', '{"seeds": [0]}'])
async def test_a_corrupt_or_old_kept_result_is_no_result(kept: str) -> None:
    last_result_path().parent.mkdir(parents=True, exist_ok=True)
    last_result_path().write_text(kept, encoding="utf-8")
    app = KDQuizApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lab(app, pilot)
        assert screen.result is None
        assert "No result yet" in shown(app, "#lab-results")
