"""The exercise catalogue: the single source of truth for exercise ids, titles and hints.

The data lives in `catalog.yaml` next to this module; stubs and reference solutions are found by
id in the shipped content folders.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kdquiz.i18n import Message
from kdquiz.paths import content_dir

CATALOG_FILE = Path(__file__).resolve().parent / "catalog.yaml"


class UnknownExercise(Message, LookupError):
    """An exercise id that is not in the catalogue."""

    def __init__(self, given: str, valid: list[str]) -> None:
        super().__init__("err_unknown_exercise", given=given, valid=", ".join(valid))
        self.given = given


@dataclass(frozen=True)
class Exercise:
    """One coding exercise."""

    id: str
    title: str
    functions: tuple[str, ...]
    topic: str
    difficulty: int
    minutes: int
    summary: str
    hints: tuple[str, ...]
    zh: dict[str, Any] = field(default_factory=dict, compare=False)
    """The Chinese title, summary and hints (catalog.yaml's `zh:`)."""

    def title_in(self, lang: str) -> str:
        return str(self.zh.get("title") or self.title) if lang == "zh" else self.title

    def summary_in(self, lang: str) -> str:
        return str(self.zh.get("summary") or self.summary) if lang == "zh" else self.summary

    def hint_in(self, index: int, lang: str) -> str:
        hints = self.zh.get("hints") or []
        return str(hints[index]) if lang == "zh" and index < len(hints) else self.hints[index]

    @property
    def task_zh_path(self) -> Path:
        """The task in Chinese (the stub's docstring, translated, same layout)."""
        return content_dir("exercises") / "zh" / f"{self.id}.txt"

    @property
    def number(self) -> int:
        return int(self.id.removeprefix("exercise_"))

    @property
    def stub_path(self) -> Path:
        return content_dir("exercises") / f"{self.id}.py"

    @property
    def solution_path(self) -> Path:
        return content_dir("solutions") / f"{self.id}.py"


@functools.cache
def load_catalog() -> tuple[Exercise, ...]:
    """All exercises in curriculum order."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
    raw = yaml.load(CATALOG_FILE.read_text(encoding="utf-8"), Loader=loader)
    exercises = [
        Exercise(
            id=entry["id"],
            title=entry["title"],
            functions=tuple(entry["functions"]),
            topic=entry["topic"],
            difficulty=int(entry["difficulty"]),
            minutes=int(entry["minutes"]),
            summary=entry["summary"],
            hints=tuple(entry["hints"]),
            zh=dict(entry.get("zh") or {}),
        )
        for entry in raw
    ]
    return tuple(sorted(exercises, key=lambda e: e.number))


def exercise_ids() -> list[str]:
    return [exercise.id for exercise in load_catalog()]


def get_exercise(name: str) -> Exercise:
    """Look an exercise up by id; `exercise_2`, `exercise2`, `ex2` and `2` all work."""
    match = re.fullmatch(r"(?:exercise_?|ex_?)?(\d+)", name.strip().lower())
    wanted = f"exercise_{int(match.group(1))}" if match else name
    for exercise in load_catalog():
        if exercise.id == wanted:
            return exercise
    raise UnknownExercise(name, exercise_ids())
