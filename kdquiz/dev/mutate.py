"""Mutation testing of the hidden suites: generate mutants of each reference solution, run the
suite on each, and report the survivors.

A survivor is either a gap in the suite (kill it with a new check) or equivalent to the
reference (it computes the same thing); equivalent mutants are recorded, with a one-line reason,
in `kdquiz/checks/<exercise>.equivalent.yaml` next to the suite.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import yaml

from kdquiz.checker.report import format_result
from kdquiz.checker.results import ExerciseResult
from kdquiz.checker.runner import CHECKS_DIR
from kdquiz.dev.corpus import Job, run_jobs, solution_source
from kdquiz.dev.mutants import Mutant, generate_mutants


def equivalents_path(exercise: str) -> Path:
    return CHECKS_DIR / f"{exercise}.equivalent.yaml"


def load_equivalents(exercise: str) -> dict[str, str]:
    """{mutant key: why it is equivalent} for one exercise."""
    path = equivalents_path(exercise)
    if not path.exists():
        return {}
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {str(e["mutant"]): str(e["why"]) for e in entries}


def run_mutate(
    exercises: list[str], list_only: bool, json_path: str | None, cold: bool = False
) -> int:
    mutants = {exercise: generate_mutants(solution_source(exercise)) for exercise in exercises}
    if list_only:
        for exercise, found in mutants.items():
            for mutant in found:
                print(f"{exercise}:{mutant.line}  {mutant.key}")
        return 0
    jobs = [
        Job(f"{exercise}/{mutant.key}", exercise, mutant.source)
        for exercise, found in mutants.items()
        for mutant in found
    ]
    print(f"running the hidden suites on {len(jobs)} mutants ...", file=sys.stderr)
    start = time.monotonic()
    done = [0]

    def progress(job: Job, result: ExerciseResult) -> None:
        done[0] += 1
        if result.status == "pass":
            print(f"  [{done[0]}/{len(jobs)}] survived: {job.name}", file=sys.stderr)

    results = run_jobs(jobs, exitfirst=True, on_done=progress, cold=cold)
    report = []
    survivors = 0
    for exercise, found in mutants.items():
        equivalent = load_equivalents(exercise)
        row = _score(exercise, found, results, equivalent)
        report.append(row)
        survivors += len(row["survived"])
    _print_report(report)
    print(f"({time.monotonic() - start:.0f} s)", file=sys.stderr)
    if json_path:
        Path(json_path).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    return 1 if survivors else 0


def _score(
    exercise: str, found: list[Mutant], results: dict[str, ExerciseResult], equivalent: dict
) -> dict:
    killed, survived, listed = [], [], []
    stale = set(equivalent) - {m.key for m in found}
    for mutant in found:
        result = results[f"{exercise}/{mutant.key}"]
        if mutant.key in equivalent:
            listed.append(mutant.key)
            if result.status != "pass":  # listed as equivalent, yet a check kills it
                stale.add(mutant.key)
        elif result.status == "pass":
            survived.append({"key": mutant.key, "line": mutant.line})
        else:
            first = next((c for c in result.checks if c.status != "pass"), None)
            killed.append({"key": mutant.key, "by": first.name if first else result.message})
    candidates = len(found) - len(listed)
    return {
        "exercise": exercise,
        "mutants": len(found),
        "equivalent": len(listed),
        "killed": len(killed),
        "survived": survived,
        "score": len(killed) / candidates if candidates else 1.0,
        "stale_equivalents": sorted(stale),
        "killed_by": killed,
    }


def _print_report(report: list[dict]) -> None:
    print(
        f"{'exercise':<12} {'mutants':>7} {'equiv.':>6} {'killed':>6} {'survived':>8} {'score':>6}"
    )
    for row in report:
        print(
            f"{row['exercise']:<12} {row['mutants']:>7} {row['equivalent']:>6} "
            f"{row['killed']:>6} {len(row['survived']):>8} {row['score']:>6.1%}"
        )
    totals = [sum(r[k] for r in report) for k in ("mutants", "equivalent", "killed")]
    survived = sum(len(r["survived"]) for r in report)
    candidates = totals[0] - totals[1]
    score = totals[2] / candidates if candidates else 1.0
    print(f"{'all':<12} {totals[0]:>7} {totals[1]:>6} {totals[2]:>6} {survived:>8} {score:>6.1%}")
    for row in report:
        for mutant in row["survived"]:
            print(f"SURVIVED {row['exercise']}:{mutant['line']}  {mutant['key']}")
        for key in row["stale_equivalents"]:
            print(f"STALE {row['exercise']}: listed as equivalent but killed or gone: {key}")


__all__ = ["format_result", "run_mutate"]
