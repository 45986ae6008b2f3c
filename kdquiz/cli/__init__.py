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

from kdquiz import __version__
from kdquiz.cli.common import UsageError, UserError, choose_language, language, tr
from kdquiz.cli.exercises import (
    cmd_check,
    cmd_hint,
    cmd_init,
    cmd_list,
    cmd_reset,
    cmd_solution,
    cmd_watch,
    cmd_where,
)
from kdquiz.cli.lab import cmd_lab
from kdquiz.cli.questions import cmd_export, cmd_validate
from kdquiz.cli.schedule import cmd_fsrs


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.handler is cmd_tui:
        # The app reports its own errors; importing the layers below here would only delay
        # its first frame (they load in its worker).
        return cmd_tui(args)
    from kdquiz.i18n import Message

    choose_language(getattr(args, "lang", None))
    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"kdquiz: {exc}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"kdquiz: {exc}", file=sys.stderr)
        return 1
    except Message as exc:  # the workspace, the progress store, ... say what to fix
        print(f"kdquiz: {exc.text(language())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kdquiz: " + tr("cli_interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head`, which stopped reading: what was wanted was printed.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def cmd_tui(args: argparse.Namespace) -> int:
    from kdquiz.tui.app import run_app

    return run_app(
        questions=getattr(args, "questions", None) or [],
        workspace=getattr(args, "workspace", None),
        lang=getattr(args, "lang", None),
    )


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
    speaks = argparse.ArgumentParser(add_help=False)
    speaks.add_argument(
        "--lang", choices=("en", "zh"), default=argparse.SUPPRESS,
        help="language of the app and of every command's output (remembered; the app's "
        "ctrl+l switches it)",
    )  # fmt: skip

    parser = argparse.ArgumentParser(
        prog="kdquiz", parents=[common, speaks],
        description="Practise knowledge distillation for recommender-system interviews. "
        "With no command, starts the terminal app.",
    )  # fmt: skip
    parser.add_argument("--version", action="version", version=f"kdquiz {__version__}")
    # No set_defaults for --workspace/--questions: the parent's actions are shared with every
    # subcommand, so a default set here would overwrite `kdquiz --workspace DIR check`.
    parser.set_defaults(handler=cmd_tui)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler, help: str, lang: bool = True) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        parents = [common, speaks] if lang else [common]
        sub = commands.add_parser(name, parents=parents, help=help, description=help)
        sub.set_defaults(handler=handler, command_name=name)
        return sub

    check = command("check", cmd_check, "run the hidden checks on an exercise")
    check.add_argument(
        "exercise", nargs="?", help="exercise id, e.g. exercise_2 (default: the first not passed)"
    )
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
    command("where", cmd_where, "show where your workspace, progress and question banks are")

    hint = command("hint", cmd_hint, "show the next hint for an exercise")
    hint.add_argument("exercise", nargs="?", help="exercise id (default: the first not passed)")

    solution = command("solution", cmd_solution, "show the reference solution of an exercise")
    solution.add_argument("exercise", nargs="?", help="exercise id (default: the first not passed)")
    solution.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    solution.add_argument("--diff", action="store_true", help="show your file against it")

    reset = command("reset", cmd_reset, "restore an exercise's stub (backs your file up first)")
    reset.add_argument("exercise", nargs="?")
    reset.add_argument("--all", action="store_true", help="reset every exercise")
    reset.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    init = command("init", cmd_init, "create a new workspace with every exercise stub")
    init.add_argument("directory")

    # Its --lang is the deck's language; `kdquiz --lang zh export ...` sets the messages'.
    export = command("export", cmd_export, "export the questions as an Anki deck", lang=False)
    export.add_argument("format", choices=("anki",), help="the deck format (anki: an .apkg file)")
    export.add_argument("file", metavar="FILE.apkg")
    export.add_argument(
        "--lang", choices=("en", "zh", "both"), default="en", dest="deck_lang",
        help="language of the cards (both: English, then Chinese; default: en)",
    )  # fmt: skip

    fsrs = command(
        "fsrs", cmd_fsrs,
        "the review scheduler's memory model (FSRS): show it, fit it to your reviews, or reset it",
    )  # fmt: skip
    fsrs.add_argument(
        "action", nargs="?", default="show", choices=("show", "optimize", "reset"),
        help="show (default): the parameters in use and your history; optimize: fit them to "
        "your reviews; reset: back to FSRS's defaults",
    )  # fmt: skip
    fsrs.add_argument(
        "--yes", "-y", action="store_true",
        help="use the fitted parameters and reschedule without asking",
    )  # fmt: skip
    fsrs.add_argument(
        "--no-reschedule", action="store_true",
        help="keep existing cards' due dates (new parameters apply from each card's next review)",
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
