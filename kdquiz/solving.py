"""The rules of solving an exercise that the CLI, `kdquiz watch` and the app share: what an
exercise's status is in a workspace, recording a check, the next hint, and when the reference
solution may be shown without asking.

Status belongs to a workspace and to the content of the learner's file: an exercise is
"passed" only while its file still holds content that passed a check in this workspace. After
an edit (or a reset) it is "changed" (it passed, but what is there now has not been checked);
a file that was only ever failing stays "failing" until a check says otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kdquiz.catalog import Exercise
from kdquiz.checker.results import ExerciseResult
from kdquiz.progress import Attempt, ProgressStore
from kdquiz.workspace import Workspace

Status = Literal["untried", "failing", "changed", "passed"]
STATUSES: tuple[Status, ...] = ("untried", "failing", "changed", "passed")


def file_digest(path: Path) -> str | None:
    """SHA-256 of a file's bytes; None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def workspace_key(workspace: Workspace) -> str:
    return str(workspace.root.resolve())


def status_of(attempts: Iterable[Attempt], key: str, digest: str | None) -> Status:
    """The status of one exercise in the workspace `key` whose file now has `digest`, from
    its attempts (in any workspace, oldest first). Attempts recorded before kdquiz kept their
    workspace count for every workspace, with unknown content."""
    mine = [a for a in attempts if a.workspace in (key, None)]
    if not mine:
        return "untried"
    same = [a for a in mine if digest is not None and a.digest == digest and a.workspace == key]
    if same:
        return "passed" if same[-1].status == "pass" else "failing"
    return "changed" if any(a.status == "pass" for a in mine) else "failing"


@dataclass(frozen=True)
class Standing:
    """Every exercise's status in one workspace, with its latest attempt there."""

    statuses: dict[str, Status]
    latest: dict[str, Attempt]

    def passed(self) -> set[str]:
        return {e for e, status in self.statuses.items() if status == "passed"}

    def count(self, status: Status) -> int:
        return sum(s == status for s in self.statuses.values())


def standing(store: ProgressStore, workspace: Workspace, catalog: Sequence[Exercise]) -> Standing:
    """The status of each exercise of `catalog` in `workspace` (reads each file once)."""
    key = workspace_key(workspace)
    by_exercise: dict[str, list[Attempt]] = {}
    for attempt in store.attempts():
        by_exercise.setdefault(attempt.exercise, []).append(attempt)
    statuses: dict[str, Status] = {}
    latest: dict[str, Attempt] = {}
    for exercise in catalog:
        attempts = by_exercise.get(exercise.id, [])
        digest = file_digest(workspace.exercise_path(exercise)) if attempts else None
        statuses[exercise.id] = status_of(attempts, key, digest)
        mine = [a for a in attempts if a.workspace in (key, None)]
        if mine:
            latest[exercise.id] = mine[-1]
    return Standing(statuses, latest)


def next_unsolved(
    catalog: Sequence[Exercise], passed: set[str], after: str | None = None
) -> Exercise | None:
    """The first exercise not passed yet, counting from the one after `after` and wrapping
    around; None when every exercise is passed (or the only unsolved one is `after`)."""
    ids = [e.id for e in catalog]
    start = ids.index(after) + 1 if after in ids else 0
    for exercise in [*catalog[start:], *catalog[:start]]:
        if exercise.id not in passed and exercise.id != after:
            return exercise
    return None


def record_check(
    store: ProgressStore, workspace: Workspace, result: ExerciseResult, digest: str | None
) -> None:
    """Record a finished check of the content with `digest` (taken before the check ran, as
    the checked file may be saved again meanwhile)."""
    store.record_check(workspace_key(workspace), digest, result.to_dict())


def take_hint(store: ProgressStore, exercise: Exercise) -> tuple[int, str] | None:
    """Record and return the next hint (its tier from 1, its text); None when all were
    taken."""
    taken = store.hints_taken(exercise.id)
    if taken >= len(exercise.hints):
        return None
    store.record_hint(exercise.id, taken + 1)
    return taken + 1, exercise.hints[taken]


def ever_passed(store: ProgressStore, exercise: Exercise) -> bool:
    """Whether any check of the exercise passed, in any workspace."""
    return any(a.status == "pass" for a in store.attempts(exercise.id))


def may_show_solution(store: ProgressStore, exercise: Exercise) -> bool:
    """The reference solution is shown without asking once the exercise was passed (in any
    workspace, at any time: solving it once is what the question protects) or the solution was
    already shown (asking again protects nothing); otherwise the learner is asked first."""
    return ever_passed(store, exercise) or store.reveals(exercise.id) > 0
