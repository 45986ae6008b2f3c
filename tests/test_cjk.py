"""Chinese text wraps between characters (not only at spaces) and keeps punctuation rules."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markdown import Markdown
from rich.text import Text
from textual._wrap import compute_wrap_offsets

from kdquiz.tui import cjk

MIXED = "Mirzadeh 等人（2020）发现：学生模型固定时，教师模型越做越大，蒸馏效果先升后降。"


def lines(renderable: object, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return [line.rstrip() for line in console.file.getvalue().splitlines()]  # type: ignore[attr-defined]


def test_a_chinese_run_fills_the_line_after_a_latin_word() -> None:
    cjk.install()
    for renderable in (Text(MIXED), Markdown(MIXED)):
        first, *rest = lines(renderable, 40)
        assert first.startswith("Mirzadeh 等人（2020）发现"), first
        assert all(not line.startswith(("，", "。", "：", "）")) for line in rest)
    assert compute_wrap_offsets(MIXED, 40, 4)[0] > len("Mirzadeh ")


def test_latin_text_wraps_at_spaces_as_before() -> None:
    cjk.install()
    text = "The quick brown fox jumps over the lazy dog, again and again."
    assert lines(Text(text), 40) == [
        "The quick brown fox jumps over the lazy",
        "dog, again and again.",
    ]


def test_closing_punctuation_stays_with_the_character_before_it() -> None:
    units = [word.strip() for _, _, word in cjk.rich_words("好的，（知识）蒸馏。ok, fine")]
    assert units == ["好", "的，", "（知", "识）", "蒸", "馏。", "ok,", "fine"]


def test_no_line_ends_on_opening_punctuation_before_a_latin_word() -> None:
    units = [word.strip() for _, _, word in cjk.rich_words("保真度（fidelity）和“KL”")]
    assert units == ["保", "真", "度", "（fidelity）", "和", "“KL”"]
    cjk.install()
    text = "Stanton 等（2021）把蒸馏学生模型的保真度（fidelity）和泛化能力（generalization）分开。"
    for width in range(20, 60):
        assert not any(line.endswith(("（", "“")) for line in lines(Text(text), width)), width
