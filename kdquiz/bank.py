"""Question banks: YAML files of questions -> typed, validated dataclasses.

Validation reports every problem with the file, the line where possible, the question id and the
field, so `kdquiz validate` can point an author straight at it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from kdquiz.i18n import Message
from kdquiz.paths import content_dir

QuestionType = Literal["choice", "multi", "open"]
LANGUAGES = ("en", "zh")
TYPES = ("choice", "multi", "open")
ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
FIELDS = {
    "id", "topic", "type", "difficulty", "prompt", "choices", "answer", "model_answer",
    "key_points", "explanation", "references", "related_exercise", "follow_ups",
}  # fmt: skip
MAX_FOLLOW_UPS = 3
"""An interviewer asks at most this many follow-ups straight after one question."""


@dataclass(frozen=True)
class Text:
    """A text in every supported language."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    type: QuestionType
    difficulty: int
    prompt: Text
    explanation: Text
    references: tuple[str, ...]
    choices: tuple[Text, ...] = ()
    answer: tuple[int, ...] = ()
    """Indices of the correct choices (one for `choice`)."""
    model_answer: Text | None = None
    key_points: tuple[Text, ...] = ()
    related_exercise: str | None = None
    source: Path = Path()
    line: int = 0
    pinned: tuple[int, ...] = ()
    """Indices of choices marked `pin: true` (e.g. "none of the above"): never shuffled."""
    follow_ups: tuple[str, ...] = ()
    """Ids of the questions an interviewer asks next, once this one is answered (in order)."""


@dataclass(frozen=True)
class Problem:
    """One validation problem, printed as `file:line: id: field: message`."""

    file: Path
    line: int | None
    question_id: str | None
    field: str | None
    message: Message

    def text(self, lang: str = "en") -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        parts = [where, self.question_id, self.field, self.message.text(lang)]
        return ": ".join(p for p in parts if p)

    def __str__(self) -> str:
        return self.text("en")


@dataclass
class QuestionBank:
    questions: list[Question] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def by_id(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def follow_up_chain(
        self, question: Question, limit: int = MAX_FOLLOW_UPS
    ) -> list[tuple[Question, Question]]:
        """The follow-ups an interviewer may ask after `question`, depth first (a follow-up's
        own follow-ups come straight after it), each once, at most `limit` of them: pairs of
        (follow-up, the question it follows up)."""
        chain: list[tuple[Question, Question]] = []
        seen = {question.id}

        def walk(parent: Question) -> None:
            for follow_id in parent.follow_ups:
                follow = self.by_id(follow_id)
                if follow is None or follow.id in seen or len(chain) >= limit:
                    continue
                seen.add(follow.id)
                chain.append((follow, parent))
                walk(follow)

        walk(question)
        return chain

    def by_topic(self) -> dict[str, list[Question]]:
        topics: dict[str, list[Question]] = {}
        for question in self.questions:
            topics.setdefault(question.topic, []).append(question)
        return topics


# ---------------------------------------------------------------------------- parsing


def _parse_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The document and its node tree (for line numbers), parsed once with libyaml if present."""
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(path.read_text(encoding="utf-8"))
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def _key_lines(node: yaml.Node | None) -> dict[str, int]:
    """1-based line of each key of a mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        str(key.value): key.start_mark.line + 1
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    }


