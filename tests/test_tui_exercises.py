"""The exercise workbench: list and status, checks (fail, pass, cancel, watch), hints, the
reference solution, reset and the editor, driven through the app with Pilot."""

from __future__ import annotations

import contextlib
import io
import shlex
import shutil
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import OptionList, Static, TabbedContent

from conftest import make_workspace, record_check_of
from kdquiz.catalog import get_exercise, load_catalog
from kdquiz.checker.results import CheckResult, ExerciseResult
from kdquiz.paths import content_dir
from kdquiz.progress import ProgressStore
from kdquiz.tui.app import KDQuizApp
from kdquiz.tui.screens.confirm import ConfirmScreen
from kdquiz.tui.screens.exercises import ExercisesScreen
from kdquiz.tui.screens.solution import SolutionScreen

SIZE = (100, 32)
EX1 = get_exercise("exercise_1")


def plain(widget: Static) -> str:
    """What a Static shows, as plain text on one logical line per paragraph."""
    console = Console(width=400, file=io.StringIO(), color_system=None)
    console.print(widget.content)
    output = console.file.getvalue()
    assert isinstance(output, str)
    return output


def words(text: str) -> str:
    return " ".join(text.split())


def shown(app: KDQuizApp, selector: str) -> str:
    return words(plain(app.screen.query_one(selector, Static)))


def list_entry(app: KDQuizApp, exercise_id: str) -> str:
    option = app.screen.query_one("#ex-list", OptionList).get_option(exercise_id)
    return str(getattr(option.prompt, "plain", option.prompt))


async def settle(app: KDQuizApp, pilot: Pilot[None]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_workbench(app: KDQuizApp, pilot: Pilot[None]) -> ExercisesScreen:
    """Wait for the data, then press e on home."""
    await settle(app, pilot)
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, ExercisesScreen)
    return app.screen


def workspace_file(ws: Path, exercise_id: str = "exercise_1") -> Path:
    return ws / "exercises" / f"{exercise_id}.py"


