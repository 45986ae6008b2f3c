"""The `kdquiz` command line: every subcommand is a thin call into the layers below.

Heavy imports (Textual, the checker's subprocess with torch) happen only in the commands that
need them, so `kdquiz list` and friends start fast.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kdquiz import __version__
from kdquiz.cli.common import (
    UsageError,
    UserError,
    choose_language,
    language,
    remembered_language,
    tr,
)
from kdquiz.cli.data import cmd_data_fetch, cmd_data_list, cmd_data_remove
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
from kdquiz.cli.interview import cmd_interview
from kdquiz.cli.lab import cmd_lab
from kdquiz.cli.questions import cmd_export, cmd_validate
from kdquiz.cli.schedule import cmd_fsrs
from kdquiz.i18n import t


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    lang = requested_language(arguments)
    if lang not in ("en", "zh"):
        # Only help needs the language before parsing: the app starts without a store read.
        wants_help = "-h" in arguments or "--help" in arguments
        lang = remembered_language() if wants_help else "en"
    args = build_parser(lang).parse_args(arguments)
    if args.handler is cmd_tui:
        # The app reports its own errors; importing the layers below here would only delay
        # its first frame (they load in its worker).
        return cmd_tui(args)
    from kdquiz.i18n import Message

    # SIGTERM ends a command like ctrl+c does: through the `finally` blocks that kill a running
    # job's process group and remove its temporary folder (the default would skip them).
    signal.signal(signal.SIGTERM, _interrupted)
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


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_tui(args: argparse.Namespace) -> int:
    from kdquiz.tui.app import run_app

    return run_app(
        questions=getattr(args, "questions", None) or [],
        workspace=getattr(args, "workspace", None),
        lang=getattr(args, "lang", None),
    )


class _Formatter(argparse.HelpFormatter):
    """argparse's help in the command's language (its own headings included)."""

    lang = "en"

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        if prefix is None:  # (argparse passes "" when it builds a subcommand's name)
            prefix = t("help_usage", self.lang) + " "
        super().add_usage(usage, actions, groups, prefix)


def build_parser(lang: str = "en") -> argparse.ArgumentParser:
    def h(key: str) -> str:
        return t(f"help_{key}", lang)

    formatter = type("Formatter", (_Formatter,), {"lang": lang})

    class Parser(argparse.ArgumentParser):
        """A parser whose help, headings included, is in `lang`."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.update(formatter_class=formatter, add_help=False)
            super().__init__(*args, **kwargs)
            self._positionals.title = h("positionals")
            self._optionals.title = h("options")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", type=Path, default=argparse.SUPPRESS, help=h("workspace"))
    common.add_argument(
        "--questions", type=Path, action="append", default=argparse.SUPPRESS, metavar="DIR",
        help=h("questions"),
    )  # fmt: skip
    speaks = argparse.ArgumentParser(add_help=False)
    speaks.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS, help=h("lang"))

    parser = Parser(prog="kdquiz", parents=[common, speaks], description=h("kdquiz"))
    parser.add_argument("-h", "--help", action="help", help=h("help"))
    parser.add_argument(
        "--version", action="version", version=f"kdquiz {__version__}", help=h("version")
    )
    # No set_defaults for --workspace/--questions: the parent's actions are shared with every
    # subcommand, so a default set here would overwrite `kdquiz --workspace DIR check`.
    parser.set_defaults(handler=cmd_tui)
    commands = parser.add_subparsers(title=h("commands"), metavar="COMMAND", parser_class=Parser)

    def command(name: str, handler, lang: bool = True) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        parents = [common, speaks] if lang else [common]
        text = h(name)
        sub = commands.add_parser(name, parents=parents, help=text, description=text)  # type: ignore[arg-type]
        sub.add_argument("-h", "--help", action="help", help=h("help"))
        sub.set_defaults(handler=handler, command_name=name)
        return sub

    check = command("check", cmd_check)
    check.add_argument("exercise", nargs="?", help=h("exercise_default"))
    check.add_argument("--all", action="store_true", help=h("check_all"))
    check.add_argument("--json", action="store_true", help=h("check_json"))
    check.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS", help=h("check_timeout")
    )
    check.add_argument("--memory", default="4G", metavar="SIZE", help=h("check_memory"))

    watch = command("watch", cmd_watch)
    watch.add_argument("exercise", nargs="?", help=h("exercise_default"))

    command("list", cmd_list)
    command("where", cmd_where)

    hint = command("hint", cmd_hint)
    hint.add_argument("exercise", nargs="?", help=h("exercise_default"))

    solution = command("solution", cmd_solution)
    solution.add_argument("exercise", nargs="?", help=h("exercise_default"))
    solution.add_argument("--yes", "-y", action="store_true", help=h("yes"))
    solution.add_argument("--diff", action="store_true", help=h("solution_diff"))

    reset = command("reset", cmd_reset)
    reset.add_argument("exercise", nargs="?", help=h("exercise"))
    reset.add_argument("--all", action="store_true", help=h("reset_all"))
    reset.add_argument("--yes", "-y", action="store_true", help=h("yes"))

    init = command("init", cmd_init)
    init.add_argument("directory", help=h("init_directory"))

    # Its --lang is the deck's language; `kdquiz --lang zh export ...` sets the messages'.
    export = command("export", cmd_export, lang=False)
    export.add_argument("format", choices=("anki",), help=h("export_format"))
    export.add_argument("file", metavar="FILE.apkg", help=h("export_file"))
    export.add_argument(
        "--lang", choices=("en", "zh", "both"), default="en", dest="deck_lang",
        help=h("export_lang"),
    )  # fmt: skip

    fsrs = command("fsrs", cmd_fsrs)
    fsrs.add_argument(
        "action", nargs="?", default="show", choices=("show", "optimize", "reset"),
        help=h("fsrs_action"),
    )  # fmt: skip
    fsrs.add_argument("--yes", "-y", action="store_true", help=h("fsrs_yes"))
    fsrs.add_argument("--no-reschedule", action="store_true", help=h("fsrs_no_reschedule"))

    interview = command("interview", cmd_interview)
    interview.add_argument("--minutes", type=int, default=45, metavar="N",
                           help=h("interview_minutes"))  # fmt: skip
    interview.add_argument("--focus", metavar="TOPIC", help=h("interview_focus"))
    interview.add_argument("--history", action="store_true", help=h("interview_history"))
    interview.add_argument("--json", action="store_true", help=h("interview_json"))

    validate = command("validate", cmd_validate)
    validate.add_argument("paths", nargs="*", metavar="PATH", help=h("validate_paths"))

    lab = command("lab", cmd_lab)
    lab.add_argument("--data", type=Path, metavar="CSV", help=h("lab_data"))
    lab.add_argument("--dataset", metavar="NAME", help=h("lab_dataset"))
    lab.add_argument("--synthetic", action="store_true", help=h("lab_synthetic"))
    lab.add_argument(
        "--header", action=argparse.BooleanOptionalAction, default=None, help=h("lab_header")
    )
    lab.add_argument("--seeds", type=int, default=None, help=h("lab_seeds"))
    lab.add_argument("--split", choices=("leave-one-out", "global-time"), default="leave-one-out",
                     help=h("lab_split"))  # fmt: skip
    lab.add_argument("--teacher", choices=("ease", "sasrec"), default="ease",
                     help=h("lab_teacher"))  # fmt: skip
    lab.add_argument("--epochs", type=int, default=None, help=h("lab_epochs"))
    lab.add_argument("--quick", action="store_true", help=h("lab_quick"))
    lab.add_argument("--use-workspace", action="store_true", help=h("lab_use_workspace"))
    lab.add_argument("--json", action="store_true", help=h("lab_json"))
    lab.add_argument("--per-seed", action="store_true", help=h("lab_per_seed"))
    lab.add_argument("--plot", type=Path, metavar="FILE", help=h("lab_plot"))
    lab.add_argument(
        "--timeout", type=float, default=600.0, metavar="SECONDS", help=h("lab_timeout")
    )
    lab.add_argument("--memory", default="6G", metavar="SIZE", help=h("lab_memory"))

    # `kdquiz data` alone lists the data sets.
    data = command("data", cmd_data_list)
    actions = data.add_subparsers(title=h("commands"), metavar="ACTION", parser_class=Parser)

    def action(name: str, handler) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        text = h(f"data_{name}")
        sub = actions.add_parser(name, parents=[common, speaks], help=text, description=text)  # type: ignore[list-item]
        sub.add_argument("-h", "--help", action="help", help=h("help"))
        sub.set_defaults(handler=handler)
        return sub

    fetch = action("fetch", cmd_data_fetch)
    fetch.add_argument("name", metavar="NAME", help=h("data_name"))
    fetch.add_argument("--accept-license", action="store_true", help=h("data_accept"))
    fetch.add_argument("--from", type=Path, dest="source_zip", metavar="ZIP", help=h("data_from"))
    fetch.add_argument("--force", action="store_true", help=h("data_force"))
    action("list", cmd_data_list)
    remove = action("remove", cmd_data_remove)
    remove.add_argument("name", metavar="NAME", help=h("data_name"))
    return parser


def requested_language(argv: Sequence[str]) -> str | None:
    """`--lang X` or `--lang=X` among the arguments (before the parser exists: its help text
    is in that language)."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.removeprefix("--lang=")
    return None


if __name__ == "__main__":
    sys.exit(main())
