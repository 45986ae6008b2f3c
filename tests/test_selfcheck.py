"""Self-check of the curriculum (rustlings' `dev check`).

For every exercise: the untouched stub fails, the reference solution passes, every mutant (one
per common mistake, plus other plausible bugs) fails with its intended message, and every
alternative correct implementation passes.

- tests/mutants/<exercise>.yaml: mutants as replacements on the reference solution, so they stay
  in step with it (a replacement whose `old` text is gone fails loudly);
- tests/alternatives/<exercise>/*.py: correct implementations in other styles.

`python -m kdquiz.dev selfcheck` runs the same corpus and compares every result's full text with
tests/fixtures/selfcheck_golden.json; `python -m kdquiz.dev mutate` adds generated mutants.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from kdquiz.catalog import exercise_ids
from kdquiz.checker.report import format_result
from kdquiz.checker.results import ExerciseResult
from kdquiz.checker.runner import run_hidden_suite
from kdquiz.dev.corpus import (
    alternatives,
    apply_replacements,
    check_source,
    load_mutants,
    solution_source,
)

MUTANTS = load_mutants()
ALTERNATIVES = alternatives()


def mutant_source(exercise: str, mutant: dict[str, Any]) -> str:
    return apply_replacements(solution_source(exercise), mutant["replace"])


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExerciseResult]:
    """Every mutant and alternative checked up front, in parallel (each is its own process)."""
    jobs = {f"{ex}/{m['name']}": (ex, mutant_source(ex, m)) for ex, m in MUTANTS}
    for path in ALTERNATIVES:
        jobs[f"{path.parent.name}/{path.stem}"] = (path.parent.name, path.read_text())
    roots = [tmp_path_factory.mktemp("job") for _ in jobs]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        done = pool.map(lambda job, root: check_source(*job, root), jobs.values(), roots)
        return dict(zip(jobs, done, strict=True))


def test_every_reference_solution_passes(reference_workspace: Path) -> None:
    results = run_hidden_suite(exercise_ids(), reference_workspace / "exercises")
    failing = {r.exercise: format_result(r) for r in results if r.status != "pass"}
    assert failing == {}
    assert all(r.total >= 5 for r in results)


def test_every_untouched_stub_fails_every_check(stub_workspace: Path) -> None:
    results = run_hidden_suite(exercise_ids(), stub_workspace / "exercises")
    for result in results:
        assert result.status == "fail", format_result(result)
        assert result.passed == 0, format_result(result)
        assert "is not implemented yet" in result.checks[0].message


def test_every_exercise_has_mutants_and_alternatives() -> None:
    for exercise in exercise_ids():
        assert any(ex == exercise for ex, _ in MUTANTS), f"{exercise} has no mutant"
        assert any(p.parent.name == exercise for p in ALTERNATIVES), f"{exercise}: no alternative"


@pytest.mark.parametrize(
    ("exercise", "mutant"), MUTANTS, ids=[f"{e}/{m['name']}" for e, m in MUTANTS]
)
def test_mutant_fails_with_its_message(
    exercise: str, mutant: dict[str, Any], results: dict[str, ExerciseResult]
) -> None:
    result = results[f"{exercise}/{mutant['name']}"]
    text = format_result(result)
    assert result.status == "fail", text
    assert mutant["expect"] in text, f"expected {mutant['expect']!r} in:\n{text}"


@pytest.mark.parametrize(
    "path", ALTERNATIVES, ids=[f"{p.parent.name}/{p.stem}" for p in ALTERNATIVES]
)
def test_alternative_correct_implementation_passes(
    path: Path, results: dict[str, ExerciseResult]
) -> None:
    result = results[f"{path.parent.name}/{path.stem}"]
    assert result.status == "pass", format_result(result)
