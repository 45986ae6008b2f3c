"""Self-check of the curriculum (rustlings' `dev check`).

For every exercise: the untouched stub fails, the reference solution passes, every mutant (one
per common mistake) fails with its intended message, and every alternative correct
implementation passes. Mutants live in tests/mutants/<exercise>/<name>.py; their first line is
`# expect: <text of the message>` or `# expect: pass`.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import MUTANTS, make_workspace
from kdquiz.catalog import exercise_ids
from kdquiz.checker.report import format_result
from kdquiz.checker.results import ExerciseResult
from kdquiz.checker.runner import run_hidden_suite

MUTANT_FILES = sorted(MUTANTS.glob("exercise_*/*.py"))


def expectation(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path} must start with '# expect: ...'"
    return first.removeprefix("# expect: ").strip()


def check_mutant(path: Path, root: Path) -> ExerciseResult:
    workspace = make_workspace(root, "solutions")
    shutil.copyfile(path, workspace / "exercises" / f"{path.parent.name}.py")
    [result] = run_hidden_suite([path.parent.name], workspace / "exercises")
    return result


@pytest.fixture(scope="module")
def mutant_results(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, ExerciseResult]:
    """All mutants checked up front, two at a time (each is its own subprocess)."""
    roots = [tmp_path_factory.mktemp("mutant") for _ in MUTANT_FILES]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = pool.map(check_mutant, MUTANT_FILES, roots)
        return dict(zip(MUTANT_FILES, results, strict=True))


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
        names = [p.name for p in MUTANT_FILES if p.parent.name == exercise]
        assert any(not n.startswith("correct_") for n in names), f"{exercise} has no mutant"
        assert any(n.startswith("correct_") for n in names), f"{exercise}: no alternative"


@pytest.mark.parametrize(
    "path", MUTANT_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in MUTANT_FILES]
)
def test_mutant(path: Path, mutant_results: dict[Path, ExerciseResult]) -> None:
    result = mutant_results[path]
    expected = expectation(path)
    text = format_result(result)
    if expected == "pass":
        assert result.status == "pass", text
    else:
        assert result.status == "fail", text
        assert expected in text, f"expected {expected!r} in:\n{text}"
