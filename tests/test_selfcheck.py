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

import difflib
import json
import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from kdquiz.catalog import exercise_ids
from kdquiz.checker.report import format_result
from kdquiz.checker.results import ExerciseResult
from kdquiz.dev.corpus import corpus_jobs, run_jobs
from kdquiz.dev.golden import GOLDEN, verdict

CORPUS = pytest.StashKey[Future[dict[str, ExerciseResult]]]()
"""The corpus run that conftest started as the session began, if it did."""

JOBS = corpus_jobs(exercise_ids())


def start_corpus(cancel: threading.Event) -> Future[dict[str, ExerciseResult]]:
    """Check every file of the corpus in the background, each in its own forked process, on
    all cores but one: conftest starts this as the session begins, so the other tests run on
    the remaining core meanwhile, and runs this module's tests last."""
    workers = max(1, (os.cpu_count() or 2) - 1)
    return ThreadPoolExecutor(1).submit(run_jobs, JOBS, workers=workers, cancel=cancel)


@pytest.fixture(scope="module")
def results(request: pytest.FixtureRequest) -> dict[str, ExerciseResult]:
    started = request.config.stash.get(CORPUS, None)
    return started.result() if started is not None else start_corpus(threading.Event()).result()


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
    texts = {name: _rounded(format_result(result)) for name, result in results.items()}
    changed = [name for name, text in texts.items() if text != _rounded(golden[name])]
    first = "".join(
        difflib.unified_diff(
            _rounded(golden[changed[0]]).splitlines(True), texts[changed[0]].splitlines(True)
        )
        if changed
        else ""
    )
    assert changed == [], f"{changed[0]}, golden → now:\n{first}"


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


def test_every_result_reads_in_chinese(results: dict[str, ExerciseResult]) -> None:
    """Every check name and message has its Chinese, with no English prose left in it (code,
    names and the text of the learner's own exceptions aside). `python -m kdquiz.dev selfcheck
    --zh` prints every result as a Chinese learner sees it."""
    from kdquiz.dev.golden import zh_problems

    missing = [
        f"{name}: {problem}"
        for name, result in results.items()
        for problem in zh_problems(result)
        if "no Chinese" in problem or "stray space" in problem
    ]
    assert missing == [], "\n".join(missing[:20])
    untranslated = sum(len(zh_problems(result)) for result in results.values())
    # What is left is quoted exception text from learner code and torch (e.g. "The size of
    # tensor a (3) must match ..."), which stays as the learner's Python printed it.
    assert untranslated <= 60, untranslated
