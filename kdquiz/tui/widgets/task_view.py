"""An exercise's task as its stub lays it out: lines stay lines, indented blocks stay indented,
aligned columns ("Inputs:" blocks) stay aligned and lists stay lists. A line too long for the
pane wraps under its own text: under the description column of an aligned block, after a
list's dash, or at the line's indentation (never at the pane's left edge)."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

_COLUMN = re.compile(r"^(\s*\S(?:.*?\S)?)(\s{2,})(\S.*)$")
"""A line of an aligned block: its first column, a gap of two or more spaces, the rest."""
_BULLET = re.compile(r"^(\s*(?:[-*•]|\d+[.)])\s+)")
_HEADING = re.compile(r"^[A-Z\u4e00-\u9fff][^.:：]{0,40}[:：]$")
"""'Inputs:', 'Requirements:', '要求：' — a section heading (shown bold)."""
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


_CLOSING = "）】」』》〉。，、；：！？…"
"""Punctuation a line must not start with (it stays with the character before it)."""


def _tokens(text: str) -> list[str]:
    """Words with their trailing spaces; each CJK character is a token of its own (Chinese
    breaks between any two characters), closing punctuation sticking to the one before."""
    tokens: list[str] = []
    for word in re.findall(r"\S+\s*", text):
        pieces = re.findall(rf"{_CJK.pattern}\s*|(?:(?!{_CJK.pattern}).)+", word)
        for piece in pieces:
            if tokens and piece[0] in _CLOSING:
                tokens[-1] += piece
            else:
                tokens.append(piece)
    return tokens


def _hang(line: str, width: int) -> int:
    """Where the continuation lines of `line` start."""
    bullet = _BULLET.match(line)
    if bullet:
        return cell_len(bullet.group(1))
    match = _COLUMN.match(line)
    if match and cell_len(match.group(1) + match.group(2)) < max(width * 2 // 3, 24):
        return cell_len(match.group(1) + match.group(2))
    return len(line) - len(line.lstrip())


def _kind(line: str, after_blank: bool) -> str:
    stripped = line.strip()
    if not stripped:
        return "blank"
    if _BULLET.match(line):
        return "bullet"
    if after_blank and _HEADING.match(stripped):
        return "heading"
    if _COLUMN.match(line):
        return "column"
    return "prose"


def paragraphs(text: str) -> list[tuple[str, int]]:
    """The task's logical lines with the column their continuations hang at: the source's own
    line breaks inside a paragraph, a list item or an aligned row are undone (they were made
    for one width), everything else stays as it is."""
    out: list[tuple[str, int, str]] = []  # (line, hang, kind)
    for line in text.splitlines():
        line = line.rstrip()
        kind = _kind(line, not out or out[-1][2] == "blank")
        indent = len(line) - len(line.lstrip())
        if out and kind in ("prose", "column") and out[-1][2] in ("prose", "bullet", "column"):
            previous, hang, previous_kind = out[-1]
            previous_indent = len(previous) - len(previous.lstrip())
            joins = (
                previous_kind == "prose" and kind == "prose" and indent == previous_indent
            ) or (previous_kind in ("bullet", "column") and indent == hang and indent > 0)
            if joins:
                glue = "" if _CJK.match(line.strip()[:1]) and _CJK.match(previous[-1:]) else " "
                out[-1] = (previous + glue + line.strip(), hang, previous_kind)
                continue
        out.append((line, _hang(line, 10**6), kind))
    return [(line, hang) for line, hang, _ in out]


def wrap_line(line: str, width: int, hang: int | None = None) -> list[str]:
    """`line` cut to `width` cells, continuation lines starting at column `hang` (by default
    where the module docstring says)."""
    if cell_len(line) <= width:
        return [line]
    hang = _hang(line, width) if hang is None else hang
    hang = min(hang, max(0, width - 20))  # a narrow pane still gets 20 cells of text
    indent = min(len(line) - len(line.lstrip()), max(0, width - 20))  # deep indents shrink
    lines: list[str] = []
    current = " " * indent
    for token in _tokens(line.strip()):
        if current.strip() and cell_len(current + token.rstrip()) > width:
            lines.append(current.rstrip())
            current = " " * hang
        while cell_len(current + token.rstrip()) > width:  # a token longer than a line
            room = width - cell_len(current)
            cut = max(1, _fit(token, room))
            lines.append(current + token[:cut])
            current, token = " " * hang, token[cut:]
        current += token
    lines.append(current.rstrip())
    return lines


def _fit(text: str, cells: int) -> int:
    """How many characters of `text` fit in `cells`."""
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > cells:
            return index
    return len(text)


class TaskText:
    """A rich renderable: the task text laid out for the width it is given."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(20, options.max_width)
        previous = ""
        for index, (line, hang) in enumerate(paragraphs(self.text)):
            heading = not previous.strip() and _HEADING.match(line.strip())
            style = "bold" if index == 0 or heading else ""
            previous = line
            hang = min(hang, _hang(line, width))
            for part in wrap_line(line, width, hang):
                yield Text(part, style=style, no_wrap=True, overflow="crop")
