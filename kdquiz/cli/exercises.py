"""Commands on the exercises: check, watch, list, hint, solution, reset, init."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kdquiz.cli.common import (
    UsageError,
    colour,
    confirm,
    exercise_named,
    load_bank,
    open_store,
    open_workspace,
)


def cmd_check(args: argparse.Namespace) -> int:
    import json

    from kdquiz.catalog import load_catalog
    from kdquiz.checker.report import format_result, format_table
    from kdquiz.checker.runner import DEFAULT_TIMEOUT, Limits, parse_memory, run_hidden_suite

    if args.all == bool(args.exercise):
        raise UsageError("name one exercise (e.g. `kdquiz check exercise_2`) or pass --all.")
    exercises = list(load_catalog()) if args.all else [exercise_named(args.exercise)]
    try:
        memory = parse_memory(args.memory)
    except ValueError:
        raise UsageError(f"--memory takes a size like 4G or 512M, got {args.memory!r}.") from None
    timeout = args.timeout if args.timeout is not None else DEFAULT_TIMEOUT * len(exercises)
    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds.")
    workspace = open_workspace(args)
    store = open_store()
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
        print(format_table(results, titles, colour()))
    else:
        print(format_result(results[0], titles[results[0].exercise], colour()))
        if results[0].status == "pass" and store.reveals(results[0].exercise) == 0:
            print(f"Well done! Compare with the reference: kdquiz solution {results[0].exercise}")
    return 0 if all(r.status == "pass" for r in results) else 1


def cmd_watch(args: argparse.Namespace) -> int:
    from kdquiz.catalog import load_catalog
    from kdquiz.watch import run_watch
    from kdquiz.workspace import next_unsolved

    catalog = load_catalog()
    named = exercise_named(args.exercise) if args.exercise else None
    workspace = open_workspace(args)
    store = open_store()
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
    from kdquiz.catalog import load_catalog

    store = open_store()
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
    bank, problems = load_bank(args)
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
    exercise = exercise_named(args.exercise)
    store = open_store()
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

    exercise = exercise_named(args.exercise)
    store = open_store()
    passed = store.exercise_status(exercise.id) == "passed"
    if not passed and not confirm(
        f"You have not passed {exercise.id} yet. Reveal the reference solution anyway?", args.yes
    ):
        print("Not revealed. Keep going: `kdquiz hint` gives the next hint.")
        return 1
    store.record_reveal(exercise.id, passed)
    reference = exercise.solution_path.read_text(encoding="utf-8")
    coloured = colour()
    if args.diff:
        mine_path = open_workspace(args).exercise_path(exercise)
        mine = mine_path.read_text(encoding="utf-8") if mine_path.exists() else ""
        diff = difflib.unified_diff(
            mine.splitlines(), reference.splitlines(),
            f"your exercises/{exercise.id}.py", f"reference solutions/{exercise.id}.py",
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
        raise UsageError("name one exercise (e.g. `kdquiz reset exercise_2`) or pass --all.")
    exercises = list(load_catalog()) if args.all else [exercise_named(args.exercise)]
    workspace = open_workspace(args)
    which = "every exercise" if args.all else exercises[0].id
    if not confirm(
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
