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


def zh_problems(result: ExerciseResult) -> list[str]:
    """What in a result's Chinese is missing or still English: a check name or a message with
    no Chinese, an untranslated English phrase, a stray space between Chinese characters."""
    from kdquiz.quality import english_phrases, stray_spaces

    problems = []
    texts = [(f"message of {result.exercise}", result.message, result.message_zh)]
    for check in result.checks:
        texts.append((f"name “{check.name}”", check.name, check.name_zh))
        texts.append((f"message of “{check.name}”", check.message, check.message_zh))
    for where, en, zh in texts:
        if en and (not zh or zh == en) and english_phrases(en):
            problems.append(f"{where}: no Chinese")
            continue
        for phrase in english_phrases(zh):
            problems.append(f"{where}: English left: “{phrase}”")
        for excerpt in stray_spaces(zh):
            problems.append(f"{where}: stray space: {excerpt}")
    return problems


def show_chinese(exercises: list[str], cold: bool = False) -> int:
    """Print every corpus result as a learner in zh mode reads it, with what is not Chinese."""
    jobs = corpus_jobs(exercises)
    print(f"checking {len(jobs)} files ...", file=sys.stderr)
    results = run_jobs(jobs, cold=cold)
    count = 0
    for name, result in results.items():
        problems = zh_problems(result)
        count += len(problems)
        print(f"=== {name}\n{format_result(result, lang='zh')}")
        for problem in problems:
            print(f"ZH PROBLEM {name}: {problem}")
        print()
    print(f"{len(results)} results, {count} Chinese problems", file=sys.stderr)
    return 1 if count else 0
