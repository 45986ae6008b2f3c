"""What every command shares: the language it speaks, the errors that end a command, and
finding the exercise, the workspace, the progress store and the question banks."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from kdquiz.i18n import LANGUAGES, t

if TYPE_CHECKING:
    from kdquiz.bank import Problem as BankProblem
    from kdquiz.bank import QuestionBank
    from kdquiz.catalog import Exercise
    from kdquiz.progress import ProgressStore
    from kdquiz.workspace import Workspace


class UsageError(Exception):
    """A mistake in how the command was called (exit 2); the message is already worded."""


class UserError(Exception):
    """Something the user can fix, reported as one sentence (exit 1)."""


_language = "en"
_store: ProgressStore | None = None
_warned = False


def _progress_store() -> ProgressStore:
    """The command's progress store, opened once (a damaged file is moved aside only once)."""
    global _store
    from kdquiz.progress import ProgressStore

    if _store is None or _store.path != ProgressStore.default_path():
        _store = ProgressStore.default()
    return _store


def choose_language(requested: str | None) -> str:
    """`--lang` when given (and remembered, as the app does), else the remembered language,
    else English. A progress store that cannot be opened leaves English (the command itself
    reports why)."""
    global _language, _warned
    from kdquiz.progress import ProgressError

    _warned = False
    try:
        store = _progress_store()
        if requested in LANGUAGES:
            store.set_setting("lang", requested)
        else:
            requested = store.get_setting("lang")
    except ProgressError:
        pass
    _language = requested if requested in LANGUAGES else "en"
    return _language


def remembered_language() -> str:
    """The language kept from the last `--lang` or the app's switch (English without one)."""
    from kdquiz.progress import ProgressError

    try:
        remembered = _progress_store().get_setting("lang")
    except ProgressError:
        return "en"
    return remembered if remembered in LANGUAGES else "en"


def language() -> str:
    return _language


def tr(key: str, **values: object) -> str:
    """The label `key` in the command's language."""
    return t(key, _language, **values)


def warn(text: str) -> None:
    print(tr("cli_warning", text=text), file=sys.stderr)


def exercise_named(name: str) -> Exercise:
    from kdquiz.catalog import UnknownExercise, get_exercise

    try:
        return get_exercise(name)
    except UnknownExercise as exc:
        raise UsageError(exc.text(_language)) from None


def open_workspace(args: argparse.Namespace) -> Workspace:
    """The workspace the command works in; says so on stderr when it was just created (or got
    new stubs)."""
    from kdquiz.catalog import load_catalog
    from kdquiz.workspace import find_workspace

    workspace = find_workspace(load_catalog(), explicit=getattr(args, "workspace", None))
    if workspace.created:
        print(tr("cli_workspace_created", root=workspace.root), file=sys.stderr)
    if workspace.added:
        added = ", ".join(workspace.added)
        print(tr("cli_stubs_added", ids=added, folder=workspace.exercises_dir), file=sys.stderr)
    return workspace


def open_store() -> ProgressStore:
    global _warned
    store = _progress_store()
    if not _warned:
        _warned = True
        for warning in store.warnings:
            warn(warning.text(_language))
    return store


def confirm(question: str, assume_yes: bool) -> bool:
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise UserError(tr("cli_not_asking", question=question))
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes", tr("yes_typed"))


def colour() -> bool:
    from kdquiz.checker.report import use_colour

    return use_colour(sys.stdout)


def load_bank(args: argparse.Namespace) -> tuple[QuestionBank, list[BankProblem]]:
    """The built-in bank and the learner's own banks, with the problems met loading them."""
    from kdquiz.bank import builtin_bank_dir, load_banks, user_bank_dirs
    from kdquiz.catalog import load_catalog

    dirs = [builtin_bank_dir(), *user_bank_dirs(getattr(args, "questions", None) or [])]
    return load_banks(dirs, {e.id for e in load_catalog()})
