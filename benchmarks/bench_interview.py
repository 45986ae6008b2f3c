"""What mock interviews of each length hold, and how fast they are planned.

    python benchmarks/bench_interview.py [--seeds 20]

For 5, 10, 20, 45 and 90 minutes, over `--seeds` plans of a new learner (built-in bank, every
exercise unsolved): the mean number of opening questions and of follow-ups, the planned question
time against the time the questions have, the coding exercise's share, and the median time to
build a plan (it happens on the app's event loop when `n` draws another).
"""

from __future__ import annotations

import argparse
import statistics
import time

from kdquiz.bank import builtin_bank_dir, load_banks
from kdquiz.catalog import load_catalog
from kdquiz.interview.plan import make_plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    catalog = load_catalog()
    bank, _ = load_banks([builtin_bank_dir()], {e.id for e in catalog})
    with_chains = sum(bool(q.follow_ups) for q in bank.questions)
    print(f"{len(bank.questions)} questions, {with_chains} of them lead to follow-ups\n")
    print("minutes  openers  follow-ups  planned / question time  coding  plan (ms)")
    for minutes in (5, 10, 20, 45, 90):
        openers, follow_ups, planned, took = [], [], [], []
        for seed in range(args.seeds):
            start = time.perf_counter()
            plan = make_plan(bank, catalog, {}, set(), set(), minutes=minutes, seed=seed)
            took.append((time.perf_counter() - start) * 1000)
            openers.append(len(plan.openers))
            follow_ups.append(len(plan.follow_ups))
            planned.append(sum(s.seconds for s in plan.steps) / plan.question_seconds)
        coding = plan.coding.seconds / 60 if plan.coding else 0
        mean = statistics.mean
        print(
            f"{minutes:>7}  {mean(openers):>7.1f}  {mean(follow_ups):>10.1f}"
            f"  {mean(planned):>23.0%}  {coding:>4.0f} min  {statistics.median(took):>9.1f}"
        )


if __name__ == "__main__":
    main()
