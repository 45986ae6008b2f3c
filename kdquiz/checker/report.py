"""Render check results for the terminal: one line per named check, then a summary line."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

from kdquiz.checker.results import ExerciseResult

_COLOURS = {"green": "32", "red": "31", "yellow": "33", "dim": "2", "bold": "1"}


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


class Painter:
    """Wraps text in ANSI colours when writing to a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, colour: str) -> str:
        return f"\033[{_COLOURS[colour]}m{text}\033[0m" if self.enabled else text


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def _shorten(output: str, lines: int = 8, width: int = 160) -> str:
    """The last few lines of captured output, each cut to a readable width."""
    kept = output.strip().splitlines()[-lines:]
    return "\n".join(line if len(line) <= width else line[:width] + " …" for line in kept)


def likely_mistake(message: str) -> str:
    """The "Likely mistake: ..." line of a failure message, or ""."""
    found = [line.strip() for line in message.splitlines() if "Likely mistake:" in line]
    return found[0] if found else ""


def mistake_owners(result: ExerciseResult) -> dict[str, list[str]]:
    """{likely mistake: names of the failing checks it explains}, in check order.

    A mistake is said once, in full under the first of its checks, which lists the others; the
    others show their first line only and point back (the CLI and the app alike)."""
    owners: dict[str, list[str]] = {}
    for check in result.checks:
        if check.status != "pass" and (mistake := likely_mistake(check.message)):
            owners.setdefault(mistake, []).append(check.name)
    return owners


def listed(names: list[str], shown: int = 4) -> str:
    """“a”; “b”; “c” and 2 more."""
    text = "; ".join(f"“{name}”" for name in names[:shown])
    return text + (f" and {len(names) - shown} more" if len(names) > shown else "")


def format_result(result: ExerciseResult, title: str = "", colour: bool = False) -> str:
    """The learner's view of one exercise's result."""
    paint = Painter(colour)
    lines = [paint(f"{result.exercise}" + (f" · {title}" if title else ""), "bold")]
    explains = mistake_owners(result)
    previous_message = None
    for check in result.checks:
        if check.status == "pass":
            lines.append(f"  {paint('✓', 'green')} {check.name}")
            continue
        lines.append(f"  {paint('✗', 'red')} {check.name}")
        mistake = likely_mistake(check.message)
        names = explains.get(mistake, [])
        if check.message == previous_message:
            lines.append(paint("      (the same problem as above)", "dim"))
        elif mistake and names[0] != check.name:
            lines.append(_indent(check.message.splitlines()[0], "      "))
            lines.append(paint(f"      (the likely mistake named under “{names[0]}”)", "dim"))
        elif check.message:
            lines.append(_indent(check.message, "      "))
            if mistake and len(names) > 1:
                others = listed(names[1:])
                lines.append(_indent(f"  The same mistake explains: {others}.", "      "))
        previous_message = check.message
        if check.output.strip():
            lines.append(paint("      your code printed:", "dim"))
            lines.append(paint(_indent(_shorten(check.output), "        "), "dim"))
    if result.message:
        lines.append(paint(f"  ! {result.message}", "yellow"))
    if result.status == "error" and result.output.strip() and not result.checks:
        lines.append(paint(_indent(_shorten(result.output, 20), "    "), "dim"))
    summary = f"{result.exercise}: {result.passed}/{result.total} checks passed"
    if result.status == "error":
        summary += " (the check did not complete)"
    lines.append(paint(summary, "green" if result.status == "pass" else "red"))
    return "\n".join(lines)


def format_table(results: Sequence[ExerciseResult], titles: dict[str, str], colour: bool) -> str:
    """One row per exercise, for `kdquiz check --all`."""
    paint = Painter(colour)
    width = max(len(titles.get(r.exercise, "")) for r in results)
    rows = [f"{'exercise':<12} {'title':<{width}}  {'result':<7} {'checks':>7}"]
    for r in results:
        mark = {"pass": paint("pass", "green"), "fail": paint("fail", "red")}.get(
            r.status, paint("error", "yellow")
        )
        padding = " " * (7 - len(r.status))
        rows.append(
            f"{r.exercise:<12} {titles.get(r.exercise, ''):<{width}}  {mark}{padding} "
            f"{f'{r.passed}/{r.total}':>7}"
        )
    passed = sum(r.status == "pass" for r in results)
    rows.append(f"{passed}/{len(results)} exercises passed")
    return "\n".join(rows)


def write(text: str, stream: TextIO = sys.stdout) -> None:
    stream.write(text + "\n")
