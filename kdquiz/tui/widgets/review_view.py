"""How a question under review is drawn: its options, the verdict, and what follows an answer
(for an open question: the key points to tick, the model answer; then the explanation and the
references). Pure functions of the question and the answer, so the review screen only decides
what phase it is in."""

from __future__ import annotations

from collections.abc import Sequence, Set

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from kdquiz.bank import Question
from kdquiz.i18n import colon, t
from kdquiz.review import is_correct

LETTERS = "123456789"
"""The keys (and labels) of the options, by position on screen."""
TICK_KEYS = "abcdefgh"
"""Keys that tick an open question's key points once the model answer is revealed."""


def choices_grid(
    question: Question, order: Sequence[int], chosen: Set[int], cursor: int | None,
    lang: str, answered: bool = False,
) -> Table:  # fmt: skip
    """The options in display `order` as a grid, so long options wrap under their own text;
    once `answered`, the right ones are marked ✓ and a wrong pick ✗."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for position, index in enumerate(order):
        choice = question.choices[index]
        selected = index in chosen
        if question.type == "multi":
            box = "[x]" if selected else "[ ]"
        else:
            box = "(•)" if selected else "( )"
        style, mark = "", " "
        if answered:
            if index in question.answer:
                style, mark = "bold green", "✓"
            elif selected:
                style, mark = "bold red", "✗"
            else:
                style = "dim"
        elif position == cursor:
            style, mark = "bold reverse", "›"
        grid.add_row(
            Text(f"{mark} {LETTERS[position]} {box}", style), Text(choice.get(lang), style)
        )
    return grid


def verdict(question: Question, order: Sequence[int], chosen: Set[int], lang: str) -> Text:
    """'✓ Correct' or '✗ Wrong — right answer: 2, 4' (positions as displayed)."""
    if is_correct(question, chosen):
        return Text(f"✓ {t('correct', lang)}", "bold green")
    letters = ", ".join(LETTERS[p] for p, index in enumerate(order) if index in question.answer)
    return Text(
        f"✗ {t('wrong', lang)} — {t('right_answer', lang)}{colon(lang)}{letters}", "bold red"
    )


def key_points_grid(question: Question, ticked: Set[int], lang: str, tick_keys: bool) -> Table:
    """An open question's key points, ticked or not (with the key that ticks each while the
    learner is still grading)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for index, point in enumerate(question.key_points):
        is_ticked = index in ticked
        mark = "[x]" if is_ticked else "[ ]"
        if tick_keys:
            mark = f"{TICK_KEYS[index]} {mark}"
        style = "green" if is_ticked else ""
        grid.add_row(Text(mark, style), Text(point.get(lang), style))
    return grid


def heading(key: str, lang: str, gap: bool = True) -> Text:
    return Text(("\n" if gap else "") + t(key, lang), "bold underline")


def feedback_view(
    question: Question, lang: str, typed: str, ticked: Set[int], tick_keys: bool,
    related: bool = True,
) -> Group:  # fmt: skip
    """Everything below the options once the question is answered (or, for an open question,
    revealed): an open question's key points first, so they show without scrolling."""
    parts: list[RenderableType] = []
    if question.type == "open":
        if typed:
            parts += [heading("your_answer_was", lang, gap=False), Text(typed, "italic")]
        if question.key_points:
            parts += [heading("key_points", lang, gap=bool(typed))]
            parts.append(key_points_grid(question, ticked, lang, tick_keys))
        parts.append(heading("model_answer", lang, gap=bool(parts)))
        if question.model_answer is not None:
            parts.append(Markdown(question.model_answer.get(lang)))
    # A choice question's verdict is in the action bar, always in view (`verdict`).
    parts += [heading("explanation", lang), Markdown(question.explanation.get(lang))]
    if question.references:
        parts.append(heading("references", lang))
        parts.append(Text("\n".join(f"· {ref}" for ref in question.references), "dim"))
    if question.related_exercise and related:
        parts.append(
            Text("\n" + t("practise_exercise", lang, ex=question.related_exercise), "cyan")
        )
    return Group(*parts)