class _Checker:
    """Collects problems while turning one raw question mapping into a Question."""

    def __init__(self, path: Path, raw: Mapping[str, Any], node: yaml.Node | None) -> None:
        self.path, self.raw = path, raw
        self.line = node.start_mark.line + 1 if node is not None else None
        self.lines = _key_lines(node)
        qid = raw.get("id")
        self.qid = qid if isinstance(qid, str) else None
        self.problems: list[Problem] = []

    def problem(self, field_name: str | None, message: Message) -> None:
        line = self.lines.get(field_name or "", self.line)
        self.problems.append(Problem(self.path, line, self.qid, field_name, message))

    def text(self, value: Any, field_name: str) -> Text | None:
        if not isinstance(value, Mapping):
            self.problem(field_name, Message("bank_text_mapping"))
            return None
        missing = [lang for lang in LANGUAGES if not str(value.get(lang) or "").strip()]
        if missing:
            self.problem(field_name, Message("bank_text_missing", langs=", ".join(missing)))
            return None
        return Text(en=str(value["en"]).strip(), zh=str(value["zh"]).strip())

    def texts(self, value: Any, field_name: str, minimum: int, maximum: int) -> tuple[Text, ...]:
        if not isinstance(value, list):
            self.problem(field_name, Message("bank_must_be_list"))
            return ()
        if not minimum <= len(value) <= maximum:
            key = "bank_entries_min" if maximum > 99 else "bank_entries"
            self.problem(field_name, Message(key, low=minimum, high=maximum, n=len(value)))
        items = [self.text(item, f"{field_name}[{i}]") for i, item in enumerate(value)]
        return tuple(item for item in items if item is not None)


def _build_question(
    path: Path, raw: Any, node: yaml.Node | None, exercises: set[str] | None
) -> tuple[Question | None, list[Problem]]:
    if not isinstance(raw, Mapping):
        line = node.start_mark.line + 1 if node is not None else None
        return None, [Problem(path, line, None, None, Message("bank_entry_mapping"))]
    c = _Checker(path, raw, node)
    for name in sorted(set(map(str, raw)) - FIELDS):
        c.problem(name, Message("bank_unknown_field"))
    for name in ("id", "topic", "type", "difficulty", "prompt", "explanation", "references"):
        if name not in raw:
            c.problem(name, Message("bank_missing_field"))
    if "id" in raw and not (isinstance(raw["id"], str) and ID_PATTERN.fullmatch(raw["id"])):
        c.problem("id", Message("bank_bad_id", got=repr(raw["id"])))
    topic = raw.get("topic")
    if "topic" in raw and not (isinstance(topic, str) and ID_PATTERN.fullmatch(topic)):
        c.problem("topic", Message("bank_bad_topic", got=repr(topic)))
    qtype = raw.get("type")
    if "type" in raw and qtype not in TYPES:
        c.problem("type", Message("bank_bad_type", types=", ".join(TYPES), got=repr(qtype)))
    difficulty = raw.get("difficulty")
    if "difficulty" in raw and difficulty not in (1, 2, 3):
        c.problem("difficulty", Message("bank_bad_difficulty", got=repr(difficulty)))
    prompt = c.text(raw["prompt"], "prompt") if "prompt" in raw else None
    explanation = c.text(raw["explanation"], "explanation") if "explanation" in raw else None
    references = raw.get("references")
    if "references" in raw and not (
        isinstance(references, list)
        and references
        and all(isinstance(r, str) and r.strip() for r in references)
    ):
        c.problem("references", Message("bank_bad_references"))
    related = raw.get("related_exercise")
    if related is not None and exercises is not None and related not in exercises:
        c.problem("related_exercise", Message("bank_unknown_exercise", got=repr(related)))

    follow_ups = _check_follow_ups(c, raw.get("follow_ups"), "follow_ups" in raw)
    choices: tuple[Text, ...] = ()
    answer: tuple[int, ...] = ()
    model_answer = None
    key_points: tuple[Text, ...] = ()
    pinned: tuple[int, ...] = ()
    if qtype in ("choice", "multi"):
        for name in ("model_answer", "key_points"):
            if name in raw:
                c.problem(name, Message("bank_not_allowed", type=qtype))
        if "choices" not in raw:
            c.problem("choices", Message("bank_missing_field"))
        else:
            choices = c.texts(raw["choices"], "choices", 2, 6)
            pinned = _pinned(c, raw["choices"])
        answer = _check_answer(c, qtype, raw.get("answer"), len(raw.get("choices") or []))
    elif qtype == "open":
        for name in ("choices", "answer"):
            if name in raw:
                c.problem(name, Message("bank_not_allowed", type="open"))
        if "model_answer" not in raw:
            c.problem("model_answer", Message("bank_missing_field"))
        else:
            model_answer = c.text(raw["model_answer"], "model_answer")
        if "key_points" not in raw:
            c.problem("key_points", Message("bank_missing_field"))
        else:
            key_points = c.texts(raw["key_points"], "key_points", 2, 999)

    if c.problems or prompt is None or explanation is None:
        return None, c.problems
    # No problems were found, so the raw fields have the types checked above.
    question = Question(
        id=raw["id"],
        topic=cast(str, topic),
        type=cast(QuestionType, qtype),
        difficulty=cast(int, difficulty),
        prompt=prompt,
        explanation=explanation,
        references=tuple(r.strip() for r in cast(list[str], references)),
        choices=choices,
        answer=answer,
        model_answer=model_answer,
        key_points=key_points,
        related_exercise=related,
        source=path,
        line=c.line or 0,
        pinned=pinned,
        follow_ups=follow_ups,
    )
    return question, []


