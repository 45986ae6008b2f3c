"""Line breaking for Chinese (and other CJK) text in Rich and Textual.

Both libraries break lines only at spaces, so a run of Chinese, which has none, is one long
"word": after "Mirzadeh " the whole sentence jumps to the next line and leaves a gap. Here a line
may break between any two CJK characters, except before closing punctuation (，。）) or after
opening punctuation (（《“), as Chinese typesetting does. Latin words still break at spaces.

`install()` swaps this word splitter into both libraries' wrapping; it changes nothing for text
without CJK characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CJK = (
    "\u1100-\u11ff\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
CLOSING = "、。，．：；！？）］｝〉》」』】〕〗〙〛”’…"
OPENING = "（［｛〈《「『【〔〖〘〚“‘"
_UNIT = rf"(?:[{OPENING}]*[^\s{CJK}]+[{CLOSING}]*|[{OPENING}]*[{CJK}][{CLOSING}]*)"
"""A character (or a Latin word) with the opening punctuation before it and the closing after:
"（generalization）" is one unit, so no line ends on its "（"."""

RICH_WORD = re.compile(rf"\s*{_UNIT}\s*")
"""Rich's words: leading space, one unit, trailing space."""
TEXTUAL_CHUNK = re.compile(rf"{_UNIT}\s*|\s+")
"""Textual's chunks: one unit and its trailing space, or a run of space."""


def rich_words(text: str) -> Iterable[tuple[int, int, str]]:
    """Drop-in for `rich._wrap.words`: (start, end, word) with CJK characters as words."""
    position = 0
    while (match := RICH_WORD.match(text, position)) is not None:
        start, position = match.span()
        yield start, position, match.group(0)


def textual_chunks(text: str) -> Iterable[tuple[int, int, str]]:
    """Drop-in for `textual._wrap.chunks`."""
    end = 0
    while (match := TEXTUAL_CHUNK.match(text, end)) is not None:
        start, end = match.span()
        yield start, end, match.group(0)


def install() -> None:
    """Use CJK-aware word splitting in Rich's and Textual's line wrapping (idempotent). If a
    future version moves these internals, wrapping simply falls back to the libraries' own."""
    import rich._wrap
    import textual._wrap

    if callable(getattr(rich._wrap, "words", None)):
        rich._wrap.words = rich_words  # type: ignore[assignment]
    if callable(getattr(textual._wrap, "chunks", None)):
        textual._wrap.chunks = textual_chunks  # type: ignore[assignment]
