"""Learning statistics computed from the progress store: per-topic accuracy and retention,
reviews per day, the streak and each exercise's history. Pure functions, easy to test."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kdquiz.catalog import Exercise
from kdquiz.progress import Attempt, Review
from kdquiz.review import Deck, local_day


@dataclass(frozen=True)
class TopicStats:
    topic: str
    questions: int
    seen: int
    mastered: int
    reviews: int
    accuracy: float | None
    """Share of answers that were right (None before the first answer)."""
    retention: float | None
    """Mean FSRS recall probability now over the topic's seen questions."""


def topic_stats(deck: Deck, now: datetime | None = None) -> list[TopicStats]:
    """Every topic, weakest first: lowest retention, then lowest accuracy; unseen topics last."""
    now = now or deck.clock()
    answers: dict[str, list[bool]] = {}
    for review in deck.reviews:
        answers.setdefault(review.topic, []).append(review.correct)
    rows = []
    for topic, questions in deck.bank.by_topic().items():
        recall = [r for q in questions if (r := deck.retrievability(q.id, now)) is not None]
        right = answers.get(topic, [])
        rows.append(
            TopicStats(
                topic=topic,
                questions=len(questions),
                seen=len(recall),
                mastered=sum(deck.status(q.id, now) == "mastered" for q in questions),
                reviews=len(right),
                accuracy=sum(right) / len(right) if right else None,
                retention=sum(recall) / len(recall) if recall else None,
            )
        )
    return sorted(
        rows,
        key=lambda s: (
            s.retention is None,
            s.retention if s.retention is not None else 0.0,
            s.accuracy if s.accuracy is not None else 0.0,
            s.topic,
        ),
    )


@dataclass(frozen=True)
class Day:
    day: date
    reviews: int
    correct: int


def reviews_per_day(reviews: Iterable[Review], now: datetime, days: int = 28) -> list[Day]:
    """Answers per local calendar day over the last `days` days, oldest first, today last."""
    today = date.fromisoformat(local_day(now))
    counts: dict[str, list[int]] = {}
    for review in reviews:
        tally = counts.setdefault(local_day(review.at), [0, 0])
        tally[0] += 1
        tally[1] += review.correct
    result = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        total, correct = counts.get(day.isoformat(), [0, 0])
        result.append(Day(day, total, correct))
    return result


def streak(moments: Iterable[datetime], now: datetime) -> int:
    """Consecutive days of practice (a review or a check) ending today, or yesterday when
    today has no practice yet: a streak is not broken before the day is over."""
    days = {local_day(m) for m in moments}
    day = date.fromisoformat(local_day(now))
    if day.isoformat() not in days:
        day -= timedelta(days=1)
    count = 0
    while day.isoformat() in days:
        count += 1
        day -= timedelta(days=1)
    return count


@dataclass(frozen=True)
class ExerciseHistory:
    exercise: Exercise
    attempts: tuple[Attempt, ...]
    hints: int
    reveals: int

    @property
    def first_pass(self) -> Attempt | None:
        return next((a for a in self.attempts if a.status == "pass"), None)

    @property
    def attempts_to_pass(self) -> int | None:
        first = self.first_pass
        return None if first is None else self.attempts.index(first) + 1


def exercise_histories(
    catalog: Sequence[Exercise],
    attempts: Iterable[Attempt],
    hints: dict[str, int],
    reveals: dict[str, int],
) -> list[ExerciseHistory]:
    by_exercise: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        by_exercise.setdefault(attempt.exercise, []).append(attempt)
    return [
        ExerciseHistory(
            e, tuple(by_exercise.get(e.id, ())), hints.get(e.id, 0), reveals.get(e.id, 0)
        )
        for e in catalog
    ]


def key_point_coverage(ticks: Iterable[tuple[str, list[int], int]]) -> float | None:
    """The share of key points the learner's open answers covered, over every open answer
    graded by ticking them (None before the first)."""
    covered = total = 0
    for _, points, count in ticks:
        covered += len(points)
        total += count
    return covered / total if total else None