def _check_follow_ups(c: _Checker, value: Any, present: bool) -> tuple[str, ...]:
    """A list of 1 to MAX_FOLLOW_UPS distinct question ids, not the question's own (whether
    they exist is checked once every file is loaded)."""
    if not present:
        return ()
    if not (
        isinstance(value, list)
        and 1 <= len(value) <= MAX_FOLLOW_UPS
        and all(isinstance(v, str) and ID_PATTERN.fullmatch(v) for v in value)
    ):
        c.problem(
            "follow_ups", Message("bank_bad_follow_ups", most=MAX_FOLLOW_UPS, got=repr(value))
        )
        return ()
    if len(set(value)) != len(value) or c.qid in value:
        c.problem("follow_ups", Message("bank_follow_up_repeated", got=repr(value)))
        return ()
    return tuple(value)


def _pinned(c: _Checker, raw_choices: Any) -> tuple[int, ...]:
    """Indices of the choices with `pin: true`; `pin` must be a boolean."""
    pinned = []
    for index, item in enumerate(raw_choices if isinstance(raw_choices, list) else []):
        if not isinstance(item, Mapping) or "pin" not in item:
            continue
        if not isinstance(item["pin"], bool):
            c.problem(f"choices[{index}]", Message("bank_bad_pin", got=repr(item["pin"])))
        elif item["pin"]:
            pinned.append(index)
    return tuple(pinned)


def _check_answer(c: _Checker, qtype: str, answer: Any, n_choices: int) -> tuple[int, ...]:
    if answer is None:
        c.problem("answer", Message("bank_missing_field"))
        return ()
    indices = answer if isinstance(answer, list) else [answer]
    if qtype == "choice" and isinstance(answer, list):
        c.problem("answer", Message("bank_one_answer"))
        return ()
    if qtype == "multi" and not (isinstance(answer, list) and answer):
        c.problem("answer", Message("bank_multi_answers"))
        return ()
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in indices):
        c.problem("answer", Message("bank_int_answers", got=repr(answer)))
        return ()
    if len(set(indices)) != len(indices):
        c.problem("answer", Message("bank_repeated_answer", got=repr(answer)))
    bad = [i for i in indices if not 0 <= i < n_choices]
    if bad:
        c.problem("answer", Message("bank_answer_range", index=bad[0], n=n_choices))
        return ()
    return tuple(sorted(indices))


# ---------------------------------------------------------------------------- loading


