"""Self-check of the curriculum (rustlings' `dev check`).

For every exercise: the untouched stub fails, the reference solution passes, every mutant (one
per common mistake, plus other plausible bugs) fails with its intended message, and every
alternative correct implementation passes.

- tests/mutants/<exercise>.yaml: mutants as replacements on the reference solution, so they stay
  in step with it (a replacement whose `old` text is gone fails loudly);
- tests/alternatives/<exercise>/*.py: correct implementations in other styles.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import make_workspace
from kdquiz.catalog import exercise_ids, get_exercise
from kdquiz.checker.report import format_result
from kdquiz.checker.results import ExerciseResult
from kdquiz.checker.runner import run_hidden_suite

TESTS = Path(__file__).resolve().parent


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


def load_mutants() -> list[tuple[str, dict[str, Any]]]:
    mutants = []
    for path in sorted((TESTS / "mutants").glob("exercise_*.yaml")):
        for mutant in yaml.safe_load(path.read_text(encoding="utf-8")):
            mutants.append((path.stem, mutant))
    return mutants


MUTANTS = load_mutants()
ALTERNATIVES = sorted((TESTS / "alternatives").glob("exercise_*/*.py"))


def check_source(exercise: str, source: str, root: Path) -> ExerciseResult:
    """Check `source` as the learner's file, next to the other reference solutions."""
    workspace = make_workspace(root, "solutions")
    (workspace / "exercises" / f"{exercise}.py").write_text(source, encoding="utf-8")
    [result] = run_hidden_suite([exercise], workspace / "exercises")
    return result


def mutant_source(exercise: str, mutant: dict[str, Any]) -> str:
    reference = get_exercise(exercise).solution_path.read_text(encoding="utf-8")
    return apply_replacements(reference, mutant["replace"])


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


def test_replacements_are_applied_exactly() -> None:
    source = "a = 1\nb = 2\nc = 3\n"
    assert apply_replacements(source, [{"old": "b = 2\n", "new": "b = 20\n"}]) == (
        "a = 1\nb = 20\nc = 3\n"
    )
    with pytest.raises(ValueError, match="occurs 0 times"):
        apply_replacements(source, [{"old": "d = 4\n", "new": ""}])
    with pytest.raises(ValueError, match="overlap"):
        apply_replacements(source, [{"old": "a = 1\nb", "new": ""}, {"old": "b = 2", "new": ""}])


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
