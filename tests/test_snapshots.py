"""Snapshot tests (pytest-textual-snapshot): every screen in both languages, at 80x24 (it must
be fully usable) and at 160x45 (it must use the room).

The data is fixed (a clock, UTC days, reviews and attempts at known times, a workspace shown as
~/kdquiz-workspace: it lives in a temporary home folder, so two runs never share it), so the
pictures only change when the screens do. After an intended change, look at the new pictures
and accept them with `pytest tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from conftest import make_workspace
from kdquiz.bank import builtin_bank_dir, load_banks
from kdquiz.catalog import exercise_ids
from kdquiz.progress import ProgressStore
from kdquiz.review import Deck
from kdquiz.solving import file_digest
from kdquiz.tui.app import KDQuizApp
from kdquiz.tui.screens.review import ReviewScreen

SIZES = [(80, 24), (160, 45)]
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """UTC days, a workspace of stubs shown as ~/kdquiz-workspace, and some history to show."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(ReviewScreen, "shuffle_seed", 7)  # the same option order every run
    make_workspace(workspace(), "exercises")
    store = ProgressStore.default()
    bank, _ = load_banks([builtin_bank_dir()], set(exercise_ids()))
    moment = NOW - timedelta(days=12)
    deck = Deck(bank, store, clock=lambda: moment)
    for day, count in enumerate([3, 5, 0, 4, 6, 2, 0, 0, 7, 3, 5, 4]):
        moment = NOW - timedelta(days=12 - day, hours=1)
        for index, question in enumerate(bank.questions[day : day + count]):
            deck.answer(
                question, rating=3 if (index + day) % 3 else 1, correct=(index + day) % 3 > 0
            )
    attempts = [
        ("exercise_1", NOW - timedelta(days=5), "fail", 12, 18),
        ("exercise_1", NOW - timedelta(days=4), "pass", 18, 18),
        ("exercise_2", NOW - timedelta(days=1), "fail", 1, 2),
    ]
    key = str(workspace().resolve())
    store.record_check(
        key,
        file_digest(workspace() / "exercises" / "exercise_2.py"),
        {
            "exercise": "exercise_2", "status": "fail", "message": "", "duration": 1.6,
            "output": "", "passed": 1, "total": 2,
            "checks": [
                {"name": "teacher_soft_targets returns probabilities", "status": "pass",
                 "message": "",
                 "duration": 0.1, "output": ""},
                {"name": "The teacher is run without a graph", "status": "fail",
                 "message": "The returned tensor requires grad.\nLikely mistake: the teacher "
                 "ran outside torch.no_grad().", "duration": 0.1, "output": ""},
            ],
        },
    )  # fmt: skip
    with sqlite3.connect(store.path) as db:
        db.execute("DELETE FROM attempts")  # the check recorded above: only its full result
        db.executemany(
            "INSERT INTO attempts (exercise, at, status, passed, total, duration, workspace, "
            "digest) VALUES (?, ?, ?, ?, ?, 2.0, ?, ?)",
            [
                (ex, at.isoformat(timespec="seconds"), status, p, t, key,
                 file_digest(workspace() / "exercises" / f"{ex}.py"))
                for ex, at, status, p, t in attempts
            ],
        )  # fmt: skip


def workspace() -> Path:
    """The workbench shows where the learner's files are: under the (temporary) home folder."""
    return Path.home() / "kdquiz-workspace"


def make_app(lang: str) -> KDQuizApp:
    return KDQuizApp(workspace=workspace(), lang=lang, clock=lambda: NOW)


def steps(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Wait for the data, press `keys`, wait for workers again, stop cursors blinking."""

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        for widget in pilot.app.screen.query("TextArea, Input"):
            widget.cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause()

    return run_before


LANGS = ["en", "zh"]
EVERY = pytest.mark.parametrize(
    "lang, size", [(lang, size) for size in SIZES for lang in LANGS],
    ids=[f"{lang}-{w}x{h}" for w, h in SIZES for lang in LANGS],
)  # fmt: skip
"""Both languages at both sizes."""


@EVERY
def test_home(snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps())


@EVERY
def test_review_question(snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("r"))


@EVERY
def test_review_feedback(snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("r", "1"))


@EVERY
def test_help(snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("f1"))


@EVERY
def test_browse(snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("b"))


@EVERY
def test_stats(snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("s"))


@EVERY
def test_settings(snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("o"))


@EVERY
def test_exercises(snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("e"))


@EVERY
def test_exercise_check_result(snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """The Check tab of exercise_2, from a stored result (no check is run)."""
    run_before = steps("e", "down", "right")
    assert snap_compare(make_app(lang), terminal_size=size, run_before=run_before)


@EVERY
def test_lab(
    snap_compare, lang: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The Lab screen with a stored result (no run), as without MovieLens installed."""
    from kdquiz.lab import data
    from kdquiz.tui.screens.lab import last_result_path

    monkeypatch.setattr(data, "movielens_path", lambda: None)
    last_result_path().parent.mkdir(parents=True)
    shutil.copyfile(Path(__file__).with_name("fixtures") / "lab_result.json", last_result_path())
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("l"))


