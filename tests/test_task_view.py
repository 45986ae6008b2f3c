"""The Task tab renders each exercise's task faithfully, in both languages, at every width:
nothing lost, nothing wider than the pane, aligned rows and list items still starting their
own lines at their own column, continuation lines never at the left edge of an indented block."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len
from rich.console import Console

from kdquiz.catalog import load_catalog
from kdquiz.textlayout import wrap_line
from kdquiz.tui.widgets.task_view import TaskText
from kdquiz.workspace import task_text


def render(text: str, width: int) -> list[str]:
    console = Console(width=width, color_system=None, legacy_windows=False)
    with console.capture() as capture:
        console.print(TaskText(text))
    return capture.get().splitlines()


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [42, 76, 140])
def test_every_task_keeps_its_text_and_structure(lang: str, width: int) -> None:
    for exercise in load_catalog():
        text = task_text(exercise, None, lang)
        lines = render(text, width)
        assert all(cell_len(line) <= width for line in lines), exercise.id
        assert squeezed("".join(lines)) == squeezed(text), exercise.id
        starts = [line.rstrip() for line in lines]
        for source in text.splitlines():
            aligned = re.match(r"^(\s+\S+)\s{2,}\S", source)  # a row of an aligned block
            item = re.match(r"^(\s*- \S+)", source)  # a list item
            head = aligned or item
            if head and cell_len(head.group(1)) < width // 2:
                assert any(line.startswith(head.group(1)) for line in starts), (
                    exercise.id,
                    lang,
                    width,
                    source,
                )


def test_an_aligned_row_wraps_under_its_description() -> None:
    row = "    labels          (B,)   int64 class indices in [0, C) " + "word " * 12
    lines = wrap_line(row, 60)
    assert lines[0].startswith("    labels          (B,)")
    assert all(line.startswith(" " * 20) and line[20] != " " for line in lines[1:])


def test_chinese_never_starts_a_line_with_closing_punctuation() -> None:
    lines = render("练习 1：蒸馏损失（Hinton, Vinyals & Dean, 2015）。这一行很长，需要折行。", 20)
    assert len(lines) > 1
    assert not any(line.lstrip()[:1] in "）。，、；：" for line in lines)


def test_the_source_line_breaks_of_a_paragraph_are_undone() -> None:
    text = "Write `kd_loss`, the loss a student is trained with when it\nlearns from a teacher."
    assert render(text, 120) == [text.replace("\n", " ")]
