"""Commands on the question banks: validate, and export as an Anki deck."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kdquiz.cli.common import UsageError, UserError, load_bank

if TYPE_CHECKING:
    from kdquiz.bank import Question


def cmd_validate(args: argparse.Namespace) -> int:
    from kdquiz.bank import builtin_bank_dir, load_banks, user_bank_dirs
    from kdquiz.catalog import load_catalog

    paths = [Path(p) for p in args.paths] or [
        builtin_bank_dir(),
        *user_bank_dirs(getattr(args, "questions", None) or []),
    ]
    bank, problems = load_banks(paths, {e.id for e in load_catalog()})
    for problem in problems:
        print(problem)
    for warning in _quality_warnings(bank.questions):
        print(f"warning: {warning}")
    count = f"{len(bank.questions)} valid question(s) in {len(bank.files)} file(s)"
    if problems:
        print(f"{len(problems)} problem(s) found; {count}.", file=sys.stderr)
        return 1
    if not bank.files:
        print("No question files found in " + ", ".join(map(str, paths)) + ".", file=sys.stderr)
        return 1
    print(f"OK: {count}.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kdquiz.anki import export_anki

    path = Path(args.file).expanduser()
    if path.suffix != ".apkg":
        raise UsageError(f"an Anki deck file ends in .apkg, got {args.file!r}.")
    if not path.parent.is_dir():
        raise UserError(f"{path.parent} is not a folder.")
    bank, problems = load_bank(args)
    for problem in problems:
        print(f"kdquiz: warning: skipped: {problem}", file=sys.stderr)
    try:
        count = export_anki(bank.questions, path, args.deck_lang)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}.") from None
    print(
        f"Wrote {count} notes to {path}. Import it in Anki (File → Import); importing a newer "
        "export updates these notes instead of adding copies."
    )
    return 0


def _quality_warnings(questions: list[Question]) -> list[str]:
    """Stray spaces in Chinese text, and choice questions whose form gives the answer away
    (over the learner's own banks; the built-in bank's tests hold it to the same limits):
    worth fixing, but the questions still work."""
    from kdquiz.quality import chinese_spacing, fairness

    warnings = []
    for question in questions:
        excerpts = chinese_spacing(question)
        if excerpts:
            warnings.append(
                f"{question.source}:{question.line}: {question.id}: a space between Chinese "
                f"characters or after Chinese punctuation: {', '.join(excerpts[:3])}"
            )
    from kdquiz.bank import builtin_bank_dir

    builtin = builtin_bank_dir().resolve()
    own = [q for q in questions if not q.source.resolve().is_relative_to(builtin)]
    for lang in ("en", "zh"):
        for problem in fairness(own, lang).problems():
            warnings.append(f"the options give answers away ({lang}): {problem}")
    return warnings
