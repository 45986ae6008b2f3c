"""Commands on the exercises: check, watch, list, hint, solution, reset, init, where.

`check`, `watch`, `hint` and `solution` without an exercise take the first one not passed yet
in the workspace (as rustlings does); statuses follow `kdquiz.solving`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kdquiz.cli.common import (
    UsageError,
    UserError,
    colour,
    confirm,
    exercise_named,
    language,
    load_bank,
    open_store,
    open_workspace,
    tr,
)

if TYPE_CHECKING:
    from kdquiz.catalog import Exercise
    from kdquiz.checker.results import ExerciseResult
    from kdquiz.progress import ProgressStore
    from kdquiz.workspace import Workspace


def _chosen(args: argparse.Namespace, workspace: Workspace, store: ProgressStore) -> Exercise:
    """The named exercise, else the first one not passed in the workspace."""
    from kdquiz.catalog import load_catalog
    from kdquiz.solving import next_unsolved, standing

    if args.exercise:
        return exercise_named(args.exercise)
    catalog = load_catalog()
    found = next_unsolved(catalog, standing(store, workspace, catalog).passed())
    if found is None:
        raise UserError(tr("cli_all_passed", command=args.command_name))
    print(tr("cli_next_unsolved", id=found.id, title=found.title_in(language())), file=sys.stderr)
    return found


def cmd_check(args: argparse.Namespace) -> int:
    import json

    from kdquiz.catalog import load_catalog
    from kdquiz.checker.report import format_result, format_table, table_header
    from kdquiz.checker.runner import DEFAULT_TIMEOUT, Limits, parse_memory, run_hidden_suite
    from kdquiz.solving import file_digest, record_check

    if args.all and args.exercise:
        raise UsageError(tr("cli_check_one_or_all"))
    try:
        memory = parse_memory(args.memory)
    except ValueError:
        raise UsageError(tr("cli_bad_memory", given=args.memory, example="4G")) from None
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError(tr("cli_bad_timeout"))
    workspace = open_workspace(args)
    store = open_store()
    exercises = list(load_catalog()) if args.all else [_chosen(args, workspace, store)]
    timeout = args.timeout if args.timeout is not None else DEFAULT_TIMEOUT * len(exercises)
    lang = language()
    digests = {e.id: file_digest(workspace.exercise_path(e)) for e in exercises}
    titles = {e.id: e.title_in(lang) for e in exercises}
    progress = _Progress(len(exercises), args.all and not args.json, sys.stderr.isatty())
    if args.all and not args.json:
        print(table_header(titles, lang), flush=True)
    progress.start(tr("cli_checking_all") if args.all else tr("cli_checking", id=exercises[0].id))

    streamed: dict[str, str] = {}

    def finished(result: ExerciseResult) -> None:
        streamed[result.exercise] = result.status
        progress.line(format_table([result], titles, colour(), lang, False))

    results = run_hidden_suite(
        [e.id for e in exercises], workspace.exercises_dir, Limits(timeout, memory),
        on_exercise=finished,
    )  # fmt: skip
    # Only now is a result final: a run that dies after an exercise's last check makes it an
    # error whatever its checks said. Rows shown before are corrected.
    for result in results:
        record_check(store, workspace, result, digests[result.exercise])
        if streamed.get(result.exercise) != result.status:
            progress.line(format_table([result], titles, colour(), lang, False))
    progress.done()
    if args.json:
        document = (
            results[0].to_dict()
            if not args.all
            else {
                "version": 1,
                "status": "pass" if all(r.status == "pass" for r in results) else "fail",
                "exercises": [r.to_dict() for r in results],
            }
        )
        print(json.dumps(document, indent=2, ensure_ascii=False))
    elif args.all:
        passed = sum(r.status == "pass" for r in results)
        print(tr("cli_exercises_passed", passed=passed, total=len(results)))
        for result in results:
            if result.status == "error" and result.message:
                print(f"  {result.exercise}: {result.text(lang)}")
    else:
        result = results[0]
        print(format_result(result, titles[result.exercise], colour(), lang))
        if result.status == "pass" and store.reveals(result.exercise) == 0:
            print(tr("cli_well_done", id=result.exercise))
    return 0 if all(r.status == "pass" for r in results) else 1


class _Progress:
    """`check --all`: each exercise's line as it finishes, under a bar on a terminal."""

    def __init__(self, total: int, rows: bool, tty: bool) -> None:
        self.total, self.rows, self.tty = total, rows, tty
        self.shown = 0
        self.status = ""

    def start(self, status: str) -> None:
        self.status = status
        self._bar()

    def line(self, row: str) -> None:
        self.shown += 1
        if self.rows:
            if self.tty:
                print("\033[2K", end="", file=sys.stderr, flush=True)
            print(row, flush=True)
            self._bar()

    def _bar(self) -> None:
        if not self.tty:
            return
        if self.rows:
            done = round(24 * min(self.shown, self.total) / max(1, self.total))
            bar = "█" * done + "░" * (24 - done)
            text = f"{bar} {min(self.shown, self.total)}/{self.total}  {self.status}"
        else:
            text = self.status
        print(f"\033[2K{text}", end="\r", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.tty:
            print("\033[2K", end="", file=sys.stderr, flush=True)


def cmd_watch(args: argparse.Namespace) -> int:
    from kdquiz.catalog import load_catalog
    from kdquiz.watch import run_watch

    if args.exercise:
        exercise_named(args.exercise)  # an unknown id is refused before a workspace is made
    workspace = open_workspace(args)
    store = open_store()
    exercise = _chosen(args, workspace, store)
    return run_watch(exercise, list(load_catalog()), workspace, store, language())


def cmd_list(args: argparse.Namespace) -> int:
    from kdquiz.catalog import load_catalog
    from kdquiz.checker.report import Painter
    from kdquiz.solving import standing

    lang = language()
    workspace = open_workspace(args)
    store = open_store()
    catalog = load_catalog()
    state = standing(store, workspace, catalog)
    paint = Painter(colour())
    marks = {
        "passed": paint("✓", "green"), "failing": paint("✗", "red"),
        "changed": paint("~", "yellow"), "untried": paint("·", "dim"),
    }  # fmt: skip
    print(paint(tr("cli_list_exercises", root=_shown_path(workspace.root)), "bold"))
    for exercise in catalog:
        status = state.statuses[exercise.id]
        latest = state.latest.get(exercise.id)
        detail = tr(f"status_{status}")
        if latest is not None and status == "failing":
            detail += " " + tr("cli_last_check", passed=latest.passed, total=latest.total)
        title = _fit(exercise.title_in(lang), 36)
        print(f"  {marks[status]} {exercise.number:>2} {title}  {detail}")
    print("  " + tr("cli_passed_count", passed=state.count("passed"), total=len(catalog)))
    bank, problems = load_bank(args)
    topics = bank.by_topic()
    print()
    print(paint(tr("cli_list_questions", n=len(bank.questions), topics=len(topics)), "bold"))
    names = sorted(topics)
    half = (len(names) + 1) // 2
    for left, right in zip(names[:half], [*names[half:], None], strict=True):
        cell = f"  {_fit(left, 28)} {len(topics[left]):>3}"
        if right is not None:
            cell += f"   {_fit(right, 28)} {len(topics[right]):>3}"
        print(cell)
    if problems:
        print("\n" + tr("cli_bank_problems", n=len(problems)), file=sys.stderr)
    return 0


def cell_width(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def _fit(text: str, width: int) -> str:
    """`text` cut or padded to `width` terminal columns (Chinese characters count two)."""
    from rich.cells import cell_len

    if cell_len(text) > width:
        while cell_len(text + "…") > width:
            text = text[:-1]
        text += "…"
    return text + " " * (width - cell_len(text))


def _shown_path(path: Path) -> str:
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home) :] if home != "/" and text.startswith(home + "/") else text


