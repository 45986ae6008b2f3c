"""The learner's progress: a versioned SQLite database (WAL) in the user data dir.

Every check attempt, hint and solution reveal is recorded. A corrupt or unreadable database is
moved aside with a warning and a fresh one started; nothing is dropped silently otherwise.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kdquiz.i18n import Message
from kdquiz.paths import data_dir

SCHEMA_VERSION = 5
DB_NAME = "progress.db"


# Migrations from version i to i + 1 live at index i; version 0 is an empty file.
_MIGRATIONS: list[str] = [
    """
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        exercise TEXT NOT NULL,
        at TEXT NOT NULL,
        status TEXT NOT NULL,
        passed INTEGER NOT NULL,
        total INTEGER NOT NULL,
        duration REAL NOT NULL
    );
    CREATE INDEX attempts_by_exercise ON attempts (exercise, at);
    CREATE TABLE hints (
        id INTEGER PRIMARY KEY, exercise TEXT NOT NULL, tier INTEGER NOT NULL, at TEXT NOT NULL
    );
    CREATE TABLE reveals (
        id INTEGER PRIMARY KEY, exercise TEXT NOT NULL, at TEXT NOT NULL,
        had_passed INTEGER NOT NULL
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    CREATE TABLE cards (
        question TEXT PRIMARY KEY,
        card TEXT NOT NULL,
        due TEXT NOT NULL
    );
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        question TEXT NOT NULL,
        topic TEXT NOT NULL,
        at TEXT NOT NULL,
        rating INTEGER NOT NULL,
        correct INTEGER NOT NULL
    );
    CREATE INDEX reviews_by_time ON reviews (at);
    CREATE TABLE last_results (exercise TEXT PRIMARY KEY, at TEXT NOT NULL, result TEXT NOT NULL);
    """,
    """
    CREATE TABLE key_points (
        review INTEGER PRIMARY KEY,
        question TEXT NOT NULL,
        covered TEXT NOT NULL,
        total INTEGER NOT NULL
    );
    """,
    # A check belongs to a workspace and to the content it checked (a SHA-256 of the file):
    # "passed" holds only while that content is still there. Earlier attempts have neither.
    """
    ALTER TABLE attempts ADD COLUMN workspace TEXT;
    ALTER TABLE attempts ADD COLUMN digest TEXT;
    CREATE TABLE results (
        workspace TEXT NOT NULL,
        exercise TEXT NOT NULL,
        at TEXT NOT NULL,
        result TEXT NOT NULL,
        PRIMARY KEY (workspace, exercise)
    );
    INSERT INTO results (workspace, exercise, at, result)
        SELECT '', exercise, at, result FROM last_results;
    DROP TABLE last_results;
    """,
    # Mock interviews: the whole record (plan, answers, code) as JSON, saved as it goes.
    """
    CREATE TABLE interviews (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        record TEXT NOT NULL
    );
    """,
]


class ProgressError(Message):
    """The progress database cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Attempt:
    """One check of one exercise: in which workspace, and of which content of its file."""

    exercise: str
    at: datetime
    status: str
    passed: int
    total: int
    duration: float
    workspace: str | None = None
    """The workspace's resolved path; None for attempts recorded before kdquiz kept it."""
    digest: str | None = None
    """SHA-256 of the file that was checked; None when unknown (missing file, older attempt)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Review:
    """One answer to a question: its FSRS rating (1 Again .. 4 Easy) and whether it was right."""

    question: str
    topic: str
    at: datetime
    rating: int
    correct: bool


class ProgressStore:
    """Access to the progress database. Each call uses its own short connection, so a store
    can be shared between threads (the TUI's workers)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[Message] = []
        """Problems met while opening (e.g. a corrupt file moved aside), for the UI to show."""
        self._open()

    @classmethod
    def default(cls) -> ProgressStore:
        return cls(cls.default_path())

    @staticmethod
    def default_path() -> Path:
        return data_dir() / DB_NAME

    # ------------------------------------------------------------------ opening and migrating

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProgressError(
                "err_data_folder", folder=self.path.parent, why=exc.strerror
            ) from None
        try:
            self._migrate()
        except sqlite3.DatabaseError as exc:
            if not self.path.exists():
                raise ProgressError("err_db_create", path=self.path, why=exc) from None
            self._move_aside(str(exc))
            try:
                self._migrate()
            except sqlite3.DatabaseError as again:
                raise ProgressError("err_db_create", path=self.path, why=again) from None

    def _migrate(self) -> None:
        with self._connect(raw=True) as db:
            db.execute("PRAGMA journal_mode=WAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ProgressError(
                    "err_db_newer", path=self.path, version=version, known=SCHEMA_VERSION
                )
            if version == SCHEMA_VERSION:
                db.execute("SELECT count(*) FROM attempts").fetchone()  # readable?
            for step in range(version, SCHEMA_VERSION):
                db.executescript(_MIGRATIONS[step])
                db.execute(f"PRAGMA user_version = {step + 1}")

    def _move_aside(self, why: str) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            self.path.rename(target)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    side.rename(target.with_name(target.name + suffix))
        except OSError as exc:
            raise ProgressError(
                "err_db_stuck", path=self.path, why=why, error=exc.strerror
            ) from None
        self.warnings.append(Message("warn_db_moved", why=why, target=target))

    @contextmanager
    def _connect(self, raw: bool = False) -> Iterator[sqlite3.Connection]:
        """A short-lived connection; sqlite errors become ProgressError unless `raw`."""
        try:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            try:
                yield db
            finally:
                db.close()
        except sqlite3.Error as exc:
            if raw:
                raise
            raise ProgressError("err_db_failed", path=self.path, why=exc) from None

    # ------------------------------------------------------------------ exercises

    def record_check(self, workspace: str, digest: str | None, result: dict[str, Any]) -> None:
        """Store a check's attempt and keep its full result (per named check) for the
        workspace's workbench, in one transaction."""
        passed = sum(c.get("status") == "pass" for c in result.get("checks", []))
        total = len(result.get("checks", []))
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO attempts (exercise, at, status, passed, total, duration, workspace, "
                "digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (result["exercise"], _now(), result["status"], passed, total,
                 float(result.get("duration", 0.0)), workspace, digest),
            )  # fmt: skip
            db.execute(
                "INSERT INTO results (workspace, exercise, at, result) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (workspace, exercise) DO UPDATE SET at = excluded.at, "
                "result = excluded.result",
                (workspace, result["exercise"], _now(), json.dumps(result, ensure_ascii=False)),
            )
            db.execute("COMMIT")

    def attempts(self, exercise: str | None = None) -> list[Attempt]:
        """Attempts in every workspace, oldest first; all exercises unless one is named."""
        query = (
            "SELECT exercise, at, status, passed, total, duration, workspace, digest FROM attempts"
        )
        args: tuple[str, ...] = ()
        if exercise is not None:
            query += " WHERE exercise = ?"
            args = (exercise,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY id", args).fetchall()
        return [
            Attempt(
                exercise=row[0],
                at=datetime.fromisoformat(row[1]),
                status=row[2],
                passed=row[3],
                total=row[4],
                duration=row[5],
                workspace=row[6],
                digest=row[7],
            )  # fmt: skip
            for row in rows
        ]

    def record_hint(self, exercise: str, tier: int) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO hints (exercise, tier, at) VALUES (?, ?, ?)", (exercise, tier, _now())
            )

    def hints_taken(self, exercise: str) -> int:
        """The highest hint tier shown so far (0 when none)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT coalesce(max(tier), 0) FROM hints WHERE exercise = ?", (exercise,)
            ).fetchone()
        return int(row[0])

    def hints_by_exercise(self) -> dict[str, int]:
        """The highest hint tier shown per exercise."""
        with self._connect() as db:
            return dict(db.execute("SELECT exercise, max(tier) FROM hints GROUP BY exercise"))

    def reveals_by_exercise(self) -> dict[str, int]:
        with self._connect() as db:
            return dict(db.execute("SELECT exercise, count(*) FROM reveals GROUP BY exercise"))

    def record_reveal(self, exercise: str, had_passed: bool) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO reveals (exercise, at, had_passed) VALUES (?, ?, ?)",
                (exercise, _now(), int(had_passed)),
            )

    def reveals(self, exercise: str) -> int:
        with self._connect() as db:
            row = db.execute(
                "SELECT count(*) FROM reveals WHERE exercise = ?", (exercise,)
            ).fetchone()
        return int(row[0])

    def last_results(self, workspace: str) -> dict[str, dict[str, Any]]:
        """The latest full result of each exercise checked in `workspace`."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT exercise, result FROM results WHERE workspace = ?", (workspace,)
            ).fetchall()
        results = {}
        for exercise, text in rows:
            try:
                results[exercise] = json.loads(text)
            except ValueError:
                continue  # a damaged row only loses that one result
        return results

    # ------------------------------------------------------------------ questions

    def cards(self) -> dict[str, str]:
        """Question id -> its FSRS card as JSON, for every question answered at least once."""
        with self._connect() as db:
            return dict(db.execute("SELECT question, card FROM cards").fetchall())

    def record_review(
        self,
        review: Review,
        card_json: str,
        due: datetime,
        key_points: tuple[tuple[int, ...], int] | None = None,
    ) -> int:
        """Store an answer and the question's new schedule in one transaction, with the key
        points the learner said their answer covered ((indices, total), open questions);
        returns the review's row id (for `undo_review`)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            cursor = db.execute(
                "INSERT INTO reviews (question, topic, at, rating, correct) VALUES (?, ?, ?, ?, ?)",
                (
                    review.question,
                    review.topic,
                    review.at.astimezone(UTC).isoformat(timespec="seconds"),
                    review.rating,
                    int(review.correct),
                ),
            )
            db.execute(
                "INSERT INTO cards (question, card, due) VALUES (?, ?, ?) "
                "ON CONFLICT (question) DO UPDATE SET card = excluded.card, due = excluded.due",
                (review.question, card_json, due.astimezone(UTC).isoformat(timespec="seconds")),
            )
            review_id = int(cursor.lastrowid or 0)
            if key_points is not None:
                covered, total = key_points
                db.execute(
                    "INSERT INTO key_points (review, question, covered, total) VALUES (?, ?, ?, ?)",
                    (review_id, review.question, json.dumps(sorted(covered)), total),
                )
            db.execute("COMMIT")
        return review_id

    def replace_cards(self, cards: dict[str, tuple[str, datetime]]) -> None:
        """Set the schedule (card JSON, due date) of each question given, in one transaction."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "UPDATE cards SET card = ?, due = ? WHERE question = ?",
                [
                    (card_json, due.astimezone(UTC).isoformat(timespec="seconds"), question)
                    for question, (card_json, due) in cards.items()
                ],
            )
            db.execute("COMMIT")

    def key_point_ticks(self) -> list[tuple[str, list[int], int]]:
        """(question, key points covered, total) for every open answer graded with ticks."""
        with self._connect() as db:
            rows = db.execute("SELECT question, covered, total FROM key_points ORDER BY review")
            return [(question, json.loads(covered), total) for question, covered, total in rows]

    def undo_review(
        self, review_id: int, question: str, previous: tuple[str, datetime] | None
    ) -> None:
        """Remove a review and put its question's schedule back as it was before it (`previous`
        card JSON and due date; None: the question was new), in one transaction."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM reviews WHERE id = ?", (review_id,))
            db.execute("DELETE FROM key_points WHERE review = ?", (review_id,))
            if previous is None:
                db.execute("DELETE FROM cards WHERE question = ?", (question,))
            else:
                card_json, due = previous
                db.execute(
                    "UPDATE cards SET card = ?, due = ? WHERE question = ?",
                    (card_json, due.astimezone(UTC).isoformat(timespec="seconds"), question),
                )
            db.execute("COMMIT")

    def reviews(self) -> list[Review]:
        """Every answer, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT question, topic, at, rating, correct FROM reviews ORDER BY id"
            ).fetchall()
        return [
            Review(row[0], row[1], datetime.fromisoformat(row[2]), row[3], bool(row[4]))
            for row in rows
        ]

    # ------------------------------------------------------------------ interviews

    def save_interview(self, record: dict[str, Any], interview_id: int | None = None) -> int:
        """Store a mock interview's record (JSON), a new one or over the one with
        `interview_id` (it is saved after every answer); returns its id."""
        text = json.dumps(record, ensure_ascii=False)
        with self._connect() as db:
            if interview_id is not None:
                db.execute("UPDATE interviews SET record = ? WHERE id = ?", (text, interview_id))
                return interview_id
            cursor = db.execute(
                "INSERT INTO interviews (started, record) VALUES (?, ?)",
                (record.get("started", _now()), text),
            )
            return int(cursor.lastrowid or 0)

    def interviews(self) -> list[tuple[int, dict[str, Any]]]:
        """Every mock interview, oldest first: (id, record)."""
        with self._connect() as db:
            rows = db.execute("SELECT id, record FROM interviews ORDER BY started, id").fetchall()
        found = []
        for interview_id, text in rows:
            try:
                record = json.loads(text)
            except ValueError:
                continue  # a damaged row only loses that one interview
            if isinstance(record, dict):
                found.append((interview_id, record))
        return found

    # ------------------------------------------------------------------ settings

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
