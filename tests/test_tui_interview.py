"""The mock interview in the app, driven with Pilot and a clock the test moves: a whole
5-minute interview from Home to the report, ending early, and the time running out."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Static

from kdquiz.progress import ProgressStore
from kdquiz.tui.app import KDQuizApp
from kdquiz.tui.screens.exercises import ExercisesScreen
from kdquiz.tui.screens.interview import InterviewScreen
from kdquiz.tui.screens.review import ReviewScreen

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def fixed_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(InterviewScreen, "plan_seed", 11)


def shown(app: KDQuizApp, selector: str) -> str:
    widget = app.screen.query_one(selector, Static)
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(line.text.rstrip() for line in lines)


async def settle(app: KDQuizApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()


async def answer_current(pilot, screen: InterviewScreen, right: bool) -> None:  # type: ignore[no-untyped-def]
    """Answer the question on screen the way a learner would."""
    question = screen.asked()
    assert question is not None
    if question.type == "open":
        await pilot.press(*"soft targets", "escape", "ctrl+r")
        await pilot.press(*("ab" if right else ""), "enter")
        return
    wrong = next(i for i in range(len(question.choices)) if i not in question.answer)
    picks = question.answer if right else (wrong,)
    await pilot.press(*[screen.key_for(i) for i in picks])
    if question.type == "multi":
        await pilot.press("enter")
    await pilot.press("enter")  # past the explanation


async def test_a_whole_five_minute_interview_from_home_to_the_report(
    stub_workspace: Path,
) -> None:
    clock = Clock()
    app = KDQuizApp(workspace=stub_workspace, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        assert "A 45-minute interview" in shown(app, "#iv-prompt")
        await pilot.press(*["minus"] * 9)  # down to the shortest, 5 minutes
        assert screen.minutes == 5 and "A 5-minute interview" in shown(app, "#iv-prompt")
        plan = screen.plan
        assert plan is not None and plan.coding is not None and plan.openers
        await pilot.press("enter")
        asked: list[str] = []
        right = True
        while screen.phase not in ("coding", "report"):
            session = screen.session
            assert session is not None and session.current is not None
            step = session.current
            status = shown(app, "#iv-status")
            assert "Mock interview" in status and "left" in status
            if step.parent is not None:
                assert step.parent in asked  # a follow-up comes after what it follows up
                assert "Following up on" in shown(app, "#iv-context")
            asked.append(step.question.id)
            clock.tick(40)
            await answer_current(pilot, screen, right)
            await settle(app, pilot)
            right = not right
        assert screen.phase == "coding"
        assert "Coding" in shown(app, "#iv-status")
        assert f"{plan.coding.exercise.id}.py" in shown(app, "#iv-prompt").replace("\n", "")
        await pilot.press("enter", "y")  # submit the (unsolved) stub
        for _ in range(300):
            await pilot.pause(0.1)
            if screen.report is not None:
                break
        await settle(app, pilot)
        report = screen.report
        assert report is not None
        assert [r.question for r in report.asked] == asked
        assert report.code is not None and report.code["status"] == "fail"
        text = shown(app, "#iv-prompt")
        assert "Interview report" in text and "checks, failed" in text
        assert "Your first interview" in text
        # Every answer reached FSRS; the interview and the check are stored.
        assert app.data is not None
        reviewed = [r.question for r in app.data.deck.reviews]
        assert reviewed == asked
        store = ProgressStore.default()
        [(_, record)] = store.interviews()
        assert record["ended"] is not None and len(record["answers"]) == len(asked)
        assert store.attempts(plan.coding.exercise.id)[-1].status == "fail"
        if report.practise_questions:
            await pilot.press("r")
            await settle(app, pilot)
            assert isinstance(app.screen, ReviewScreen)
            assert app.screen.practice
            await pilot.press("escape")
            await settle(app, pilot)
        assert app.screen is screen
        await pilot.press("n")  # another interview: its plan shows the trend so far
        await settle(app, pilot)
        assert screen.phase == "plan" and "Recent interviews (1)" in shown(app, "#iv-prompt")


async def test_ending_early_keeps_the_answers_and_says_so(stub_workspace: Path) -> None:
    clock = Clock()
    app = KDQuizApp(workspace=stub_workspace, clock=clock, interview=(10, None))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen) and screen.minutes == 10
        await pilot.press("enter")
        clock.tick(30)
        question = screen.asked()
        assert question is not None
        if question.type == "open":
            await pilot.press("escape")  # off the whiteboard first
        await pilot.press("s")  # skip: it counts as missed
        await settle(app, pilot)
        if screen.focused is not None and screen.focused.id == "iv-answer":
            await pilot.press("escape")  # the next question is open: leave its whiteboard
        await pilot.press("escape", "y")
        await settle(app, pilot)
        assert screen.report is not None and screen.report.ended_early
        assert screen.report.asked[0].outcome == "skipped"
        assert "(ended early)" in shown(app, "#iv-prompt")
        assert app.data is not None and app.data.deck.reviews[0].rating == 1


async def test_when_the_time_is_up_the_code_gets_its_grace_and_is_checked(
    stub_workspace: Path,
) -> None:
    clock = Clock()
    app = KDQuizApp(workspace=stub_workspace, clock=clock, interview=(5, None))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        await pilot.press("enter")
        clock.tick(5 * 60)  # the whole interview's time is over, a question on screen
        for _ in range(30):
            await pilot.pause(0.1)
            if screen.phase == "coding":
                break
        assert screen.phase == "coding"
        await pilot.press("w")  # the workbench, with the interview's clock still running
        await settle(app, pilot)
        assert isinstance(app.screen, ExercisesScreen)
        assert app.screen.selected_id == screen.plan.coding.exercise.id  # type: ignore[union-attr]
        clock.tick(120)  # past the coding grace
        for _ in range(300):
            await pilot.pause(0.1)
            if screen.report is not None:
                break
        assert screen.report is not None and screen.report.code is not None
        assert screen.report.code["status"] == "fail"
        assert screen.report.asked == []  # the question on screen was never answered
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and "Interview report" in shown(app, "#iv-prompt")