def bank_files(paths: Iterable[Path]) -> list[Path]:
    """YAML files named directly or found (recursively, sorted) in the given folders."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            files.append(path)
    return files


def load_file(
    path: Path, exercises: set[str] | None = None
) -> tuple[list[Question], list[Problem]]:
    """Parse and validate one bank file; invalid questions are left out and reported."""
    try:
        data, root = _parse_yaml(path)
    except FileNotFoundError:
        return [], [Problem(path, None, None, None, Message("bank_no_file"))]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(path, None, None, None, Message("bank_unreadable", why=exc))]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        return [], [Problem(path, line, None, None, Message("bank_bad_yaml", why=reason))]
    if data is None:
        return [], [Problem(path, None, None, None, Message("bank_empty"))]
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        return [], [Problem(path, 1, None, None, Message("bank_not_list"))]
    questions, problems = [], []
    for raw, node in zip(data, root.value, strict=True):
        question, found = _build_question(path, raw, node, exercises)
        problems += found
        if question is not None:
            questions.append(question)
    return questions, problems


def user_bank_dirs(extra: Iterable[Path] = (), env: Mapping[str, str] | None = None) -> list[Path]:
    """Folders given with --questions, then those in KDQUIZ_QUESTIONS (os.pathsep-separated)."""
    env = os.environ if env is None else env
    from_env = [
        Path(p).expanduser() for p in env.get("KDQUIZ_QUESTIONS", "").split(os.pathsep) if p
    ]
    return [*extra, *from_env]


def load_banks(
    paths: Iterable[Path], exercises: set[str] | None = None, known_ids: Iterable[str] = ()
) -> tuple[QuestionBank, list[Problem]]:
    """Load every bank file under `paths`; duplicate ids after the first are problems, and so
    are follow-ups naming a question neither loaded nor in `known_ids`."""
    bank = QuestionBank()
    problems: list[Problem] = []
    seen: dict[str, Question] = {}
    for path in bank_files(paths):
        questions, found = load_file(path, exercises)
        problems += found
        bank.files.append(path)
        for question in questions:
            first = seen.get(question.id)
            if first is not None:
                problems.append(
                    Problem(
                        path,
                        question.line,
                        question.id,
                        "id",
                        Message("bank_duplicate", where=f"{first.source}:{first.line}"),
                    )  # fmt: skip
                )
                continue
            seen[question.id] = question
            bank.questions.append(question)
    problems += _link_follow_ups(bank, set(known_ids))
    return bank, problems


def _link_follow_ups(bank: QuestionBank, known_ids: set[str]) -> list[Problem]:
    """Every follow-up must name a question of the bank (or of `known_ids`, banks loaded
    beside it), and no chain may lead back to where it started. A bad link is reported and
    dropped; the question itself stays."""
    problems: list[Problem] = []
    ids = {q.id for q in bank.questions}

    def bad(question: Question, message: Message) -> None:
        problems.append(Problem(question.source, question.line, question.id, "follow_ups", message))

    for index, question in enumerate(bank.questions):
        unknown = [f for f in question.follow_ups if f not in ids and f not in known_ids]
        for follow_id in unknown:
            bad(question, Message("bank_unknown_follow_up", got=follow_id))
        if unknown:
            kept = tuple(f for f in question.follow_ups if f not in unknown)
            bank.questions[index] = replace(question, follow_ups=kept)
    by_id = {q.id: q for q in bank.questions}
    for index, question in enumerate(bank.questions):
        looping = [f for f in question.follow_ups if _leads_to(by_id, f, question.id)]
        for follow_id in looping:
            bad(question, Message("bank_follow_up_cycle", got=follow_id))
        if looping:
            kept = tuple(f for f in question.follow_ups if f not in looping)
            bank.questions[index] = by_id[question.id] = replace(question, follow_ups=kept)
    return problems


def _leads_to(by_id: Mapping[str, Question], start: str, target: str) -> bool:
    """Whether following follow-ups from `start` reaches `target`."""
    stack, seen = [start], set()
    while stack:
        current = stack.pop()
        if current == target:
            return True
        if current in seen or current not in by_id:
            continue
        seen.add(current)
        stack.extend(by_id[current].follow_ups)
    return False


def builtin_bank_dir() -> Path:
    return content_dir("questions")
