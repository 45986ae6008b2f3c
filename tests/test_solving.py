"""The rules the CLI, `kdquiz watch` and the app share: an exercise's status belongs to a
workspace and to its file's content; the next unsolved exercise; hints; showing the solution."""

from __future__ import annotations

from pathlib import Path

from conftest import make_workspace
from kdquiz.catalog import get_exercise, load_catalog
from kdquiz.checker.results import CheckResult, ExerciseResult
from kdquiz.progress import ProgressStore
from kdquiz.solving import (
    file_digest,
    may_show_solution,
    record_check,
    standing,
    take_hint,
)
from kdquiz.workspace import Workspace, init_workspace

EX1 = get_exercise("exercise_1")


def outcome(status: str, exercise: str = "exercise_1") -> ExerciseResult:
    checks = [CheckResult("a", "pass"), CheckResult("b", "pass" if status == "pass" else "fail")]
    return ExerciseResult(exercise, status, checks=checks)  # type: ignore[arg-type]


def check(store: ProgressStore, ws: Workspace, status: str, exercise: str = "exercise_1") -> None:
    """Record a check of the file as it is now."""
    path = ws.exercise_path(get_exercise(exercise))
    record_check(store, ws, outcome(status, exercise), file_digest(path))


def status(store: ProgressStore, ws: Workspace, exercise: str = "exercise_1") -> str:
    return standing(store, ws, load_catalog()).statuses[exercise]


def workspace(tmp_path: Path, name: str = "ws") -> Workspace:
    return Workspace(make_workspace(tmp_path / name, "exercises"), "--workspace")


def test_passed_only_while_the_content_that_passed_is_there(tmp_path: Path) -> None:
    store, ws = ProgressStore.default(), workspace(tmp_path)
    mine = ws.exercise_path(EX1)
    assert status(store, ws) == "untried"
    check(store, ws, "fail")
    assert status(store, ws) == "failing"
    mine.write_text(mine.read_text() + "# solved\n")
    check(store, ws, "pass")
    assert status(store, ws) == "passed"
    mine.write_text(mine.read_text() + "# an edit that drops T²\n")
    assert status(store, ws) == "changed"  # not re-checked yet: no longer "passed"
    check(store, ws, "fail")
    assert status(store, ws) == "failing"
    mine.write_text(mine.read_text().replace("# an edit that drops T²\n", ""))
    assert status(store, ws) == "passed"  # back to the content that passed


def test_a_reset_stub_is_not_passed(tmp_path: Path) -> None:
    store, ws = ProgressStore.default(), workspace(tmp_path)
    mine = ws.exercise_path(EX1)
    mine.write_text("solved\n")
    check(store, ws, "pass")
    ws.restore_stub(EX1)
    assert status(store, ws) == "changed"
    state = standing(store, ws, load_catalog())
    assert state.count("passed") == 0 and state.latest["exercise_1"].status == "pass"


def test_status_belongs_to_its_workspace(tmp_path: Path) -> None:
    store, first = ProgressStore.default(), workspace(tmp_path, "one")
    check(store, first, "pass")
    fresh = Workspace(tmp_path / "fresh", "--workspace")
    init_workspace(fresh.root, load_catalog())  # the same stub content as `first`
    assert status(store, first) == "passed"
    assert status(store, fresh) == "untried"
    assert standing(store, fresh, load_catalog()).passed() == set()


def test_attempts_from_before_workspaces_were_kept_need_a_recheck(tmp_path: Path) -> None:
    store, ws = ProgressStore.default(), workspace(tmp_path)
    import sqlite3

    with sqlite3.connect(store.path) as db:
        db.execute(
            "INSERT INTO attempts (exercise, at, status, passed, total, duration) "
            "VALUES ('exercise_2', '2026-01-01T00:00:00+00:00', 'pass', 5, 5, 1.0), "
            "('exercise_3', '2026-01-01T00:00:00+00:00', 'fail', 1, 5, 1.0)"
        )
    assert status(store, ws, "exercise_2") == "changed"
    assert status(store, ws, "exercise_3") == "failing"


def test_hints_come_in_tiers_then_run_out() -> None:
    store = ProgressStore.default()
    taken = [take_hint(store, EX1) for _ in range(len(EX1.hints) + 1)]
    assert taken[:-1] == [(tier + 1, hint) for tier, hint in enumerate(EX1.hints)]
    assert taken[-1] is None and store.hints_taken(EX1.id) == len(EX1.hints)


def test_the_solution_is_asked_for_until_passed_or_already_shown(tmp_path: Path) -> None:
    store, ws = ProgressStore.default(), workspace(tmp_path)
    assert not may_show_solution(store, EX1)
    check(store, ws, "fail")
    assert not may_show_solution(store, EX1)
    check(store, ws, "pass")
    assert may_show_solution(store, EX1)
    other = get_exercise("exercise_2")
    store.record_reveal(other.id, had_passed=False)
    assert may_show_solution(store, other)