@EVERY
def test_lab_fetch_dialog(
    snap_compare, lang: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The Lab's fetch dialog (f, without MovieLens): the GroupLens terms, Accept / Cancel."""
    from kdquiz.lab import data

    monkeypatch.setattr(data, "movielens_path", lambda: None)
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("l", "f"))


@EVERY
def test_review_after_undo(snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """An answer taken back: the question is asked again, the counts as before it."""
    run_before = steps("r", "1", "u")
    assert snap_compare(make_app(lang), terminal_size=size, run_before=run_before)


@EVERY
def test_open_answer_key_points(snap_compare, lang: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """An open question revealed, two of its key points ticked and the grade they suggest."""
    bank, _ = load_banks([builtin_bank_dir()], set(exercise_ids()))
    question = next(q for q in bank.questions if q.type == "open" and len(q.key_points) >= 3)

    async def run_before(pilot: Pilot[None]) -> None:
        await steps()(pilot)
        await pilot.app.push_screen(ReviewScreen([question], preview=True))
        await steps("ctrl+r", "a", "b")(pilot)

    assert snap_compare(make_app(lang), terminal_size=size, run_before=run_before)


@EVERY
def test_fsrs_fit_result(
    snap_compare, lang: str, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Settings → Fit to my reviews, after the fit (faked: the real one runs in
    tests/test_fsrs_fit.py), as with a long enough history."""
    from kdquiz.dev.simulate import forgetful_parameters
    from kdquiz.fsrs_fit import Fit, FitOutcome, Metrics, default_parameters
    from kdquiz.tui.screens import fit

    outcome = FitOutcome(
        Fit(
            forgetful_parameters(),
            default_parameters(),
            Metrics(0.4959, 0.3938, 1819),
            Metrics(0.4764, 0.3880, 1819),
        )
    )
    monkeypatch.setattr(fit, "countable_reviews", lambda reviews: 1819)
    monkeypatch.setattr(fit, "run_fit", lambda *args, **kwargs: outcome)
    monkeypatch.setattr(fit.FitScreen, "timer", staticmethod(lambda: 0.0))  # "Fitted in 0 s"

    async def run_before(pilot: Pilot[None]) -> None:
        await steps("o")(pilot)
        pilot.app.screen.query_one("#fit").press()  # type: ignore[attr-defined]
        await steps()(pilot)

    assert snap_compare(make_app(lang), terminal_size=size, run_before=run_before)


# ---------------------------------------------------------------------- the mock interview

SMALL = pytest.mark.parametrize("lang", LANGS)
"""Both languages at 80x24, the size the interview must fit."""


def interview_app(lang: str, monkeypatch: pytest.MonkeyPatch) -> KDQuizApp:
    """`kdquiz interview --minutes 10 --focus interview-core`, with a fixed plan."""
    from kdquiz.tui.screens.interview import InterviewScreen

    monkeypatch.setattr(InterviewScreen, "plan_seed", 5)
    return KDQuizApp(workspace=workspace(), lang=lang, clock=lambda: NOW,
                     interview=(10, "interview-core"))  # fmt: skip


def until_coding(*after: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Start the interview, skip every question (leaving the whiteboard first), then `after`."""

    async def run_before(pilot: Pilot[None]) -> None:
        await steps("enter")(pilot)
        screen = pilot.app.screen
        while getattr(screen, "phase", "") not in ("coding", "report"):
            if isinstance(screen.focused, TextArea):
                await pilot.press("escape")
            await pilot.press("s")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        await steps(*after)(pilot)

    return run_before


@SMALL
def test_interview_plan(snap_compare, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    app = interview_app(lang, monkeypatch)
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps())


@SMALL
def test_interview_question(snap_compare, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The first question with the clock, its whiteboard holding a start of an answer."""
    app = interview_app(lang, monkeypatch)
    run_before = steps("enter", *"Soft targets carry dark knowledge")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@SMALL
def test_interview_follow_up(snap_compare, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """After the first answer is graded: its first follow-up, under the question it follows."""
    app = interview_app(lang, monkeypatch)
    run_before = steps("enter", "escape", "ctrl+r", "a", "b", "enter")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@SMALL
def test_interview_coding(snap_compare, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    app = interview_app(lang, monkeypatch)
    assert snap_compare(app, terminal_size=(80, 24), run_before=until_coding())


@SMALL
def test_interview_report(snap_compare, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The report after skipping everything (the code too: no check runs)."""
    app = interview_app(lang, monkeypatch)
    assert snap_compare(app, terminal_size=(80, 24), run_before=until_coding("s", "y"))
