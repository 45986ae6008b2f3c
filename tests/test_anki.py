"""`kdquiz export anki`: the .apkg is what Anki reads (a zip holding a SQLite collection) with
one note per question, its fields, tags, and GUIDs that stay the same across exports."""

from __future__ import annotations

import html
import sqlite3
import zipfile
from pathlib import Path

import pytest

from kdquiz.anki import note_guid
from kdquiz.bank import builtin_bank_dir, load_banks
from kdquiz.cli import main


def notes(path: Path, tmp_path: Path) -> dict[str, tuple[str, list[str], set[str]]]:
    """{question id: (guid, fields, tags)} read back from the package's collection."""
    with zipfile.ZipFile(path) as package:
        assert "collection.anki2" in package.namelist()
        package.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        rows = db.execute("SELECT guid, flds, tags FROM notes").fetchall()
    found = {}
    for guid, fields, tags in rows:
        values = fields.split("\x1f")
        found[values[0]] = (guid, values, set(tags.split()))
    return found


@pytest.mark.parametrize("lang", ["en", "zh", "both"])
def test_every_question_is_a_note_with_its_answer_tags_and_stable_guid(
    lang: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = load_banks([builtin_bank_dir()])[0].questions
    deck = tmp_path / f"kd-{lang}.apkg"
    assert main(["export", "anki", str(deck), "--lang", lang]) == 0
    assert f"Wrote {len(questions)} notes" in capsys.readouterr().out
    found = notes(deck, tmp_path)
    assert set(found) == {q.id for q in questions}
    for question in questions:
        guid, (_, front, back), tags = found[question.id]
        assert guid == note_guid(question)
        assert {"kdquiz", question.topic, question.type} <= tags
        assert f"difficulty::{question.difficulty}" in tags
        shown = [question.prompt.en] * (lang != "zh") + [question.prompt.zh] * (lang != "en")
        assert all(html.escape(text[:30]).replace("\n", "<br>") in front for text in shown)
        if question.choices:
            assert front.count("<li>") == len(question.choices) * (2 if lang == "both" else 1)
            right = ", ".join(str(i + 1) for i in question.answer)
            assert f": {right}</b>" in back
        else:
            assert ("Model answer" in back) == (lang != "zh")
            assert ("参考答案" in back) == (lang != "en")


def test_guids_survive_a_new_export_and_a_new_language(tmp_path: Path) -> None:
    first, second = tmp_path / "a.apkg", tmp_path / "b.apkg"
    assert main(["export", "anki", str(first), "--lang", "en"]) == 0
    assert main(["export", "anki", str(second), "--lang", "zh"]) == 0
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    old = {qid: guid for qid, (guid, _, _) in notes(first, tmp_path / "a").items()}
    new = {qid: guid for qid, (guid, _, _) in notes(second, tmp_path / "b").items()}
    assert old == new and len(set(old.values())) == len(old)


def test_a_file_that_is_not_an_apkg_or_cannot_be_written_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "anki", str(tmp_path / "deck.txt")]) == 2
    assert "ends in .apkg" in capsys.readouterr().err
    assert main(["export", "anki", str(tmp_path / "missing" / "deck.apkg")]) == 1
    assert "is not a folder" in capsys.readouterr().err
