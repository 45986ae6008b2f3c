"""The mock interview's layers: follow-up chains in the bank, the plan, the clock-driven session,
the report and the stored history (the app's flow is in test_tui_interview.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kdquiz.bank import Question, QuestionBank, Text, load_banks
from kdquiz.catalog import load_catalog
from kdquiz.cli import main
from kdquiz.interview.plan import PlanError, make_plan
from kdquiz.interview.report import build_report, interview_score, sparkline
from kdquiz.interview.session import CODING_GRACE, Session
from kdquiz.progress import ProgressStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CATALOG = load_catalog()


def question(
    qid: str, topic: str = "alpha", qtype: str = "choice", difficulty: int = 1,
    follow_ups: tuple[str, ...] = (), related: str | None = None,
) -> Question:  # fmt: skip
    text = Text(qid, qid)
    return Question(
        id=qid, topic=topic, type=qtype, difficulty=difficulty,  # type: ignore[arg-type]
        prompt=text, explanation=text, references=("Someone (2020). A paper.",),
        choices=(text, Text("b", "b")) if qtype != "open" else (),
        answer=(0,) if qtype != "open" else (),
        model_answer=text if qtype == "open" else None,
        key_points=(Text("p1", "p1"), Text("p2", "p2")) if qtype == "open" else (),
        related_exercise=related, follow_ups=follow_ups,
    )  # fmt: skip


def small_bank() -> QuestionBank:
    """Two topics; `a1` leads to a chain a1 -> f1 -> f2 (nested) and a1 -> f3."""
    return QuestionBank(
        [
            question("a1", "alpha", "open", 1, follow_ups=("f1", "f3"), related="exercise_3"),
            question("f1", "alpha", "choice", 2, follow_ups=("f2",)),
            question("f2", "alpha", "choice", 3),
            question("f3", "alpha", "multi", 2),
            question("a2", "alpha", "choice", 3),
            question("b1", "beta", "choice", 1, related="exercise_5"),
            question("b2", "beta", "choice", 2),
            question("b3", "beta", "open", 3),
        ]
    )


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


# ---------------------------------------------------------------------- the bank


def write_bank(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bank.yaml"
    path.write_text(body, encoding="utf-8")
    return path


ENTRY = """
- id: {qid}
  topic: alpha
  type: choice
  difficulty: 1
  prompt: {{en: "Q {qid}?", zh: "问题 {qid}？"}}
  choices:
    - {{en: "yes", zh: "是"}}
    - {{en: "no", zh: "否"}}
  answer: 0
  explanation: {{en: "Because.", zh: "因为。"}}
  references: ["Someone (2020). A paper."]
  {extra}
