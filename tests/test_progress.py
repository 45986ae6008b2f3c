"""The SQLite progress store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kdquiz.progress import SCHEMA_VERSION, ProgressError, ProgressStore


def test_attempts_and_statuses(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.db")
    assert store.exercise_status("exercise_1") == "untried"
    store.record_attempt("exercise_1", "fail", 3, 7, 2.5)
    assert store.exercise_status("exercise_1") == "failing"
    store.record_attempt("exercise_1", "pass", 7, 7, 2.1)
    store.record_attempt("exercise_1", "fail", 6, 7, 2.0)
    assert store.exercise_status("exercise_1") == "passed"  # once passed, it stays passed
    attempts = ProgressStore(tmp_path / "p.db").attempts("exercise_1")
    assert [(a.status, a.passed, a.total) for a in attempts] == [
        ("fail", 3, 7), ("pass", 7, 7), ("fail", 6, 7),
    ]  # fmt: skip
    assert attempts[0].at.tzinfo is not None


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
    assert len(store.warnings) == 1 and "moved to" in store.warnings[0]
    aside = list(tmp_path.glob("p.db.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not sqlite")
    store.record_attempt("exercise_1", "pass", 1, 1, 0.1)
    assert store.exercise_status("exercise_1") == "passed"


def test_newer_schema_is_refused_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    ProgressStore(path).record_attempt("exercise_1", "pass", 1, 1, 0.1)
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
        store.record_attempt("exercise_1", "pass", 1, 1, 0.1)


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
    assert store.exercise_status("exercise_1") == "passed"
    assert store.reviews() == [] and store.cards() == {} and store.last_results() == {}
    store.save_last_result("exercise_1", {"status": "pass", "checks": []})
    assert ProgressStore(path).last_results()["exercise_1"]["status"] == "pass"
