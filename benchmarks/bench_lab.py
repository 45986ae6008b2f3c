"""The lab's goal, measured: wall time of the default run and what distillation buys.

    python benchmarks/bench_lab.py [--repeat 2] [--synthetic] [--seeds 3]

Runs `kdquiz lab --json` (MovieLens-100K when the recbole wheel is installed, else synthetic
data) `--repeat` times and reports the median wall time, then, from the last run, each distilled
student against the goal: NDCG@10 above the scratch student's (mean over the seeds), at least
90% of the teacher's NDCG@10, at most a tenth of its parameters, the whole run within 60 s.
It only reports; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--synthetic", action="store_true")
    args = parser.parse_args()
    kdquiz = Path(sys.executable).with_name("kdquiz")
    command = [str(kdquiz), "lab", "--json", "--seeds", str(args.seeds)]
    if args.synthetic:
        command.append("--synthetic")
    walls, result = [], {}
    for _ in range(args.repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - start)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        result = json.loads(done.stdout)
    models = result["models"]
    teacher, scratch = models["teacher"], models["scratch"]
    wall = statistics.median(walls)
    print(f"data: {result['dataset']['name']}, {len(result['seeds'])} seeds, {result['device']}")
    print(f"wall time, median of {args.repeat}: {wall:.1f} s (goal ≤ 60 s: "
          f"{'met' if wall <= 60 else 'NOT met'}); the pipeline itself: "
          f"{result['seconds']:.1f} s")  # fmt: skip
    t_ndcg = teacher["metrics"]["NDCG@10"]["mean"]
    s_ndcg = scratch["metrics"]["NDCG@10"]["mean"]
    print(f"teacher NDCG@10 {t_ndcg:.4f} ({teacher['parameters']:,} parameters); "
          f"scratch {s_ndcg:.4f} ({s_ndcg / t_ndcg:.1%} kept)")  # fmt: skip
    for key, model in models.items():
        if key in ("teacher", "scratch"):
            continue
        ndcg = model["metrics"]["NDCG@10"]
        ratio = model["parameters"] / teacher["parameters"]
        goals = {
            "beats scratch": ndcg["mean"] > s_ndcg,
            "keeps ≥ 90%": ndcg["mean"] >= 0.9 * t_ndcg,
            "≤ 1/10 parameters": ratio <= 0.1,
        }
        verdict = ", ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in goals.items())
        kept = ndcg["mean"] / t_ndcg
        print(f"{model['label']}: NDCG@10 {ndcg['mean']:.4f} ± {ndcg['std']:.4f} "
              f"({kept:.1%} kept, {ratio:.1%} of the parameters) — {verdict}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
