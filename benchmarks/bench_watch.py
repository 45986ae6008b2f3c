"""Save-to-verdict time of `kdquiz watch`, against a cold `python -c "import torch, pytest"`
measured in the same run.

    python benchmarks/bench_watch.py [--repeat 3] [--exercise exercise_2 ...] [--every]

For each exercise, `kdquiz watch` runs through a pipe on a workspace of reference solutions (so
every check runs to the end). After its first verdict, the file is saved `--repeat` times; each
time is measured from the end of the write to the arrival of the verdict line
("exercise_N: passed/total checks passed"). Goal: the median is at most 0.35x the baseline.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from kdquiz.catalog import exercise_ids
from kdquiz.paths import content_dir

GOAL = 0.35


def cold_import(repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch, pytest"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def save_to_verdict(exercise: str, workspace: Path, env: dict[str, str], repeat: int) -> float:
    """Median seconds from a save to the verdict line of `kdquiz watch`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kdquiz", "watch", exercise, "--workspace", str(workspace)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    verdicts: queue.Queue[float] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(f"{exercise}: ") and "checks passed" in line:
                verdicts.put(time.perf_counter())

    threading.Thread(target=read, daemon=True).start()
    path = workspace / "exercises" / f"{exercise}.py"
    source = path.read_text(encoding="utf-8")
    times = []
    try:
        verdicts.get(timeout=120)  # the check on start (it also waits for the warm server)
        for i in range(repeat):
            time.sleep(0.5)
            path.write_text(f"{source}\n# save {i}\n", encoding="utf-8")
            saved = time.perf_counter()
            times.append(verdicts.get(timeout=60) - saved)
    finally:
        proc.terminate()
        proc.wait(10)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--exercise", action="append", default=None)
    parser.add_argument("--every", action="store_true", help="measure every exercise")
    args = parser.parse_args()
    exercises = exercise_ids() if args.every else (args.exercise or ["exercise_2"])
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "ws"
        (workspace / "exercises").mkdir(parents=True)
        for path in content_dir("solutions").glob("exercise_*.py"):
            shutil.copyfile(path, workspace / "exercises" / path.name)
        env = {**os.environ, "KDQUIZ_DATA_DIR": str(Path(tmp) / "data"), "PYTHONUNBUFFERED": "1"}
        baseline = cold_import(args.repeat)
        rows = [(ex, save_to_verdict(ex, workspace, env, args.repeat)) for ex in exercises]
    print(f"median of {args.repeat} on {os.cpu_count()} CPUs")
    print(f"  python -c 'import torch, pytest'   {baseline:6.3f} s")
    for exercise, seconds in rows:
        ratio = seconds / baseline
        mark = "ok" if ratio <= GOAL else f"over the goal of {GOAL}x"
        print(f"  kdquiz watch {exercise:<12} save→verdict {seconds:6.3f} s  {ratio:.2f}x  {mark}")


if __name__ == "__main__":
    main()
