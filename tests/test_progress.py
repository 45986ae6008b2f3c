"""The SQLite progress store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kdquiz.progress import SCHEMA_VERSION, ProgressError, ProgressStore


def result(exercise: str, status: str, passed: int, total: int) -> dict[str, object]:
    checks = [{"name": f"c{i}", "status": "pass" if i < passed else "fail"} for i in range(total)]
    return {"exercise": exercise, "status": status, "checks": checks, "duration": 1.5}


def record(store: ProgressStore, *attempts: tuple[str, str, int, int]) -> None:
    for exercise, status, passed, total in attempts:
        store.record_check("/ws", "d1", result(exercise, status, passed, total))


def test_checks_are_recorded_with_their_workspace_and_content(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.db")
    store.record_check("/ws", "abc", result("exercise_1", "fail", 3, 7))
    store.record_check("/other", None, result("exercise_1", "pass", 7, 7))
    attempts = ProgressStore(tmp_path / "p.db").attempts("exercise_1")
    assert [(a.status, a.passed, a.total, a.workspace, a.digest) for a in attempts] == [
        ("fail", 3, 7, "/ws", "abc"), ("pass", 7, 7, "/other", None),
    ]  # fmt: skip
    assert attempts[0].at.tzinfo is not None and attempts[0].duration == 1.5
    # The full result is kept per workspace, the latest one only.
    assert store.last_results("/ws")["exercise_1"]["status"] == "fail"
    assert store.last_results("/other")["exercise_1"]["status"] == "pass"
    assert store.last_results("/nowhere") == {}


def test_hints_reveals_and_settings(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.db")
    assert store.hints_taken("exercise_2") == 0
    store.record_hint("exercise_2", 1)
    store.record_hint("exercise_2", 2)
    assert store.hints_taken("exercise_2") == 2
    store.record_reveal("exercise_2", had_passed=False)
    assert store.reveals("exercise_2") == 1
    store.set_setting("lang", "zh")
    store.set_setting("lang", "en")
    assert store.get_setting("lang") == "en"


def test_wal_and_schema_version(tmp_path: Path) -> None:
    ProgressStore(tmp_path / "p.db")
    db = sqlite3.connect(tmp_path / "p.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_corrupt_database_is_moved_aside_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    path.write_bytes(b"this is not sqlite" * 100)
    store = ProgressStore(path)
    assert len(store.warnings) == 1 and "moved to" in str(store.warnings[0])
    assert "已被移到" in store.warnings[0].text("zh")
    aside = list(tmp_path.glob("p.db.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not sqlite")
    record(store, ("exercise_1", "pass", 1, 1))
    assert len(store.attempts()) == 1


def test_newer_schema_is_refused_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    record(ProgressStore(path), ("exercise_1", "pass", 1, 1))
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(ProgressError, match="newer kdquiz"):
        ProgressStore(path)
    assert not list(tmp_path.glob("p.db.corrupt-*"))


def test_database_errors_become_one_sentence(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.db")
    db = sqlite3.connect(tmp_path / "p.db")
    db.execute("DROP TABLE attempts")
    db.close()
    with pytest.raises(ProgressError, match="progress database .* failed: no such table"):
        record(store, ("exercise_1", "pass", 1, 1))


def test_a_version_1_database_is_migrated_keeping_its_attempts(tmp_path: Path) -> None:
    from kdquiz.progress import _MIGRATIONS

    path = tmp_path / "progress.db"
    db = sqlite3.connect(path)
    db.executescript(_MIGRATIONS[0])
    db.execute(
        "INSERT INTO attempts (exercise, at, status, passed, total, duration) "
        "VALUES ('exercise_1', '2026-01-01T00:00:00+00:00', 'pass', 5, 5, 1.0)"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store = ProgressStore(path)
    [attempt] = store.attempts()
    assert attempt.status == "pass" and attempt.workspace is None and attempt.digest is None
    assert store.reviews() == [] and store.cards() == {} and store.last_results("/ws") == {}
    record(store, ("exercise_1", "pass", 1, 1))
    assert ProgressStore(path).last_results("/ws")["exercise_1"]["status"] == "pass"


def test_a_version_3_database_keeps_its_last_results_for_any_workspace(tmp_path: Path) -> None:
    from kdquiz.progress import _MIGRATIONS

    path = tmp_path / "progress.db"
    db = sqlite3.connect(path)
    for step in _MIGRATIONS[:3]:
        db.executescript(step)
    db.execute(
        "INSERT INTO last_results (exercise, at, result) "
        "VALUES ('exercise_2', '2026-01-01T00:00:00+00:00', '{\"status\": \"fail\"}')"
    )
    db.execute("PRAGMA user_version = 3")
    db.commit()
    db.close()
    store = ProgressStore(path)
    assert store.last_results("")["exercise_2"] == {"status": "fail"}
