"""Self-check of the curriculum (rustlings' `dev check`).

For every exercise: the untouched stub fails every check, the reference solution passes, every
mutant (one per common mistake, plus other plausible bugs) fails with its intended message, and
every alternative correct implementation passes.

- tests/mutants/<exercise>.yaml: mutants as replacements on the reference solution, so they stay
  in step with it (a replacement whose `old` text is gone fails loudly);
- tests/alternatives/<exercise>/*.py: correct implementations in other styles.

The corpus is checked once, forked from the warm checker. Its results must read exactly as in
tests/fixtures/selfcheck_golden.json, which `python -m kdquiz.dev selfcheck --cold --update`
records from cold runs: that proves warm and cold checks give the same verdicts and messages.
"""

from __future__ import annotations

import json
import re

import pytest

from kdquiz.catalog import exercise_ids
from kdquiz.checker.report import format_result
from kdquiz.checker.results import ExerciseResult
from kdquiz.dev.corpus import corpus_jobs, run_jobs
from kdquiz.dev.golden import GOLDEN, verdict

JOBS = corpus_jobs(exercise_ids())


@pytest.fixture(scope="module")
def results() -> dict[str, ExerciseResult]:
    """Every file of the corpus, checked in parallel (each in its own forked process)."""
    return run_jobs(JOBS)


def _rounded(text: str) -> str:
    """The text with every decimal number to 3 significant digits: the last bits of a float may
    differ between CPUs (vector units), never the verdicts or the wording."""
    return re.sub(r"-?\d+\.\d+(?:e[-+]?\d+)?", lambda m: f"{float(m.group()):.3g}", text)


@pytest.mark.parametrize("job", JOBS, ids=[job.name for job in JOBS])
def test_corpus_file_gets_its_verdict(job, results: dict[str, ExerciseResult]) -> None:
    result = results[job.name]
    assert verdict(job, result) == "", format_result(result)


def test_results_read_as_the_cold_golden_file(results: dict[str, ExerciseResult]) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert set(golden) == set(results), "run `python -m kdquiz.dev selfcheck --cold --update`"
    changed = [
        name
        for name, result in results.items()
        if _rounded(format_result(result)) != _rounded(golden[name])
    ]
    assert changed == [], "`python -m kdquiz.dev selfcheck` shows the differences"


def test_references_have_checks_and_stubs_fail_from_the_first(
    results: dict[str, ExerciseResult],
) -> None:
    for exercise in exercise_ids():
        assert results[f"{exercise}/reference"].total >= 5
        stub = results[f"{exercise}/stub"]
        assert "is not implemented yet" in stub.checks[0].message, format_result(stub)


def test_every_exercise_has_mutants_and_alternatives() -> None:
    for exercise in exercise_ids():
        kinds = {job.name.split("/")[1].split(":")[0] for job in JOBS if job.exercise == exercise}
        assert {"stub", "reference", "mutant", "alternative"} <= kinds, exercise
