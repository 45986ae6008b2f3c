"""The `kdquiz` command line: every subcommand is a thin call into the layers below.

Heavy imports (Textual, the checker's subprocess with torch) happen only in the commands that
need them, so `kdquiz list` and friends start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kdquiz import __version__

if TYPE_CHECKING:
    from kdquiz.bank import Question
    from kdquiz.catalog import Exercise
    from kdquiz.progress import ProgressStore
    from kdquiz.workspace import Workspace


class UsageError(Exception):
    """A mistake in how the command was called (exit 2)."""


class UserError(Exception):
    """Something the user can fix, reported as one sentence (exit 1)."""


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.handler is cmd_tui:
        # The app reports its own errors; importing the layers below here would only delay
        # its first frame (they load in its worker).
        return cmd_tui(args)
    from kdquiz.progress import ProgressError
    from kdquiz.workspace import WorkspaceError

    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"kdquiz: {exc}", file=sys.stderr)
        return 2
    except (UserError, WorkspaceError, ProgressError) as exc:
        print(f"kdquiz: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kdquiz: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head`, which stopped reading: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


# ------------------------------------------------------------------------------- helpers


def _exercise(name: str) -> Exercise:
    from kdquiz.catalog import UnknownExercise, get_exercise

    try:
        return get_exercise(name)
    except UnknownExercise as exc:
        raise UsageError(str(exc)) from None


def _workspace(args: argparse.Namespace) -> Workspace:
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


def _store() -> ProgressStore:
    from kdquiz.progress import ProgressStore

    store = ProgressStore.default()
    for warning in store.warnings:
        print(f"kdquiz: warning: {warning}", file=sys.stderr)
    return store


def _confirm(question: str, assume_yes: bool) -> bool:
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise UserError(f"{question} Not asking: input is not a terminal; pass --yes to confirm.")
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def _colour() -> bool:
    from kdquiz.checker.report import use_colour

    return use_colour(sys.stdout)


# ------------------------------------------------------------------------------- commands


def cmd_tui(args: argparse.Namespace) -> int:
    from kdquiz.tui.app import run_app

    return run_app(
        questions=getattr(args, "questions", None) or [],
        workspace=getattr(args, "workspace", None),
        lang=args.lang,
    )


def cmd_check(args: argparse.Namespace) -> int:
    import json

    from kdquiz.catalog import load_catalog
    from kdquiz.checker.report import format_result, format_table
    from kdquiz.checker.runner import DEFAULT_TIMEOUT, Limits, parse_memory, run_hidden_suite

    if args.all == bool(args.exercise):
        raise UsageError("name one exercise (e.g. `kdquiz check exercise_2`) or pass --all.")
    exercises = list(load_catalog()) if args.all else [_exercise(args.exercise)]
    try:
        memory = parse_memory(args.memory)
    except ValueError:
        raise UsageError(f"--memory takes a size like 4G or 512M, got {args.memory!r}.") from None
    timeout = args.timeout if args.timeout is not None else DEFAULT_TIMEOUT * len(exercises)
    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds.")
    workspace = _workspace(args)
    store = _store()
    if sys.stderr.isatty() and not args.json:
        names = "every exercise" if args.all else exercises[0].id
        print(f"Running the hidden checks for {names}…", end="\r", file=sys.stderr, flush=True)
    results = run_hidden_suite(
        [e.id for e in exercises], workspace.exercises_dir, Limits(timeout, memory)
    )
    if sys.stderr.isatty() and not args.json:
        print("\033[2K", end="", file=sys.stderr, flush=True)  # clear the progress line
    for result in results:
        store.record_attempt(
            result.exercise, result.status, result.passed, result.total, result.duration
        )
        store.save_last_result(result.exercise, result.to_dict())
    titles = {e.id: e.title for e in exercises}
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
        print(format_table(results, titles, _colour()))
    else:
        print(format_result(results[0], titles[results[0].exercise], _colour()))
        if results[0].status == "pass" and store.reveals(results[0].exercise) == 0:
            print(f"Well done! Compare with the reference: kdquiz solution {results[0].exercise}")
    return 0 if all(r.status == "pass" for r in results) else 1


def cmd_watch(args: argparse.Namespace) -> int:
    from kdquiz.catalog import load_catalog
    from kdquiz.watch import run_watch
    from kdquiz.workspace import next_unsolved

    catalog = load_catalog()
    named = _exercise(args.exercise) if args.exercise else None
    workspace = _workspace(args)
    store = _store()
    if named is not None:
        exercise = named
    else:
        statuses = store.exercise_statuses()
        passed = {e for e, status in statuses.items() if status == "passed"}
        found = next_unsolved(list(catalog), passed)
        if found is None:
            print("Every exercise is passed; name one to watch it anyway: kdquiz watch exercise_1")
            return 0
        exercise = found
    return run_watch(exercise, list(catalog), workspace, store)


def cmd_list(args: argparse.Namespace) -> int:
    from kdquiz.bank import builtin_bank_dir, load_banks, user_bank_dirs
    from kdquiz.catalog import load_catalog

    store = _store()
    statuses = store.exercise_statuses()
    marks = {"passed": "✓", "failing": "✗", "untried": "·"}
    catalog = load_catalog()
    width = max(len(e.title) for e in catalog)
    print("Exercises")
    last = {attempt.exercise: attempt for attempt in store.attempts()}
    for exercise in catalog:
        status = statuses.get(exercise.id, "untried")
        detail = ""
        if exercise.id in last:
            detail = f" (last check {last[exercise.id].passed}/{last[exercise.id].total})"
        print(f"  {marks[status]} {exercise.id:<12} {exercise.title:<{width}}  {status}{detail}")
    passed = sum(s == "passed" for s in statuses.values())
    print(f"  {passed}/{len(catalog)} passed")
    bank, problems = load_banks(
        [builtin_bank_dir(), *user_bank_dirs(getattr(args, "questions", None) or [])],
        {e.id for e in catalog},
    )
    topics = bank.by_topic()
    print(f"\nQuestions: {len(bank.questions)} in {len(topics)} topics")
    for topic, questions in sorted(topics.items()):
        print(f"  {topic:<24} {len(questions):>3}")
    if problems:
        print(
            f"\n{len(problems)} problem(s) in the question banks; see `kdquiz validate`.",
            file=sys.stderr,
        )
    return 0


def cmd_hint(args: argparse.Namespace) -> int:
    exercise = _exercise(args.exercise)
    store = _store()
    taken = store.hints_taken(exercise.id)
    total = len(exercise.hints)
    if taken >= total:
        print(
            f"No hints left for {exercise.id}: you have seen all {total}. "
            f"Still stuck? `kdquiz solution {exercise.id}` shows the reference."
        )
        return 0
    tier = taken + 1
    store.record_hint(exercise.id, tier)
    print(f"Hint {tier}/{total} for {exercise.id} · {exercise.title}\n")
    print(exercise.hints[tier - 1])
    return 0


def cmd_solution(args: argparse.Namespace) -> int:
    import difflib

    exercise = _exercise(args.exercise)
    store = _store()
    passed = store.exercise_status(exercise.id) == "passed"
    if not passed and not _confirm(
        f"You have not passed {exercise.id} yet. Reveal the reference solution anyway?", args.yes
    ):
        print("Not revealed. Keep going: `kdquiz hint` gives the next hint.")
        return 1
    store.record_reveal(exercise.id, passed)
    reference = exercise.solution_path.read_text(encoding="utf-8")
    colour = _colour()
    if args.diff:
        mine_path = _workspace(args).exercise_path(exercise)
        mine = mine_path.read_text(encoding="utf-8") if mine_path.exists() else ""
        diff = difflib.unified_diff(
            mine.splitlines(), reference.splitlines(),
            f"your exercises/{exercise.id}.py", f"reference solutions/{exercise.id}.py",
            lineterm="",
        )  # fmt: skip
        from kdquiz.checker.report import Painter

        paint = Painter(colour)
        for line in diff:
            if line.startswith("+") and not line.startswith("+++"):
                line = paint(line, "green")
            elif line.startswith("-") and not line.startswith("---"):
                line = paint(line, "red")
            print(line)
        return 0
    if colour:
        from rich.console import Console
        from rich.syntax import Syntax

        Console().print(Syntax(reference, "python", line_numbers=True, word_wrap=True))
    else:
        print(reference, end="")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    from kdquiz.catalog import load_catalog

    if args.all == bool(args.exercise):
        raise UsageError("name one exercise (e.g. `kdquiz reset exercise_2`) or pass --all.")
    exercises = list(load_catalog()) if args.all else [_exercise(args.exercise)]
    workspace = _workspace(args)
    which = "every exercise" if args.all else exercises[0].id
    if not _confirm(
        f"Restore the stub of {which} in {workspace.exercises_dir}? Your file is backed up first.",
        args.yes,
    ):
        print("Nothing was reset.")
        return 1
    for exercise in exercises:
        backup = workspace.restore_stub(exercise)
        saved = f" (your version is saved as {backup})" if backup else ""
        print(f"Reset {exercise.id}{saved}.")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from kdquiz.catalog import load_catalog
    from kdquiz.workspace import init_workspace

    root = Path(args.directory).expanduser().resolve()
    created = init_workspace(root, load_catalog())
    print(f"Created a workspace with {len(created) - 1} exercises in {root}.")
    print(f"Next: cd {root} && kdquiz watch  (checks exercise_1 now and on every save)")
    return 0


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
    from kdquiz.bank import builtin_bank_dir, load_banks, user_bank_dirs
    from kdquiz.catalog import load_catalog

    path = Path(args.file).expanduser()
    if path.suffix != ".apkg":
        raise UsageError(f"an Anki deck file ends in .apkg, got {args.file!r}.")
    if not path.parent.is_dir():
        raise UserError(f"{path.parent} is not a folder.")
    dirs = [builtin_bank_dir(), *user_bank_dirs(getattr(args, "questions", None) or [])]
    bank, problems = load_banks(dirs, {e.id for e in load_catalog()})
    for problem in problems:
        print(f"kdquiz: warning: skipped: {problem}", file=sys.stderr)
    try:
        count = export_anki(bank.questions, path, args.lang)
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


def cmd_lab(args: argparse.Namespace) -> int:
    import json
    import threading

    from kdquiz.checker.runner import parse_memory
    from kdquiz.lab.report import curves, format_summary, format_table, svg_chart, text_chart
    from kdquiz.lab.runner import LabRequest, choose_data, run_lab_process

    if args.seeds < 1:
        raise UsageError("--seeds must be at least 1.")
    if args.plot is not None and args.plot.suffix.lower() not in (".svg", ".png"):
        raise UsageError("--plot writes an .svg or a .png file.")
    if args.plot is not None and args.plot.suffix.lower() == ".png":
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            raise UserError(
                "a .png chart needs matplotlib (pip install matplotlib); .svg works without it."
            )
    try:
        memory = parse_memory(args.memory)
    except ValueError:
        raise UsageError(f"--memory takes a size like 6G or 512M, got {args.memory!r}.") from None
    if args.data is not None and not args.data.is_file():
        raise UserError(f"{args.data} does not exist or is not a file.")
    source, note = choose_data(args.data, args.synthetic)
    if note and not args.json:
        print(note, file=sys.stderr)
    exercises = _workspace(args).exercises_dir if args.use_workspace else None
    config: dict[str, object] = {"seeds": args.seeds}
    if args.epochs is not None:
        config["epochs"] = args.epochs
    request = LabRequest(source, exercises, config, timeout=args.timeout, memory_bytes=memory)
    show = sys.stderr.isatty() and not args.json
    outcome = run_lab_process(request, _lab_progress if show else lambda event: None,
                              threading.Event())  # fmt: skip
    if show:
        print("\033[2K", end="", file=sys.stderr, flush=True)
    if outcome.result is None:
        if outcome.output.strip():
            print(outcome.output.rstrip(), file=sys.stderr)
        raise UserError(outcome.error)
    result = outcome.result
    if args.plot is not None:
        _save_plot(args.plot, result, svg_chart)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(format_table(result))
    print()
    print(text_chart(curves(result), colour=_colour()))
    print()
    print(format_summary(result))
    if args.plot is not None:
        print(f"Saved the chart to {args.plot}.")
    return 0


def _lab_progress(event: dict[str, object]) -> None:
    """One status line on stderr: the stage, or a bar over the current student's epochs."""
    if event.get("event") == "stage":
        text = {"data": "loading the data", "teacher": "training the teacher (EASE)"}.get(
            str(event["stage"]), f"training the {event['stage']} student, seed {event.get('seed')}"
        )
    elif event.get("event") == "epoch":
        done, total = int(event["epoch"]), int(event["epochs"])  # type: ignore[call-overload]
        bar = "█" * round(20 * done / total) + "░" * (20 - round(20 * done / total))
        text = (
            f"{event['model']} student (weight {event['weight']}, seed {event['seed']}) "
            f"{bar} epoch {done}/{total}  validation NDCG@10 {event['valid_ndcg']:.4f}"
        )
    else:
        return
    print(f"\033[2K{text}", end="\r", file=sys.stderr, flush=True)


