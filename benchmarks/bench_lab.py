"""The lab's goal, measured: wall time of the default run and what distillation buys.

    python benchmarks/bench_lab.py [--repeat 2] [--synthetic] [--seeds 3]

Runs `kdquiz lab --json` (MovieLens-100K when fetched with `kdquiz data fetch movielens-100k`,
else synthetic data) `--repeat` times and reports the median wall time and the CPU time, then,
from the last run, each distilled student against the goal: beats scratch (the per-user paired
95% CI of the NDCG@10 difference above 0), at least 90% of the teacher's NDCG@10, at most a
tenth of its parameters, the whole run within 60 s on 2 quiet cores. It only reports; nothing
here is asserted. Run it on a quiet machine: the load average is printed with the times.
"""

from __future__ import annotations

import argparse
import json
import os
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
    walls, cpus, result = [], [], {}
    for _ in range(args.repeat):
        start, before = time.perf_counter(), os.times()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append(after.children_user + after.children_system
                    - before.children_user - before.children_system)  # fmt: skip
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
          f"{result['seconds']:.1f} s; CPU time {statistics.median(cpus):.1f} s; load average "
          f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    t_ndcg = teacher["metrics"]["NDCG@10"]["mean"]
    s_ndcg = scratch["metrics"]["NDCG@10"]["mean"]
    print(f"teacher NDCG@10 {t_ndcg:.4f} ({teacher['parameters']:,} parameters); "
          f"scratch {s_ndcg:.4f} ({s_ndcg / t_ndcg:.1%} kept)")  # fmt: skip
    for key, model in models.items():
        if key in ("teacher", "scratch", "popularity", "random"):
            continue
        ndcg = model["metrics"]["NDCG@10"]
        ratio = model["parameters"] / teacher["parameters"]
        versus = model.get("vs_scratch") or {"diff": 0.0, "ci": [0.0, 0.0]}
        goals = {
            "beats scratch": versus["ci"][0] > 0,
            "keeps ≥ 90%": ndcg["mean"] >= 0.9 * t_ndcg,
            "≤ 1/10 parameters": ratio <= 0.1,
        }
        verdict = ", ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in goals.items())
        kept = ndcg["mean"] / t_ndcg
        low, high = versus["ci"]
        print(f"{model['label']}: NDCG@10 {ndcg['mean']:.4f} ± {ndcg['std']:.4f}, vs scratch "
              f"{versus['diff']:+.4f} (95% CI {low:+.4f} to {high:+.4f}), {kept:.1%} kept, "
              f"{ratio:.1%} of the parameters — {verdict}")  # fmt: skip
        epochs = [c["best_epoch"] for c in model.get("chosen", [])]
        print(f"    epochs refit per seed: {epochs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
