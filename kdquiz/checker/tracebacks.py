"""Tracebacks trimmed to the learner's own files (no torch, no pytest)."""

from __future__ import annotations

import traceback
from pathlib import Path

_exercises_dir: Path | None = None


def set_exercises_dir(folder: Path) -> None:
    """The learner's `exercises/` folder: frames in files there are the learner's."""
    global _exercises_dir
    _exercises_dir = folder.resolve()


def _is_learner_file(filename: str) -> bool:
    if _exercises_dir is None:
        return False
    try:
        return Path(filename).resolve().is_relative_to(_exercises_dir)
    except OSError:
        return False


def learner_traceback(exc: BaseException) -> str:
    """The traceback of `exc` trimmed to frames in the learner's own files."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _is_learner_file(f.filename)]
    lines = []
    for frame in frames:
        lines.append(f"  exercises/{Path(frame.filename).name}:{frame.lineno} in {frame.name}")
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    return "\n".join(lines)
