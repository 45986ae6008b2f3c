"""The plan of a mock interview: which questions, in what order, with what time each, and which
coding exercise ends it.

An interviewer opens with easier questions and probes the learner's weak spots: opening
questions come from the weakest topics first (lowest recall, then lowest accuracy; topics never
practised count as weak), one or two per topic, at difficulties that rise and fall like a real
interview's, preferring questions that lead to follow-ups, are due or were never seen. Each
opening question carries its follow-up chain from the bank, asked only once it is answered. The
coding exercise is the one the planned questions point to most, unsolved ones first.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import dataclass

from kdquiz.bank import Question, QuestionBank
from kdquiz.catalog import Exercise
from kdquiz.i18n import Message

MINUTES_RANGE = (5, 180)
"""How long an interview may be planned for (`--minutes`)."""
DEFAULT_MINUTES = 45
SECONDS_PER_TYPE = {"choice": 60, "multi": 90, "open": 150}
"""The time an interviewer gives a question of each type (a spoken open answer takes longest)."""
FOLLOW_UP_SHARE = 2 / 3
"""A follow-up gets this share of its type's time: it builds on the answer just given."""
CODING_SHARE = 0.35
"""At most this share of the interview goes to the coding exercise..."""
CODING_MIN_SECONDS = 90
"""... and at least this much (a very short interview still ends with code)."""
DIFFICULTY_CURVE = (1, 2, 3, 2, 3, 2, 3, 1, 2, 3)
"""The difficulty wanted for each opening question in turn: warm up, then probe."""
MINUTES_PER_OPENER = 6
"""One opening question per this many minutes at most: 45 minutes ask 8, with follow-ups."""
MAX_PER_TOPIC = 2
"""Opening questions taken from any one topic (unless the interview has a focus)."""


class PlanError(Message):
    """The interview cannot be planned as asked (an unknown topic, a bad length)."""


@dataclass(frozen=True)
class Step:
    """One planned question: an opening question, or a follow-up of `parent`."""

    question: Question
    seconds: int
    parent: str | None = None
    """The id of the question this follows up (asked only once that one is answered); None
    for an opening question."""

    @property
    def is_follow_up(self) -> bool:
        return self.parent is not None


@dataclass(frozen=True)
class CodingStep:
    exercise: Exercise
    seconds: int
    already_passed: bool = False
    """The learner's file passes it already (every exercise is passed): the report says so."""


@dataclass(frozen=True)
class Plan:
    minutes: int
    focus: str | None
    steps: tuple[Step, ...]
    """Opening questions, each followed by its follow-ups, in the order they are asked."""
    coding: CodingStep | None
    """None when there is no workspace to code in."""

    @property
    def openers(self) -> list[Step]:
        return [s for s in self.steps if not s.is_follow_up]

    @property
    def follow_ups(self) -> list[Step]:
        return [s for s in self.steps if s.is_follow_up]

    @property
    def question_seconds(self) -> int:
        """The time the questions have: the whole interview but the coding exercise's share."""
        return self.minutes * 60 - (self.coding.seconds if self.coding else 0)


def check_minutes(minutes: int) -> None:
    low, high = MINUTES_RANGE
    if not low <= minutes <= high:
        raise PlanError("iv_bad_minutes", low=low, high=high, got=minutes)


def check_focus(bank: QuestionBank, focus: str | None) -> None:
    if focus is not None and focus not in bank.by_topic():
        raise PlanError("iv_bad_focus", got=focus, topics=", ".join(sorted(bank.by_topic())))


def topic_weakness(bank: QuestionBank, recall: dict[str, float | None]) -> dict[str, float]:
    """How weak the learner is in each topic, 0 (strong) to 1: one minus the mean recall of
    its seen questions, with every unseen question counted as 0.5 (unknown material)."""
    weakness = {}
    for topic, questions in bank.by_topic().items():
        values = [recall.get(q.id) for q in questions]
        known = [1.0 - v if v is not None else 0.5 for v in values]
        weakness[topic] = sum(known) / len(known)
    return weakness


def question_priority(question: Question, recall: float | None, due: bool) -> float:
    """How much an interviewer wants to ask this question now: never seen, due or forgotten
    beats well remembered, and a question that leads to follow-ups beats one that does not."""
    memory = 0.6 if recall is None else 1.0 - recall
    return memory + (0.3 if due else 0.0) + (0.4 if question.follow_ups else 0.0)


