"""Spaced repetition of questions with FSRS: who is due, what is new today, and grading answers.

A question becomes a card the first time it is answered. Choice questions are graded from the
answer (right -> Good, wrong -> Again); open questions are graded by the learner. Every answer,
in a review session or practised from the browser, goes through `Deck.answer`, which stores it
and the card's new schedule together.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Literal

from fsrs import Card, Rating, Scheduler, State

from kdquiz.bank import Question, QuestionBank
from kdquiz.fsrs_fit import (
    StoredFit,
    card_id,
    default_parameters,
    histories,
    load_fit,
    save_parameters,
)
from kdquiz.i18n import t
from kdquiz.progress import ProgressStore, Review

QuestionStatus = Literal["new", "learning", "due", "mastered"]
STATUSES: tuple[QuestionStatus, ...] = ("new", "learning", "due", "mastered")
RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}

DEFAULT_NEW_PER_DAY = 10
DEFAULT_RETENTION = 0.9
RETENTION_RANGE = (0.70, 0.97)
"""Desired retention the learner may choose (FSRS's default is 0.9; Anki allows about this)."""
WORKLOAD_DAYS = 30
"""New questions introduced per day unless the learner changes it (setting `new_per_day`)."""
MASTERED_DAYS = 21.0
"""A card whose memory stability reaches three weeks counts as mastered (Anki's 'mature')."""
SESSION_REQUEUE = timedelta(minutes=20)
"""A card due again within this time (an FSRS learning step) comes back in the same session."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_day(moment: datetime) -> str:
    """The learner's calendar day of a moment, as YYYY-MM-DD (days follow the local clock)."""
    return moment.astimezone().date().isoformat()


def is_correct(question: Question, chosen: Iterable[int]) -> bool:
    """A choice question is right when exactly the correct options are chosen."""
    return set(chosen) == set(question.answer)


def display_order(question: Question, rng: random.Random) -> list[int]:
    """The order to show a choice question's options in: display position -> index in the
    file. Shuffled every time the question is shown, so that an answer's position gives
    nothing away; pinned options (e.g. "none of the above") keep their own positions."""
    order = list(range(len(question.choices)))
    free = [i for i in order if i not in question.pinned]
    shuffled = free[:]
    rng.shuffle(shuffled)
    for position, index in zip(free, shuffled, strict=True):
        order[position] = index
    return order


def suggested_grade(covered: int, total: int) -> int:
    """The grade an open answer's ticked key points suggest: all of them Good, at least half
    Hard, fewer Again (the learner confirms or changes it)."""
    if total and covered >= total:
        return int(Rating.Good)
    if total and covered * 2 >= total:
        return int(Rating.Hard)
    return int(Rating.Again)


def rating_for(correct: bool) -> int:
    return int(Rating.Good) if correct else int(Rating.Again)


class Deck:
    """The schedule of every question in a bank, backed by the progress store.

    Thread-safe enough for the TUI: reads and writes go through the store's short connections;
    the in-memory cards are replaced whole on each answer.
    """

    def __init__(
        self,
        bank: QuestionBank,
        store: ProgressStore,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.desired_retention = self._read_retention()
        """The chance of recalling a card when it comes due that the schedule aims at."""
        self.fit = load_fit(store)
        """FSRS parameters fitted to this learner's history, or None for fsrs's defaults."""
        self.scheduler = self._scheduler(self.desired_retention)
        self.cards: dict[str, Card] = {}
        for question_id, text in store.cards().items():
            try:
                self.cards[question_id] = Card.from_json(text)
            except (ValueError, KeyError, TypeError):
                continue  # a damaged card starts over as new rather than breaking the deck
        self.reviews: list[Review] = store.reviews()
        self._undoable: list[tuple[Question, Card | None, int, Review]] = []
        """(question, its card before, review row id, review) of this run's answers."""
        self._lock = threading.Lock()
        self.new_per_day = self._read_new_per_day()
        """New questions introduced per day (setting `new_per_day`)."""

    # ------------------------------------------------------------------ settings

    def _read_new_per_day(self) -> int:
        value = self.store.get_setting("new_per_day")
        try:
            return max(0, int(value)) if value is not None else DEFAULT_NEW_PER_DAY
        except ValueError:
            return DEFAULT_NEW_PER_DAY

    def _read_retention(self) -> float:
        try:
            value = float(self.store.get_setting("desired_retention") or DEFAULT_RETENTION)
        except ValueError:
            return DEFAULT_RETENTION
        low, high = RETENTION_RANGE
        return min(high, max(low, value))

    def set_desired_retention(self, value: float) -> None:
        low, high = RETENTION_RANGE
        self.desired_retention = round(min(high, max(low, value)), 2)
        self.scheduler = self._scheduler(self.desired_retention)
        self.store.set_setting("desired_retention", str(self.desired_retention))

    def _scheduler(self, retention: float) -> Scheduler:
        if self.fit is None:
            return Scheduler(desired_retention=retention, enable_fuzzing=False)
        return Scheduler(
            parameters=self.fit.parameters, desired_retention=retention, enable_fuzzing=False
        )

    @property
    def parameters(self) -> tuple[float, ...]:
        """The FSRS parameters in use."""
        return self.fit.parameters if self.fit else default_parameters()

    def use_fit(self, fit: StoredFit | None, reschedule: bool) -> int:
        """Schedule with `fit`'s parameters from now on (None: fsrs's defaults). With `reschedule`,
        every card's schedule is recomputed from its reviews as if these parameters had always
        been used; returns the number of cards rescheduled. Answers given so far can no longer
        be undone (their earlier schedules came from the old parameters)."""
        with self._lock:
            save_parameters(self.store, fit)
            self.fit = fit
            self.scheduler = self._scheduler(self.desired_retention)
            self._undoable.clear()
            if not reschedule:
                return 0
            cards: dict[str, Card] = {}
            for question, history in histories(self.reviews).items():
                card = Card(card_id=card_id(question), due=history[0].at)
                for review in history:
                    card, _ = self.scheduler.review_card(
                        card, Rating(review.rating), review_datetime=review.at
                    )
                cards[question] = card
            self.store.replace_cards({q: (c.to_json(), c.due) for q, c in cards.items()})
            self.cards.update(cards)
            return len(cards)

    def expected_daily_reviews(self, retention: float, days: int = WORKLOAD_DAYS) -> float:
        """Reviews a day over the next `days` days at `retention`, if every answer were Good:
        the cards you have, plus today's limit of new ones each day. An estimate to compare
        settings by (a higher retention brings cards back sooner), not a forecast."""
        scheduler = self._scheduler(retention)
        now = self.clock()
        end = now + timedelta(days=days)
        starts = [(card, card.due) for card in self.cards.values()]
        unseen = sum(q.id not in self.cards for q in self.bank.questions)
        for day in range(days):
            for n in range(min(self.new_per_day, max(0, unseen - day * self.new_per_day))):
                starts.append((Card(card_id=n), now + timedelta(days=day)))
        reviews = 0
        for card, due in starts:
            while due < end:
                reviews += 1
                card, _ = scheduler.review_card(card, Rating.Good, review_datetime=due)
                due = max(card.due, due + timedelta(minutes=1))
        return reviews / days

    def set_new_per_day(self, value: int) -> None:
        self.new_per_day = max(0, value)
        self.store.set_setting("new_per_day", str(self.new_per_day))

    # ------------------------------------------------------------------ status and queue

    def status(self, question_id: str, now: datetime | None = None) -> QuestionStatus:
        card = self.cards.get(question_id)
        if card is None:
            return "new"
        now = now or self.clock()
        if card.due <= now:
            return "due"
        if card.state == State.Review and (card.stability or 0.0) >= MASTERED_DAYS:
            return "mastered"
        return "learning"

    def due(self, now: datetime | None = None) -> list[Question]:
        """Questions whose review is due, most overdue first."""
        now = now or self.clock()
        due = [q for q in self.bank.questions if q.id in self.cards and self.cards[q.id].due <= now]
        return sorted(due, key=lambda q: self.cards[q.id].due)

    def new_introduced_today(self, now: datetime | None = None) -> int:
        """Questions answered for the first time today."""
        today = local_day(now or self.clock())
        first_seen: dict[str, datetime] = {}
        for review in self.reviews:
            first_seen.setdefault(review.question, review.at)
        return sum(local_day(at) == today for at in first_seen.values())

    def new_left_today(self, now: datetime | None = None) -> int:
        unseen = sum(q.id not in self.cards for q in self.bank.questions)
        return min(unseen, max(0, self.new_per_day - self.new_introduced_today(now)))

    def new(self, now: datetime | None = None) -> list[Question]:
        """Today's new questions: unseen ones in bank order (topics interleaved), up to the
        daily limit."""
        unseen = [q for q in self.bank.questions if q.id not in self.cards]
        by_topic: dict[str, list[Question]] = {}
        for question in unseen:
            by_topic.setdefault(question.topic, []).append(question)
        interleaved: list[Question] = []
        while any(by_topic.values()):
            for questions in by_topic.values():
                if questions:
                    interleaved.append(questions.pop(0))
        return interleaved[: self.new_left_today(now)]

    def next_due_today(self, now: datetime | None = None) -> datetime | None:
        """When the next card that is not due yet comes due, if that is still today (cards in
        their learning steps, minutes away); None when nothing else comes back today."""
        now = now or self.clock()
        today = local_day(now)
        later = [c.due for c in self.cards.values() if c.due > now and local_day(c.due) == today]
        return min(later, default=None)

    def session(self, now: datetime | None = None) -> list[Question]:
        """A review session: due cards first, then today's new ones."""
        return self.due(now) + self.new(now)

    # ------------------------------------------------------------------ answering

    def answer(
        self, question: Question, rating: int, correct: bool, covered: tuple[int, ...] | None = None
    ) -> Card:
        """Grade one answer: reschedule the card with FSRS and store both (with the key points
        the learner ticked, for an open question)."""
        with self._lock:  # answers and undos, from worker threads, one at a time and in order
            return self._answer(question, rating, correct, covered)

    def _answer(
        self, question: Question, rating: int, correct: bool, covered: tuple[int, ...] | None
    ) -> Card:
        now = self.clock()
        previous = self.cards.get(question.id)
        card = previous or Card(card_id=card_id(question.id))
        card, _ = self.scheduler.review_card(card, Rating(rating), review_datetime=now)
        review = Review(question.id, question.topic, now, rating, correct)
        ticks = (covered, len(question.key_points)) if covered is not None else None
        review_id = self.store.record_review(review, card.to_json(), card.due, ticks)
        self.cards[question.id] = card
        self.reviews.append(review)
        self._undoable.append((question, previous, review_id, review))
        return card

    def can_undo(self) -> bool:
        return bool(self._undoable)

    def undo(self) -> tuple[Question, Review] | None:
        """Take back the latest answer not yet taken back: its review is removed and the card's
        schedule is as before it. Returns the question and the review undone, or None."""
        with self._lock:
            if not self._undoable:
                return None
            return self._undo()

    def _undo(self) -> tuple[Question, Review]:
        question, previous, review_id, review = self._undoable.pop()
        self.store.undo_review(
            review_id, question.id, (previous.to_json(), previous.due) if previous else None
        )
        if previous is None:
            self.cards.pop(question.id, None)
        else:
            self.cards[question.id] = previous
        for index in range(len(self.reviews) - 1, -1, -1):
            if self.reviews[index] is review:
                del self.reviews[index]
                break
        return question, review

    def counts(self, questions: Iterable[Question]) -> tuple[int, int, int]:
        """(new, learning, review) among `questions`, as Anki counts what is left: never
        answered; in (re)learning steps; graduated cards due again."""
        new = learning = review = 0
        for question in questions:
            card = self.cards.get(question.id)
            if card is None:
                new += 1
            elif card.state in (State.Learning, State.Relearning):
                learning += 1
            else:
                review += 1
        return new, learning, review

    def comes_back_in_session(self, card: Card) -> bool:
        return card.due - self.clock() <= SESSION_REQUEUE

    def retrievability(self, question_id: str, now: datetime | None = None) -> float | None:
        """The estimated chance of recalling the answer now (None for a new question)."""
        card = self.cards.get(question_id)
        if card is None:
            return None
        return float(self.scheduler.get_card_retrievability(card, now or self.clock()))


def describe_due(due: datetime, now: datetime, lang: str = "en") -> str:
    """'now', 'in 10 min', 'in 3 h', 'in 4 days' (or in Chinese) — when a card comes back."""
    seconds = (due - now).total_seconds()
    if seconds <= 30:
        return t("due_now", lang)
    if seconds < 3600:
        return t("due_in_min", lang, n=round(seconds / 60))
    if seconds < 86400:
        return t("due_in_h", lang, n=round(seconds / 3600))
    days = round(seconds / 86400)
    return t("due_in_day" if days == 1 else "due_in_days", lang, n=days)
