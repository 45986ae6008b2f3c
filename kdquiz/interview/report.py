"""What a mock interview's record says: scores per question and per topic, time against the
plan, follow-ups reached, the code's verdict, what to practise next, and the trend over the
learner's interviews. Pure functions of stored records, shared by the app and the CLI.

Scores: a question scores 0 to 1 (right or wrong; an open answer, its share of key points);
the questions' score is their mean over the questions asked (a skipped one scores 0) and the
opening questions not reached (0 each; follow-ups not reached do not count). The code
scores the share of hidden checks passed. The interview's score weighs the two by the time the
plan gave them, so a 45-minute interview with 15 minutes of code counts the code for a third.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

WEAK_BELOW = 0.7
"""A topic whose questions scored below this is one to practise."""
TREND_LENGTH = 12
"""Interviews the trend chart shows (the latest ones)."""
SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Row:
    """One planned question: how it went (or that it was not reached)."""

    question: str
    topic: str
    parent: str | None
    outcome: str
    """right, wrong, skipped or not_reached."""
    score: float | None
    seconds: float | None
    budget: int
    covered: int | None = None
    points: int = 0


@dataclass(frozen=True)
class TopicScore:
    topic: str
    asked: int
    score: float


@dataclass
class Report:
    interview_id: int
    started: datetime
    minutes: int
    focus: str | None
    elapsed: float
    ended_early: bool
    finished: bool
    rows: list[Row]
    topics: list[TopicScore]
    """Weakest first."""
    question_score: float | None
    code: dict[str, Any] | None
    """The coding exercise: exercise, status, passed, total, seconds, budget (None: none)."""
    code_planned: dict[str, Any] | None
    score: float
    follow_ups_asked: int
    follow_ups_planned: int
    weak_topics: list[str]
    practise_questions: list[str]
    practise_exercise: str | None
    trend: list[float] = field(default_factory=list)
    """Scores of the latest interviews, oldest first, this one last."""

    @property
    def asked(self) -> list[Row]:
        return [r for r in self.rows if r.outcome != "not_reached"]

    @property
    def previous(self) -> float | None:
        return self.trend[-2] if len(self.trend) >= 2 else None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.interview_id,
            "started": self.started.isoformat(timespec="seconds"),
            "minutes": self.minutes,
            "focus": self.focus,
            "elapsed_seconds": round(self.elapsed),
            "ended_early": self.ended_early,
            "finished": self.finished,
            "score": round(self.score, 4),
            "question_score": _rounded(self.question_score),
            "questions": [row.__dict__ for row in self.rows],
            "topics": [t.__dict__ for t in self.topics],
            "follow_ups": {"asked": self.follow_ups_asked, "planned": self.follow_ups_planned},
            "code": self.code,
            "practise": {
                "topics": self.weak_topics,
                "questions": self.practise_questions,
                "exercise": self.practise_exercise,
            },
            "trend": [round(s, 4) for s in self.trend],
        }


def build_report(
    interview_id: int,
    record: dict[str, Any],
    history: Sequence[dict[str, Any]] = (),
    related: dict[str, str] | None = None,
) -> Report:
    """The report of one interview's `record`. `history` holds the records of the learner's
    earlier interviews (oldest first) for the trend; `related` maps question ids to their
    related exercise, for what to practise next."""
    answers = {a["question"]: a for a in record.get("answers", [])}
    rows = []
    for step in record.get("plan", []):
        answer = answers.get(step["question"])
        if answer is None:
            rows.append(Row(step["question"], step["topic"], step.get("parent"), "not_reached",
                            None, None, int(step["seconds"])))  # fmt: skip
            continue
        covered = answer.get("covered")
        rows.append(
            Row(
                answer["question"], answer["topic"], answer.get("parent"), answer["outcome"],
                float(answer["score"]), float(answer["seconds"]), int(answer["budget"]),
                len(covered) if covered is not None else None, int(answer.get("points", 0)),
            )
        )  # fmt: skip
    asked = [r for r in rows if r.outcome != "not_reached"]
    by_topic: dict[str, list[float]] = {}
    for row in asked:
        by_topic.setdefault(row.topic, []).append(row.score or 0.0)
    topics = sorted(
        (TopicScore(t, len(s), sum(s) / len(s)) for t, s in by_topic.items()),
        key=lambda t: (t.score, t.topic),
    )
    question_score = questions_score(record) if asked else None
    code = record.get("code")
    code_planned = record.get("coding")
    score = interview_score(record)
    weak = [t.topic for t in topics if t.score < WEAK_BELOW][:3]
    missed = [r.question for r in asked if r.outcome != "right" or (r.score or 0.0) < 0.5]
    exercise = None
    if code_planned and not (code and code.get("status") == "pass"):
        exercise = code_planned["exercise"]
    elif related:
        exercise = next((related[q] for q in missed if q in related), None)
    follow_ups = [r for r in rows if r.parent is not None]
    trend = [interview_score(r) for r in history][-(TREND_LENGTH - 1) :] + [score]
    return Report(
        interview_id=interview_id,
        started=datetime.fromisoformat(record["started"]),
        minutes=int(record["minutes"]),
        focus=record.get("focus"),
        elapsed=float(record.get("elapsed", 0.0)),
        ended_early=bool(record.get("ended_early")),
        finished=record.get("ended") is not None,
        rows=rows,
        topics=topics,
        question_score=question_score,
        code=code,
        code_planned=code_planned,
        score=score,
        follow_ups_asked=sum(r.outcome != "not_reached" for r in follow_ups),
        follow_ups_planned=len(follow_ups),
        weak_topics=weak,
        practise_questions=missed,
        practise_exercise=exercise,
        trend=trend,
    )


def build_reports(
    interviews: Sequence[tuple[int, dict[str, Any]]], related: dict[str, str] | None = None
) -> list[Report]:
    """The report of every stored interview (oldest first, each with the trend up to it); a
    record too damaged to read is left out rather than stopping the others."""
    reports: list[Report] = []
    history: list[dict[str, Any]] = []
    for interview_id, record in interviews:
        try:
            reports.append(build_report(interview_id, record, history, related))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        history.append(record)
    return reports


def questions_score(record: dict[str, Any]) -> float:
    """The questions' score, 0 to 1: the mean over the questions asked and the opening
    questions never reached (they score 0: an interview ended early or answered too slowly
    did not show that knowledge; a follow-up not reached was never owed)."""
    answers = record.get("answers", [])
    answered = {a["question"] for a in answers}
    missed = [s for s in record.get("plan", []) if s.get("parent") is None
              and s.get("question") not in answered]  # fmt: skip
    counted = len(answers) + len(missed)
    return sum(float(a["score"]) for a in answers) / counted if counted else 0.0


def interview_score(record: dict[str, Any]) -> float:
    """The interview's score, 0 to 1: the questions' and the code's, weighed by their time."""
    questions = questions_score(record)
    coding = record.get("coding")
    if not coding:
        return questions
    code = record.get("code") or {}
    total = int(code.get("total") or 0)
    code_score = int(code.get("passed") or 0) / total if total else 0.0
    code_weight = int(coding["seconds"])
    # An interview planned without questions (an empty bank) is all code.
    question_weight = max(0, int(record["minutes"]) * 60 - code_weight) if record.get("plan") else 0
    return (questions * question_weight + code_score * code_weight) / (
        question_weight + code_weight
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def sparkline(values: Sequence[float]) -> str:
    """Scores 0..1 as bars: '▂▄▅▇'."""
    return "".join(SPARKS[min(len(SPARKS) - 1, int(v * len(SPARKS)))] for v in values)
