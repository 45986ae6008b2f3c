"""Quality rules for question banks that `kdquiz validate` reports and the built-in bank's tests
enforce: choice questions whose form gives the answer away, and Chinese typography.

- Fairness: over a bank's single-choice questions, how often the longest option is the right
  one, how long right options are against wrong ones, and how answers spread over positions;
  over multi-select questions, the same length ratio and how often each number of right options
  occurs. A learner must not be able to score by picking the longest option.
- Chinese typography: no space between two Chinese characters or after Chinese punctuation (a
  folded YAML block turns each line break into one).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kdquiz.bank import Question
from kdquiz.i18n import Message

LONGEST_RIGHT_MAX = 0.30
"""Single choice: share of questions whose longest option is the right one (chance is ~25%)."""
LONGEST_RIGHT_MIN = 0.15
"""... and at least this share: a right option that is never the longest is a tell too."""
LENGTH_RATIO_MAX = 1.15
"""Mean length of right options over the mean length of wrong ones."""
LENGTH_RATIO_MIN = 0.85
"""... and at least this: right options that are always the shorter ones give them away."""
POSITION_SHARE_MAX = 0.40
"""Single choice: share of answers any one position may hold."""
RIGHT_COUNT_SHARE_MAX = 0.60
"""Multi-select: share of questions any one number of right options may hold."""
MIN_QUESTIONS = 8
"""Below this many questions of a kind, shares say nothing: no fairness warnings."""

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCTUATION = (
    "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"  # 、。「」，：？ …
    "\u2014\u2026\u201c\u201d\u2018\u2019"  # — … “ ” ‘ ’ as Chinese text uses them
)
CJK_SPACE = re.compile(
    rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}{_CJK_PUNCTUATION}])|(?<=[{_CJK_PUNCTUATION}])[ \t]+"
)
"""A space between two Chinese characters, or after Chinese punctuation."""


@dataclass(frozen=True)
class Fairness:
    """Figures over one language's texts of a bank's choice questions."""

    single: int
    longest_right: float
    single_length_ratio: float
    top_position_share: float
    top_position: int
    multi: int
    multi_length_ratio: float
    top_right_count_share: float
    top_right_count: int

    def problems(self) -> list[Message]:
        """What gives answers away, one sentence each ([] when nothing does)."""
        found = []
        bounds = {"low": LENGTH_RATIO_MIN, "high": LENGTH_RATIO_MAX}
        if self.single >= MIN_QUESTIONS:
            if not LONGEST_RIGHT_MIN <= self.longest_right <= LONGEST_RIGHT_MAX:
                found.append(
                    Message(
                        "fair_longest", share=f"{self.longest_right:.0%}",
                        low=f"{LONGEST_RIGHT_MIN:.0%}", high=f"{LONGEST_RIGHT_MAX:.0%}",
                    )
                )  # fmt: skip
            if not LENGTH_RATIO_MIN <= self.single_length_ratio <= LENGTH_RATIO_MAX:
                ratio = f"{self.single_length_ratio:.2f}"
                found.append(Message("fair_single_ratio", ratio=ratio, **bounds))
            if self.top_position_share > POSITION_SHARE_MAX:
                found.append(
                    Message(
                        "fair_position", share=f"{self.top_position_share:.0%}",
                        position=self.top_position + 1, most=f"{POSITION_SHARE_MAX:.0%}",
                    )
                )  # fmt: skip
        if self.multi >= MIN_QUESTIONS:
            if not LENGTH_RATIO_MIN <= self.multi_length_ratio <= LENGTH_RATIO_MAX:
                ratio = f"{self.multi_length_ratio:.2f}"
                found.append(Message("fair_multi_ratio", ratio=ratio, **bounds))
            if self.top_right_count_share > RIGHT_COUNT_SHARE_MAX:
                found.append(
                    Message(
                        "fair_right_count", share=f"{self.top_right_count_share:.0%}",
                        n=self.top_right_count, most=f"{RIGHT_COUNT_SHARE_MAX:.0%}",
                    )
                )  # fmt: skip
        return found


def _ratio(right: Sequence[int], wrong: Sequence[int]) -> float:
    if not right or not wrong:
        return 1.0
    return (sum(right) / len(right)) / max(1e-9, sum(wrong) / len(wrong))


def _top(counter: Counter[int], total: int) -> tuple[float, int]:
    if not counter:
        return 0.0, 0
    value, count = counter.most_common(1)[0]
    return count / total, value


def fairness(questions: Iterable[Question], lang: str = "en") -> Fairness:
    single = [q for q in questions if q.type == "choice"]
    multi = [q for q in questions if q.type == "multi"]
    longest_right = 0
    positions: Counter[int] = Counter()
    lengths: dict[str, tuple[list[int], list[int]]] = {"choice": ([], []), "multi": ([], [])}
    for question in [*single, *multi]:
        sizes = [len(choice.get(lang)) for choice in question.choices]
        right, wrong = lengths[question.type]
        for index, size in enumerate(sizes):
            (right if index in question.answer else wrong).append(size)
        if question.type == "choice":
            positions[question.answer[0]] += 1
            longest_right += sizes[question.answer[0]] == max(sizes)
    counts = Counter(len(q.answer) for q in multi)
    position_share, position = _top(positions, len(single))
    count_share, count = _top(counts, len(multi))
    return Fairness(
        single=len(single),
        longest_right=longest_right / len(single) if single else 0.0,
        single_length_ratio=_ratio(*lengths["choice"]),
        top_position_share=position_share,
        top_position=position,
        multi=len(multi),
        multi_length_ratio=_ratio(*lengths["multi"]),
        top_right_count_share=count_share,
        top_right_count=count,
    )


def chinese_spacing(question: Question) -> list[str]:
    """The Chinese texts of `question` with a stray space, each as a short excerpt."""
    texts = [question.prompt, question.explanation, *question.choices, *question.key_points]
    if question.model_answer is not None:
        texts.append(question.model_answer)
    excerpts = []
    for text in texts:
        for match in CJK_SPACE.finditer(text.zh):
            start, end = max(0, match.start() - 6), min(len(text.zh), match.end() + 6)
            excerpts.append(f"“{text.zh[start:end]}”")
    return excerpts


def stray_spaces(text: str) -> list[str]:
    """Excerpts around each stray space in Chinese text (see CJK_SPACE)."""
    excerpts = []
    for line in text.splitlines():
        line = line.strip()
        for match in CJK_SPACE.finditer(line):
            start, end = max(0, match.start() - 6), min(len(line), match.end() + 6)
            excerpts.append(f"“{line[start:end]}”")
    return excerpts


_WORD = re.compile(r"[A-Za-z]{2,}[,.;:!?]?|[A-Za-z]+'[a-z]+[,.;:!?]?")
_CODE_SPAN = re.compile(r"`[^`]*`|\"[^\"]*\"|'[^'\s]*'")
_NOT_WORDS = {"nan", "inf", "True", "False", "None"}
"""Values, not words: a printed tensor of nans is not untranslated English."""
ENGLISH_RUN = 3
"""Consecutive English words that make an untranslated phrase (code and names aside)."""


def english_phrases(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """Runs of `ENGLISH_RUN` or more plain English words in text meant to be Chinese: what was
    left untranslated. Code (anything quoted, identifiers with _ . ( = [ or digits) breaks a
    run, as do Chinese characters; phrases in `allowed` (names, titles) are ignored."""
    for phrase in allowed:
        text = text.replace(phrase, " ")
    text = _CODE_SPAN.sub(" ", text)
    text = re.sub(rf"[{_CJK}{_CJK_PUNCTUATION}]", " \n ", text)
    found = []
    for chunk in text.split("\n"):
        run: list[str] = []
        for token in [*chunk.split(), ""]:
            if token and _WORD.fullmatch(token) and token.rstrip(",.;:!?") not in _NOT_WORDS:
                run.append(token)
                continue
            if len(run) >= ENGLISH_RUN:
                found.append(" ".join(run))
            run = []
    return found
