"""The workbench's views of an exercise: its entry in the list, its heading, the Check tab (a
result as the summary line, then each named check with its message: the same lines, from
`checker.report.result_lines`, as `kdquiz check` prints) and the Hints tab."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from kdquiz.catalog import Exercise
from kdquiz.checker.report import indent_lines, result_lines, shorten_output
from kdquiz.checker.results import ExerciseResult
from kdquiz.i18n import colon, t, topic_name
from kdquiz.progress import Attempt


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


# ---------------------------------------------------------------------- the workbench's panes


GLYPHS = {
    "untried": ("·", "dim"), "failing": ("✗", "red"), "changed": ("~", "yellow"),
    "passed": ("✓", "green"),
}  # fmt: skip
"""Status -> (glyph, style) in the exercise list."""


def list_entry(
    exercise: Exercise, status: str, last: Attempt | None, running: bool, lang: str, wide: bool
) -> Text:
    """An exercise in the workbench's list: status glyph, id, latest score (and the status in
    words when `wide`), then its title."""
    glyph, style = GLYPHS[status]
    line = Text.assemble((f"{glyph} ", style), (exercise.id, "bold"))
    if last is not None and last.total:
        line.append(f"  {last.passed}/{last.total}", "green" if last.status == "pass" else "red")
    elif last is not None:
        line.append("  !", "yellow")  # the check did not complete
    if wide:  # narrower, the glyph says it
        line.append(f"  {t('status_' + status, lang)}", "dim")
    if running:
        line.append(" …", "bold yellow")
    line.append(f"\n{exercise.title_in(lang)}")
    return line


def heading(exercise: Exercise, hints_taken: int, shown_file: str, lang: str) -> Text:
    """The selected exercise: id and title; topic, difficulty, time and hints; the file."""
    stars = "★" * exercise.difficulty + "☆" * (3 - exercise.difficulty)
    meta = "  ·  ".join(
        [
            topic_name(exercise.topic, lang),
            stars,
            t("ex_minutes", lang, n=exercise.minutes),
            t("ex_hints_count", lang, n=hints_taken, total=len(exercise.hints)),
        ]
    )
    title = f"{exercise.id} · {exercise.title_in(lang)}"
    text = Text.assemble((title, "bold"), ("\n" + meta, "dim"))
    if shown_file:
        text.append(f"\n{t('ex_your_file', lang)}{colon(lang)}", "dim")
        text.append(shown_file, "cyan")
    return text


def check_view(
    result: ExerciseResult | None, attempt: Attempt | None, note: str, shown_file: str, lang: str,
    when: str,
) -> RenderableType:  # fmt: skip
    """The Check tab: a note on an unrecorded run, then the last result per named check."""
    parts: list[RenderableType] = [Text(note, "bold yellow"), Text("")] if note else []
    if result is None and attempt is None:
        parts.append(Text(t("ex_not_checked", lang, path=shown_file)))
        return Group(*parts)
    if result is None:
        assert attempt is not None  # recorded before per-check results were kept
        head = summary_line(attempt.status, attempt.passed, attempt.total, lang)
        head.append(f"  ·  {when}", "dim")
        parts += [head, Text(""), Text(t("ex_no_details", lang), "dim italic")]
        return Group(*parts)
    parts += render_result(result, lang, when)
    if result.status == "pass":
        parts += [Text(""), Text(t("ex_after_pass", lang), "italic")]
    return Group(*parts)


def hints_view(exercise: Exercise, taken: int, lang: str) -> RenderableType:
    """The Hints tab: the hints taken so far, and how many are left."""
    total = len(exercise.hints)
    taken = min(taken, total)
    parts: list[RenderableType] = []
    for tier in range(1, taken + 1):
        parts.append(Text(t("ex_hint_n", lang, n=tier, total=total), "bold underline"))
        parts.append(Text(exercise.hint_in(tier - 1, lang)))
        parts.append(Text(""))
    if taken == 0 and total:
        footer = t("ex_no_hints_yet", lang, total=total)
    elif taken < total:
        footer = t("ex_hints_left", lang, left=total - taken)
    else:
        footer = t("ex_no_hints_left", lang, total=total)
    parts.append(Text(footer, "dim italic"))
    return Group(*parts)
