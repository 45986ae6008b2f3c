"""Run hidden suites in an isolated, resource-limited subprocess and collect their results.

This module does not import torch or pytest: the CLI and the TUI call it, and only the subprocess
pays for those imports.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kdquiz.checker.results import CheckResult, ExerciseResult, Status

HARNESS = Path(__file__).resolve().parent / "harness.py"
CHECKS_DIR = Path(__file__).resolve().parents[1] / "checks"
"""The hidden suites: `test_<exercise id>.py`."""

DEFAULT_TIMEOUT = 60.0
"""Seconds of wall-clock time per exercise in a run."""
DEFAULT_MEMORY = 4 << 30
OUTPUT_BYTES = 64 << 20
"""Files the subprocess writes (captured output included) may not grow beyond this."""
KEPT_OUTPUT = 4000
"""Characters of the subprocess's own stdout/stderr kept in a result."""


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


def format_bytes(n: int) -> str:
    """4294967296 -> '4 GiB'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def parse_memory(text: str) -> int:
    """'4G', '512M', '4GiB' or a number of bytes -> bytes; ValueError on anything else."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    cleaned = text.strip().lower().removesuffix("ib").removesuffix("b")
    if cleaned and cleaned[-1] in units:
        return int(float(cleaned[:-1]) * units[cleaned[-1]])
    return int(cleaned)


def child_env(device: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    # Only our plugin: third-party pytest plugins (e.g. snapshot tools importing Textual) would
    # slow the run down and could change its behaviour.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["KDQUIZ_DEVICE"] = device
    # The suites use tiny tensors: one thread avoids contention that can make a run 10x slower
    # on a busy machine (the learner can still raise it with torch.set_num_threads).
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("MKL_NUM_THREADS", "1")
    return env


def output_tail(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    if len(text) <= KEPT_OUTPUT:
        return text
    half = KEPT_OUTPUT // 2
    return f"{text[:half]}\n... [{len(text) - KEPT_OUTPUT} characters cut] ...\n{text[-half:]}"


def _read_events(path: Path, token: str) -> list[dict[str, Any]]:
    """The signed result lines; anything unsigned or malformed is ignored."""
    events = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("token") == token:
            events.append(event)
    return events


def run_hidden_suite(
    exercises: list[str],
    exercises_dir: Path,
    limits: Limits | None = None,
    device: str | None = None,
    cancel: threading.Event | None = None,
    checks_dir: Path = CHECKS_DIR,
    exitfirst: bool = False,
) -> list[ExerciseResult]:
    """Check the learner's files in `exercises_dir` against the hidden suites of `exercises`.

    All exercises run in one pytest process (one torch import). `exitfirst` stops at the first
    failing check (mutation testing only needs to know that one fails). Never raises for anything
    the learner's code does: every failure mode becomes an ExerciseResult with status "error".
    """
    limits = limits or Limits()
    device = device or os.environ.get("KDQUIZ_DEVICE", "cpu")
    token = secrets.token_hex(16)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kdquiz-check-") as tmp:
        workdir = Path(tmp)
        results_path = workdir / "results.jsonl"
        config = {
            "token": token,
            "exercises": exercises,
            "exercises_dir": str(exercises_dir.resolve()),
            "results_path": str(results_path),
            "memory_bytes": limits.memory_bytes,
            "memory_label": format_bytes(limits.memory_bytes),
            "output_bytes": OUTPUT_BYTES,
            "per_check_timeout": limits.per_check_timeout,
            "device": device,
            "checks_dir": str(checks_dir.resolve()),
            "exitfirst": exitfirst,
        }
        stdout_path, stderr_path = workdir / "stdout.txt", workdir / "stderr.txt"
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-I", str(HARNESS)],
                cwd=workdir,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                env=child_env(device),
                start_new_session=True,
            )
            assert proc.stdin is not None
            try:
                proc.stdin.write((json.dumps(config) + "\n").encode())
                proc.stdin.close()
            except OSError:
                pass
            stopped = _wait(proc, limits.timeout, cancel)
        events = _read_events(results_path, token)
        output = output_tail(stdout_path) + output_tail(stderr_path)
    duration = time.monotonic() - start
    reason = _abnormal_end(stopped, proc.returncode, events, limits)
    return [_assemble(exercise, events, reason, duration, output, limits) for exercise in exercises]


def _wait(proc: subprocess.Popen[bytes], timeout: float, cancel: threading.Event | None) -> str:
    """Wait for the process; kill its whole group on timeout or cancel. Returns why it stopped."""
    deadline = time.monotonic() + timeout
    stopped = "exited"
    while True:
        try:
            proc.wait(timeout=0.05)
            break
        except subprocess.TimeoutExpired:
            if cancel is not None and cancel.is_set():
                stopped = "cancelled"
            elif time.monotonic() > deadline:
                stopped = "timeout"
            else:
                continue
            kill_group(proc.pid)
            proc.wait()
            break
    kill_group(proc.pid)  # children the learner's code left behind
    return stopped


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _abnormal_end(
    stopped: str, returncode: int, events: list[dict[str, Any]], limits: Limits
) -> str:
    """Why the run did not complete normally, in one sentence, or "" when it did."""
    if stopped == "cancelled":
        return "The check was cancelled."
    if stopped == "timeout":
        return (
            f"The check was stopped after {limits.timeout:g} s (the time limit); "
            "does your code loop forever or run very slowly?"
        )
    if returncode == -signal.SIGXFSZ:
        return (
            f"Your code wrote more than {format_bytes(OUTPUT_BYTES)} of output; "
            "the check was stopped."
        )
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return f"The check process was killed by {name}; your code may have crashed Python."
    if any(e["event"] == "collect_error" for e in events):
        message = next(e["message"] for e in events if e["event"] == "collect_error")
        return f"The hidden suite could not be loaded:\n{message}"
    if not any(e["event"] == "finished" for e in events):
        return (
            "The check process ended before the checks finished; does your code call "
            "sys.exit() or os._exit()?"
        )
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
        (c["id"], c["name"])
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
        )
        for e in events
        if e["event"] == "check" and e["exercise"] == exercise
    }
    checks = [ran.get(id_) or CheckResult(name, "error", "Did not run.") for id_, name in expected]
    checks += [check for id_, check in ran.items() if id_ not in dict(expected)]
    if not reason and not expected:
        reason = "No checks ran, so nothing was verified."
    if not reason and len(ran) < len(expected):
        reason = "Some checks reported no result."
    memory = [c for c in checks if "ran out of memory" in c.message]
    if not reason and memory:
        reason = f"Your code exceeded the memory limit ({format_bytes(limits.memory_bytes)})."
    status: Status = "error"
    if not reason:
        status = "pass" if all(c.status == "pass" for c in checks) else "fail"
    return ExerciseResult(
        exercise=exercise,
        status=status,
        message=reason,
        checks=checks,
        duration=round(duration, 3),
        output=output if status == "error" else "",
    )
