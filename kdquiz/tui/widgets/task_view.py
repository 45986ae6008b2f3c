"""An exercise's task as its stub lays it out: lines stay lines, indented blocks stay indented,
aligned columns ("Inputs:" blocks) stay aligned and lists stay lists. A line too long for the
pane wraps under its own text: under the description column of an aligned block, after a
list's dash, or at the line's indentation (never at the pane's left edge)."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from kdquiz.textlayout import HEADING, hang_of, paragraphs, wrap_line


class TaskText:
    """A rich renderable: the task text laid out for the width it is given."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(20, options.max_width)
        previous = ""
        for index, (line, hang) in enumerate(paragraphs(self.text)):
            heading = not previous.strip() and HEADING.match(line.strip())
            style = "bold" if index == 0 or heading else ""
            previous = line
            hang = min(hang, hang_of(line, width))
            for part in wrap_line(line, width, hang):
                yield Text(part, style=style, no_wrap=True, overflow="crop")
