"""Question banks: loading, validation messages with file/line/id/field, user banks."""

from __future__ import annotations

from pathlib import Path

from kdquiz.bank import builtin_bank_dir, load_banks, load_file, user_bank_dirs
from kdquiz.catalog import exercise_ids

GOOD = """\
- id: why-t-squared
  topic: loss-design
  type: choice
  difficulty: 2
  prompt: {en: "Why T²?", zh: "为什么乘 T²？"}
  choices:
    - {en: "Keeps gradients comparable", zh: "保持梯度量级"}
    - {en: "Makes the loss positive", zh: "让损失为正"}
  answer: 0
  explanation: {en: "Soft gradients scale as 1/T².", zh: "软目标梯度按 1/T² 缩小。"}
  references: ["Hinton, Vinyals, Dean (2015). Distilling the Knowledge in a Neural Network."]
  related_exercise: exercise_1
- id: what-is-kd
  topic: kd-fundamentals
  type: open
  difficulty: 1
  prompt: {en: "What is KD?", zh: "什么是知识蒸馏？"}
  model_answer: {en: "A student mimics a teacher.", zh: "学生模型模仿教师模型。"}
  key_points:
    - {en: "soft targets", zh: "软目标"}
    - {en: "teacher and student", zh: "教师与学生"}
  explanation: {en: "See Hinton 2015.", zh: "见 Hinton 2015。"}
  references: ["Hinton et al. (2015)"]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def messages(problems) -> list[str]:
    return [str(p) for p in problems]


def test_good_bank_loads_typed_questions(tmp_path: Path) -> None:
    questions, problems = load_file(write(tmp_path, "good.yaml", GOOD), set(exercise_ids()))
    assert problems == []
    choice, open_question = questions
    assert choice.answer == (0,) and choice.choices[1].get("zh") == "让损失为正"
    assert choice.related_exercise == "exercise_1" and choice.line == 1
    assert open_question.type == "open" and len(open_question.key_points) == 2
    assert open_question.prompt.get("en") == "What is KD?" and open_question.line == 13


def test_problems_name_file_line_id_and_field(tmp_path: Path) -> None:
    bad = GOOD.replace("  answer: 0\n", "  answer: 5\n").replace('zh: "什么是知识蒸馏？"', 'zh: ""')
    path = write(tmp_path, "bad.yaml", bad)
    questions, problems = load_file(path, set(exercise_ids()))
    assert questions == []
    assert messages(problems) == [
        f"{path}:9: why-t-squared: answer: index 5 out of range (2 choices, 0-based)",
        f"{path}:17: what-is-kd: prompt: missing or empty text for zh",
    ]


def test_missing_fields_and_wrong_types(tmp_path: Path) -> None:
    text = """\
- id: Not_Kebab
  topic: t
  type: essay
  difficulty: 7
  prompt: {en: "x", zh: "y"}
  explanation: {en: "x", zh: "y"}
  references: []
  colour: blue
