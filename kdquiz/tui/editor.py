"""Opening the learner's file in their editor from the app ($VISUAL / $EDITOR, else nano or
vi), with the app suspended meanwhile."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from textual.app import App, SuspendNotSupported


def editor_command(env: dict[str, str] | None = None) -> list[str] | None:
    """$VISUAL or $EDITOR split like a shell would, else nano or vi; None when none is found.
    Raises ValueError when the variable cannot be split (an unbalanced quote)."""
    env = dict(os.environ) if env is None else env
    configured = env.get("VISUAL") or env.get("EDITOR")
    if configured:
        return shlex.split(configured) or None
    for name in ("nano", "vi"):
        found = shutil.which(name)
        if found:
            return [found]
    return None


def edit_in_editor(app: App[object], path: Path) -> tuple[str, dict[str, object]] | None:
    """Run the editor on `path` with the app suspended; None when it ran and exited 0, else
    what to tell the learner (an i18n key and its values). Inside `suspend()` every error is
    caught: an exception escaping it would leave the terminal suspended."""
    configured = os.environ.get("VISUAL") or os.environ.get("EDITOR") or ""
    try:
        command = editor_command()
    except ValueError as exc:
        return "ex_bad_editor", {"editor": configured, "error": exc}
    if command is None:
        return "ex_no_editor", {}
    error: OSError | None = None
    code = 0
    try:
        with app.suspend():
            try:
                code = subprocess.run([*command, str(path)], check=False).returncode
            except OSError as exc:
                error = exc
    except SuspendNotSupported:
        return "ex_no_suspend", {}
    if error is not None:
        return "ex_editor_failed", {"editor": command[0], "error": error.strerror or str(error)}
    if code:
        return "ex_editor_status", {"code": code}
    return None