def cmd_where(args: argparse.Namespace) -> int:
    from kdquiz.bank import builtin_bank_dir, user_bank_dirs
    from kdquiz.paths import data_dir
    from kdquiz.progress import DB_NAME

    workspace = open_workspace(args)
    source = {
        "--workspace": "where_source_flag", "KDQUIZ_WORKSPACE": "where_source_env",
        "current directory": "where_source_cwd", "default": "where_source_default",
    }.get(workspace.source, "where_source_default")  # fmt: skip
    rows = [
        (tr("where_workspace"), f"{workspace.root}  ({tr(source)})"),
        (tr("where_exercises"), str(workspace.exercises_dir)),
        (tr("where_data"), str(data_dir())),
        (tr("where_progress"), str(data_dir() / DB_NAME)),
        (tr("where_builtin_bank"), str(builtin_bank_dir())),
    ]
    own = user_bank_dirs(getattr(args, "questions", None) or [])
    rows.append((tr("where_own_banks"), ", ".join(map(str, own)) or tr("where_none")))
    for label, value in rows:
        print(f"{_fit(label, max(cell_width(lb) for lb, _ in rows))}  {value}")
    return 0


def cmd_hint(args: argparse.Namespace) -> int:
    from kdquiz.solving import take_hint

    workspace = open_workspace(args)
    store = open_store()
    exercise = _chosen(args, workspace, store)
    total = len(exercise.hints)
    hint = take_hint(store, exercise)
    if hint is None:
        print(tr("cli_no_hints_left", id=exercise.id, total=total))
        return 0
    tier, text = hint
    print(tr("cli_hint_head", tier=tier, total=total, id=exercise.id,
             title=exercise.title_in(language())) + "\n")  # fmt: skip
    print(exercise.hint_in(tier - 1, language()))
    return 0


