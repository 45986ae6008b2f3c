"""Run the lab in a resource-limited subprocess and stream its progress (no torch here: the CLI
and the app call this, and only the subprocess pays for torch)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kdquiz import sandbox
from kdquiz.i18n import LABELS, Message
from kdquiz.lab.results import LabEvent, LabResult, LabResultError, parse_event
from kdquiz.sandbox import OUTPUT_BYTES, format_bytes

DEFAULT_TIMEOUT = 600.0
DEFAULT_MEMORY = 6 << 30


@dataclass(frozen=True)
class LabRequest:
    """What to run: the data source, the learner's exercises folder (or None for the reference
    solutions), and overrides of the pipeline's recipe."""

    data: dict[str, Any]
    """{"kind": "synthetic"} | {"kind": "grouplens", "name": ..., "path": ...} |
    {"kind": "movielens", "path": ...} (recbole's file) | {"kind": "csv", "path": ...}"""
    workspace_exercises: Path | None = None
    config: dict[str, Any] = field(default_factory=dict)
    split: str = "leave-one-out"
    """"leave-one-out" or "global-time" (see `kdquiz.lab.data`)."""
    device: str = field(default_factory=lambda: os.environ.get("KDQUIZ_DEVICE", "cpu"))
    timeout: float = DEFAULT_TIMEOUT
    memory_bytes: int = DEFAULT_MEMORY


@dataclass(frozen=True)
class LabOutcome:
    """The result, or the one sentence saying why there is none."""

    result: LabResult | None
    error: Message | None = None
    output: str = ""
    """What the subprocess printed (learner code may print), trimmed."""


def cpu_times(cpus: set[int]) -> tuple[float, float] | None:
    """(busy, total) time of the CPUs `cpus` since boot, in clock ticks, from /proc/stat;
    None where that cannot be read."""
    busy = total = 0.0
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            for line in stat:
                name, *values = line.split()
                if not name.startswith("cpu") or name == "cpu" or int(name[3:]) not in cpus:
                    continue
                fields = [float(v) for v in values[:8]]  # guest time is counted in user time
                idle = fields[3] + fields[4]  # idle + iowait
                busy, total = busy + sum(fields) - idle, total + sum(fields)
    except (OSError, ValueError, IndexError):
        return None
    return (busy, total) if total > 0 else None


def free_cpus(sample: float = 0.25) -> int:
    """The cores this process may use minus the ones busy right now, at least one: on a busy
    machine more processes only contend for the same cores. "Right now" is how busy those
    cores are over the next `sample` seconds (/proc/stat); where that cannot be read, the
    1-minute load average (which lags: a run that just ended still counts for a minute)."""
    if hasattr(os, "sched_getaffinity"):
        cpus = set(os.sched_getaffinity(0))
    else:
        cpus = set(range(os.cpu_count() or 1))
    before = cpu_times(cpus)
    time.sleep(sample if before else 0)
    after = cpu_times(cpus)
    if before and after and after[1] > before[1]:
        busy = len(cpus) * (after[0] - before[0]) / (after[1] - before[1])
    else:
        try:
            busy = os.getloadavg()[0]
        except (OSError, AttributeError):
            busy = 0.0
    return max(1, min(len(cpus), round(len(cpus) - busy)))


def run_lab_process(request: LabRequest, on_event: Callable[[LabEvent], None] | None = None,
                    cancel: threading.Event | None = None) -> LabOutcome:  # fmt: skip
    """Run the lab; `on_event` gets each progress event, parsed, as it arrives (one the parser
    does not know is left out). Never raises for what the data or the learner's code does."""
    threads = free_cpus()
    job = sandbox.Job(
        target="kdquiz.lab.worker:main",
        config={
            "data": request.data,
            "workspace_exercises": (
                str(request.workspace_exercises.resolve()) if request.workspace_exercises else None
            ),
            # The students train `threads` at a time, one thread each (small models make poor
            # use of more threads than one; whole processes do not contend).
            "config": {"workers": threads, **request.config},
            "split": request.split,
            "device": request.device,
            "memory_label": format_bytes(request.memory_bytes),
            "memory_bytes": request.memory_bytes,
        },
        timeout=request.timeout,
        memory_bytes=request.memory_bytes,
        device=request.device,
        single_threaded=False,  # the lab trains real models: it uses the cores that are free
        env={"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)},
    )

    def progress(event: dict[str, Any]) -> None:
        parsed = parse_event(event)
        if parsed is not None and on_event is not None:
            on_event(parsed)

    outcome = sandbox.run(job, cancel, progress)
    for event in outcome.events:
        if event["event"] == "result":
            try:
                return LabOutcome(LabResult.from_json(event["result"]), output=outcome.output)
            except LabResultError as problem:
                return LabOutcome(None, Message("lab_bad_result", why=problem), outcome.output)
        if event["event"] == "error":
            error = Message(event["key"], **event["values"]) if event.get("key") in LABELS else (
                Message("lab_error", message=event["message"])
            )  # fmt: skip
            return LabOutcome(None, error, outcome.output)
    return LabOutcome(None, _why_no_result(outcome, request), outcome.output)


def _why_no_result(outcome: sandbox.Outcome, request: LabRequest) -> Message:
    returncode, output = outcome.returncode or 0, outcome.output
    if outcome.stopped == "cancelled":
        return Message("lablimit_cancelled")
    if outcome.stopped == "timeout":
        return Message("lablimit_timeout", seconds=f"{request.timeout:g}")
    if returncode == -signal.SIGXFSZ:
        return Message("lablimit_output", size=format_bytes(OUTPUT_BYTES))
    if returncode < 0:
        return Message("lablimit_killed", name=signal.Signals(-returncode).name)
    if "Traceback (most recent call last)" in output:
        return Message("lablimit_internal", last=output.strip().splitlines()[-1])
    return Message("lablimit_no_result")


def choose_data(
    path: Path | None = None,
    synthetic: bool = False,
    header: bool | None = None,
    dataset: str | None = None,
) -> tuple[dict[str, Any], str]:
    """The data source of a run and the i18n key of a note on it ("" for none): the user's
    CSV, else the data set asked for by name (it must be fetched), else the synthetic data if
    asked for, else MovieLens-100K fetched with `kdquiz data fetch`, else inside the recbole
    wheel, else the synthetic data with a note on how to get the real one.

    Raises DatasetError for a data set that is unknown or not fetched."""
    from kdquiz.lab import datasets
    from kdquiz.lab.data import movielens_path

    if path is not None:
        return {"kind": "csv", "path": str(path.expanduser().resolve()), "header": header}, ""
    if dataset is not None:
        fetched = datasets.installed(dataset)
        if fetched is None:
            raise datasets.DatasetError("data_not_fetched", name=dataset)
        return _grouplens(dataset, fetched), "lab_movielens_terms"
    if synthetic:
        return {"kind": "synthetic"}, ""
    fetched = datasets.installed(datasets.DEFAULT)
    if fetched is not None:
        return _grouplens(datasets.DEFAULT, fetched), "lab_movielens_terms"
    movielens = movielens_path()
    if movielens is not None:
        return {"kind": "movielens", "path": str(movielens)}, "lab_movielens_terms"
    return {"kind": "synthetic"}, "lab_no_movielens"


def _grouplens(name: str, path: Path) -> dict[str, Any]:
    return {"kind": "grouplens", "name": name, "path": str(path)}
