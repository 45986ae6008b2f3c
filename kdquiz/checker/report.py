"""Render check results for the terminal: one line per named check, then a summary line."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TextIO

from kdquiz.checker.results import ExerciseResult
from kdquiz.i18n import t

_COLOURS = {"green": "32", "red": "31", "yellow": "33", "dim": "2", "bold": "1"}


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


class Painter:
    """Wraps text in ANSI colours when writing to a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, colour: str) -> str:
        return f"\033[{_COLOURS[colour]}m{text}\033[0m" if self.enabled else text


def indent_lines(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def shorten_output(output: str, lines: int = 8, width: int = 160) -> str:
    """The last few lines of captured output, each cut to a readable width."""
    kept = output.strip().splitlines()[-lines:]
    return "\n".join(line if len(line) <= width else line[:width] + " …" for line in kept)


MISTAKE_MARKERS = (t("likely_mistake", "en"), t("likely_mistake", "zh"))
"""How a failure message names the likely mistake (the suites' support writes it)."""


def likely_mistake(message: str) -> str:
    """The "Likely mistake: ..." line of a failure message (in either language), or ""."""
    found = [
        line.strip()
        for line in message.splitlines()
        if any(marker in line for marker in MISTAKE_MARKERS)
    ]
    return found[0] if found else ""


def mistake_owners(result: ExerciseResult, lang: str = "en") -> dict[str, list[str]]:
    """{likely mistake: names of the failing checks it explains}, in check order.

    A mistake is said once, in full under the first of its checks, which lists the others; the
    others show their first line only and point back (the CLI and the app alike)."""
    owners: dict[str, list[str]] = {}
    for check in result.checks:
        if check.status != "pass" and (mistake := likely_mistake(check.text(lang))):
            owners.setdefault(mistake, []).append(check.title(lang))
    return owners


def listed(names: list[str], shown: int = 4, lang: str = "en") -> str:
    """“a”; “b”; “c” and 2 more."""
    text = ("；" if lang == "zh" else "; ").join(f"“{name}”" for name in names[:shown])
    more = t("report_and_more", lang, n=len(names) - shown) if len(names) > shown else ""
    return text + more


@dataclass(frozen=True)
class Line:
    """One line of a result's per-check view, shared by the CLI's report and the app's Check
    tab so that both say the same thing: a check's name (`passed` or not), or under a failing
    check its message, a note ("the same problem as above"), or what the code printed."""

    kind: Literal["passed", "failed", "message", "note", "output"]
    text: str
    indent: int = 0
    """Extra levels under the check's name (a list of other checks a mistake explains)."""


def result_lines(result: ExerciseResult, lang: str = "en") -> list[Line]:
    """The per-check view: each likely mistake said once, in full under the first check it
    explains (which lists the others); the others show their message's first line and point
    back; a message repeated from the check above is not repeated."""
    explains = mistake_owners(result, lang)
    lines: list[Line] = []
    previous = None
    for check in result.checks:
        name, message = check.title(lang), check.text(lang)
        if check.status == "pass":
            lines.append(Line("passed", name))
            continue
        lines.append(Line("failed", name))
        mistake = likely_mistake(message)
        names = explains.get(mistake, [])
        if message and message == previous:
            lines.append(Line("note", t("report_same_problem", lang)))
        elif mistake and names[0] != name:
            lines.append(Line("message", message.splitlines()[0]))
            lines.append(Line("note", t("report_named_under", lang, name=names[0])))
        elif message:
            lines.append(Line("message", message))
            if mistake and len(names) > 1:
                others = listed(names[1:], lang=lang)
                lines.append(Line("message", t("report_same_mistake", lang, others=others), 1))
        previous = message
        if check.output.strip():
            lines.append(Line("output", shorten_output(check.output)))
    return lines


def format_result(
    result: ExerciseResult, title: str = "", colour: bool = False, lang: str = "en"
) -> str:
    """The learner's view of one exercise's result, in `lang`."""
    paint = Painter(colour)
    lines = [paint(f"{result.exercise}" + (f" · {title}" if title else ""), "bold")]
    for line in result_lines(result, lang):
        pad = "      " + "  " * line.indent
        if line.kind == "passed":
            lines.append(f"  {paint('✓', 'green')} {line.text}")
        elif line.kind == "failed":
            lines.append(f"  {paint('✗', 'red')} {line.text}")
        elif line.kind == "message":
            lines.append(indent_lines(line.text, pad))
        elif line.kind == "note":
            lines.append(paint(pad + line.text, "dim"))
        else:
            lines.append(paint(pad + t("report_printed", lang), "dim"))
            lines.append(paint(indent_lines(line.text, pad + "  "), "dim"))
    if result.message:
        lines.append(paint(f"  ! {result.text(lang)}", "yellow"))
    if result.status == "error" and result.output.strip() and not result.checks:
        lines.append(paint(indent_lines(shorten_output(result.output, 20), "    "), "dim"))
    key = "report_summary_incomplete" if result.status == "error" else "report_summary"
    summary = t(key, lang, exercise=result.exercise, passed=result.passed, total=result.total)
    lines.append(paint(summary, "green" if result.status == "pass" else "red"))
    return "\n".join(lines)


def table_width(titles: dict[str, str]) -> int:
    """The title column's width for `format_table` (at most 40, so rows fit 80 columns)."""
    from rich.cells import cell_len

    return min(40, max((cell_len(title) for title in titles.values()), default=5))


def table_header(titles: dict[str, str], lang: str) -> str:
    from rich.cells import cell_len

    exercise, title, result, checks = t("report_table_header", lang).split("|")
    pad = " " * (table_width(titles) - cell_len(title))
    gap = " " * (7 - cell_len(result))
    return f"{exercise}{' ' * (13 - cell_len(exercise))}{title}{pad}  {result}{gap}{checks:>7}"


def format_table(
    results: Sequence[ExerciseResult], titles: dict[str, str], colour: bool, lang: str = "en",
    header: bool = True,
) -> str:  # fmt: skip
    """One row per exercise, for `kdquiz check --all` (whose rows come one at a time as each
    exercise finishes: `header` False); titles are cut to `table_width(titles)`."""
    from rich.cells import cell_len

    paint = Painter(colour)
    width = table_width(titles)
    rows = []
    for r in results:
        word = t(f"report_{r.status}", lang)
        mark = {"pass": paint(word, "green"), "fail": paint(word, "red")}.get(
            r.status, paint(word, "yellow")
        )
        title = titles.get(r.exercise, "")
        while cell_len(title) > width:
            title = title[:-2] + "…"
        padding = " " * (width - cell_len(title))
        cells = f"{r.exercise:<12} {title}{padding}  {mark}{' ' * (6 - cell_len(word))}"
        rows.append(f"{cells} {f'{r.passed}/{r.total}':>7}")
    if header:
        rows.insert(0, table_header(titles, lang))
        passed = sum(r.status == "pass" for r in results)
        rows.append(t("report_table_passed", lang, passed=passed, total=len(results)))
    return "\n".join(rows)


def write(text: str, stream: TextIO = sys.stdout) -> None:
    stream.write(text + "\n")
