"""A check result as the workbench shows it: the summary line, then each named check with its
message (the same lines, from `checker.report.result_lines`, as `kdquiz check` prints)."""

from __future__ import annotations

from datetime import datetime

from rich.console import RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from kdquiz.checker.report import indent_lines, result_lines, shorten_output
from kdquiz.checker.results import ExerciseResult
from kdquiz.i18n import t


def describe_ago(moment: datetime, now: datetime, lang: str) -> str:
    """'just now', '5 min ago', '3 h ago', '4 days ago' (or in Chinese), measured from `now`."""
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 60:
        return t("ex_ago_now", lang)
    if seconds < 3600:
        return t("ex_ago_min", lang, n=round(seconds / 60))
    if seconds < 86400:
        return t("ex_ago_h", lang, n=round(seconds / 3600))
    days = round(seconds / 86400)
    return t("ex_ago_day" if days == 1 else "ex_ago_days", lang, n=days)


def summary_line(status: str, passed: int, total: int, lang: str) -> Text:
    """'✓ 18/18 checks passed' in green, or '✗ 3/18 checks passed' in red."""
    summary = t("ex_checks_passed", lang, passed=passed, total=total)
    if status == "pass":
        return Text(f"✓ {summary}", "bold green")
    if status == "error":
        return Text(f"✗ {summary} — {t('ex_incomplete', lang)}", "bold red")
    return Text(f"✗ {summary}", "bold red")


def render_result(result: ExerciseResult, lang: str, when: str = "") -> list[RenderableType]:
    """A summary line (with `when` it ran), then one row per named check: ✓ / ✗, its name, and
    under the name the learner-worded message (wrapped lines hang under the name)."""
    head = summary_line(result.status, result.passed, result.total, lang)
    head.append(f"  ·  {result.duration:.1f} s" + (f"  ·  {when}" if when else ""), "dim")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, width=1)
    grid.add_column(ratio=1)
    for line in result_lines(result, lang):
        indent = (0, 0, 0, 2 + 2 * line.indent)
        if line.kind == "passed":
            grid.add_row(Text("✓", "bold green"), Text(line.text))
        elif line.kind == "failed":
            grid.add_row(Text("✗", "bold red"), Text(line.text, "bold"))
        elif line.kind == "message":
            grid.add_row("", Padding(Text(line.text), indent))
        elif line.kind == "note":
            grid.add_row("", Padding(Text(line.text, "dim"), indent))
        else:
            printed = t("report_printed", lang) + "\n" + indent_lines(line.text, "  ")
            grid.add_row("", Padding(Text(printed, "dim"), indent))
    parts: list[RenderableType] = [head, Text(""), grid]
    if result.message:
        parts += [Text(""), Text(f"! {result.text(lang)}", "yellow")]
    if result.status == "error" and result.output.strip() and not result.checks:
        parts.append(Text(indent_lines(shorten_output(result.output, 20), "    "), "dim"))
    return parts
