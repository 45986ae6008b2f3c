"""`kdquiz watch`: the save detection, the choice of exercise, the keys, and a real session
through a pipe (check on start, check on save, offer the next exercise, quit on ctrl+c)."""

from __future__ import annotations

import io
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from kdquiz.catalog import get_exercise, load_catalog
from kdquiz.paths import content_dir
from kdquiz.progress import ProgressStore
from kdquiz.solving import next_unsolved
from kdquiz.watch import Watch
from kdquiz.workspace import SaveWatcher, find_workspace


def test_a_save_counts_once_it_has_settled(tmp_path: Path) -> None:
    path = tmp_path / "exercise.py"
    path.write_text("a = 1\n")
    watcher = SaveWatcher(path)
    assert not watcher.saved()
    path.write_text("a = 22\n")
    assert not watcher.saved()  # changed: wait one poll
    assert watcher.saved()
    assert not watcher.saved()  # once per save
    path.unlink()
    assert not watcher.saved() and not watcher.saved()  # a missing file is never checked


def test_next_unsolved_counts_from_the_one_after_and_wraps_around() -> None:
    catalog = load_catalog()
    ids = [e.id for e in catalog]
    assert next_unsolved(catalog, set()).id == ids[0]
    assert next_unsolved(catalog, {ids[0], ids[1]}).id == ids[2]
    following = next_unsolved(catalog, set(ids[3:]), after=ids[2])
    assert following is not None and following.id == ids[0]
    assert next_unsolved(catalog, set(ids) - {ids[4]}, after=ids[4]) is None
    assert next_unsolved(catalog, set(ids)) is None


def _wait(watch: Watch, until, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not until() and time.monotonic() < deadline:
        watch.step()
        time.sleep(0.05)
    assert until()


def _squeezed(text: str) -> str:
    return "".join(text.split())


def test_keys_give_hints_move_on_and_quit(stub_workspace: Path) -> None:
    catalog = load_catalog()
    workspace = find_workspace(catalog, explicit=stub_workspace)
    store = ProgressStore.default()
    out = io.StringIO()
    first = get_exercise("exercise_1")
    watch = Watch(first, catalog, workspace, store, out, interactive=True)
    watch.start()
    _wait(watch, lambda: watch.result is not None)
    assert watch.result is not None and watch.result.status == "fail"
    assert (
        "exercise_1: 0/" in out.getvalue() and "h hint · n next exercise · q quit" in out.getvalue()
    )
    watch.key("h")
    assert store.hints_taken("exercise_1") == 1
    hint = _squeezed(f"Hint 1/{len(first.hints)}: {first.hints[0]}")
    assert hint in _squeezed(out.getvalue())  # wrapped to the terminal's width
    # A save checks again; the hint stays on the screen meanwhile.
    before = watch.result
    path = workspace.exercise_path(first)
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    _wait(watch, lambda: watch.result is not before)
    assert hint in _squeezed(out.getvalue().rsplit("\033[2J", 1)[-1])
    watch.key("n")
    assert watch.exercise.id == "exercise_2" and watch.result is None
    _wait(watch, lambda: watch.result is not None)
    assert watch.result is not None and watch.result.exercise == "exercise_2"
    assert [a.exercise for a in store.attempts()] == ["exercise_1", "exercise_1", "exercise_2"]
    watch.key("q")
    assert watch.quit


def _lines(stream) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


def _read_until(lines: queue.Queue[str], text: str, seconds: float = 60) -> str:
    seen = ""
    deadline = time.monotonic() + seconds
    while text not in seen:
        seen += lines.get(timeout=max(0.1, deadline - time.monotonic()))
    return seen


def test_a_session_through_a_pipe(stub_workspace: Path) -> None:
    """Started without an id: the first exercise not passed; a save of a right answer passes
    and names the next one; ctrl+c ends it cleanly."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    errors = stub_workspace / "stderr.txt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kdquiz", "watch", "--workspace", str(stub_workspace)],
        stdout=subprocess.PIPE, stderr=errors.open("w"), text=True, env=env,
    )  # fmt: skip
    try:
        lines = _lines(proc.stdout)
        first = _read_until(lines, "checks passed")
        assert "Watching" in first and "exercise_1: 0/" in first
        shutil.copyfile(
            content_dir("solutions") / "exercise_1.py",
            stub_workspace / "exercises" / "exercise_1.py",
        )
        second = _read_until(lines, "Compare: kdquiz solution exercise_1")
        assert re.search(r"exercise_1: (\d+)/\1 checks passed", second), second
        assert "✓ exercise_1 passed! Next unsolved: kdquiz watch exercise_2" in second
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
        assert "Traceback" not in errors.read_text()
    finally:
        proc.kill()
    from kdquiz.solving import standing
    from kdquiz.workspace import Workspace

    state = standing(
        ProgressStore.default(), Workspace(stub_workspace, "--workspace"), load_catalog()
    )
    assert state.passed() == {"exercise_1"}
