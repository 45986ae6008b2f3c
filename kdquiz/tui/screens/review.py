"""The review session: due cards, then new ones; answer, see why, and let FSRS reschedule.

Choice questions are answered with number keys (multi-select: toggle, then enter) and graded
automatically; open questions reveal a model answer and are graded by the learner (1-4). Each
answer is stored the moment it is given, so quitting mid-session loses nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from fsrs import Card, Rating
from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Header, Static, TextArea

from kdquiz.bank import Question
from kdquiz.i18n import colon, topic_name
from kdquiz.progress import Review
from kdquiz.review import (
    RATINGS,
    describe_due,
    display_order,
    is_correct,
    rating_for,
    suggested_grade,
)
from kdquiz.tui.screens.answering import CHOICE_BINDINGS, AnsweringScreen, counts_as_right
from kdquiz.tui.widgets.review_view import (
    TICK_KEYS,
    choices_grid,
    feedback_view,
    verdict,
)


@dataclass
class SessionTally:
    answered: int = 0
    right: int = 0
    again_today: set[str] = field(default_factory=set)


class ReviewScreen(AnsweringScreen):
    """A queue of questions to answer. Without a queue it is today's review session; with one
    it is practice out of schedule; as a preview (from the browser) answers are checked and
    explained but not recorded, and no card's schedule changes (the status line says so)."""

    BINDINGS = [
        *CHOICE_BINDINGS,
        Binding("enter", "enter", "Submit / next", id="submit"),
        Binding("ctrl+r", "reveal", "Reveal", id="reveal", priority=True),
        Binding("a", "focus_answer", "Type an answer", show=False),
        Binding("x", "practise_exercise", "Related exercise", id="related"),
        Binding("u,ctrl+z", "undo", "Undo answer", id="undo"),
        Binding("w", "wait", "Wait for the next card", id="wait"),
    ]

    shuffle_seed: int | None = None
    """Seeds the option order (snapshot tests); None shuffles differently every time."""

    def __init__(self, queue: list[Question] | None = None, preview: bool = False) -> None:
        super().__init__()
        self.queue: list[Question] | None = list(queue) if queue is not None else None
        """Questions still to answer; None until today's session is built from the deck."""
        self.practice = queue is not None
        """True when opened on chosen questions rather than today's session."""
        self.preview = preview
        """Answers are checked and explained but not recorded (opened from the browser)."""
        self._waiting: Timer | None = None
        """While waiting for the next card due today: the timer that looks for it."""
        self.question: Question | None = None
        # self.phase: 'answer', 'revealed' (open), 'feedback' (result shown), or 'done'.
        self.last_card: Card | None = None
        self.tally = SessionTally()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="review-status")
        with VerticalScroll(id="review-body"):
            yield Static(id="prompt")
            yield Static(id="choices")
            yield TextArea(id="open-answer", soft_wrap=True, show_line_numbers=False)
            yield Static(id="feedback")
        yield Static(id="review-actions")
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one("#open-answer", TextArea)
        area.display = False
        super().on_mount()

    # ------------------------------------------------------------------ flow

    def refresh_view(self) -> None:
        if self.queue is None:
            assert self.data is not None
            self.queue = self.data.deck.session(self.kdapp.clock())
            self._next()
            return
        if self.question is None and self.phase != "done":
            self._next()
            return
        self._show()

    def _next(self) -> None:
        assert self.queue is not None
        self.chosen, self.cursor, self.last_card = set(), None, None
        self.ticked = set()
        area = self.query_one("#open-answer", TextArea)
        area.text = ""
        if not self.queue:
            self.question, self.phase = None, "done"
            area.display = False
        else:
            self.question, self.phase = self.queue.pop(0), "answer"
            self.order = display_order(self.question, random.Random(self.shuffle_seed))
            area.display = self.question.type == "open"
            area.placeholder = self.t("your_answer")
        self.query_one("#review-body", VerticalScroll).scroll_home(animate=False)
        self._show()

    def asked(self) -> Question | None:
        return self.question

    def submit_choice(self) -> None:
        question = self.question
        assert question is not None and question.type != "open"
        correct = is_correct(question, self.chosen)
        self._grade(rating_for(correct), correct)

    def grade_revealed(self, rating: int) -> None:
        self._grade(rating, counts_as_right(rating))

    def _grade(self, rating: int, correct: bool) -> None:
        question = self.question
        assert question is not None and self.data is not None
        self.phase = "feedback"
        self.tally.answered += 1
        self.tally.right += correct
        covered = tuple(sorted(self.ticked)) if question.type == "open" else None
        if not self.preview:  # a preview from the browser leaves the schedule alone
            self.save_answer(question, rating, correct, covered)
        self._show()

    @work(thread=True, exclusive=True, group="answer", exit_on_error=False)
    def save_answer(
        self, question: Question, rating: int, correct: bool, covered: tuple[int, ...] | None
    ) -> None:
        """Store the answer and reschedule the card (SQLite, off the event loop)."""
        assert self.data is not None
        card = self.data.deck.answer(question, rating, correct, covered)
        self.app.call_from_thread(self._answer_saved, question, card)

    def _answer_saved(self, question: Question, card: Card) -> None:
        assert self.data is not None and self.queue is not None
        if question is self.question:
            self.last_card = card
        self.refresh_bindings()  # undo is possible now
        if self.data.deck.comes_back_in_session(card):
            self.tally.again_today.add(question.id)
            if not self.practice and question not in self.queue:
                self.queue.append(question)
        self.kdapp.changed()

    # ------------------------------------------------------------------ actions

    def action_enter(self) -> None:
        question = self.question
        if self.phase == "done":
            self.action_back()
        elif question is None:
            return
        elif self.phase == "feedback":
            self._next()
        else:
            self.enter_on_question(question)

    def action_undo(self) -> None:
        """Take back the latest answer (also one from earlier in the session): its review is
        removed, the card's schedule restored, and the question asked again."""
        if self.data is None or not self.data.deck.can_undo():
            self.notify(self.t("nothing_to_undo"), timeout=3)
            return
        self.undo_answer()

    @work(thread=True, group="undo", exit_on_error=False)
    def undo_answer(self) -> None:
        assert self.data is not None
        undone = self.data.deck.undo()
        if undone is not None:
            self.app.call_from_thread(self._undone, *undone)

    def _undone(self, question: Question, review: Review) -> None:
        assert self.queue is not None
        self.tally.answered = max(0, self.tally.answered - 1)
        self.tally.right = max(0, self.tally.right - review.correct)
        if question in self.queue:  # it had come back for another try in this session
            self.queue.remove(question)
        if self.question is not None and self.phase == "answer" and self.question is not question:
            self.queue.insert(0, self.question)
        self.queue.insert(0, question)
        self._next()
        self.notify(self.t("undone"), timeout=3)
        self.kdapp.changed()

    def action_back(self) -> None:
        """Escape in the answer box leaves the box, not the session."""
        if isinstance(self.focused, TextArea):
            self.set_focus(None)
        else:
            super().action_back()

    def action_practise_exercise(self) -> None:
        question = self.question
        if question is None or question.related_exercise is None or self.phase == "answer":
            return
        from kdquiz.tui.screens.exercises import ExercisesScreen

        self.app.push_screen(ExercisesScreen(initial=question.related_exercise))

    def on_text_area_changed(self) -> None:
        pass  # the typed answer is only for the learner's own comparison

    # ------------------------------------------------------------------ rendering

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that do something now (the Footer follows)."""
        question = self.question
        if action == "enter":
            return True  # when revealed, it accepts the suggested grade (shown above the footer)
        if action == "undo":
            return self.data is not None and self.data.deck.can_undo()
        if action == "wait":
            return self.phase == "done" and bool(self._upcoming())
        if action in ("reveal", "focus_answer"):
            return question is not None and question.type == "open" and self.phase == "answer"
        if action == "practise_exercise":
            return (
                question is not None
                and bool(question.related_exercise)
                and self.phase in ("feedback", "revealed")
            )
        return True

    def _show(self) -> None:
        self.refresh_bindings()
        # Once answered, the keyboard scrolls the explanation (↑/↓, page keys); while answering,
        # ↑/↓ move between the options.
        body = self.query_one("#review-body", VerticalScroll)
        if self.phase in ("feedback", "revealed"):
            body.focus()
        elif self.focused is body:
            self.set_focus(None)
        self.query_one("#review-status", Static).update(self._status_line())
        prompt = self.query_one("#prompt", Static)
        choices = self.query_one("#choices", Static)
        feedback = self.query_one("#feedback", Static)
        question = self.question
        self.query_one("#review-actions", Static).update(self._actions(question))
        if self.phase == "done" or question is None:
            prompt.update(self._summary())
            choices.update("")
            feedback.update("")
            return
        lang = self.lang
        prompt.update(Markdown(question.prompt.get(lang)))
        choices.update(self._choices(question))
        choices.display = bool(question.choices)
        feedback.update(self._feedback(question))

    def _status_line(self) -> Text:
        mode = self.t(
            "preview_mode" if self.preview else "practice_mode" if self.practice else "review_mode"
        )
        line = Text.assemble((f" {mode} ", "reverse"), " ")
        if self.question is not None and self.phase != "done":
            question = self.question
            stars = "★" * question.difficulty + "☆" * (3 - question.difficulty)
            if self.data is not None:  # what is left, as Anki counts it (the current one too)
                left = [*([question] if self.phase == "answer" else []), *(self.queue or [])]
                new, learning, review = self.data.deck.counts(left)
                line.append(f"{new}", "bold blue")
                line.append(f" {self.t('count_new')} · ")
                line.append(f"{learning}", "bold red")
                line.append(f" {self.t('count_learning')} · ")
                line.append(f"{review}", "bold green")
                line.append(f" {self.t('count_due')}  ·  ")
            line.append(topic_name(question.topic, self.lang), "bold")
            line.append(f"  ·  {stars}  ·  {self.t('type_' + question.type)}")
            status = self.data.deck.status(question.id) if self.data else "new"
            line.append(f"  ·  {self.t(status)}", "dim")
        return line

    def _choices(self, question: Question) -> RenderableType:
        answered = self.phase != "answer"
        cursor = None if answered else self.cursor
        return choices_grid(question, self.order, self.chosen, cursor, self.lang, answered)

    def _feedback(self, question: Question) -> RenderableType:
        if self.phase == "answer":
            return ""
        typed = self.typed().strip()
        return feedback_view(question, self.lang, typed, self.ticked, self.phase == "revealed")

    def _actions(self, question: Question | None) -> RenderableType:
        """The bar above the footer: what to press now, always in view however long the text."""
        if question is None or self.phase == "done":
            return Text(self.t("back_home"), "bold")
        if self.phase == "answer":
            key = {"choice": "choice_help", "multi": "multi_help"}.get(question.type, "open_help")
            return Text(self.t(key, n=len(question.choices)), "bold")
        if self.phase == "revealed":
            total = len(question.key_points)
            suggested = suggested_grade(len(self.ticked), total)
            return Group(
                Text(
                    self.t(
                        "tick_key_points",
                        keys=f"{TICK_KEYS[0]}–{TICK_KEYS[total - 1]}",
                        covered=len(self.ticked),
                        total=total,
                        grade=self.t(f"rating_{suggested}"),
                    ),
                    "bold",
                ),
                Text(self._grade_preview(question), "dim"),
            )
        line = Text()
        if question.type != "open":
            line.append_text(verdict(question, self.order, self.chosen, self.lang))
            line.append("   ")
        if self.preview:
            line.append(f"{self.t('preview_not_recorded')}   ", "dim")
        elif self.last_card is not None:
            when = describe_due(self.last_card.due, self.kdapp.clock(), self.lang)
            line.append(f"{self.t('next_review')}{colon(self.lang)}{when}   ", "dim")
        line.append(self.t("press_next"), "bold")
        return line

    def _grade_preview(self, question: Question) -> str:
        """When each grade would bring the question back, as FSRS would schedule it."""
        assert self.data is not None
        deck, now = self.data.deck, self.kdapp.clock()
        card = deck.cards.get(question.id) or Card(card_id=0)
        previews = []
        for rating in RATINGS:
            name = self.t(f"rating_{rating}")
            scheduled, _ = deck.scheduler.review_card(card, Rating(rating), review_datetime=now)
            previews.append(f"{rating} {name}: {describe_due(scheduled.due, now, self.lang)}")
        return "   ".join(previews)

    def _upcoming(self) -> str:
        """'in 4 min' when a card comes back later today (a session can wait for it), else ''."""
        if self.data is None or self.practice:
            return ""
        now = self.kdapp.clock()
        upcoming = self.data.deck.next_due_today(now)
        return describe_due(upcoming, now, self.lang) if upcoming is not None else ""

    def _summary(self) -> RenderableType:
        tally = self.tally
        upcoming = self._upcoming()
        if upcoming:
            wait = Text(self.t("next_card_in", when=upcoming), "bold")
        if tally.answered == 0 and not self.practice:
            if upcoming:
                return Group(Text(self.t("nothing_due_now")), wait)
            return Text(self.t("nothing_due") + "\n\n" + self.t("back_home"))
        share = f" ({tally.right / tally.answered:.0%})" if tally.answered else ""
        c = colon(self.lang)
        lines = [
            Text(self.t("session_done"), "bold"),
            Text(f"{self.t('answered')}{c}{tally.answered}  ·  {self.t('right')}{c}{tally.right}"
                 f"{share}"),
        ]  # fmt: skip
        if tally.again_today:
            lines.append(Text(f"{self.t('comes_back')}{colon(self.lang)}{len(tally.again_today)}"))
        lines.append(Text(""))
        lines.append(wait if upcoming else Text(self.t("back_home"), "dim"))
        return Group(*lines)

    def action_wait(self) -> None:
        """At the end of a session, wait for the next card due today, then go on."""
        if self.phase != "done" or self.data is None:
            return
        upcoming = self.data.deck.next_due_today(self.kdapp.clock())
        if upcoming is None:
            return
        if self._waiting is None:
            self._waiting = self.set_interval(1.0, self._resume_if_due)
        self.notify(self.t("waiting", when=self._upcoming()), timeout=5)

    def _resume_if_due(self) -> None:
        """Once the waited-for card is due, go on with a session of whatever is due now."""
        assert self.data is not None
        queue = self.data.deck.session(self.kdapp.clock())
        if self.phase != "done" or queue:
            if self._waiting is not None:
                self._waiting.stop()
                self._waiting = None
        if self.phase == "done" and queue:
            self.queue = queue
            self._next()
