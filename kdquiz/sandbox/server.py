"""The warm sandbox server: a process that has already imported what jobs need (torch, pytest,
the hidden suites) and forks a fresh child for each job, so a check skips the ~1.3 s of imports.

Started as `python -I server.py` by `kdquiz.sandbox.warm.WarmServer`, in its own session. Its
first stdin line says what to preload and where to listen; stdin then stays open as a lifeline:
when the parent goes away (even killed), stdin reaches EOF and the server exits. It also exits
after `idle_timeout` seconds without a job.

The server never runs job code itself and starts no threads (forking a threaded process is
unsafe). Per connection, one job: the client sends the job as a JSON line; the server forks a
child (its own process group, limits applied by `child.run_job`), answers `{"pid": …}` at once,
and `{"returncode": …}` when the child has ended. The client enforces the time limit by killing
the child's process group; whatever the child does, the server only waits for it.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any, NoReturn


def _fork_job(job: dict[str, Any], inherited: list[Any]) -> int:
    """Fork a child that runs `job` in `job["workdir"]`, stdout/stderr into files there."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            os.setpgid(0, 0)
            for signum in (signal.SIGTERM, signal.SIGCHLD):
                signal.signal(signum, signal.SIG_DFL)
            signal.set_wakeup_fd(-1)
            for resource in inherited:  # the listener, connections, the selector, the wake-up
                resource.close()
            workdir = Path(job["workdir"])
            for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
                opened = os.open(workdir / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(opened, fd)
                os.close(opened)
            sys.stdin.close()  # the lifeline; a cold child's stdin is closed too
            os.chdir(workdir)
        except BaseException:  # noqa: BLE001 - never return into the server's loop
            os._exit(70)
        from kdquiz.sandbox.child import run_job

        run_job(job)
    try:
        os.setpgid(pid, pid)  # here too: the client may kill the group as soon as it has the pid
    except OSError:
        pass
    return pid


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    try:
        conn.sendall((json.dumps(message) + "\n").encode())
    except OSError:
        pass  # the client went away; nothing to tell


def _read_job(conn: socket.socket) -> dict[str, Any] | None:
    conn.settimeout(5.0)
    data = b""
    try:
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        job = json.loads(data)
    except (OSError, ValueError):
        return None
    return job if isinstance(job, dict) else None


def _reap(children: dict[int, socket.socket]) -> None:
    """Report each ended child; kill what it left behind in its group before the pid is freed."""
    while children:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None:
            return
        pid = info.si_pid
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        _, status = os.waitpid(pid, 0)
        conn = children.pop(pid, None)
        if conn is not None:
            _send(conn, {"returncode": os.waitstatus_to_exitcode(status)})
            conn.close()


def serve(listener: socket.socket, idle_timeout: float) -> None:
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ)
    # A child's end wakes the loop at once: SIGCHLD writes a byte to this socket pair.
    wake_read, wake_write = socket.socketpair()
    wake_read.setblocking(False)
    wake_write.setblocking(False)
    signal.set_wakeup_fd(wake_write.fileno())
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector.register(wake_read, selectors.EVENT_READ)
    children: dict[int, socket.socket] = {}
    last_job = time.monotonic()
    try:
        _loop(listener, selector, (wake_read, wake_write), children, idle_timeout, last_job)
    finally:  # leaving (parent gone, idle, SIGTERM): no child outlives the server
        for pid in children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass


def _loop(
    listener: socket.socket,
    selector: selectors.BaseSelector,
    wake: tuple[socket.socket, socket.socket],
    children: dict[int, socket.socket],
    idle_timeout: float,
    last_job: float,
) -> None:
    wake_read, wake_write = wake
    while True:
        for key, _ in selector.select(timeout=1.0):
            if key.fileobj is wake_read:
                with contextlib.suppress(BlockingIOError):
                    wake_read.recv(4096)
            elif key.fileobj is listener:
                conn, _ = listener.accept()
                job = _read_job(conn)
                if job is None:
                    conn.close()
                    continue
                inherited = [listener, selector, wake_read, wake_write, *children.values(), conn]
                pid = _fork_job(job, inherited)
                children[pid] = conn
                _send(conn, {"pid": pid})
                last_job = time.monotonic()
            elif not os.read(sys.stdin.fileno(), 4096):
                return  # the parent is gone
        _reap(children)
        if not children and time.monotonic() - last_job > idle_timeout:
            return


def main() -> NoReturn:
    sys.dont_write_bytecode = True
    config = json.loads(sys.stdin.readline())
    package_root = str(Path(__file__).resolve().parents[2])
    if package_root not in sys.path:
        sys.path.append(package_root)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    module, _, name = config["preload"].partition(":")
    getattr(importlib.import_module(module), name)()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(config["socket"])
    listener.listen(64)
    print(json.dumps({"ready": True}), flush=True)
    try:
        serve(listener, float(config["idle_timeout"]))
    finally:
        listener.close()
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
