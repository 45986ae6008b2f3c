"""A mock interview as it runs: the clock, the question asked now, the answers given, the code.

The session follows its plan: opening questions in turn, each follow-up only once the question
it follows up was answered (a skipped question takes its follow-ups with it). The questions
stop when their share of the time is up (the question on screen may be finished); the coding
exercise then has what is left of the interview, and at least `CODING_GRACE` seconds. Times
come from one clock (tests pass a fixed one), so the session is a pure state machine the app
and its tests drive alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from kdquiz.bank import Question
from kdquiz.interview.plan import Plan, Step
from kdquiz.review import rating_for

Phase = Literal["questions", "coding", "done"]
CODING_GRACE = 60
"""Seconds the coding exercise has at least, even when the questions ran over."""
RECORD_VERSION = 1


@dataclass(frozen=True)
class Answer:
    """One question as it went: how it was answered, its score, and the time it took."""

    question: str
    topic: str
    parent: str | None
    outcome: Literal["right", "wrong", "skipped"]
    score: float
    """0 to 1: a choice question is right or wrong; an open one scores its key points."""
    rating: int
    """The FSRS rating the answer was reviewed with (1 Again .. 4 Easy)."""
    seconds: float
    budget: int
    covered: tuple[int, ...] | None = None
    """The key points of an open answer the learner ticked."""
    points: int = 0
    """How many key points the question has (open questions)."""
    typed: str = ""
    """What the learner wrote on the whiteboard (open questions)."""

    @property
    def correct(self) -> bool:
        return self.outcome == "right"


@dataclass(frozen=True)
class CodeOutcome:
    """How the coding exercise ended: the hidden suite's verdict, or skipped / not reached."""

    exercise: str
    status: str
    """pass, fail, error, timeout (the suite's status), or skipped, or not_reached."""
    passed: int
    total: int
    seconds: float
    budget: int

    @property
    def score(self) -> float:
        """The share of the hidden checks that passed (0 when the suite did not run)."""
        return self.passed / self.total if self.total else 0.0


