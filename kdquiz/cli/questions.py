"""Commands on the question banks: validate, and export as an Anki deck."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kdquiz.cli.common import UsageError, UserError, language, load_bank, tr, warn

if TYPE_CHECKING:
    from kdquiz.bank import Question


def cmd_validate(args: argparse.Namespace) -> int:
    from kdquiz.bank import builtin_bank_dir, load_banks, user_bank_dirs
    from kdquiz.catalog import load_catalog

    exercises = {e.id for e in load_catalog()}
    paths = [Path(p) for p in args.paths] or [
        builtin_bank_dir(),
        *user_bank_dirs(getattr(args, "questions", None) or []),
    ]
    known_ids: list[str] = []
    if args.paths:  # a learner's own bank may follow up with built-in questions
        builtin, _ = load_banks([builtin_bank_dir()], exercises)
        known_ids = [q.id for q in builtin.questions]
    bank, problems = load_banks(paths, exercises, known_ids)
    for problem in problems:
        print(problem.text(language()))
    for warning in _quality_warnings(bank.questions):
        print(tr("cli_warning", text=warning))
    count = tr("validate_count", n=len(bank.questions), files=len(bank.files))
    if problems:
        print(tr("validate_problems", n=len(problems), count=count), file=sys.stderr)
        return 1
    if not bank.files:
        print(tr("validate_no_files", paths=", ".join(map(str, paths))), file=sys.stderr)
        return 1
    print(tr("validate_ok", count=count))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kdquiz.anki import export_anki

    path = Path(args.file).expanduser()
    if path.suffix != ".apkg":
        raise UsageError(tr("export_not_apkg_cli", given=args.file))
    if not path.parent.is_dir():
        raise UserError(tr("cli_not_a_folder", path=path.parent))
    bank, problems = load_bank(args)
    for problem in problems:
        warn(tr("cli_skipped", problem=problem.text(language())))
    try:
        count = export_anki(bank.questions, path, args.deck_lang)
    except OSError as exc:
        raise UserError(tr("cli_cannot_write", path=path, why=exc.strerror or exc)) from None
    print(tr("export_done_cli", n=count, path=path))
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
                tr("validate_cjk_space", where=f"{question.source}:{question.line}",
                   id=question.id, excerpts=", ".join(excerpts[:3]))
            )  # fmt: skip
    from kdquiz.bank import builtin_bank_dir

    builtin = builtin_bank_dir().resolve()
    own = [q for q in questions if not q.source.resolve().is_relative_to(builtin)]
    for lang in ("en", "zh"):
        for problem in fairness(own, lang).problems():
            warnings.append(
                tr("validate_give_away", language=lang, problem=problem.text(language()))
            )
    return warnings
