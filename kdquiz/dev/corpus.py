"""The self-check corpus: for every exercise its stub, its reference solution, the hand-written
mutants (tests/mutants/<exercise>.yaml) and the alternative correct implementations
(tests/alternatives/<exercise>/*.py), each checked as if it were the learner's file."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kdquiz.checker.results import ExerciseResult
from kdquiz.checker.runner import Limits, run_hidden_suite, start_warm_checker
from kdquiz.paths import content_dir
from kdquiz.sandbox.warm import WarmServer

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"


@dataclass(frozen=True)
class Job:
    """One file to check: `name` is `<exercise>/<kind>:<label>`."""

    name: str
    exercise: str
    source: str
    expect: str = ""
    """For a mutant: text its failure message must contain."""


def apply_replacements(source: str, replacements: list[dict[str, str]]) -> str:
    """Replace each `old` (which must occur exactly once in `source`) by its `new`."""
    spans = []
    for replacement in replacements:
        count = source.count(replacement["old"])
        if count != 1:
            raise ValueError(f"`old` occurs {count} times: {replacement['old'][:60]!r}")
        start = source.index(replacement["old"])
        spans.append((start, start + len(replacement["old"]), replacement["new"]))
    pieces, position = [], 0
    for start, end, new in sorted(spans):
        if start < position:
            raise ValueError("two replacements overlap")
        pieces += [source[position:start], new]
        position = end
    return "".join([*pieces, source[position:]])


def solution_source(exercise: str) -> str:
    return (content_dir("solutions") / f"{exercise}.py").read_text(encoding="utf-8")


def load_mutants(exercises: Iterable[str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(exercise, mutant) for every hand-written mutant, in file order."""
    wanted = set(exercises) if exercises is not None else None
    mutants = []
    for path in sorted((TESTS / "mutants").glob("exercise_*.yaml")):
        if wanted is not None and path.stem not in wanted:
            continue
        for mutant in yaml.safe_load(path.read_text(encoding="utf-8")):
            mutants.append((path.stem, mutant))
    return mutants


def alternatives(exercises: Iterable[str] | None = None) -> list[Path]:
    wanted = set(exercises) if exercises is not None else None
    return [
        path
        for path in sorted((TESTS / "alternatives").glob("exercise_*/*.py"))
        if wanted is None or path.parent.name in wanted
    ]


def corpus_jobs(exercises: list[str]) -> list[Job]:
    """Stub, reference, mutants and alternatives of `exercises`."""
    jobs = []
    for exercise in exercises:
        stub = (content_dir("exercises") / f"{exercise}.py").read_text(encoding="utf-8")
        jobs.append(Job(f"{exercise}/stub", exercise, stub))
        jobs.append(Job(f"{exercise}/reference", exercise, solution_source(exercise)))
    for exercise, mutant in load_mutants(exercises):
        source = apply_replacements(solution_source(exercise), mutant["replace"])
        jobs.append(Job(f"{exercise}/mutant:{mutant['name']}", exercise, source, mutant["expect"]))
    for path in alternatives(exercises):
        jobs.append(
            Job(f"{path.parent.name}/alternative:{path.stem}", path.parent.name, path.read_text())
        )
    return jobs


def check_source(
    exercise: str,
    source: str,
    root: Path,
    limits: Limits | None = None,
    exitfirst: bool = False,
    cancel: threading.Event | None = None,
    warm: WarmServer | bool = True,
) -> ExerciseResult:
    """Check `source` as the learner's file, next to the other reference solutions."""
    folder = root / "exercises"
    folder.mkdir(parents=True, exist_ok=True)
    for path in content_dir("solutions").glob("exercise_*.py"):
        shutil.copyfile(path, folder / path.name)
    (folder / f"{exercise}.py").write_text(source, encoding="utf-8")
    [result] = run_hidden_suite(
        [exercise], folder, limits=limits, exitfirst=exitfirst, cancel=cancel, warm=warm
    )
    return result


def run_jobs(
    jobs: list[Job],
    exitfirst: bool = False,
    workers: int | None = None,
    on_done: Callable[[Job, ExerciseResult], None] | None = None,
    cold: bool = False,
    cancel: threading.Event | None = None,
) -> dict[str, ExerciseResult]:
    """Check every job, each in its own process, `workers` at a time: forked from the warm
    checker, or each in a new interpreter when `cold` (the two must give the same results).
    Once `cancel` is set, the remaining jobs end at once as cancelled."""
    workers = workers or max(2, os.cpu_count() or 2)
    server: WarmServer | bool = False
    if not cold:
        server = start_warm_checker()
        server.wait_ready()

    def one(job: Job) -> ExerciseResult:
        if cancel is not None and cancel.is_set():
            return ExerciseResult(job.exercise, "error", "The check was cancelled.")
        with tempfile.TemporaryDirectory(prefix="kdquiz-dev-") as tmp:
            result = check_source(
                job.exercise, job.source, Path(tmp), exitfirst=exitfirst, cancel=cancel, warm=server
            )
        if on_done is not None:
            on_done(job, result)
        return result

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip([j.name for j in jobs], pool.map(one, jobs), strict=True))
