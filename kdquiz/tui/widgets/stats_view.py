"""Small charts drawn with block characters, as Rich renderables: percentage meters, a stacked
bar chart of answers per day, and a row of attempt glyphs. Pure functions of their inputs, so
they are easy to test and identical in every snapshot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from rich.cells import cell_len, set_cell_size
from rich.text import Text

EIGHTHS = " ▁▂▃▄▅▆▇█"
"""Vertical blocks from empty to full, one eighth of a cell at a time."""
GOOD, FAIR, POOR = "green", "yellow", "red"
RIGHT_STYLE, WRONG_STYLE = "green", "red"
ATTEMPT_GLYPHS = {"pass": ("✓", "bold green"), "fail": ("✗", "red"), "error": ("!", "yellow")}


def level_style(value: float, low: float, high: float) -> str:
    """Red below `low`, yellow below `high`, green from `high` up."""
    if value < low:
        return POOR
    return FAIR if value < high else GOOD


def fit(text: str, width: int) -> str:
    """`text` cut to at most `width` terminal cells with an ellipsis; wide (CJK) characters count
    as two cells, so table columns stay aligned."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1).rstrip() + "…"


def meter(
    value: float | None, width: int = 10, low: float = 0.6, high: float = 0.8, empty: str = "—"
) -> Text:
    """A horizontal bar of ▇ blocks for a share in [0, 1], coloured by level, then the
    percentage; `empty` (dim) when there is no value yet."""
    if value is None:
        return Text(empty.ljust(width + 5), "dim")
    value = min(1.0, max(0.0, value))
    filled = round(value * width)
    if value > 0 and filled == 0:
        filled = 1  # a small share is still visibly more than none
    style = level_style(value, low, high)
    bar = Text()
    bar.append("▇" * filled, style)
    bar.append("▁" * (width - filled), "dim")
    bar.append(f" {value:>4.0%}", style)
    return bar


def chart_top(largest: int) -> int:
    """The value at the top of the day chart: the busiest day, rounded up to an even number so
    that the middle gridline has a whole label."""
    return max(2, largest + largest % 2)


def month_day(day: date) -> str:
    """The default label where a month starts in the chart: month/day."""
    return f"{day.month}/{day.day}"


def day_chart(
    days: Sequence[tuple[date, int, int]],
    height: int = 8,
    bar_width: int = 2,
    label_every: int = 7,
    with_month: Callable[[date], str] = month_day,
    plain: Callable[[date], str] = lambda day: str(day.day),
) -> Text:
    """A vertical bar chart of answers per day, right answers (green) stacked under wrong ones
    (red), with a y-scale on the left and the day of the month under every `label_every`-th
    bar and under the last one; the first label and the first in a new month come from
    `with_month` (month/day unless the caller localises it).

    `days` holds (day, answers, right answers), oldest first.
    """
    top = chart_top(max((total for _, total, _ in days), default=0))
    label_width = len(str(top))
    step = bar_width + 1
    lines: list[Text] = []
    units_per_row = 8
    scale = height * units_per_row / top
    bars = []
    for _, total, right in days:
        total_units = round(total * scale)
        if total > 0 and total_units == 0:
            total_units = 1
        right_units = min(total_units, round(right * scale))
        if right > 0 and right_units == 0:
            right_units = 1
        bars.append((total_units, right_units))
    for row in range(height):
        level = height - 1 - row  # 0 is the bottom row
        if row == 0:
            label, tick = str(top), "┤"
        elif height % 2 == 0 and row == height // 2:
            label, tick = str(top // 2), "┤"
        else:
            label, tick = "", "│"
        line = Text()
        line.append(label.rjust(label_width) + " " + tick, "dim")
        for total_units, right_units in bars:
            line.append(" ")
            line.append_text(_bar_cell(total_units, right_units, level, bar_width))
        lines.append(line)
    axis = Text("0".rjust(label_width) + " └" + "─" * (step * len(days)), "dim")
    lines.append(axis)
    labels = _day_labels(
        [d for d, _, _ in days], label_width + 2, step, label_every, with_month, plain
    )
    lines.append(labels)
    chart = Text("\n").join(lines)
    chart.no_wrap = True
    chart.overflow = "crop"
    return chart


def _bar_cell(total_units: int, right_units: int, level: int, bar_width: int) -> Text:
    """One row of one bar: the part of the stack that falls into this row's eight units."""
    base = level * 8
    filled = min(8, max(0, total_units - base))
    green = min(8, max(0, right_units - base))
    if filled == 0:
        return Text(" " * bar_width)
    if green == filled:
        return Text(EIGHTHS[filled] * bar_width, RIGHT_STYLE)
    if green == 0:
        return Text(EIGHTHS[filled] * bar_width, WRONG_STYLE)
    if filled == 8:
        # The lower part of a block is its foreground and the rest its background.
        return Text(EIGHTHS[green] * bar_width, f"{RIGHT_STYLE} on {WRONG_STYLE}")
    style = RIGHT_STYLE if green * 2 >= filled else WRONG_STYLE
    return Text(EIGHTHS[filled] * bar_width, style)


def _day_labels(
    days: Sequence[date], indent: int, step: int, every: int, with_month: Callable[[date], str],
    plain: Callable[[date], str],
) -> Text:  # fmt: skip
    """Day-of-month labels under the bars, counted back from the last day; the first label and
    any in a new month name the month too."""
    if not days:
        return Text("")
    marked = sorted({len(days) - 1, *range(len(days) - 1, -1, -every)})
    line = ""
    previous_month: int | None = None
    for index in marked:
        day = days[index]
        text = with_month(day) if day.month != previous_month else plain(day)
        previous_month = day.month
        start = indent + 1 + step * index
        width = cell_len(line)
        if line and start <= width:
            continue  # never let two labels touch
        line += " " * (start - width) + text
    return Text(line, "dim")


def attempt_glyphs(statuses: Sequence[str], limit: int = 24) -> Text:
    """Attempts as coloured glyphs, oldest first (✓ pass, ✗ fail, ! could not run), only the
    last `limit` of them after an ellipsis."""
    text = Text()
    if len(statuses) > limit:
        text.append("…", "dim")
        statuses = statuses[-limit:]
    for status in statuses:
        glyph, style = ATTEMPT_GLYPHS.get(status, ("?", "dim"))
        text.append(glyph, style)
    return text
