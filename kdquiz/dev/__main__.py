"""`python -m kdquiz.dev`: the curriculum's developer commands (see kdquiz/dev/__init__.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kdquiz.catalog import exercise_ids


def _exercises(names: list[str], every: bool) -> list[str]:
    known = exercise_ids()
    if every or not names:
        return known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"Unknown exercise {', '.join(unknown)}; known: {', '.join(known)}.")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kdquiz.dev")
    commands = parser.add_subparsers(dest="command", required=True)
    selfcheck = commands.add_parser(
        "selfcheck",
        help="check stubs, references, mutants and alternatives against the golden file",
    )
    selfcheck.add_argument("exercises", nargs="*")
    selfcheck.add_argument("--update", action="store_true", help="rewrite the golden file")
    cold_help = "start a new interpreter per file instead of forking from the warm checker"
    selfcheck.add_argument("--cold", action="store_true", help=cold_help)
    selfcheck.add_argument(
        "--zh", action="store_true",
        help="print every result in Chinese, with what is untranslated (no golden comparison)",
    )  # fmt: skip
    mutate = commands.add_parser("mutate", help="mutation testing of the hidden suites")
    mutate.add_argument("exercises", nargs="*")
    mutate.add_argument("--all", action="store_true", help="every exercise")
    mutate.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    mutate.add_argument("--json", metavar="FILE", help="also write the full report as JSON")
    mutate.add_argument("--cold", action="store_true", help=cold_help)
    args = parser.parse_args(argv)
    if args.command == "selfcheck":
        from kdquiz.dev.golden import run_selfcheck, show_chinese

        if args.zh:
            return show_chinese(_exercises(args.exercises, False), args.cold)
        return run_selfcheck(_exercises(args.exercises, False), args.update, args.cold)
    from kdquiz.dev.mutate import run_mutate

    return run_mutate(_exercises(args.exercises, args.all), args.list, args.json, args.cold)


if __name__ == "__main__":
    sys.exit(main())
