"""Answering one question with the keyboard, shared by the review and the mock interview:
number keys choose an option (multi-select: toggle), ↑/↓ move and space picks, enter submits;
an open question is written in a text box, ctrl+r reveals its key points, a–h tick them, and
1–4 (or enter, for the grade the ticks suggest) grade it."""

from __future__ import annotations

from fsrs import Rating
from textual.binding import Binding
from textual.events import Key
from textual.widgets import TextArea

from kdquiz.bank import Question
from kdquiz.review import suggested_grade
from kdquiz.tui.screens.base import AppScreen
from kdquiz.tui.widgets.review_view import LETTERS, TICK_KEYS

CHOICE_BINDINGS = [
    *[Binding(str(n), f"number({n})", show=False) for n in range(1, 10)],
    Binding("up,k", "move(-1)", show=False),  # described on the help screen
    Binding("down,j", "move(1)", show=False),
    Binding("space", "toggle_option", show=False),
]
"""The keys that answer a question (the subclass lists them among its own, in its order)."""


class AnsweringScreen(AppScreen):
    """A screen that asks a question in phases: 'answer' (choosing or typing), 'revealed' (an
    open question's key points shown, to tick and grade), and whatever follows (the subclass's
    own). Subclasses say which question is asked and what submitting and grading do."""

    ANSWER_BOX = "#open-answer"
    """The id of the open question's text box."""

    def __init__(self) -> None:
        super().__init__()
        self.phase = "answer"
        self.order: list[int] = []
        """Display position -> index in the file: shuffled each time a question is shown."""
        self.cursor: int | None = None
        """The highlighted option's display position; none until the learner moves."""
        self.chosen: set[int] = set()
        """Chosen options, as indices in the file."""
        self.ticked: set[int] = set()
        """Key points the learner says their open answer covered (ticked after revealing)."""

    # ------------------------------------------------------------------ what subclasses do

    def asked(self) -> Question | None:
        """The question on screen, if any."""
        raise NotImplementedError

    def submit_choice(self) -> None:
        """A choice question's options in `chosen` are the answer."""
        raise NotImplementedError

    def grade_revealed(self, rating: int) -> None:
        """The learner graded their open answer (1 Again .. 4 Easy)."""
        raise NotImplementedError

    def _show(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ keys

    def key_for(self, index: int) -> str:
        """The number key that chooses the option at `index` in the file, as now shown."""
        return LETTERS[self.order.index(index)]

    def on_key(self, event: Key) -> None:
        """After revealing an open question's model answer, a–h tick its key points."""
        question = self.asked()
        if self.phase != "revealed" or question is None or event.character is None:
            return
        index = TICK_KEYS.find(event.character)
        if 0 <= index < len(question.key_points):
            self.ticked ^= {index}
            event.stop()
            event.prevent_default()
            self._show()

    def action_number(self, n: int) -> None:
        question = self.asked()
        if question is None:
            return
        if self.phase == "answer" and question.type != "open" and n <= len(question.choices):
            self.cursor = n - 1
            index = self.order[n - 1]
            if question.type == "choice":
                self.chosen = {index}
                self.submit_choice()
            else:
                self.chosen ^= {index}
                self._show()
        elif self.phase == "revealed" and 1 <= n <= 4:
            self.grade_revealed(n)

    def action_move(self, step: int) -> None:
        question = self.asked()
        if question is not None and self.phase == "answer" and question.choices:
            if self.cursor is None:  # the first move lands on the first or the last option
                self.cursor = 0 if step > 0 else len(question.choices) - 1
            else:
                self.cursor = (self.cursor + step) % len(question.choices)
            self._show()

    def action_toggle_option(self) -> None:
        question = self.asked()
        if question is None or self.phase != "answer" or not question.choices:
            return
        if self.cursor is None:
            self.notify(self.t("choose_help", n=len(question.choices)), timeout=3)
        elif question.type == "multi":
            self.chosen ^= {self.order[self.cursor]}
            self._show()
        else:
            self.chosen = {self.order[self.cursor]}
            self.submit_choice()

    def enter_on_question(self, question: Question) -> None:
        """Enter while answering: submit a choice (never for the learner: a single choice needs
        a highlighted option), reveal an open question, or take the grade its ticks suggest."""
        if self.phase == "revealed":
            self.grade_revealed(suggested_grade(len(self.ticked), len(question.key_points)))
        elif question.type == "open":
            self.action_reveal()
        elif question.type == "multi":
            if self.chosen:
                self.submit_choice()
            else:
                self.notify(self.t("multi_help", n=len(question.choices)), timeout=3)
        elif self.cursor is None:
            self.notify(self.t("choose_help", n=len(question.choices)), timeout=3)
        else:
            self.chosen = {self.order[self.cursor]}
            self.submit_choice()

    def action_reveal(self) -> None:
        question = self.asked()
        if question is not None and question.type == "open" and self.phase == "answer":
            self.phase = "revealed"
            self.query_one(self.ANSWER_BOX, TextArea).display = False  # shown in the feedback
            self._show()

    def action_focus_answer(self) -> None:
        area = self.query_one(self.ANSWER_BOX, TextArea)
        if area.display and self.phase == "answer":
            area.focus()

    def typed(self) -> str:
        """What the learner wrote in the text box."""
        return self.query_one(self.ANSWER_BOX, TextArea).text


def counts_as_right(rating: int) -> bool:
    """A self-graded open answer counts as right from Hard up."""
    return rating >= int(Rating.Hard)
