"""Keeps the built-in question bank honest: the coverage, mix and bilingual completeness that
issue 5 promises, ids that learners' progress can rely on, and no two questions on one fact."""

from __future__ import annotations

import re
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from kdquiz.bank import Question, Text, builtin_bank_dir, load_banks
from kdquiz.catalog import exercise_ids
from kdquiz.quality import MIN_QUESTIONS, chinese_spacing, fairness

ID_MANIFEST = Path(__file__).with_name("question_ids.txt")

# The syllabus: each area an interviewer may probe, the topic slugs that cover it, and the
# fewest questions it must have.
SYLLABUS: dict[str, tuple[set[str], int]] = {
    "KD fundamentals and dark knowledge": ({"kd-fundamentals"}, 6),
    "soft targets and temperature": ({"soft-targets", "temperature"}, 6),
    "loss design": ({"loss-design"}, 6),
    "the teacher-student pipeline": ({"pipeline"}, 6),
    "KD in recommender systems": ({"kd-in-recsys"}, 6),
    "ranking distillation": ({"ranking-distillation"}, 6),
    "listwise and relational distillation": ({"listwise-relational"}, 6),
    "feature and embedding distillation": ({"feature-distillation"}, 6),
    "CTR-model distillation": ({"ctr-distillation"}, 6),
    "privileged features distillation": ({"privileged-features"}, 6),
    "distilling LLMs into recommenders": ({"llm-distillation"}, 6),
    "online, mutual and self-distillation": ({"online-mutual-self"}, 6),
    "evaluation": ({"evaluation"}, 6),
    "challenges": ({"challenges"}, 6),
    "serving": ({"serving"}, 6),
}
# Topics outside the syllabus that the bank may use (the classic interview questions).
EXTRA_TOPICS = {"interview-core"}

CJK = re.compile(r"[\u4e00-\u9fff]")
YEAR = re.compile(r"\b(19|20)\d\d\b")
GLOSS = re.compile(r"[(（][^)）]*[)）]")
PROSE = re.compile(r"[A-Za-z]{3,} [A-Za-z]{3,} [A-Za-z]{3,}")  # three words in a row


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    bank, problems = load_banks([builtin_bank_dir()], set(exercise_ids()))
    assert [str(p) for p in problems] == []
    return bank.questions


def texts(question: Question) -> list[tuple[str, Text]]:
    """Every bilingual text of a question, named by its field."""
    found = [("prompt", question.prompt), ("explanation", question.explanation)]
    found += [(f"choices[{i}]", choice) for i, choice in enumerate(question.choices)]
    found += [(f"key_points[{i}]", point) for i, point in enumerate(question.key_points)]
    if question.model_answer is not None:
        found.append(("model_answer", question.model_answer))
    return found


def test_the_bank_has_at_least_150_questions(questions: list[Question]) -> None:
    assert len(questions) >= 150


def test_ids_are_unique_and_none_that_learners_have_progress_on_disappears(
    questions: list[Question],
) -> None:
    ids = [q.id for q in questions]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    recorded = ID_MANIFEST.read_text(encoding="utf-8").split()
    missing = sorted(set(recorded) - set(ids))
    assert missing == [], (
        f"these ids were renamed or removed, which orphans learners' review history: {missing}"
    )
    unrecorded = sorted(set(ids) - set(recorded))
    assert unrecorded == [], f"record new question ids in {ID_MANIFEST.name}: {unrecorded}"


def test_every_syllabus_area_has_its_minimum(questions: list[Question]) -> None:
    per_topic = Counter(q.topic for q in questions)
    short = {
        area: sum(per_topic[t] for t in topics)
        for area, (topics, minimum) in SYLLABUS.items()
        if sum(per_topic[t] for t in topics) < minimum
    }
    assert short == {}
    known = set().union(*(topics for topics, _ in SYLLABUS.values())) | EXTRA_TOPICS
    assert sorted(set(per_topic) - known) == []


def test_at_least_40_percent_are_open_and_both_choice_kinds_are_used(
    questions: list[Question],
) -> None:
    kinds = Counter(q.type for q in questions)
    assert kinds["open"] >= 0.4 * len(questions)
    assert kinds["choice"] > 0 and kinds["multi"] > 0


