"""The client side of the warm sandbox server (see `server.py`): start it in the background,
hand it jobs, and notice when it is gone.

One server belongs to one client process (the app, `kdquiz watch`, a test session); its stdin
pipe is the lifeline, so it exits when the client does. Thread-safe: jobs may run concurrently.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kdquiz.sandbox import Stopped, child_env, kill_group, stop_reason

SERVER = Path(__file__).resolve().parent / "server.py"
IDLE_TIMEOUT = 900.0
"""Seconds without a job after which the server exits (a new one starts on the next job)."""
START_TIMEOUT = 120.0
"""Seconds to wait for a starting server before a job runs cold instead."""


class WarmServer:
    def __init__(self, preload: str, idle_timeout: float = IDLE_TIMEOUT) -> None:
        self.preload = preload
        """`module:function` the server calls once to import what jobs need."""
        self.idle_timeout = idle_timeout
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = threading.Event()
        self._failed = threading.Event()
        self._socket = ""
        self._dir = ""
        self._start_failures = 0

    def start(self) -> None:
        """Start the server in the background unless one is running or starting (or starting
        has failed twice in a row: then jobs run cold)."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None and not self._failed.is_set():
                return
            if self._start_failures >= 2:
                return
            self._shutdown()
            self._dir = tempfile.mkdtemp(prefix="kdquiz-warm-")
            self._socket = str(Path(self._dir) / "socket")
            self._ready, self._failed = threading.Event(), threading.Event()
            proc = subprocess.Popen(
                [sys.executable, "-I", str(SERVER)],
                cwd=self._dir,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**child_env(), "KDQUIZ_DEVICE": "cpu"},  # CUDA never starts here
                start_new_session=True,  # ctrl+c in the terminal is the client's to handle
            )
            self._proc = proc
            assert proc.stdin is not None
            config = {"preload": self.preload, "socket": self._socket,
                      "idle_timeout": self.idle_timeout}  # fmt: skip
            proc.stdin.write((json.dumps(config) + "\n").encode())
            proc.stdin.flush()  # stays open: the lifeline
            threading.Thread(target=self._await_ready, args=(proc,), daemon=True).start()

    def _await_ready(self, proc: subprocess.Popen[bytes]) -> None:
        ready, failed = self._ready, self._failed
        assert proc.stdout is not None
        if proc.stdout.readline().strip():
            self._start_failures = 0
            ready.set()
        else:
            self._start_failures += 1
            failed.set()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Start the server if needed and wait until it takes jobs; False if it cannot."""
        self.start()
        ready, failed = self._ready, self._failed
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not failed.is_set():
            if ready.wait(0.05):
                return True
        return False

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._proc is not None and self._proc.poll() is None

    def run(self, message: dict[str, Any], timeout: float, cancel: threading.Event | None,
            poll: Callable[[], None]) -> tuple[Stopped, int | None] | None:  # fmt: skip
        """Run one job; None when the server cannot take it (the caller runs it cold)."""
        if not self.wait_ready():
            return None
        proc = self._proc
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(self._socket)
            conn.sendall((json.dumps(message) + "\n").encode())
            replies = _Replies(conn)
            first = replies.next(10.0)
        except OSError:
            first = None
        if first is None or "pid" not in first:
            conn.close()
            self._lost(proc)
            return None  # not started: safe to run cold
        pid = int(first["pid"])
        deadline = time.monotonic() + timeout
        stopped: Stopped = "exited"
        ended = False
        try:
            while True:
                reply = replies.next(0.02)
                if reply is not None:
                    ended = True
                    return stopped, int(reply["returncode"])
                # The server died with the job running, or does not answer once it is killed.
                if replies.closed or time.monotonic() > deadline + 10:
                    kill_group(pid)
                    self._lost(proc)
                    return "lost", None
                poll()
                if stopped == "exited":
                    stopped = stop_reason(deadline, cancel)
                    if stopped != "exited":
                        kill_group(pid)  # the server reaps it and answers
        finally:
            if not ended:  # interrupted (ctrl+c) or lost: the job must not run on alone
                kill_group(pid)
            conn.close()

    def _lost(self, proc: subprocess.Popen[bytes] | None) -> None:
        """The server `proc` is gone: the next job starts a new one (unless one already has)."""
        with self._lock:
            if proc is self._proc:
                self._failed.set()

    def close(self) -> None:
        with self._lock:
            self._shutdown()

    def _shutdown(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            for pipe in (self._proc.stdin, self._proc.stdout):
                if pipe is not None:
                    pipe.close()
            self._proc = None
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = ""


class _Replies:
    """JSON lines from the server on one connection."""

    def __init__(self, conn: socket.socket) -> None:
        self._conn, self._buffer, self.closed = conn, b"", False

    def next(self, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer and not self.closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._conn.settimeout(remaining)
            try:
                chunk = self._conn.recv(4096)
            except TimeoutError:
                return None
            except OSError:
                chunk = b""
            self.closed = not chunk
            self._buffer += chunk
        if b"\n" not in self._buffer:
            return None
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            reply = json.loads(line)
        except ValueError:
            return None
        return reply if isinstance(reply, dict) else None
