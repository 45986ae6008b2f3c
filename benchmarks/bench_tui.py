"""Start-up time of the terminal app, measured against a bare Textual app in the same run.

    python benchmarks/bench_tui.py [--repeat 5] [--headless]

Goal: kdquiz shows its first frame in at most 1.3x the time a bare Textual "hello" app takes.

Default mode (needs tmux): each app runs in a detached 100x32 tmux session on a private tmux
server; the screen is captured every few milliseconds until a marker appears. Times run from
just before the session is created to the first capture that shows the marker, so they include
interpreter start-up, imports, CSS, the first layout and the terminal round trip. For kdquiz two
moments are reported: the first frame (the home screen's layout, "Loading your progress…") and
"data loaded" (the greeting counts the questions and the tiles show their numbers).

--headless (fallback without tmux): each app runs with Textual's headless driver under a small
driver script that notes the wall clock when Textual posts its Ready event (sent once the first
frame is composed) and, for kdquiz, after the first refresh following the data load.

Runs alternate (hello, kdquiz, hello, ...) after one warm-up run of each, so both share the
machine's noise. kdquiz runs on throw-away KDQUIZ_DATA_DIR and KDQUIZ_WORKSPACE folders. The
script reports; it does not fail when the goal is missed.
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
from collections.abc import Callable
from pathlib import Path

GOAL = 1.3
SIZE = (100, 32)
POLL = 0.005
TIMEOUT = 30.0
TERM = "tmux-256color"

HELLO_APP = '''\
"""A bare Textual app: the baseline."""

from textual.app import App, ComposeResult
from textual.widgets import Static


class HelloApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("hello")


if __name__ == "__main__":
    HelloApp().run()
'''

HEADLESS_DRIVER = """\
import sys, time
sys.path.insert(0, {path!r})
{prelude}
from {module} import {name} as Base


class Bench(Base):
    __module__ = Base.__module__  # a relative CSS_PATH resolves against the app's own file

    def on_ready(self) -> None:
        self.bench_marks = {{"frame": time.time()}}
        if {wait_for_data!r}:
            self.bench_timer = self.set_interval({poll!r}, self.bench_poll)
        else:
            self.exit()

    def bench_poll(self) -> None:
        if self.data is not None:
            self.bench_timer.stop()
            self.call_after_refresh(self.bench_loaded)

    def bench_loaded(self) -> None:
        self.bench_marks["data"] = time.time()
        self.exit()


app = Bench()
app.run(headless=True, size={size!r})
for name, moment in getattr(app, "bench_marks", {{}}).items():
    print("bench", name, moment)
"""

Marks = dict[str, float]


class Tmux:
    """A private tmux server (its socket in our temp folder), so no user session is touched."""

    def __init__(self, socket: Path) -> None:
        self.socket = str(socket)
        self.env = {**os.environ, "TERM": os.environ.get("TERM") or TERM}
        self.count = 0

    def __call__(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-S", self.socket, "-f", os.devnull, *args],
            env=self.env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if check and done.returncode:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def start(self) -> None:
        """Start the server with a holder session, so the server's start is never timed."""
        self("new-session", "-d", "-s", "holder", "-x", "20", "-y", "5", "sleep", "86400")
        self("set-option", "-g", "default-terminal", TERM)
        self("set-option", "-g", "remain-on-exit", "on")  # a crash's traceback stays readable

    def stop(self) -> None:
        """Kill this benchmark's server and every session on it."""
        self("kill-server", check=False)

    def time_marks(self, command: list[str], env: dict[str, str], marks: dict[str, str]) -> Marks:
        """Seconds from creating a session running `command` until each marker is on screen.

        `marks` maps a name to the text that shows it happened (alternatives separated by '|').
        """
        self.count += 1
        session = f"run{self.count}"
        unset = [arg for key in os.environ if key not in env for arg in ("-u", key)]
        overrides = [f"{key}={value}" for key, value in env.items() if os.environ.get(key) != value]
        seen: Marks = {}
        start = time.perf_counter()
        self("new-session", "-d", "-s", session, "-x", str(SIZE[0]), "-y", str(SIZE[1]),
             "env", *unset, f"TERM={TERM}", *overrides, *command)  # fmt: skip
        try:
            while len(seen) < len(marks):
                screen = self("capture-pane", "-p", "-t", session)
                now = time.perf_counter()
                for name, texts in marks.items():
                    if name not in seen and any(text in screen for text in texts.split("|")):
                        seen[name] = now - start
                if now - start > TIMEOUT:
                    missing = ", ".join(sorted(set(marks) - set(seen)))
                    raise RuntimeError(f"{missing} not seen after {TIMEOUT:.0f} s:\n{screen}")
                time.sleep(POLL)
            pid = int(self("display-message", "-p", "-t", session, "#{pane_pid}"))
        finally:
            self("kill-session", "-t", session, check=False)
        wait_gone(pid)
        return seen