def test_difficulties_are_about_a_third_each(questions: list[Question]) -> None:
    levels = Counter(q.difficulty for q in questions)
    shares = {level: levels[level] / len(questions) for level in (1, 2, 3)}
    assert all(0.25 <= share <= 0.42 for share in shares.values()), shares


def test_every_text_is_written_in_english_and_in_chinese(questions: list[Question]) -> None:
    untranslated = [
        f"{q.id}.{name}"
        for q in questions
        for name, text in texts(q)
        if not text.en.strip()
        or (not CJK.search(text.zh) and not (name.startswith("choices") and is_notation(text)))
    ]
    assert untranslated == []
    # A Chinese industry term may gloss an English one in parentheses: "pre-ranking (粗排)".
    chinese_in_english = [f"{q.id}.{name}" for q in questions for name, text in texts(q)
                          if CJK.search(GLOSS.sub("", text.en))]  # fmt: skip
    assert chinese_in_english == []


def is_notation(text: Text) -> bool:
    """A formula or code option ("T = 3", "F.softplus(-x)") reads the same in both languages."""
    return text.en == text.zh and not PROSE.search(text.en)


def test_open_questions_have_a_model_answer_and_two_key_points(questions: list[Question]) -> None:
    thin = [q.id for q in questions if q.type == "open"
            and (q.model_answer is None or len(q.key_points) < 2)]  # fmt: skip
    assert thin == []


def test_choice_questions_have_distinct_options_and_multi_has_several_answers(
    questions: list[Question],
) -> None:
    repeated = [q.id for q in questions
                if len({c.en.strip().lower() for c in q.choices}) < len(q.choices)]  # fmt: skip
    assert repeated == []
    single_answer_multi = [q.id for q in questions if q.type == "multi" and len(q.answer) < 2]
    assert single_answer_multi == []


def test_every_question_cites_a_dated_reference(questions: list[Question]) -> None:
    undated = [q.id for q in questions if not any(YEAR.search(r) for r in q.references)]
    assert undated == []


def test_related_exercises_exist(questions: list[Question]) -> None:
    linked = {q.related_exercise for q in questions if q.related_exercise}
    assert linked and linked <= set(exercise_ids())


def test_no_two_prompts_are_near_duplicates(questions: list[Question]) -> None:
    """Two questions on one fact should be one question; their prompts share most content words."""
    boilerplate = set(
        "which what that this with from does following statements correct true "
        "select apply your about into than would could should have these".split()
    )

    def content_words(q: Question) -> set[str]:
        words = re.findall(r"[a-z0-9²]+", q.prompt.en.lower())
        return {w for w in words if len(w) >= 4 and w not in boilerplate}

    alike = []
    for a, b in combinations(questions, 2):
        wa, wb = content_words(a), content_words(b)
        if len(wa & wb) / len(wa | wb) >= 0.5:
            alike.append((a.id, b.id))
    assert alike == []


def test_chinese_text_has_no_stray_spaces(questions: list[Question]) -> None:
    """No space between two Chinese characters or after Chinese punctuation (a folded YAML
    block turns each line break into one)."""
    found = {q.id: excerpts for q in questions if (excerpts := chinese_spacing(q))}
    assert found == {}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_form_of_the_options_gives_no_answer_away(questions: list[Question], lang: str) -> None:
    """Over single-choice questions the longest option is right in 15% to 30% (as by chance),
    right options are 0.85× to 1.15× as long as wrong ones, no position holds over 40% of the
    answers; over multi-select questions the same length ratio, and no number of right options
    in over 60%."""
    figures = fairness(questions, lang)
    assert figures.single >= MIN_QUESTIONS and figures.multi >= MIN_QUESTIONS
    assert figures.problems() == [], figures


def test_at_least_40_questions_lead_to_follow_ups_and_the_five_classics_have_chains(
    questions: list[Question],
) -> None:
    """The mock interview follows up on an answer; the chains are written in the bank."""
    from kdquiz.bank import QuestionBank

    bank = QuestionBank(questions)
    with_chains = [q.id for q in questions if bank.follow_up_chain(q)]
    assert len(with_chains) >= 40
    classics = [q for q in questions if q.topic == "interview-core"]
    assert len(classics) >= 5
    assert {q.id: len(bank.follow_up_chain(q)) for q in classics if
            not 2 <= len(bank.follow_up_chain(q)) <= 3} == {}  # fmt: skip
