"""Spaced repetition: the daily queue, FSRS grading, statuses, and the statistics on top."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from kdquiz.bank import builtin_bank_dir, load_banks
from kdquiz.catalog import exercise_ids
from kdquiz.progress import ProgressStore
from kdquiz.review import Deck, describe_due, is_correct
from kdquiz.stats import reviews_per_day, streak, topic_stats

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def utc_days(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local days are UTC days, so the day boundaries below are deterministic."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_deck(clock: Clock) -> Deck:
    bank, problems = load_banks([builtin_bank_dir()], set(exercise_ids()))
    assert not problems
    return Deck(bank, ProgressStore.default(), clock=clock)


def test_a_fresh_deck_offers_the_daily_limit_of_new_questions_interleaved_by_topic(
    clock: Clock,
) -> None:
    deck = make_deck(clock)
    session = deck.session()
    assert len(session) == deck.new_per_day == 10
    assert deck.due() == []
    first_topics = [q.topic for q in session[:3]]
    assert len(set(first_topics)) == 3, "new questions should rotate through topics"
    assert all(deck.status(q.id) == "new" for q in session)


def test_answers_are_stored_and_survive_a_restart(clock: Clock) -> None:
    deck = make_deck(clock)
    question = deck.session()[0]
    card = deck.answer(question, rating=1, correct=False)
    assert card.due - clock() <= timedelta(minutes=10), "Again must bring it back within minutes"
    assert deck.comes_back_in_session(card)
    reloaded = make_deck(clock)
    assert reloaded.cards[question.id].due == card.due
    assert [(r.question, r.rating, r.correct) for r in reloaded.reviews] == [
        (question.id, 1, False)
    ]


def test_new_questions_answered_today_count_against_the_daily_limit(clock: Clock) -> None:
    deck = make_deck(clock)
    for question in deck.new()[:4]:
        deck.answer(question, rating=3, correct=True)
    assert deck.new_left_today() == 6
    assert len(make_deck(clock).new()) == 6
    clock.advance(days=1)
    assert make_deck(clock).new_left_today() == 10


def test_new_per_day_is_a_remembered_setting(clock: Clock) -> None:
    deck = make_deck(clock)
    deck.set_new_per_day(3)
    assert len(make_deck(clock).session()) == 3


def test_good_answers_space_reviews_out_and_reach_mastered(clock: Clock) -> None:
    deck = make_deck(clock)
    question = deck.new()[0]
    intervals = []
    for _ in range(8):
        card = deck.answer(question, rating=3, correct=True)
        intervals.append(card.due - clock())
        clock.now = card.due
        assert deck.status(question.id) == "due"
    assert intervals == sorted(intervals), "each good review should wait longer than the last"
    clock.advance(seconds=-1)
    assert deck.status(question.id) == "mastered"


def test_due_cards_come_first_most_overdue_first(clock: Clock) -> None:
    deck = make_deck(clock)
    first, second = deck.new()[:2]
    deck.answer(first, rating=3, correct=True)
    clock.advance(minutes=1)
    deck.answer(second, rating=1, correct=False)
    clock.advance(days=3)
    session = deck.session()
    # `second` (Again: back after 1 min) fell due before `first` (Good: back after 10 min).
    assert deck.cards[second.id].due < deck.cards[first.id].due
    assert session[:2] == [second, first]
    assert deck.status(first.id) == "due"


def test_choice_answers_must_match_exactly() -> None:
    deck_bank, _ = load_banks([builtin_bank_dir()], set(exercise_ids()))
    multi = next(q for q in deck_bank.questions if q.type == "multi")
    assert is_correct(multi, multi.answer)
    assert not is_correct(multi, multi.answer[:1])
    assert not is_correct(multi, {*multi.answer, *range(len(multi.choices))})


def test_describe_due() -> None:
    now = START
    assert describe_due(now, now) == "now"
    assert describe_due(now + timedelta(minutes=10), now) == "in 10 min"
    assert describe_due(now + timedelta(hours=5), now) == "in 5 h"
    assert describe_due(now + timedelta(days=1), now) == "in 1 day"
    assert describe_due(now + timedelta(days=12), now) == "in 12 days"
    assert describe_due(now + timedelta(days=12), now, "zh") == "12 天后"


def test_topic_stats_rank_the_weakest_topic_first(clock: Clock) -> None:
    deck = make_deck(clock)
    by_topic = deck.bank.by_topic()
    weak, strong = sorted(by_topic)[:2]
    for question in by_topic[weak][:2]:
        deck.answer(question, rating=1, correct=False)
    for question in by_topic[strong][:2]:
        deck.answer(question, rating=4, correct=True)
    clock.advance(days=2)
    stats = topic_stats(deck)
    assert [s.topic for s in stats[:2]] == [weak, strong]
    assert stats[0].accuracy == 0.0 and stats[1].accuracy == 1.0
    assert stats[0].retention is not None and stats[1].retention is not None
    assert stats[0].retention < stats[1].retention
    assert all(s.retention is None for s in stats[2:]), "unanswered topics come last"


def test_reviews_per_day_and_streak(clock: Clock) -> None:
    deck = make_deck(clock)
    questions = deck.bank.questions
    for day, count in [(0, 2), (1, 0), (2, 3), (3, 1)]:
        clock.now = START + timedelta(days=day)
        for question in questions[:count]:
            deck.answer(question, rating=3, correct=True)
    days = reviews_per_day(deck.reviews, clock(), days=5)
    assert [d.reviews for d in days] == [0, 2, 0, 3, 1]
    assert days[-1].day.isoformat() == "2026-03-05"
    moments = [r.at for r in deck.reviews]
    assert streak(moments, clock()) == 2
    assert streak(moments, clock() + timedelta(days=1)) == 2, "today is not over yet"
    assert streak(moments, clock() + timedelta(days=2)) == 0


def test_options_are_shuffled_every_time_and_pinned_ones_stay() -> None:
    from dataclasses import replace
    from random import Random

    from kdquiz.review import display_order

    question = next(q for q in load_banks([builtin_bank_dir()])[0].questions if q.type == "choice")
    question = replace(question, choices=question.choices[:4], pinned=(3,))
    orders = [display_order(question, Random(seed)) for seed in range(200)]
    assert all(sorted(order) == [0, 1, 2, 3] and order[3] == 3 for order in orders)
    # Every unpinned option shows up in every unpinned position.
    assert {order[p] for order in orders for p in range(3)} == {0, 1, 2}
    assert all(len({order[p] for order in orders}) == 3 for p in range(3))


def test_undo_restores_the_schedule_and_removes_the_review_in_order(clock: Clock) -> None:
    deck = make_deck(clock)
    first, second = deck.session()[:2]
    deck.answer(first, 3, True)
    clock.advance(minutes=5)
    before = deck.cards[first.id]
    deck.answer(first, 1, False)
    deck.answer(second, 3, True)
    undone = deck.undo()
    assert undone is not None and undone[0] is second and undone[1].correct
    assert second.id not in deck.cards and deck.status(second.id) == "new"
    undone = deck.undo()
    assert undone is not None and undone[0] is first and undone[1].rating == 1
    assert deck.cards[first.id].to_json() == before.to_json()
    # The store agrees, so a restart sees the same thing.
    again = make_deck(clock)
    assert [r.question for r in again.reviews] == [first.id]
    assert again.cards[first.id].to_json() == before.to_json()
    assert second.id not in again.cards
    assert deck.undo() is not None and deck.undo() is None and not deck.can_undo()
    assert ProgressStore.default().reviews() == [] and ProgressStore.default().cards() == {}


def test_desired_retention_is_kept_in_range_and_shortens_intervals(clock: Clock) -> None:
    deck = make_deck(clock)
    question = deck.session()[0]
    deck.set_desired_retention(0.5)
    assert deck.desired_retention == 0.70
    deck.set_desired_retention(0.97)
    assert make_deck(clock).desired_retention == 0.97  # stored
    strict = deck.answer(question, 4, True)  # Easy: straight to a review interval
    deck.undo()
    deck.set_desired_retention(0.70)
    relaxed = deck.answer(question, 4, True)
    assert strict.due < relaxed.due, "a higher retention brings a card back sooner"
    assert deck.expected_daily_reviews(0.97) > deck.expected_daily_reviews(0.70) > 0


def test_key_point_coverage_over_every_ticked_answer() -> None:
    from kdquiz.stats import key_point_coverage

    assert key_point_coverage([]) is None
    assert key_point_coverage([("a", [0, 2], 3), ("b", [], 2), ("a", [0, 1, 2], 3)]) == 5 / 8