def make_plan(
    bank: QuestionBank,
    catalog: Sequence[Exercise],
    recall: dict[str, float | None],
    due: Set[str],
    passed: Set[str] | None,
    minutes: int = DEFAULT_MINUTES,
    focus: str | None = None,
    seed: int | None = None,
) -> Plan:
    """Plan an interview of `minutes`. `recall` maps question ids to their FSRS recall now
    (None or absent: never answered), `due` holds the ids due for review, `passed` the
    exercises the learner's files pass (None: no workspace, so no coding step)."""
    check_minutes(minutes)
    check_focus(bank, focus)
    rng = random.Random(seed)
    coding = _coding_seconds(minutes) if passed is not None else 0
    budget = minutes * 60 - coding
    follow_up_ids = {f for q in bank.questions for f in q.follow_ups}

    weakness = topic_weakness(bank, recall)
    topics = sorted(bank.by_topic(), key=lambda t: (-weakness[t], rng.random()))
    if focus is not None:
        topics = [focus]
    pools: dict[str, list[Question]] = {}
    for topic in topics:
        # A question that is only ever a follow-up keeps its context by being asked as one.
        candidates = [q for q in bank.by_topic()[topic] if q.id not in follow_up_ids]
        candidates = candidates or bank.by_topic()[topic]
        pools[topic] = sorted(
            candidates,
            key=lambda q: -(question_priority(q, recall.get(q.id), q.id in due) + rng.random() / 4),
        )

    steps: list[Step] = []
    asked: set[str] = set()
    per_topic: Counter[str] = Counter()
    limit = len(bank.questions) if focus else MAX_PER_TOPIC
    used = 0
    most_openers = max(2, -(-minutes // MINUTES_PER_OPENER))
    while sum(not s.is_follow_up for s in steps) < most_openers:
        next_topic = _next_topic(topics, pools, per_topic, limit, asked)
        if next_topic is None:
            break
        topic = next_topic
        wanted = DIFFICULTY_CURVE[len([s for s in steps if not s.is_follow_up]) % 10]
        fresh = [q for q in pools[topic] if q.id not in asked]
        opener = min(fresh, key=lambda q: (abs(q.difficulty - wanted), fresh.index(q)))
        chain = [(f, p) for f, p in bank.follow_up_chain(opener) if f.id not in asked]
        block = [Step(opener, SECONDS_PER_TYPE[opener.type])]
        block += [Step(f, follow_up_seconds(f), parent=p.id) for f, p in chain]
        while len(block) > 1 and used + sum(s.seconds for s in block) > budget:
            block.pop()  # fewer follow-ups rather than a plan longer than the interview
        cost = sum(s.seconds for s in block)
        if used + cost > budget and steps:  # the first question is asked however short it is
            per_topic[topic] = limit  # try a cheaper question from another topic
            if used + SECONDS_PER_TYPE["choice"] > budget:
                break
            continue
        steps += block
        used += cost
        per_topic[topic] += 1
        asked.update(s.question.id for s in block)

    coding_step = None
    if passed is not None:
        exercise = _coding_exercise(steps, catalog, passed, focus)
        if exercise is not None:
            coding_step = CodingStep(exercise, coding, already_passed=exercise.id in passed)
    return Plan(minutes, focus, tuple(steps), coding_step)


def follow_up_seconds(question: Question) -> int:
    return round(SECONDS_PER_TYPE[question.type] * FOLLOW_UP_SHARE)


def _coding_seconds(minutes: int) -> int:
    return max(CODING_MIN_SECONDS, int(minutes * 60 * CODING_SHARE) // 60 * 60)


def _next_topic(
    topics: list[str],
    pools: dict[str, list[Question]],
    per_topic: Counter[str],
    limit: int,
    asked: Set[str],
) -> str | None:
    """The next topic to open a question from: round after round over the topics, weakest
    first, skipping those used up."""
    open_topics = [
        t for t in topics if per_topic[t] < limit and any(q.id not in asked for q in pools[t])
    ]
    if not open_topics:
        return None
    fewest = min(per_topic[t] for t in open_topics)
    return next(t for t in open_topics if per_topic[t] == fewest)


def _coding_exercise(
    steps: Sequence[Step], catalog: Sequence[Exercise], passed: Set[str], focus: str | None
) -> Exercise | None:
    """The exercise the planned questions point to most (unsolved first); else one on a
    planned topic; else the first unsolved one; else the most related solved one."""
    if not catalog:
        return None
    by_id = {e.id: e for e in catalog}
    related = Counter(
        s.question.related_exercise for s in steps if s.question.related_exercise in by_id
    )
    ranked = [by_id[i] for i, _ in related.most_common() if i is not None]
    topics = {s.question.topic for s in steps} | ({focus} if focus else set())
    ranked += [e for e in catalog if e.topic in topics and e not in ranked]
    ranked += [e for e in catalog if e not in ranked]
    return next((e for e in ranked if e.id not in passed), ranked[0])
