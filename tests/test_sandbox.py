"""The warm sandbox server's own life: it survives what jobs do (tests/test_checker.py runs every
misbehaviour warm and cold), and dies with its client, when idle, or when killed, without taking
a verdict with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kdquiz.checker.runner import Limits, run_hidden_suite
from kdquiz.sandbox.warm import WarmServer

FAKE_CHECKS = Path(__file__).resolve().parent / "fixtures" / "checks"


def _check(tmp_path: Path, source: str, warm: WarmServer | bool = True) -> tuple[str, str]:
    exercises = tmp_path / "exercises"
    exercises.mkdir(exist_ok=True)
    (exercises / "exercise_1.py").write_text(source, encoding="utf-8")
    [result] = run_hidden_suite(
        ["exercise_1"], exercises, Limits(30), checks_dir=FAKE_CHECKS, warm=warm
    )
    return result.status, result.message


@pytest.fixture
def own_warm_checker() -> Iterator[WarmServer]:
    """A warm checker of the test's own, to kill (the session's serves other checks)."""
    server = WarmServer("kdquiz.checker.harness:preload")
    yield server
    server.close()


def test_a_server_killed_mid_check_is_an_error_and_the_next_check_starts_a_new_one(
    tmp_path: Path, own_warm_checker: WarmServer
) -> None:
    assert own_warm_checker.wait_ready()
    pid = own_warm_checker.pid
    assert pid is not None
    killer = threading.Timer(1.5, os.kill, (pid, signal.SIGKILL))
    killer.start()
    slow = "import time\ndef f(x):\n    time.sleep(6)\n    return 2 * x\n"
    status, message = _check(tmp_path, slow, own_warm_checker)
    killer.join()
    assert status == "error"
    assert "warm checker stopped during the check" in message
    status, _ = _check(tmp_path, "def f(x):\n    return 2 * x\n", own_warm_checker)
    assert status == "pass"
    assert own_warm_checker.ready and own_warm_checker.pid != pid


def test_the_server_exits_when_its_client_is_gone() -> None:
    client = (
        "import os\nfrom kdquiz.sandbox.warm import WarmServer\n"
        "server = WarmServer('builtins:dict')\nassert server.wait_ready(60)\n"
        "print(server.pid, flush=True)\nos._exit(0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", client], capture_output=True, text=True, check=True
    )
    assert _gone(int(proc.stdout))


def test_an_idle_server_exits_and_a_new_one_takes_the_next_job() -> None:
    server = WarmServer("builtins:dict", idle_timeout=0.2)
    try:
        assert server.wait_ready(60)
        first = server.pid
        assert first is not None and _gone(first)
        assert not server.ready
        assert server.wait_ready(60) and server.pid != first
    finally:
        server.close()


def test_closing_the_server_stops_it() -> None:
    server = WarmServer("builtins:dict")
    assert server.wait_ready(60)
    pid = server.pid
    server.close()
    assert pid is not None and _gone(pid, wait=1)


@pytest.mark.parametrize("mode", ["cold", "warm"])
def test_processes_left_behind_are_killed(tmp_path: Path, mode: str) -> None:
    pid_file = tmp_path / "pid"
    source = (
        "import subprocess\n"
        "proc = subprocess.Popen(['sleep', '300'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(proc.pid))\n"
        "def f(x):\n    return x * 2\n"
    )
    assert _check(tmp_path, source, warm=mode == "warm")[0] == "pass"
    pid = int(pid_file.read_text())
    assert _gone(pid), "the learner's background process outlived the check"


def _gone(pid: int, wait: float = 5.0) -> bool:
    """The process has exited (a zombie waiting for a parent that is not ours counts as gone)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False
