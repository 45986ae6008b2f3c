"""`kdquiz watch`: check an exercise on start and again on every save, rustlings-style.

Checks fork from the warm checker (started at once), so a verdict follows a save in a fraction
of a second. On a terminal the screen shows the latest result and takes keys (h next hint,
n next exercise, q quit); through a pipe it prints plain lines and takes no keys. No torch here.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import sys
import termios
import threading
import time
import tty
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from kdquiz.catalog import Exercise
from kdquiz.checker.report import format_result
from kdquiz.checker.results import ExerciseResult
from kdquiz.checker.runner import Limits, run_hidden_suite, start_warm_checker
from kdquiz.i18n import sentences, t
from kdquiz.progress import ProgressStore
from kdquiz.solving import file_digest, next_unsolved, record_check, standing, take_hint
from kdquiz.textlayout import wrapped
from kdquiz.workspace import SaveWatcher, Workspace

POLL_SECONDS = 0.02
"""Between two looks at the file (one stat call), at the keyboard and at a running check."""


@dataclass
class _Check:
    exercise: Exercise
    cancel: threading.Event = field(default_factory=threading.Event)
    digest: str | None = None
    """Of the file when the check started (what the verdict is about)."""
    result: ExerciseResult | None = None
    done: threading.Event = field(default_factory=threading.Event)


class Watch:
    """The watch loop's state; `run_watch` drives it, tests call `key` and `step` directly."""

    def __init__(self, exercise: Exercise, catalog: Sequence[Exercise], workspace: Workspace,
                 store: ProgressStore, out: TextIO, interactive: bool,
                 lang: str = "en") -> None:  # fmt: skip
        self.catalog, self.workspace, self.store = catalog, workspace, store
        self.lang = lang
        self.out, self.interactive = out, interactive
        self.colour = interactive and "NO_COLOR" not in os.environ
        self.quit = False
        self.exercise = exercise
        self.watcher = SaveWatcher(workspace.exercise_path(exercise))
        self.check: _Check | None = None
        self.result: ExerciseResult | None = None
        self.hint = ""
        """The latest hint taken, shown until the next exercise."""
        self.note = ""
        """What the latest check or key said (a pass, no hints left), shown until the next."""

    # -------------------------------------------------------------- what happens

    def start(self) -> None:
        start_warm_checker()
        self._start_check()

    def step(self) -> None:
        """One poll: a finished check is shown, a save starts a new one."""
        check = self.check
        if check is not None and check.done.is_set():
            self.check = None
            self._finished(check)
        if self.watcher.saved():
            self._start_check()

    def key(self, key: str) -> None:
        if key == "q":
            self.quit = True
        elif key == "h":
            self._hint()
        elif key == "n":
            self._next()

    def stop(self) -> None:
        if self.check is not None:
            self.check.cancel.set()

    def _start_check(self) -> None:
        if self.check is not None:
            self.check.cancel.set()  # superseded by a newer save
        check = _Check(
            self.exercise, digest=file_digest(self.workspace.exercise_path(self.exercise))
        )
        self.check = check
        self.note = ""
        exercises_dir = self.workspace.exercises_dir

        def work() -> None:
            try:
                check.result = run_hidden_suite(
                    [check.exercise.id], exercises_dir, Limits(), cancel=check.cancel
                )[0]
            finally:
                check.done.set()

        threading.Thread(target=work, daemon=True).start()
        self._show(self.t("watch_checking", file=self.file_label()))

    def _finished(self, check: _Check) -> None:
        result = check.result
        if result is None or check.cancel.is_set() or check.exercise is not self.exercise:
            return
        record_check(self.store, self.workspace, result, check.digest)
        self.result = result
        if result.status == "pass":
            following, done = self._following(), self.exercise.id
            if following is None:
                after = self.t("watch_all_solved")
            else:
                key = "watch_press_n" if self.interactive else "watch_next_command"
                after = self.t(key, id=following.id, title=following.title_in(self.lang))
            passed = self.t("watch_passed", id=done)
            self.note = sentences(passed, after, self.t("watch_compare", id=done), lang=self.lang)
        self._show()

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def _hint(self) -> None:
        exercise = self.exercise
        hint = take_hint(self.store, exercise)
        if hint is None:
            self.note = self.t("cli_no_hints_left", id=exercise.id, total=len(exercise.hints))
        else:
            tier, _ = hint
            text = exercise.hint_in(tier - 1, self.lang)
            self.hint = self.t("watch_hint", tier=tier, total=len(exercise.hints), text=text)
        self._show()

    def _following(self) -> Exercise | None:
        passed = standing(self.store, self.workspace, self.catalog).passed()
        return next_unsolved(self.catalog, passed, after=self.exercise.id)

    def _next(self) -> None:
        following = self._following()
        if following is None:
            self.note = self.t("watch_others_solved")
            self._show()
            return
        self.exercise, self.result, self.hint = following, None, ""
        self.watcher = SaveWatcher(self.workspace.exercise_path(following))
        self._start_check()

    # -------------------------------------------------------------- what is shown

    def file_label(self) -> str:
        path = self.workspace.exercise_path(self.exercise)
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return str(path)

    def _show(self, status: str = "") -> None:
        """Redraw the screen (terminal) or print what is new (pipe)."""
        result = self.result
        title = self.exercise.title_in(self.lang)
        shown = format_result(result, title, self.colour, self.lang) if result else ""
        if not self.interactive:
            lines = [status] if status else [shown, *([self.note] if self.note else [])]
            self._write("\n".join(lines) + "\n")
            return
        parts = [f"kdquiz watch · {self.exercise.id} · {title}", ""]
        width = shutil.get_terminal_size().columns - 1
        for part in (shown, wrapped(self.hint, width), wrapped(self.note, width)):
            parts += [part, ""] if part else []
        parts.append(wrapped(status or self.t("watch_watching", file=self.file_label()), width))
        parts.append(self.t("watch_keys"))
        self._write("\033[H\033[2J\033[3J" + "\n".join(parts) + "\n")

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()


@contextmanager
def _keys(interactive: bool) -> Iterator[Callable[[float], str]]:
    """A function that waits up to `timeout` s for one key ('' when none); the terminal is in
    cbreak mode meanwhile (keys arrive unbuffered, ctrl+c still interrupts)."""
    if not interactive:

        def wait(timeout: float) -> str:
            time.sleep(timeout)
            return ""

        yield wait
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)

    def read(timeout: float) -> str:
        ready, _, _ = select.select([fd], [], [], timeout)
        return os.read(fd, 1).decode(errors="replace").lower() if ready else ""

    try:
        yield read
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def run_watch(exercise: Exercise, catalog: Sequence[Exercise], workspace: Workspace,
              store: ProgressStore, lang: str = "en") -> int:  # fmt: skip
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    watch = Watch(exercise, catalog, workspace, store, sys.stdout, interactive, lang)
    if not interactive:
        print(watch.t("watch_piped", file=watch.file_label()), flush=True)
    # ctrl+c (SIGINT, also in cbreak mode) and SIGTERM end the loop at its next poll.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: setattr(watch, "quit", True))
    try:
        with _keys(interactive) as read_key:
            watch.start()
            while not watch.quit:
                key = read_key(POLL_SECONDS)
                if key:
                    watch.key(key)
                watch.step()
    finally:
        watch.stop()
    return 0