@dataclass
class Session:
    plan: Plan
    clock: Callable[[], datetime]
    lang: str = "en"
    started: datetime = field(init=False)
    queue: list[Step] = field(init=False)
    """Steps not asked yet, in order."""
    current: Step | None = field(init=False, default=None)
    shown_at: datetime | None = field(init=False, default=None)
    answers: list[Answer] = field(init=False, default_factory=list)
    dropped: list[Step] = field(init=False, default_factory=list)
    """Follow-ups not asked because the question they follow up was skipped."""
    coding_started: datetime | None = field(init=False, default=None)
    code: CodeOutcome | None = field(init=False, default=None)
    ended: datetime | None = field(init=False, default=None)
    ended_early: bool = field(init=False, default=False)
    opener_number: int = field(init=False, default=0)
    """The number of the opening question on screen or last asked (1 for the first)."""

    def __post_init__(self) -> None:
        self.started = self.clock()
        self.queue = list(self.plan.steps)
        self.advance()

    # ------------------------------------------------------------------ time

    def elapsed(self, now: datetime | None = None) -> float:
        end = self.ended or now or self.clock()
        return (end - self.started).total_seconds()

    def left(self) -> float:
        """Seconds left in the interview (negative once over)."""
        return self.plan.minutes * 60 - self.elapsed()

    def question_elapsed(self) -> float:
        return (self.clock() - self.shown_at).total_seconds() if self.shown_at else 0.0

    def coding_budget(self) -> int:
        """The coding exercise's time: what the interview has left when it starts."""
        if self.plan.coding is None:
            return 0
        start = self.coding_started or self.clock()
        left = self.plan.minutes * 60 - (start - self.started).total_seconds()
        return max(CODING_GRACE, int(left))

    def coding_left(self) -> float:
        if self.coding_started is None:
            return float(self.coding_budget())
        return self.coding_budget() - (self.clock() - self.coding_started).total_seconds()

    @property
    def phase(self) -> Phase:
        if self.ended is not None:
            return "done"
        return "questions" if self.current is not None else "coding"

    # ------------------------------------------------------------------ flow

    def advance(self) -> None:
        """Ask the next question while the questions' time lasts; then the coding exercise,
        or the end when there is none."""
        self.current, self.shown_at = None, None
        if self.queue and self.elapsed() < self.plan.question_seconds:
            self.current, self.shown_at = self.queue.pop(0), self.clock()
            self.opener_number += not self.current.is_follow_up
            return
        if self.plan.coding is not None:
            self.coding_started = self.clock()
        else:
            self.finish()

    def time_up(self) -> bool:
        """The whole interview's time is over while a question is on screen: the question is
        left unanswered (not reached) and the coding exercise starts with its grace, or the
        interview ends. Returns whether that happened."""
        if self.current is None or self.left() > 0:
            return False
        self.queue.clear()  # the report shows what is left as not reached
        self.current, self.shown_at = None, None
        if self.plan.coding is not None:
            self.coding_started = self.clock()
        else:
            self.finish()
        return True

    def answer(
        self,
        correct: bool,
        rating: int | None = None,
        covered: tuple[int, ...] | None = None,
        typed: str = "",
    ) -> Answer:
        """Record the answer to the question on screen (a choice question: right or wrong; an
        open one: the learner's grade and the key points they ticked)."""
        step = self._current()
        question = step.question
        score = float(correct)
        if question.type == "open" and covered is not None and question.key_points:
            score = len(covered) / len(question.key_points)
        answer = Answer(
            question.id, question.topic, step.parent,
            "right" if correct else "wrong", score,
            rating if rating is not None else rating_for(correct),
            round(self.question_elapsed(), 1), step.seconds,
            covered, len(question.key_points), typed.strip(),
        )  # fmt: skip
        self.answers.append(answer)
        return answer

    def skip(self, typed: str = "") -> Answer:
        """Pass on the question on screen: it counts as missed, and its follow-ups go too."""
        step = self._current()
        question = step.question
        answer = Answer(
            question.id, question.topic, step.parent, "skipped", 0.0, rating_for(False),
            round(self.question_elapsed(), 1), step.seconds, None, len(question.key_points),
            typed.strip(),
        )  # fmt: skip
        self.answers.append(answer)
        skipped = {question.id}
        for follow in list(self.queue):
            if follow.parent in skipped:
                skipped.add(follow.question.id)
                self.queue.remove(follow)
                self.dropped.append(follow)
        return answer

    def finish_coding(self, status: str, passed: int = 0, total: int = 0) -> CodeOutcome:
        """The coding exercise's verdict (the hidden suite's, or skipped); the interview ends."""
        assert self.plan.coding is not None
        spent = (self.clock() - (self.coding_started or self.clock())).total_seconds()
        self.code = CodeOutcome(
            self.plan.coding.exercise.id, status, passed, total, round(spent, 1),
            self.coding_budget(),
        )  # fmt: skip
        self.finish()
        return self.code

    def end_now(self) -> None:
        """The learner ends the interview before the plan is done: what is left is not reached."""
        self.ended_early = True
        self.current, self.shown_at = None, None
        if self.plan.coding is not None and self.code is None:
            self.code = CodeOutcome(
                self.plan.coding.exercise.id, "not_reached", 0, 0, 0.0, self.coding_budget()
            )
        self.finish()

    def finish(self) -> None:
        if self.ended is None:
            self.ended = self.clock()

    def _current(self) -> Step:
        if self.current is None:
            raise RuntimeError("no question is being asked")
        return self.current

    # ------------------------------------------------------------------ the follow-ups

    def parent_of(self, step: Step) -> Question | None:
        if step.parent is None:
            return None
        return next(
            (s.question for s in self.plan.steps if s.question.id == step.parent), None
        )  # fmt: skip

    def position(self) -> tuple[int, int]:
        """(the opening question's number, how many are planned) for the status line."""
        return max(1, self.opener_number), len(self.plan.openers)

    # ------------------------------------------------------------------ the record

    def to_record(self) -> dict[str, Any]:
        """Everything the report and the history need, as JSON-able data (stored)."""
        plan = self.plan
        coding = plan.coding
        return {
            "version": RECORD_VERSION,
            "started": self.started.isoformat(timespec="seconds"),
            "ended": self.ended.isoformat(timespec="seconds") if self.ended else None,
            "ended_early": self.ended_early,
            "minutes": plan.minutes,
            "focus": plan.focus,
            "lang": self.lang,
            "plan": [
                {"question": s.question.id, "topic": s.question.topic, "type": s.question.type,
                 "difficulty": s.question.difficulty, "parent": s.parent, "seconds": s.seconds}
                for s in plan.steps
            ],
            "coding": None if coding is None else {
                "exercise": coding.exercise.id, "topic": coding.exercise.topic,
                "seconds": coding.seconds, "already_passed": coding.already_passed,
            },
            "answers": [
                {**asdict(a), "covered": list(a.covered) if a.covered is not None else None}
                for a in self.answers
            ],
            "code": asdict(self.code) if self.code else None,
            "elapsed": round(self.elapsed(), 1),
        }  # fmt: skip