def cmd_solution(args: argparse.Namespace) -> int:
    import difflib

    from kdquiz.solving import ever_passed, may_show_solution

    workspace = open_workspace(args)
    store = open_store()
    exercise = _chosen(args, workspace, store)
    if not may_show_solution(store, exercise) and not confirm(
        tr("cli_reveal_confirm", id=exercise.id), args.yes
    ):
        print(tr("cli_not_revealed", id=exercise.id))
        return 1
    store.record_reveal(exercise.id, ever_passed(store, exercise))
    reference = exercise.solution_path.read_text(encoding="utf-8")
    coloured = colour()
    if args.diff:
        mine_path = workspace.exercise_path(exercise)
        mine = mine_path.read_text(encoding="utf-8") if mine_path.exists() else ""
        diff = difflib.unified_diff(
            mine.splitlines(), reference.splitlines(),
            tr("cli_diff_yours", id=exercise.id), tr("cli_diff_reference", id=exercise.id),
            lineterm="",
        )  # fmt: skip
        from kdquiz.checker.report import Painter

        paint = Painter(coloured)
        for line in diff:
            if line.startswith("+") and not line.startswith("+++"):
                line = paint(line, "green")
            elif line.startswith("-") and not line.startswith("---"):
                line = paint(line, "red")
            print(line)
        return 0
    if coloured:
        from rich.console import Console
        from rich.syntax import Syntax

        Console().print(Syntax(reference, "python", line_numbers=True, word_wrap=True))
    else:
        print(reference, end="")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    from kdquiz.catalog import load_catalog

    if args.all == bool(args.exercise):
        raise UsageError(tr("cli_reset_one_or_all"))
    exercises = list(load_catalog()) if args.all else [exercise_named(args.exercise)]
    workspace = open_workspace(args)
    which = tr("cli_every_exercise") if args.all else exercises[0].id
    if not confirm(tr("cli_reset_confirm", which=which, folder=workspace.exercises_dir), args.yes):
        print(tr("cli_nothing_reset"))
        return 1
    for exercise in exercises:
        backup = workspace.restore_stub(exercise)
        if backup:
            print(tr("cli_reset_saved", id=exercise.id, backup=backup))
        else:
            print(tr("cli_reset_done", id=exercise.id))
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from kdquiz.catalog import load_catalog
    from kdquiz.workspace import init_workspace

    root = Path(args.directory).expanduser().resolve()
    created = init_workspace(root, load_catalog())
    print(tr("cli_init_done", n=len(created) - 1, root=root))
    print(tr("cli_init_next", root=root))
    return 0
