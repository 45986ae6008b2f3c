"""What every command shares: the errors that end a command, and finding the exercise, the
workspace and the progress store."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kdquiz.bank import Problem, QuestionBank
    from kdquiz.catalog import Exercise
    from kdquiz.progress import ProgressStore
    from kdquiz.workspace import Workspace


class UsageError(Exception):
    """A mistake in how the command was called (exit 2)."""


class UserError(Exception):
    """Something the user can fix, reported as one sentence (exit 1)."""


def exercise_named(name: str) -> Exercise:
    from kdquiz.catalog import UnknownExercise, get_exercise

    try:
        return get_exercise(name)
    except UnknownExercise as exc:
        raise UsageError(str(exc)) from None


def open_workspace(args: argparse.Namespace) -> Workspace:
    from kdquiz.catalog import load_catalog
    from kdquiz.workspace import find_workspace

    workspace = find_workspace(load_catalog(), explicit=getattr(args, "workspace", None))
    if workspace.created:
        print(
            f"Created your workspace at {workspace.root} (edit exercises/ there).", file=sys.stderr
        )
    if workspace.added:
        print(
            f"Added the new exercise stubs {', '.join(workspace.added)} "
            f"to {workspace.exercises_dir}.",
            file=sys.stderr,
        )
    return workspace


def open_store() -> ProgressStore:
    from kdquiz.progress import ProgressStore

    store = ProgressStore.default()
    for warning in store.warnings:
        print(f"kdquiz: warning: {warning}", file=sys.stderr)
    return store


def confirm(question: str, assume_yes: bool) -> bool:
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise UserError(f"{question} Not asking: input is not a terminal; pass --yes to confirm.")
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def colour() -> bool:
    from kdquiz.checker.report import use_colour

    return use_colour(sys.stdout)


def load_bank(args: argparse.Namespace) -> tuple[QuestionBank, list[Problem]]:
    """The built-in bank and the learner's own banks, with the problems met loading them."""
    from kdquiz.bank import builtin_bank_dir, load_banks, user_bank_dirs
    from kdquiz.catalog import load_catalog

    dirs = [builtin_bank_dir(), *user_bank_dirs(getattr(args, "questions", None) or [])]
    return load_banks(dirs, {e.id for e in load_catalog()})
