"""The rules of kdquiz/quality.py on made-up banks: a form that gives answers away either way
(always the longest, or never), and stray spaces in Chinese text."""

from __future__ import annotations

from kdquiz.bank import Question, Text
from kdquiz.quality import MIN_QUESTIONS, chinese_spacing, fairness


def choice(n: int, right: int, lengths: list[int], zh: str = "选项") -> Question:
    choices = tuple(Text("x" * size, zh * size) for size in lengths)
    return Question(
        id=f"q{n}", topic="t", type="choice", difficulty=1, prompt=Text("?", "？"),
        explanation=Text(".", "。"), references=("A (2020)",), choices=choices, answer=(right,),
    )  # fmt: skip


def test_the_right_option_always_or_never_the_longest_is_flagged() -> None:
    always = [choice(n, n % 4, [30 if i == n % 4 else 10 for i in range(4)]) for n in range(10)]
    never = [choice(n, n % 4, [5 if i == n % 4 else 10 for i in range(4)]) for n in range(10)]
    longest = [n % 4 if n in (0, 5) else (n + 1) % 4 for n in range(10)]  # right in 2 of 10
    fair = [choice(n, n % 4, [10 + (i == longest[n]) for i in range(4)]) for n in range(10)]
    assert any("longest option is the right one" in str(p) for p in fairness(always).problems())
    assert any("longest option is the right one" in str(p) for p in fairness(never).problems())
    assert any("0.50× as long" in str(p) for p in fairness(never).problems())
    assert fairness(fair).problems() == []
    assert fairness(always[: MIN_QUESTIONS - 1]).problems() == []  # too few to say


def test_one_position_holding_most_answers_is_flagged() -> None:
    skewed = [
        choice(n, 1, [10, 10, 10, 11][n % 4 :] + [10, 10, 10, 11][: n % 4]) for n in range(10)
    ]
    assert any("option 2 in the file" in str(p) for p in fairness(skewed).problems())


def test_spaces_between_chinese_characters_or_after_chinese_punctuation() -> None:
    question = choice(0, 0, [1, 1])
    spaced = Question(**{**question.__dict__, "explanation": Text(".", "更深， 引导层 很窄。 OK")})
    found = chinese_spacing(spaced)
    assert len(found) == 3 and found[0] == "“更深， 引导层 很窄”"  # after ，, 层 很, after 。
    latin = Question(**{**question.__dict__, "explanation": Text(".", "用 PyTorch 实现。")})
    assert chinese_spacing(latin) == []
