"""Run the lab in a resource-limited subprocess and stream its progress (no torch here: the CLI
and the app call this, and only the subprocess pays for torch)."""

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kdquiz.checker.runner import OUTPUT_BYTES, child_env, format_bytes, kill_group, output_tail

WORKER = Path(__file__).resolve().parent / "worker.py"
DEFAULT_TIMEOUT = 600.0
DEFAULT_MEMORY = 6 << 30


@dataclass(frozen=True)
class LabRequest:
    """What to run: the data source, the learner's exercises folder (or None for the reference
    solutions), and overrides of the pipeline's recipe."""

    data: dict[str, Any]
    """{"kind": "synthetic"} | {"kind": "movielens", "path": ...} | {"kind": "csv", "path": ...}"""
    workspace_exercises: Path | None = None
    config: dict[str, Any] = field(default_factory=dict)
    device: str = field(default_factory=lambda: os.environ.get("KDQUIZ_DEVICE", "cpu"))
    timeout: float = DEFAULT_TIMEOUT
    memory_bytes: int = DEFAULT_MEMORY


@dataclass(frozen=True)
class LabOutcome:
    """The result document, or the one sentence saying why there is none."""

    result: dict[str, Any] | None
    error: str = ""
    output: str = ""
    """What the subprocess printed (learner code may print), trimmed."""


def run_lab_process(request: LabRequest, on_event: Callable[[dict[str, Any]], None] = print,
                    cancel: threading.Event | None = None) -> LabOutcome:  # fmt: skip
    """Run the lab; `on_event` gets each progress event as it arrives. Never raises for what
    the data or the learner's code does."""
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="kdquiz-lab-") as tmp:
        workdir = Path(tmp)
        events_path = workdir / "events.jsonl"
        events_path.touch()
        message = {
            "token": token,
            "events_path": str(events_path),
            "data": request.data,
            "workspace_exercises": (
                str(request.workspace_exercises.resolve()) if request.workspace_exercises else None
            ),
            "config": request.config,
            "device": request.device,
            "memory_bytes": request.memory_bytes,
            "memory_label": format_bytes(request.memory_bytes),
            "output_bytes": OUTPUT_BYTES,
        }
        env = child_env(request.device)
        env.pop("OMP_NUM_THREADS", None)  # the lab trains real models: let torch use the cores
        env.pop("MKL_NUM_THREADS", None)
        stdout_path, stderr_path = workdir / "stdout.txt", workdir / "stderr.txt"
        events: list[dict[str, Any]] = []
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err, \
                open(events_path, encoding="utf-8") as reader:  # fmt: skip
            proc = subprocess.Popen(
                [sys.executable, "-I", str(WORKER)],
                cwd=workdir,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                env=env,
                start_new_session=True,
            )
            assert proc.stdin is not None
            try:
                proc.stdin.write((json.dumps(message) + "\n").encode())
                proc.stdin.close()
            except OSError:
                pass
            stopped = _follow(proc, reader, token, events, on_event, request.timeout, cancel)
        output = output_tail(stdout_path) + output_tail(stderr_path)
    for event in events:
        if event["event"] == "result":
            return LabOutcome(event["result"], output=output)
        if event["event"] == "error":
            return LabOutcome(None, event["message"], output)
    return LabOutcome(None, _why_no_result(stopped, proc.returncode, request, output), output)


def _follow(proc: subprocess.Popen[bytes], reader: Any, token: str,
            events: list[dict[str, Any]], on_event: Callable[[dict[str, Any]], None],
            timeout: float, cancel: threading.Event | None) -> str:  # fmt: skip
    """Pass on events while the process runs; kill its group on timeout or cancel."""
    deadline = time.monotonic() + timeout
    stopped = "exited"
    pending = ""

    def drain() -> None:
        nonlocal pending
        pending += reader.read()
        *lines, pending = pending.split("\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.pop("token", None) == token:
                events.append(event)
                if event.get("event") not in ("result", "error"):
                    on_event(event)

    while True:
        try:
            proc.wait(timeout=0.1)
            break
        except subprocess.TimeoutExpired:
            drain()
            if cancel is not None and cancel.is_set():
                stopped = "cancelled"
            elif time.monotonic() > deadline:
                stopped = "timeout"
            else:
                continue
            kill_group(proc.pid)
            proc.wait()
            break
    kill_group(proc.pid)
    drain()
    return stopped


def _why_no_result(stopped: str, returncode: int, request: LabRequest, output: str) -> str:
    if stopped == "cancelled":
        return "The lab run was cancelled."
    if stopped == "timeout":
        return f"The lab run was stopped after {request.timeout:g} s (the time limit)."
    if returncode == -signal.SIGXFSZ:
        return f"The lab wrote more than {format_bytes(OUTPUT_BYTES)} of output; it was stopped."
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return f"The lab process was killed by {name}; code it ran may have crashed Python."
    if "Traceback (most recent call last)" in output:
        last = output.strip().splitlines()[-1]
        return f"The lab failed with an internal error ({last}); please report it."
    return "The lab process ended without a result; does code it ran call sys.exit() or os._exit()?"


def choose_data(path: Path | None = None, synthetic: bool = False) -> tuple[dict[str, Any], str]:
    """The data source of a run and a note on it: the user's CSV, else MovieLens-100K when the
    recbole wheel is installed, else the synthetic generator."""
    from kdquiz.lab.data import MOVIELENS_TERMS, movielens_path

    if path is not None:
        return {"kind": "csv", "path": str(path.expanduser().resolve())}, ""
    movielens = None if synthetic else movielens_path()
    if movielens is not None:
        return {"kind": "movielens", "path": str(movielens)}, MOVIELENS_TERMS
    note = (
        ""
        if synthetic
        else (
            "MovieLens-100K is not installed (pip install --no-deps recbole==1.2.1); "
            "using the built-in synthetic data."
        )
    )
    return {"kind": "synthetic"}, note
