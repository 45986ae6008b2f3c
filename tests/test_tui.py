"""The app's start-up: it runs, shows what there is to practise, quits, and never imports torch."""

from __future__ import annotations

import subprocess
import sys

from textual.widgets import Static

from kdquiz.progress import ProgressStore
from kdquiz.tui.app import KDQuizApp


async def test_home_shows_exercises_and_questions_then_quits() -> None:
    ProgressStore.default().record_attempt("exercise_1", "pass", 5, 5, 1.0)
    app = KDQuizApp()
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        exercises = str(app.query_one("#exercises", Static).render())
        questions = str(app.query_one("#questions", Static).render())
        assert "1/3 passed" in exercises and "exercise_1" in exercises
        assert "interview-core" in questions
        await pilot.press("ctrl+q")
    assert app.return_code == 0


def test_the_app_and_cli_never_import_torch() -> None:
    code = (
        "import sys, kdquiz.cli, kdquiz.tui.app, kdquiz.checker.runner, kdquiz.checker.report\n"
        "heavy = [m for m in ('torch', 'pytest', 'hypothesis') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