def _save_plot(path: Path, result: dict, svg_chart) -> None:  # type: ignore[type-arg,no-untyped-def]
    from kdquiz.lab.report import curves

    try:
        if path.suffix.lower() == ".svg":
            path.write_text(svg_chart(curves(result), "Students: validation NDCG@10 per epoch"))
            return
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot

        figure, axes = pyplot.subplots(figsize=(8, 4.5))
        for label, points in curves(result):
            axes.plot([x for x, _ in points], [y for _, y in points], label=label)
        axes.set_xlabel("epoch")
        axes.set_ylabel("validation NDCG@10")
        axes.legend()
        figure.tight_layout()
        figure.savefig(path, dpi=120)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror}.") from None


# ------------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace", type=Path, default=argparse.SUPPRESS,
        help="workspace folder with exercises/ (default: KDQUIZ_WORKSPACE, the nearest "
        "ancestor workspace, or one in the data dir)",
    )  # fmt: skip
    common.add_argument(
        "--questions", type=Path, action="append", default=argparse.SUPPRESS, metavar="DIR",
        help="extra folder of question banks (repeatable; also KDQUIZ_QUESTIONS)",
    )  # fmt: skip

    parser = argparse.ArgumentParser(
        prog="kdquiz", parents=[common],
        description="Practise knowledge distillation for recommender-system interviews. "
        "With no command, starts the terminal app.",
    )  # fmt: skip
    parser.add_argument("--version", action="version", version=f"kdquiz {__version__}")
    parser.add_argument(
        "--lang", choices=("en", "zh"),
        help="language of the app's questions and labels (remembered; ctrl+l switches)",
    )  # fmt: skip
    # No set_defaults for --workspace/--questions: the parent's actions are shared with every
    # subcommand, so a default set here would overwrite `kdquiz --workspace DIR check`.
    parser.set_defaults(handler=cmd_tui)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler, help: str) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        sub = commands.add_parser(name, parents=[common], help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub

    check = command("check", cmd_check, "run the hidden checks on an exercise")
    check.add_argument("exercise", nargs="?", help="exercise id, e.g. exercise_2")
    check.add_argument("--all", action="store_true", help="check every exercise in one run")
    check.add_argument("--json", action="store_true", help="print the result document as JSON")
    check.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS",
        help="wall-clock limit of the run (default: 60 s per exercise)",
    )  # fmt: skip
    check.add_argument(
        "--memory", default="4G", metavar="SIZE", help="memory cap of the run (default: 4G)"
    )

    watch = command(
        "watch", cmd_watch,
        "check an exercise now and on every save (h hint, n next exercise, q quit)",
    )  # fmt: skip
    watch.add_argument(
        "exercise", nargs="?", help="exercise id (default: the first one not passed yet)"
    )

    command("list", cmd_list, "show exercises with their status and questions per topic")

    hint = command("hint", cmd_hint, "show the next hint for an exercise")
    hint.add_argument("exercise")

    solution = command("solution", cmd_solution, "show the reference solution of an exercise")
    solution.add_argument("exercise")
    solution.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    solution.add_argument("--diff", action="store_true", help="show your file against it")

    reset = command("reset", cmd_reset, "restore an exercise's stub (backs your file up first)")
    reset.add_argument("exercise", nargs="?")
    reset.add_argument("--all", action="store_true", help="reset every exercise")
    reset.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    init = command("init", cmd_init, "create a new workspace with every exercise stub")
    init.add_argument("directory")

    export = command("export", cmd_export, "export the questions as an Anki deck")
    export.add_argument("format", choices=("anki",), help="the deck format (anki: an .apkg file)")
    export.add_argument("file", metavar="FILE.apkg")
    export.add_argument(
        "--lang", choices=("en", "zh", "both"), default="en",
        help="language of the cards (both: English, then Chinese; default: en)",
    )  # fmt: skip

    validate = command("validate", cmd_validate, "validate question bank files")
    validate.add_argument(
        "paths", nargs="*", metavar="PATH",
        help="files or folders (default: the built-in bank and your banks)",
    )  # fmt: skip
    lab = command(
        "lab", cmd_lab,
        "train a teacher, then small students with and without distillation, and compare them",
    )  # fmt: skip
    lab.add_argument(
        "--data", type=Path, metavar="CSV",
        help="your own user,item[,timestamp] CSV (default: MovieLens-100K if installed, "
        "else synthetic data)",
    )  # fmt: skip
    lab.add_argument("--synthetic", action="store_true", help="use the synthetic data")
    lab.add_argument("--seeds", type=int, default=3, help="seeds to average over (default: 3)")
    lab.add_argument("--epochs", type=int, default=None, help="training epochs per student")
    lab.add_argument(
        "--use-workspace", action="store_true",
        help="run your own losses and metrics (exercises 1, 4, 5, 8, 13) from your workspace",
    )  # fmt: skip
    lab.add_argument("--json", action="store_true", help="print the results as one JSON document")
    lab.add_argument("--plot", type=Path, metavar="FILE", help="save the chart (.svg or .png)")
    lab.add_argument(
        "--timeout", type=float, default=600.0, metavar="SECONDS",
        help="wall-clock limit of the run (default: 600)",
    )  # fmt: skip
    lab.add_argument("--memory", default="6G", metavar="SIZE", help="memory cap (default: 6G)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
