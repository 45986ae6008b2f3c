"""Running code in a limited, killable subprocess that reports through signed events.

A job names a target (`module:function`, called with the job's config in the subprocess) and
its limits: wall time, address space (CPU only), output size, its own process group. It runs
either cold (`python -I child.py`, a new interpreter) or forked from a warm server that has
already imported what the target needs (`kdquiz.sandbox.warm`). Either way, the target writes
JSON-line events to `config["events_path"]`, each carrying `config["token"]`; only signed lines
are believed, so code run in the job cannot forge them.

The checker and the lab both run through here. No torch and no pytest in this package's client
side: the CLI and the app call it.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from kdquiz.sandbox.warm import WarmServer

CHILD = Path(__file__).resolve().parent / "child.py"
OUTPUT_BYTES = 64 << 20
"""Files a job writes (its captured output included) may not grow beyond this."""
KEPT_OUTPUT = 4000
"""Characters of the job's own stdout/stderr kept, from each."""

Stopped = Literal["exited", "timeout", "cancelled", "lost"]
"""How the job's process ended: by itself, killed at the time limit, killed on request, or
unknown because the warm server running it died."""


@dataclass(frozen=True)
class Job:
    target: str
    """`module:function`; the function takes the config dict and returns an exit code."""
    config: dict[str, Any]
    timeout: float
    """Wall-clock seconds; the job's process group is killed past it."""
    memory_bytes: int
    """Address-space cap (CPU only); 0 disables it."""
    device: str = "cpu"
    env: dict[str, str] = field(default_factory=dict)
    """Environment variables set in the subprocess before the target runs."""
    single_threaded: bool = True
    """One intra-op thread: tiny tensors run much faster without contention on a busy machine."""


@dataclass
class Outcome:
    stopped: Stopped
    returncode: int | None
    """The exit code, negative for a signal (as subprocess gives it); None when lost."""
    events: list[dict[str, Any]]
    """The signed events, in order, without their token."""
    output: str
    """What the process printed to stdout and stderr, trimmed."""


def format_bytes(n: int) -> str:
    """4294967296 -> '4 GiB'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def child_env(single_threaded: bool = True) -> dict[str, str]:
    """The environment of a job's interpreter (or of the warm server)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    # Only the checker's own plugin: third-party pytest plugins (e.g. snapshot tools importing
    # Textual) would slow a run down and could change its behaviour.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if single_threaded:
        env.setdefault("OMP_NUM_THREADS", "1")
        env.setdefault("MKL_NUM_THREADS", "1")
    else:
        env.pop("OMP_NUM_THREADS", None)
        env.pop("MKL_NUM_THREADS", None)
    return env


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


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


class EventReader:
    """Reads the signed lines a job appends to its events file, as they arrive."""

    def __init__(self, stream: IO[str], token: str,
                 on_event: Callable[[dict[str, Any]], None] | None) -> None:  # fmt: skip
        self._stream, self._token, self._on_event = stream, token, on_event
        self._pending = ""
        self.events: list[dict[str, Any]] = []

    def drain(self) -> None:
        self._pending += self._stream.read()
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.pop("token", None) == self._token:
                self.events.append(event)
                if self._on_event is not None:
                    self._on_event(event)


def run(job: Job, cancel: threading.Event | None = None,
        on_event: Callable[[dict[str, Any]], None] | None = None,
        server: WarmServer | None = None) -> Outcome:  # fmt: skip
    """Run `job` (forked from `server` when given and usable, else cold) and wait for its end.

    Never raises for what the job's code does; `on_event` gets each signed event as it arrives.
    """
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="kdquiz-job-") as tmp:
        workdir = Path(tmp)
        events_path = workdir / "events.jsonl"
        events_path.touch()
        message = {
            "target": job.target,
            "config": {**job.config, "token": token, "events_path": str(events_path)},
            "limits": {
                "memory_bytes": job.memory_bytes,
                "output_bytes": OUTPUT_BYTES,
                "device": job.device,
            },
            "env": {**job.env, "KDQUIZ_DEVICE": job.device},
            "workdir": str(workdir),
        }
        with open(events_path, encoding="utf-8") as stream:
            reader = EventReader(stream, token, on_event)
            ended = None
            # Forking after CUDA is initialised is unsafe: only CPU jobs run warm.
            if server is not None and job.device == "cpu":
                ended = server.run(message, job.timeout, cancel, reader.drain)
            if ended is None:
                ended = _run_cold(message, job, cancel, reader.drain)
            reader.drain()
        output = output_tail(workdir / "stdout.txt") + output_tail(workdir / "stderr.txt")
    return Outcome(ended[0], ended[1], reader.events, output)


def _run_cold(message: dict[str, Any], job: Job, cancel: threading.Event | None,
              poll: Callable[[], None]) -> tuple[Stopped, int]:  # fmt: skip
    workdir = Path(message["workdir"])
    with open(workdir / "stdout.txt", "wb") as out, open(workdir / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-I", str(CHILD)],
            cwd=workdir,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=err,
            env=child_env(job.single_threaded),
            start_new_session=True,
        )
    assert proc.stdin is not None
    try:
        proc.stdin.write((json.dumps(message) + "\n").encode())
        proc.stdin.close()
    except OSError:
        pass
    deadline = time.monotonic() + job.timeout
    stopped: Stopped = "exited"
    try:
        while True:
            try:
                proc.wait(timeout=0.02)
                break
            except subprocess.TimeoutExpired:
                poll()
                stopped = stop_reason(deadline, cancel)
                if stopped != "exited":
                    kill_group(proc.pid)
                    proc.wait()
                    break
    finally:
        # Whatever the job's code left behind in its group, and the job itself when this
        # process is interrupted (ctrl+c reaches only the foreground group, not the job's).
        kill_group(proc.pid)
        proc.wait()
    return stopped, proc.returncode


def stop_reason(deadline: float, cancel: threading.Event | None) -> Stopped:
    """ "cancelled" or "timeout" when a running job must be killed now, else "exited"."""
    if cancel is not None and cancel.is_set():
        return "cancelled"
    if time.monotonic() > deadline:
        return "timeout"
    return "exited"
