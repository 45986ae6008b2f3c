"""Laying text out in terminal columns: lines wrapped to a width in cells (a Chinese character
takes two), a line may break between any two Chinese characters but never before closing
punctuation, and continuation lines hang under their own text (an aligned row's description
column, a list item's text, the line's indentation). The app's Task tab and `kdquiz watch` use it.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

_COLUMN = re.compile(r"^(\s*\S(?:.*?\S)?)(\s{2,})(\S.*)$")
"""A line of an aligned block: its first column, a gap of two or more spaces, the rest."""
_BULLET = re.compile(r"^(\s*(?:[-*•]|\d+[.)])\s+)")
HEADING = re.compile(r"^[A-Z\u4e00-\u9fff][^.:：]{0,40}[:：]$")
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


def hang_of(line: str, width: int) -> int:
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
    if after_blank and HEADING.match(stripped):
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
        out.append((line, hang_of(line, 10**6), kind))
    return [(line, hang) for line, hang, _ in out]


def wrap_line(line: str, width: int, hang: int | None = None) -> list[str]:
    """`line` cut to `width` cells, continuation lines starting at column `hang` (by default
    where the module docstring says)."""
    if cell_len(line) <= width:
        return [line]
    hang = hang_of(line, width) if hang is None else hang
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


def wrapped(text: str, width: int) -> str:
    """`text` wrapped to `width` cells, line by line."""
    return "\n".join(part for line in text.splitlines() for part in wrap_line(line, width))