"""
    path = write(tmp_path, "b.yaml", text)
    _, problems = load_file(path)
    found = messages(problems)
    assert f"{path}:8: Not_Kebab: colour: unknown field" in found
    assert any("id: must be kebab-case" in m for m in found)
    assert any(":3: Not_Kebab: type: must be one of choice, multi, open" in m for m in found)
    assert any(":4: Not_Kebab: difficulty: must be 1, 2 or 3" in m for m in found)
    assert any("references: must be a non-empty list" in m for m in found)


def test_choice_and_open_rules(tmp_path: Path) -> None:
    text = GOOD.replace("type: choice", "type: multi").replace(
        "  model_answer:", "  answer: 1\n  model_answer:"
    )
    _, problems = load_file(write(tmp_path, "c.yaml", text))
    found = messages(problems)
    assert any("why-t-squared: answer: a multi question needs a non-empty list" in m for m in found)
    assert any("what-is-kd: answer: not allowed for type open" in m for m in found)


def test_open_needs_two_key_points(tmp_path: Path) -> None:
    text = GOOD.replace('    - {en: "teacher and student", zh: "教师与学生"}\n', "")
    _, problems = load_file(write(tmp_path, "k.yaml", text))
    assert any("key_points: needs at least 2 entries, has 1" in m for m in messages(problems))


def test_invalid_yaml_reports_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "- id: a\n  prompt: {en: 'x'\n  topic: t\n")
    _, problems = load_file(path)
    assert len(problems) == 1
    assert str(problems[0]).startswith(f"{path}:")
    assert "invalid YAML" in str(problems[0])


def test_not_a_list_and_empty_file(tmp_path: Path) -> None:
    _, problems = load_file(write(tmp_path, "m.yaml", "id: x\n"))
    assert "a bank must be a YAML list of questions" in str(problems[0])
    _, problems = load_file(write(tmp_path, "e.yaml", ""))
    assert "the file is empty" in str(problems[0])


def test_unknown_related_exercise(tmp_path: Path) -> None:
    text = GOOD.replace("related_exercise: exercise_1", "related_exercise: exercise_99")
    _, problems = load_file(write(tmp_path, "r.yaml", text), set(exercise_ids()))
    assert any("related_exercise: unknown exercise 'exercise_99'" in m for m in messages(problems))


def test_duplicate_ids_across_files_keep_the_first(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    bank, problems = load_banks([tmp_path])
    assert [q.id for q in bank.questions] == ["why-t-squared", "what-is-kd"]
    assert len(problems) == 2
    assert all("duplicate id (first defined in" in str(p) for p in problems)


def test_bad_user_bank_is_skipped_not_fatal(tmp_path: Path) -> None:
    user = tmp_path / "mine"
    user.mkdir()
    write(user, "broken.yaml", "- [unclosed\n")
    bank, problems = load_banks([builtin_bank_dir(), user], set(exercise_ids()))
    builtin, _ = load_banks([builtin_bank_dir()], set(exercise_ids()))
    assert len(bank.questions) == len(builtin.questions) > 0
    assert len(problems) == 1 and "broken.yaml" in str(problems[0])


def test_user_bank_dirs_from_flag_and_env(tmp_path: Path) -> None:
    env = {"KDQUIZ_QUESTIONS": f"{tmp_path / 'a'}:{tmp_path / 'b'}"}
    assert user_bank_dirs([tmp_path / "flag"], env) == [
        tmp_path / "flag", tmp_path / "a", tmp_path / "b",
    ]  # fmt: skip


def test_builtin_bank_is_valid() -> None:
    bank, problems = load_banks([builtin_bank_dir()], set(exercise_ids()))
    assert messages(problems) == []
    assert len(bank.questions) >= 30
    interview = {"what-is-kd", "kd-applications-recsys", "extract-teacher-knowledge",
                 "train-student-methods", "evaluate-student"}  # fmt: skip
    by_id = {q.id: q for q in bank.questions}
    assert interview <= by_id.keys()
    assert all(by_id[i].type == "open" for i in interview)


def test_a_choice_can_be_pinned_and_pin_must_be_a_boolean(tmp_path: Path) -> None:
    pinned = GOOD.replace(
        '    - {en: "Makes the loss positive", zh: "让损失为正"}\n',
        '    - {en: "Makes the loss positive", zh: "让损失为正"}\n'
        '    - {en: "None of the above", zh: "以上都不对", pin: true}\n',
    )
    questions, problems = load_file(write(tmp_path, "pinned.yaml", pinned))
    assert problems == [] and questions[0].pinned == (2,)
    bad = pinned.replace("pin: true", "pin: yes please")
    _, problems = load_file(write(tmp_path, "bad.yaml", bad))
    assert [str(p.message) for p in problems] == ["pin must be true or false, got 'yes please'"]
