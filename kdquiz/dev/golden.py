"""The golden file of the self-check: the full learner-facing text of every corpus result.

Refactoring the suites must not change a message by accident: record the golden file first
(`selfcheck --update`), then compare after each step (`selfcheck`), and update it only for the
changes meant.
"""

from __future__ import annotations

import difflib
import json
import sys

from kdquiz.checker.report import format_result
from kdquiz.checker.results import ExerciseResult
from kdquiz.dev.corpus import TESTS, Job, corpus_jobs, run_jobs

GOLDEN = TESTS / "fixtures" / "selfcheck_golden.json"


def verdict(job: Job, result: ExerciseResult) -> str:
    """'' when the job behaves as the self-check requires, else why not."""
    text = format_result(result)
    kind = job.name.split("/", 1)[1].split(":", 1)[0]
    if kind in ("reference", "alternative") and result.status != "pass":
        return "should pass"
    if kind == "stub" and (result.status != "fail" or result.passed):
        return "should fail every check"
    if kind == "mutant" and (result.status == "pass" or job.expect not in text):
        return f"should fail with {job.expect!r}"
    return ""


def run_selfcheck(exercises: list[str], update: bool, cold: bool = False) -> int:
    jobs = corpus_jobs(exercises)
    print(f"checking {len(jobs)} files ...", file=sys.stderr)
    results = run_jobs(jobs, cold=cold or update)  # the golden file holds cold results
    texts = {name: format_result(result) for name, result in results.items()}
    bad = {job.name: why for job in jobs if (why := verdict(job, results[job.name]))}
    for name, why in bad.items():
        print(f"SELF-CHECK {name}: {why}\n{texts[name]}\n")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}
    if update:
        golden = {k: v for k, v in golden.items() if k.split("/")[0] not in exercises}
        golden.update(texts)
        GOLDEN.write_text(
            json.dumps(dict(sorted(golden.items())), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        print(f"wrote {len(texts)} results to {GOLDEN}", file=sys.stderr)
        return 1 if bad else 0
    changed = 0
    for name, text in texts.items():
        old = golden.get(name)
        if old != text:
            changed += 1
            diff = difflib.unified_diff(
                (old or "").splitlines(), text.splitlines(), "golden", "now", lineterm=""
            )
            print(f"CHANGED {name}\n" + "\n".join(diff) + "\n")
    print(f"{len(texts)} results, {changed} changed, {len(bad)} wrong", file=sys.stderr)
    return 1 if bad or changed else 0