"""


def test_follow_ups_must_name_known_questions_and_never_loop(tmp_path: Path) -> None:
    body = "".join(
        [
            ENTRY.format(qid="q1", extra="follow_ups: [q2, nowhere]"),
            ENTRY.format(qid="q2", extra="follow_ups: [q3]"),
            ENTRY.format(qid="q3", extra="follow_ups: [q1]"),
            ENTRY.format(qid="q4", extra="follow_ups: [q4]"),
            ENTRY.format(qid="q5", extra="follow_ups: [q1, q2, q3, q4]"),
            ENTRY.format(qid="q6", extra="follow_ups: q1"),
        ]
    )
    bank, problems = load_banks([write_bank(tmp_path, body)])
    texts = [str(p) for p in problems]
    assert any("q1: follow_ups: no question has the id nowhere" in p for p in texts), texts
    assert sum("leads back to this question" in p for p in texts) == 1, texts
    assert any("q4: follow_ups: names a question twice, or the question itself" in p
               for p in texts)  # fmt: skip
    assert any("q5: follow_ups: must be a list of 1 to 3" in p for p in texts)
    assert any("q6: follow_ups: must be a list" in p for p in texts)
    # The bad links are dropped (the first link of the loop met), the questions stay.
    q1, q2 = bank.by_id("q1"), bank.by_id("q2")
    assert q1 is not None and q1.follow_ups == ()
    assert q2 is not None and [f.id for f, _ in bank.follow_up_chain(q2)] == ["q3", "q1"]


def test_a_users_bank_may_follow_up_with_built_in_questions(tmp_path: Path) -> None:
    path = write_bank(tmp_path, ENTRY.format(qid="mine", extra="follow_ups: [what-is-kd]"))
    _, problems = load_banks([path])
    assert problems
    _, problems = load_banks([path], known_ids=["what-is-kd"])
    assert problems == []


def test_the_chain_is_depth_first_each_question_once_and_cut_at_the_limit() -> None:
    bank = small_bank()
    a1 = bank.by_id("a1")
    assert a1 is not None
    chain = [(f.id, parent.id) for f, parent in bank.follow_up_chain(a1)]
    assert chain == [("f1", "a1"), ("f2", "f1"), ("f3", "a1")]
    assert [f.id for f, _ in bank.follow_up_chain(a1, limit=2)] == ["f1", "f2"]


# ---------------------------------------------------------------------- the plan


def test_the_plan_opens_on_the_weakest_topic_and_carries_its_follow_ups() -> None:
    bank = small_bank()
    # beta is well remembered, alpha unseen: alpha comes first.
    recall = {q.id: 0.95 for q in bank.questions if q.topic == "beta"}
    plan = make_plan(bank, CATALOG, recall, set(), set(), minutes=30, seed=1)
    openers = [s.question.id for s in plan.openers]
    assert openers[0] == "a1"  # alpha's easiest opener, and it leads to follow-ups
    ids = [s.question.id for s in plan.steps]
    assert ids[:4] == ["a1", "f1", "f2", "f3"]
    assert [s.parent for s in plan.steps[:4]] == [None, "a1", "f1", "a1"]
    assert "beta" in {s.question.topic for s in plan.openers}
    # Questions that are only follow-ups are not opened with.
    assert not {"f1", "f2", "f3"} & set(openers)
    assert len(ids) == len(set(ids))


def test_a_weaker_topic_is_asked_first() -> None:
    bank = small_bank()
    recall = {q.id: (0.2 if q.topic == "beta" else 0.99) for q in bank.questions}
    plan = make_plan(bank, CATALOG, recall, set(), set(), minutes=30, seed=1)
    assert plan.openers[0].question.topic == "beta"
    assert plan.openers[0].question.difficulty == 1  # it warms up


def test_the_plan_fits_its_time_and_keeps_the_coding_share() -> None:
    bank = small_bank()
    for minutes in (5, 10, 45):
        plan = make_plan(bank, CATALOG, {}, set(), set(), minutes=minutes, seed=2)
        assert plan.coding is not None
        assert plan.coding.seconds >= 90
        assert plan.coding.seconds + plan.question_seconds == minutes * 60
        assert plan.openers  # even the shortest interview asks something
        if len(plan.openers) > 1:
            assert sum(s.seconds for s in plan.steps) <= plan.question_seconds


def test_focus_keeps_to_one_topic_and_an_unknown_one_is_refused() -> None:
    bank = small_bank()
    plan = make_plan(bank, CATALOG, {}, set(), set(), minutes=45, focus="beta", seed=3)
    assert {s.question.topic for s in plan.steps} == {"beta"}
    with pytest.raises(PlanError) as error:
        make_plan(bank, CATALOG, {}, set(), set(), focus="gamma")
    assert "alpha, beta" in error.value.text("en")
    with pytest.raises(PlanError):
        make_plan(bank, CATALOG, {}, set(), set(), minutes=4)


def test_the_coding_exercise_is_the_related_unsolved_one() -> None:
    bank = small_bank()
    plan = make_plan(bank, CATALOG, {}, set(), set(), minutes=45, focus="alpha", seed=1)
    assert plan.coding is not None and plan.coding.exercise.id == "exercise_3"
    solved = make_plan(bank, CATALOG, {}, set(), {"exercise_3"}, 45, focus="alpha", seed=1)
    assert solved.coding is not None and solved.coding.exercise.id != "exercise_3"
    assert not solved.coding.already_passed
    everything = {e.id for e in CATALOG}
    done = make_plan(bank, CATALOG, {}, set(), everything, 45, focus="alpha", seed=1)
    assert done.coding is not None and done.coding.already_passed
    no_workspace = make_plan(bank, CATALOG, {}, set(), None, minutes=45, seed=1)
    assert no_workspace.coding is None
    assert no_workspace.question_seconds == 45 * 60


# ---------------------------------------------------------------------- the session


def alpha_plan(minutes: int = 30) -> tuple[QuestionBank, Session, Clock]:
    bank = small_bank()
    plan = make_plan(bank, CATALOG, {}, set(), set(), minutes=minutes, focus="alpha", seed=1)
    clock = Clock()
    return bank, Session(plan, clock), clock


def test_a_skipped_question_takes_its_follow_ups_with_it() -> None:
    _, session, clock = alpha_plan()
    assert session.current is not None and session.current.question.id == "a1"
    clock.tick(30)
    answer = session.skip("no idea")
    assert answer.outcome == "skipped" and answer.seconds == 30 and answer.rating == 1
    assert {s.question.id for s in session.dropped} == {"f1", "f2", "f3"}
    session.advance()
    assert session.current is not None and session.current.question.id == "a2"


def test_follow_ups_come_after_their_parent_and_a_nested_one_goes_with_its_own() -> None:
    _, session, clock = alpha_plan()
    session.answer(True, rating=3, covered=(0, 1), typed="T squared")
    session.advance()
    assert session.current is not None and session.current.question.id == "f1"
    assert session.position() == (1, 2)  # still the first opening question's chain
    session.skip()  # f2 follows up f1: it goes too; f3 follows up a1: it stays
    session.advance()
    assert session.current is not None and session.current.question.id == "f3"
    assert [s.question.id for s in session.dropped] == ["f2"]


def test_open_answers_score_their_key_points() -> None:
    _, session, _ = alpha_plan()
    answer = session.answer(True, rating=2, covered=(1,), typed="  half  ")
    assert answer.score == 0.5 and answer.rating == 2 and answer.typed == "half"
    assert answer.covered == (1,) and answer.points == 2


def test_questions_stop_when_their_time_is_up_and_the_code_gets_the_rest() -> None:
    _, session, clock = alpha_plan(minutes=10)
    plan = session.plan
    assert plan.coding is not None
    clock.tick(plan.question_seconds + 5)
    session.answer(True)
    session.advance()
    assert session.phase == "coding"
    assert session.coding_budget() == max(CODING_GRACE, 10 * 60 - plan.question_seconds - 5)
    clock.tick(30)
    assert session.coding_left() == session.coding_budget() - 30
    code = session.finish_coding("fail", passed=3, total=12)
    assert session.phase == "done" and code.seconds == 30 and code.score == 0.25


def test_finishing_early_leaves_more_time_for_the_code_and_overrun_still_gets_a_grace() -> None:
    _, session, clock = alpha_plan(minutes=10)
    while session.current is not None:
        clock.tick(10)
        session.answer(True)
        session.advance()
    assert session.phase == "coding"
    assert session.coding_budget() == 10 * 60 - session.elapsed()
    _, late, clock = alpha_plan(minutes=10)
    clock.tick(20 * 60)
    late.answer(False)
    late.advance()
    assert late.phase == "coding" and late.coding_budget() == CODING_GRACE


def test_when_the_interview_time_is_up_the_question_on_screen_is_left_for_the_code() -> None:
    _, session, clock = alpha_plan(minutes=10)
    assert not session.time_up()
    clock.tick(10 * 60)
    assert session.time_up()
    assert session.phase == "coding" and session.queue == [] and session.answers == []
    assert session.coding_left() == CODING_GRACE
    record = session.to_record()
    assert {r.outcome for r in build_report(1, record).rows} == {"not_reached"}


# ---------------------------------------------------------------------- the report


def test_the_report_scores_topics_questions_and_code_by_their_time() -> None:
    bank, session, clock = alpha_plan(minutes=30)
    clock.tick(40)
    session.answer(True, rating=3, covered=(0,))  # a1: open, 1 of 2 key points
    session.advance()
    clock.tick(20)
    session.answer(False)  # f1 wrong
    session.advance()
    clock.tick(20)
    session.skip()  # f2 skipped
    session.end_now()
    record = json.loads(json.dumps(session.to_record()))
    report = build_report(7, record, [], {"f1": "exercise_2"})
    rows = {r.question: r for r in report.rows}
    assert rows["a1"].outcome == "right" and rows["a1"].covered == 1 and rows["a1"].points == 2
    assert rows["f1"].outcome == "wrong" and rows["f1"].seconds == 20
    assert rows["f3"].outcome == "not_reached" and rows["f3"].seconds is None
    # a2, an opening question never reached, counts 0; f3, a follow-up, does not count.
    assert report.question_score == pytest.approx(0.5 / 4)
    assert report.follow_ups_asked == 2 and report.follow_ups_planned == 3
    assert report.ended_early and report.code is not None
    assert report.code["status"] == "not_reached"
    assert report.topics[0].topic == "alpha" and report.weak_topics == ["alpha"]
    assert report.practise_questions == ["f1", "f2"]  # a1 scored 0.5: not missed
    coding = session.plan.coding
    assert coding is not None and report.practise_exercise == coding.exercise.id
    weight = coding.seconds / (30 * 60)
    assert report.score == pytest.approx((0.5 / 4) * (1 - weight))
    assert report.to_json()["questions"][0]["question"] == "a1"


def test_the_trend_compares_with_earlier_interviews() -> None:
    plan = [{"question": "a", "parent": None}, {"question": "b", "parent": "a"},
            {"question": "c", "parent": None}]  # fmt: skip
    first = {
        "minutes": 5,
        "plan": plan,
        "coding": None,
        "answers": [{"question": "a", "score": 1.0}, {"question": "c", "score": 1.0}],
    }
    second = {"minutes": 5, "plan": plan,  # c never reached: it counts 0, b does not count
              "answers": [{"question": "a", "score": 1.0}]}  # fmt: skip
    assert interview_score(first) == 1.0 and interview_score(second) == 0.5
    _, session, _ = alpha_plan()
    session.answer(False)
    session.end_now()
    report = build_report(3, session.to_record(), [first, second])
    assert report.trend[:2] == [1.0, 0.5] and report.previous == 0.5
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"


def test_interviews_are_stored_updated_in_place_and_listed(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "p.db")
    _, session, clock = alpha_plan()
    first = store.save_interview(session.to_record())
    session.answer(True)
    assert store.save_interview(session.to_record(), first) == first
    clock.tick(60)
    second = store.save_interview({"started": (NOW + timedelta(days=1)).isoformat()})
    listed = store.interviews()
    assert [i for i, _ in listed] == [first, second]
    assert len(listed[0][1]["answers"]) == 1


# ---------------------------------------------------------------------- the command


def test_the_command_checks_its_options_and_lists_the_history(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["interview", "--minutes", "3"]) == 2
    assert "5 to 180 minutes" in capsys.readouterr().err
    assert main(["interview", "--focus", "nothing-like-this"]) == 2
    assert "kd-fundamentals" in capsys.readouterr().err
    assert main(["interview", "--history"]) == 0
    assert "No mock interviews yet" in capsys.readouterr().out
    store = ProgressStore.default()
    _, session, _ = alpha_plan()
    session.answer(True)
    session.end_now()
    store.save_interview(session.to_record())
    assert main(["interview", "--history"]) == 0
    out = capsys.readouterr().out
    assert "2026-03-02 09:00" in out and "alpha" in out and "(ended early)" in out
    unfinished = alpha_plan()[1]
    unfinished.answer(True)
    store.save_interview(unfinished.to_record())  # the app was closed mid-way
    assert main(["interview", "--history"]) == 0
    assert "(not finished: the app was closed)" in capsys.readouterr().out
    store.save_interview({"started": "not a date", "minutes": "five"})  # a damaged record
    assert main(["interview", "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert reports[0]["questions"][0]["outcome"] == "right"
    assert reports[0]["ended_early"] is True
