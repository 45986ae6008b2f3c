"""Wall-clock figures for the CLI, measured against baselines in the same run.

    python benchmarks/bench_cli.py [--repeat 5]

Reports the median of each:
- `kdquiz list` (goal: well under a second);
- `kdquiz check exercise_2` on the reference solution vs `python -c "import torch, pytest"`
  (goal: at most 1.5x the baseline);
- `kdquiz check --all` vs one single check (goal: at most 3x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kdquiz.paths import content_dir


def timed(command: list[str], env: dict[str, str], repeat: int) -> float:
    """Median wall time of `command` over `repeat` runs (after one warm-up run)."""
    times = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    kdquiz = [sys.executable, "-m", "kdquiz"]
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "ws"
        (workspace / "exercises").mkdir(parents=True)
        for path in content_dir("solutions").glob("exercise_*.py"):
            shutil.copyfile(path, workspace / "exercises" / path.name)
        env = {**os.environ, "KDQUIZ_DATA_DIR": str(Path(tmp) / "data"),
               "KDQUIZ_WORKSPACE": str(workspace)}  # fmt: skip
        rows = [
            ("kdquiz list", timed([*kdquiz, "list"], env, args.repeat)),
            ("python -c 'import torch, pytest'",
             timed([sys.executable, "-c", "import torch, pytest"], env, args.repeat)),
            ("kdquiz check exercise_2", timed([*kdquiz, "check", "exercise_2"], env, args.repeat)),
            ("kdquiz check --all", timed([*kdquiz, "check", "--all"], env, args.repeat)),
        ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    print(f"median of {args.repeat} runs on {os.cpu_count()} CPUs")
    for name, seconds in rows:
        print(f"  {name:<{width}}  {seconds:6.2f} s")
    times = dict(rows)
    baseline = times["python -c 'import torch, pytest'"]
    single = times["kdquiz check exercise_2"]
    print(f"  check exercise_2 / import baseline: {single / baseline:.2f}x (goal <= 1.5x)")
    print(
        f"  check --all / check exercise_2:     {times['kdquiz check --all'] / single:.2f}x "
        "(goal <= 3x)"
    )


if __name__ == "__main__":
    main()