def wait_gone(pid: int) -> None:
    """Wait (up to 5 s) for a finished run's process to exit, so it does not slow the next."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)


def time_headless(app: str, module_dir: Path, env: dict[str, str]) -> Marks:
    """Seconds from spawning the headless driver until Ready (and until kdquiz shows its data)."""
    wait_for_data = app == "kdquiz"
    # kdquiz goes through its command line module first, as the console script does.
    prelude, module, name = (
        ("import kdquiz.cli", "kdquiz.tui.app", "KDQuizApp")
        if wait_for_data
        else ("", "hello_app", "HelloApp")
    )
    code = HEADLESS_DRIVER.format(
        path=str(module_dir), prelude=prelude, module=module, name=name,
        wait_for_data=wait_for_data, poll=POLL, size=SIZE,
    )  # fmt: skip
    start = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    seen: Marks = {}
    for line in done.stdout.splitlines():
        if line.startswith("bench "):
            _, mark, moment = line.split()
            seen[mark] = float(moment) - start
    if "frame" not in seen or (wait_for_data and "data" not in seen):
        raise RuntimeError(f"the headless driver reported no frame:\n{done.stderr}")
    return seen


def kdquiz_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m kdquiz`."""
    script = Path(sys.executable).with_name("kdquiz")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kdquiz"]


def measure(args: argparse.Namespace, tmp: Path) -> dict[str, list[float]]:
    """Time both apps, alternating; return the times of each moment, keyed 'app mark'."""
    (tmp / "hello_app.py").write_text(HELLO_APP, encoding="utf-8")
    workspace = tmp / "ws"
    env = {**os.environ, "KDQUIZ_DATA_DIR": str(tmp / "data"), "KDQUIZ_WORKSPACE": str(workspace)}
    env.pop("KDQUIZ_QUESTIONS", None)
    subprocess.run(
        [sys.executable, "-m", "kdquiz", "init", str(workspace)],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    tmux = Tmux(tmp / "tmux.sock")
    runners: dict[str, Callable[[], Marks]]
    if args.headless:
        runners = {
            "hello": lambda: time_headless("hello", tmp, env),
            "kdquiz": lambda: time_headless("kdquiz", tmp, env),
        }
    else:
        hello = [sys.executable, str(tmp / "hello_app.py")]
        kdquiz_marks = {
            "frame": "Loading your progress|questions in the bank",
            "data": "questions in the bank",
        }
        runners = {
            "hello": lambda: tmux.time_marks(hello, env, {"frame": "hello"}),
            "kdquiz": lambda: tmux.time_marks(kdquiz_command(), env, kdquiz_marks),
        }
    times: dict[str, list[float]] = {}
    try:
        if not args.headless:
            tmux.start()
        for round_ in range(args.repeat + 1):
            for app, run in runners.items():
                seen = run()
                if round_:  # round 0 is the warm-up
                    for mark, seconds in seen.items():
                        times.setdefault(f"{app} {mark}", []).append(seconds)
            print(".", end="", file=sys.stderr, flush=True)
    finally:
        print(file=sys.stderr)
        if not args.headless:
            tmux.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--headless", action="store_true",
        help="time Textual's headless driver instead of a real terminal in tmux",
    )  # fmt: skip
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not args.headless and shutil.which("tmux") is None:
        print("tmux not found: falling back to --headless.", file=sys.stderr)
        args.headless = True
    try:
        with tempfile.TemporaryDirectory(prefix="kdquiz-bench-tui-") as tmp:
            times = measure(args, Path(tmp))
    except KeyboardInterrupt:
        sys.exit("interrupted.")
    mode = "headless driver" if args.headless else f"tmux {SIZE[0]}x{SIZE[1]}, TERM={TERM}"
    print(f"start-up to screen, {args.repeat} runs each ({mode}, {os.cpu_count()} CPUs)")
    labels = {
        "hello frame": "bare Textual app, first frame",
        "kdquiz frame": "kdquiz, first frame (layout)",
        "kdquiz data": "kdquiz, data loaded",
    }
    width = max(map(len, labels.values()))
    print(f"  {'':<{width}}  {'median':>8}  {'min':>8}")
    for key, label in labels.items():
        values = times[key]
        print(f"  {label:<{width}}  {statistics.median(values):6.3f} s  {min(values):6.3f} s")
    base = statistics.median(times["hello frame"])
    frame = statistics.median(times["kdquiz frame"]) / base
    data = statistics.median(times["kdquiz data"]) / base
    verdict = "meets the goal" if frame <= GOAL else "misses the goal"
    print(f"  kdquiz first frame / hello: {frame:.2f}x  (goal <= {GOAL}x: {verdict})")
    print(f"  kdquiz data loaded / hello: {data:.2f}x")


if __name__ == "__main__":
    main()