async def test_lists_every_exercise_with_status_and_shows_the_task(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", "exercises")
    path = workspace_file(ws)
    path.write_text('"""My own copy of the task: write kd_loss."""\n', encoding="utf-8")
    failing = ExerciseResult(
        "exercise_2", "fail", checks=[CheckResult("Rows sum to one", "fail", "They sum to 2.")]
    )
    record_check_of(ws, "exercise_2", "fail", 0, 1, failing.to_dict())
    record_check_of(ws, "exercise_3", "pass", 5, 5)
    app = KDQuizApp(workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot)
        for exercise in load_catalog():
            assert exercise.title in list_entry(app, exercise.id)
        assert list_entry(app, "exercise_1").startswith("· exercise_1")
        assert "untried" in list_entry(app, "exercise_1")
        assert "✗ exercise_2  0/1  failing" in list_entry(app, "exercise_2")
        assert "✓ exercise_3  5/5  passed" in list_entry(app, "exercise_3")
        # The task comes from the learner's file; the path is shown relative to the workspace.
        assert "My own copy of the task" in shown(app, "#ex-task")
        assert "exercises/exercise_1.py" in shown(app, "#ex-heading")
        assert str(ws) not in shown(app, "#ex-heading")
        assert str(ws.name) in screen.sub_title
        # Down moves the list; right opens the Check tab with the stored result per check.
        await pilot.press("down", "right")
        assert "exercise_2 · Teacher soft targets" in shown(app, "#ex-heading")
        assert shown(app, "#ex-task").startswith("Exercise 2")
        assert screen.query_one("#ex-tabs", TabbedContent).active == "tab-check"
        check = shown(app, "#ex-check")
        assert "✗ Rows sum to one They sum to 2." in check
        # The shipped stub's task when the learner's file has no docstring.
        workspace_file(ws, "exercise_3").write_text("x = 1\n", encoding="utf-8")
        await pilot.press("down")
        stub_task = shown(app, "#ex-task")
        assert "Exercise 3" in stub_task
        # The palette offers the selected exercise's actions.
        titles = [command.title for command in screen.screen_commands()]
        assert "Check exercise_3" in titles and "Reset exercise_3 to its stub" in titles
        # Everything switches language: labels, titles and the task (its translation).
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "未尝试" in list_entry(app, "exercise_1")
        assert "蒸馏损失（Hinton）" in list_entry(app, "exercise_1")
        assert screen.query_one("#ex-tabs", TabbedContent).get_tab("tab-task").label_text == "任务"
        assert shown(app, "#ex-task").startswith("练习 3：")


async def test_initial_exercise_and_no_workspace(tmp_path: Path) -> None:
    app = KDQuizApp(workspace=tmp_path / "not-a-workspace")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.data is not None and app.data.workspace is None
        await app.push_screen(ExercisesScreen(initial="exercise_3"))
        await pilot.pause()
        assert "exercise_3 ·" in shown(app, "#ex-heading")
        assert "No workspace was found" in shown(app, "#ex-state")
        for key in ("c", "o", "w", "r"):
            await pilot.press(key)
            await settle(app, pilot)
            assert isinstance(app.screen, ExercisesScreen)
        assert ProgressStore.default().attempts() == []


async def test_check_fails_on_the_stub_then_passes_with_the_solution(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", "exercises")
    # A second's pause on import keeps the check running long enough to see that it runs.
    stub = workspace_file(ws).read_text(encoding="utf-8")
    workspace_file(ws).write_text(f"{stub}\nimport time\ntime.sleep(1)\n", encoding="utf-8")
    store = ProgressStore.default()
    app = KDQuizApp(workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        assert "Running the hidden checks on exercise_1" in shown(app, "#ex-state")
        await settle(app, pilot)
        [attempt] = store.attempts()
        assert (attempt.exercise, attempt.status, attempt.passed) == ("exercise_1", "fail", 0)
        check = shown(app, "#ex-check")
        assert f"✗ 0/{attempt.total} checks passed" in check
        assert check.count("✗ ") == attempt.total + 1
        assert "not implemented yet" in check
        assert f"✗ exercise_1  0/{attempt.total}  failing" in list_entry(app, "exercise_1")
        assert store.last_results(str(ws.resolve()))["exercise_1"]["status"] == "fail"
        assert not screen.query_one("#ex-state", Static).display

        shutil.copyfile(content_dir("solutions") / "exercise_1.py", workspace_file(ws))
        await pilot.press("c")
        await settle(app, pilot)
        last = store.attempts()[-1]
        assert last.status == "pass" and last.passed == last.total > 0
        check = shown(app, "#ex-check")
        assert f"✓ {last.total}/{last.total} checks passed" in check
        assert "✗" not in check and check.count("✓ ") == last.total + 1
        assert f"✓ exercise_1  {last.total}/{last.total}  passed" in list_entry(app, "exercise_1")
        # After a pass the reference opens straight away, and the reveal is recorded.
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, SolutionScreen)
        assert store.reveals("exercise_1") == 1
        await pilot.press("escape", "escape")
        await pilot.pause()
        tile = words(plain(app.screen.query_one("#tile-exercises", Static)))
        assert tile.startswith(f"1/{len(load_catalog())}")


async def test_reveal_before_a_pass_asks_first(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", "exercises")
    store = ProgressStore.default()
    app = KDQuizApp(workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_workbench(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "not passed exercise_1 yet" in app.screen.question
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, ExercisesScreen)
        assert store.reveals("exercise_1") == 0

        await pilot.press("s")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, SolutionScreen)
        assert store.reveals("exercise_1") == 1
        reference = screen.query_one("#solution-reference-code", Static).content
        mine = screen.query_one("#solution-mine-code", Static).content
        assert getattr(reference, "code", None) == EX1.solution_path.read_text(encoding="utf-8")
        assert getattr(mine, "code", None) == workspace_file(ws).read_text(encoding="utf-8")
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ExercisesScreen)
        # Once revealed, it is not asked again.
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, SolutionScreen)
        assert store.reveals("exercise_1") == 2


async def test_hints_one_tier_at_a_time(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", "exercises")
    store = ProgressStore.default()
    app = KDQuizApp(workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot)
        assert "Press h for the first" in shown(app, "#ex-hints")
        await pilot.press("h")
        await settle(app, pilot)
        assert screen.query_one("#ex-tabs", TabbedContent).active == "tab-hints"
        hints = shown(app, "#ex-hints")
        total = len(EX1.hints)
        assert f"Hint 1/{total}" in hints and words(EX1.hints[0]) in hints
        assert f"Hint 2/{total}" not in hints
        assert store.hints_taken("exercise_1") == 1
        for _ in range(total):
            await pilot.press("h")
            await settle(app, pilot)
        assert store.hints_taken("exercise_1") == total
        hints = shown(app, "#ex-hints")
        assert words(EX1.hints[-1]) in hints and "No hints left" in hints
        assert f"hints {total}/{total}" in shown(app, "#ex-heading")


async def test_reset_asks_then_restores_the_stub_and_keeps_a_backup(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", "exercises")
    path = workspace_file(ws)
    path.write_text("# my work in progress\n", encoding="utf-8")
    app = KDQuizApp(workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_workbench(app, pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert path.read_text(encoding="utf-8") == "# my work in progress\n"
        await pilot.press("r")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert isinstance(app.screen, ExercisesScreen)
        assert path.read_bytes() == EX1.stub_path.read_bytes()
        [backup] = (ws / ".kdquiz" / "backups").iterdir()
        assert backup.read_text(encoding="utf-8") == "# my work in progress\n"
        assert "Exercise 1" in shown(app, "#ex-task")


async def test_cancel_a_running_check(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", "exercises")
    workspace_file(ws).write_text("import time\n\ntime.sleep(30)\n", encoding="utf-8")
    store = ProgressStore.default()
    app = KDQuizApp(workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_workbench(app, pilot)
        assert not screen.check_action("cancel_check", ())
        started = time.monotonic()
        await pilot.press("c")
        await pilot.pause(0.5)
        assert screen.check_action("cancel_check", ())
        await pilot.press("x")
        await settle(app, pilot)
        assert time.monotonic() - started < 15
        assert "cancelled" in shown(app, "#ex-check")
        assert store.attempts() == [] and store.last_results(str(ws.resolve())) == {}
        assert "untried" in list_entry(app, "exercise_1")
        assert not screen.check_action("cancel_check", ())
        # Leaving the workbench stops a running check too, quietly.
        started = time.monotonic()
        await pilot.press("c")
        await pilot.pause(0.3)
        await pilot.press("escape")
        await settle(app, pilot)
        assert time.monotonic() - started < 15
        assert store.attempts() == [] and app.screen.query_one("#tile-exercises")


async def test_watch_mode_checks_after_a_save(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", "exercises")
    store = ProgressStore.default()
    app = KDQuizApp(workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_workbench(app, pilot)
        await pilot.press("w")
        await pilot.pause(0.7)
        assert "Watching exercises/exercise_1.py" in shown(app, "#ex-state")
        assert store.attempts() == []  # turning it on does not check by itself
        shutil.copyfile(content_dir("solutions") / "exercise_1.py", workspace_file(ws))
        deadline = time.monotonic() + 30
        while not store.attempts() and time.monotonic() < deadline:
            await pilot.pause(0.2)
        await settle(app, pilot)
        [attempt] = store.attempts()
        assert attempt.status == "pass"
        assert f"✓ {attempt.total}/{attempt.total} checks passed" in shown(app, "#ex-check")
        await pilot.press("w")
        await pilot.pause()
        assert "Watching" not in shown(app, "#ex-state")


async def test_edit_in_the_editor_then_offer_a_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = make_workspace(tmp_path / "ws", "exercises")
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\nwith open(sys.argv[1], 'a') as f:\n    f.write('# edited\\n')\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(editor))}")
    app = KDQuizApp(workspace=ws)
    messages: list[str] = []
    notify = app.notify

    def recording_notify(message: str, **kwargs: object) -> None:
        messages.append(message)
        notify(message, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(app, "notify", recording_notify)
    async with app.run_test(size=SIZE) as pilot:
        await open_workbench(app, pilot)
        # Headless, the app cannot hand the terminal over: one sentence, nothing else.
        await pilot.press("o")
        await pilot.pause()
        assert any("cannot hand over to an editor" in m for m in messages)
        assert isinstance(app.screen, ExercisesScreen)

        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
        await pilot.press("enter")  # enter works with the list focused
        await pilot.pause()
        assert workspace_file(ws).read_text(encoding="utf-8").endswith("# edited\n")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == "Run the check now?"
        await pilot.press("n")
        await settle(app, pilot)
        assert ProgressStore.default().attempts() == []

        monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
        await pilot.press("o")
        await pilot.pause()
        assert any("Could not start the editor" in m for m in messages)
        assert isinstance(app.screen, ExercisesScreen)
