"""Run hidden suites in an isolated, resource-limited subprocess and collect their results.

This module does not import torch or pytest: the CLI and the TUI call it, and only the subprocess
pays for those imports.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kdquiz import sandbox
from kdquiz.checker.bilingual import worded, zh_of
from kdquiz.checker.results import CheckResult, ExerciseResult, Status
from kdquiz.sandbox import OUTPUT_BYTES, format_bytes
from kdquiz.sandbox.warm import WarmServer

CHECKS_DIR = Path(__file__).resolve().parents[1] / "checks"
"""The hidden suites: `test_<exercise id>.py`."""

DEFAULT_TIMEOUT = 60.0
"""Seconds of wall-clock time per exercise in a run."""
DEFAULT_MEMORY = 4 << 30


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run."""

    timeout: float = DEFAULT_TIMEOUT
    """Wall-clock seconds for the whole run; the process group is killed past it."""
    memory_bytes: int = DEFAULT_MEMORY
    """Address-space cap of the subprocess (CPU only); 0 disables it."""

    @property
    def per_check_timeout(self) -> float:
        """A single check stops well before the whole run does, so the others still report."""
        return max(1.0, min(20.0, self.timeout / 2))


def parse_memory(text: str) -> int:
    """'4G', '512M', '4GiB' or a number of bytes -> bytes; ValueError on anything else."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    cleaned = text.strip().lower().removesuffix("ib").removesuffix("b")
    if cleaned and cleaned[-1] in units:
        return int(float(cleaned[:-1]) * units[cleaned[-1]])
    return int(cleaned)


_warm: WarmServer | None = None
_warm_lock = threading.Lock()


def start_warm_checker() -> WarmServer:
    """Start this process's warm checker in the background (idempotent). From then on, checks
    on the CPU fork from it instead of starting a cold interpreter."""
    global _warm
    with _warm_lock:
        if _warm is None:
            _warm = WarmServer("kdquiz.checker.harness:preload")
        _warm.start()
        return _warm


def stop_warm_checker() -> None:
    global _warm
    with _warm_lock:
        if _warm is not None:
            _warm.close()
        _warm = None


def run_hidden_suite(
    exercises: list[str],
    exercises_dir: Path,
    limits: Limits | None = None,
    device: str | None = None,
    cancel: threading.Event | None = None,
    checks_dir: Path = CHECKS_DIR,
    exitfirst: bool = False,
    warm: WarmServer | bool = True,
    on_exercise: Callable[[ExerciseResult], None] | None = None,
) -> list[ExerciseResult]:
    """Check the learner's files in `exercises_dir` against the hidden suites of `exercises`.

    All exercises run in one pytest process (one torch import): forked from `warm` (True: this
    process's warm checker, if one was started) or in a new interpreter (False). `exitfirst`
    stops at the first failing check (mutation testing only needs to know that one fails).
    `on_exercise` gets each exercise's result as soon as all its checks have reported (before
    the run ends: the returned results are final, e.g. an error if the process then dies).
    Never raises for anything the learner's code does: every failure mode becomes an
    ExerciseResult with status "error".
    """
    limits = limits or Limits()
    device = device or os.environ.get("KDQUIZ_DEVICE", "cpu")
    job = sandbox.Job(
        target="kdquiz.checker.harness:run",
        config={
            "exercises": exercises,
            "exercises_dir": str(exercises_dir.resolve()),
            "memory_label": format_bytes(limits.memory_bytes),
            "per_check_timeout": limits.per_check_timeout,
            "checks_dir": str(checks_dir.resolve()),
            "exitfirst": exitfirst,
        },
        timeout=limits.timeout,
        memory_bytes=limits.memory_bytes,
        device=device,
    )
    start = time.monotonic()
    server = _warm if warm is True else warm or None
    seen: list[dict[str, Any]] = []
    expected: dict[str, set[str]] = {}
    reported: dict[str, set[str]] = {}

    def event(e: dict[str, Any]) -> None:
        seen.append(e)
        if on_exercise is None:
            return
        if e.get("event") == "collected":
            for check in e["checks"]:
                expected.setdefault(check["exercise"], set()).add(check["id"])
        elif e.get("event") == "check":
            exercise = e["exercise"]
            reported.setdefault(exercise, set()).add(e["id"])
            if reported[exercise] == expected.get(exercise):
                elapsed = time.monotonic() - start
                on_exercise(_assemble(exercise, seen, "", elapsed, "", limits))

    outcome = sandbox.run(job, cancel, event, server)
    duration = time.monotonic() - start
    reason = _abnormal_end(outcome, limits)
    return [
        _assemble(exercise, outcome.events, reason, duration, outcome.output, limits)
        for exercise in exercises
    ]


def _abnormal_end(outcome: sandbox.Outcome, limits: Limits) -> str:
    """Why the run did not complete normally, in one sentence (bilingual), or "" when it did."""
    events, returncode = outcome.events, outcome.returncode
    if outcome.stopped == "cancelled":
        return worded("chk_cancelled")
    if outcome.stopped == "timeout":
        return worded("chk_timeout", seconds=f"{limits.timeout:g}")
    if outcome.stopped == "lost" or returncode is None:
        return worded("chk_warm_lost")
    if returncode == -signal.SIGXFSZ:
        return worded("chk_output_limit", size=format_bytes(OUTPUT_BYTES))
    if returncode < 0:
        return worded("chk_killed", name=signal.Signals(-returncode).name)
    if any(e["event"] == "collect_error" for e in events):
        message = next(e["message"] for e in events if e["event"] == "collect_error")
        return worded("chk_collect_error", message=message)
    if not any(e["event"] == "finished" for e in events):
        return worded("chk_ended_early")
    return ""


def _assemble(
    exercise: str,
    events: list[dict[str, Any]],
    reason: str,
    duration: float,
    output: str,
    limits: Limits,
) -> ExerciseResult:
    expected = [
        (c["id"], c["name"], c.get("name_zh", ""))
        for e in events
        if e["event"] == "collected"
        for c in e["checks"]
        if c["exercise"] == exercise
    ]
    ran = {
        e["id"]: CheckResult(
            name=e["name"],
            status=e["status"],
            message=e["message"],
            duration=e["duration"],
            output=e["output"],
            name_zh=e.get("name_zh", ""),
            message_zh=e.get("message_zh", ""),
        )
        for e in events
        if e["event"] == "check" and e["exercise"] == exercise
    }
    not_run = worded("chk_not_run")
    checks = [
        ran.get(id_) or CheckResult(name, "error", str(not_run), name_zh=zh, message_zh=not_run.zh)
        for id_, name, zh in expected
    ]
    ids = {id_ for id_, _, _ in expected}
    checks += [check for id_, check in ran.items() if id_ not in ids]
    if not reason and not expected:
        reason = worded("chk_no_checks")
    if not reason and len(ran) < len(expected):
        reason = worded("chk_missing_results")
    memory = [c for c in checks if "ran out of memory" in c.message]
    if not reason and memory:
        reason = worded("chk_memory_limit", size=format_bytes(limits.memory_bytes))
    status: Status = "error"
    if not reason:
        status = "pass" if all(c.status == "pass" for c in checks) else "fail"
    return ExerciseResult(
        exercise=exercise,
        status=status,
        message=str(reason),
        message_zh=zh_of(reason),
        checks=checks,
        duration=round(duration, 3),
        output=output if status == "error" else "",
    )
