"""Export the question bank as an Anki deck (.apkg), for learners who review in Anki.

Every question becomes one note: the front holds the prompt (and, for choice questions, the
options in file order), the back the answer, the explanation, key points and references. Notes
are tagged by topic, type and difficulty. A note's GUID is derived from its question id alone,
so importing a newer export updates the notes instead of adding duplicates, whatever the
language chosen.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import genanki

from kdquiz.bank import Question
from kdquiz.i18n import t

Lang = Literal["en", "zh", "both"]

MODEL_ID = 1_627_403_119
"""Fixed, so that every export uses the same note type (Anki matches note types by id)."""
DECK_ID = 1_627_403_120
LABELS = {
    lang: {name: t(f"anki_{name}", lang)
           for name in ("answer", "explanation", "key_points", "model_answer", "references")}
    for lang in ("en", "zh")
}  # fmt: skip
"""The back's headings (the deck is a file for Anki, outside the app's language setting)."""

MODEL = genanki.Model(
    MODEL_ID,
    "kdquiz question",
    fields=[{"name": "Id"}, {"name": "Front"}, {"name": "Back"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
        }
    ],
    css=".card { font-family: sans-serif; font-size: 18px; text-align: left; }"
    " ol { padding-left: 1.4em; } .refs { color: #777; font-size: 14px; }",
    sort_field_index=0,
)


def note_guid(question: Question) -> str:
    """Stable across exports and languages: re-importing updates the same note."""
    return str(genanki.guid_for("kdquiz", question.id))


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _front(question: Question, lang: str) -> str:
    parts = [f"<p>{_html(question.prompt.get(lang))}</p>"]
    if question.choices:
        items = "".join(f"<li>{_html(c.get(lang))}</li>" for c in question.choices)
        parts.append(f"<ol>{items}</ol>")
    return "".join(parts)


def _back(question: Question, lang: str) -> str:
    words = LABELS[lang]
    parts = []
    if question.choices:
        right = ", ".join(str(i + 1) for i in question.answer)
        texts = "<br>".join(_html(question.choices[i].get(lang)) for i in question.answer)
        parts.append(f"<p><b>{words['answer']}: {right}</b><br>{texts}</p>")
    if question.model_answer is not None:
        parts.append(
            f"<p><b>{words['model_answer']}</b><br>{_html(question.model_answer.get(lang))}</p>"
        )
    if question.key_points:
        items = "".join(f"<li>{_html(p.get(lang))}</li>" for p in question.key_points)
        parts.append(f"<p><b>{words['key_points']}</b></p><ul>{items}</ul>")
    parts.append(f"<p><b>{words['explanation']}</b><br>{_html(question.explanation.get(lang))}</p>")
    references = "<br>".join(_html(r) for r in question.references)
    parts.append(f'<p class="refs"><b>{words["references"]}</b><br>{references}</p>')
    return "".join(parts)


def _side(question: Question, lang: Lang, side: str) -> str:
    render = _front if side == "front" else _back
    if lang == "both":
        return render(question, "en") + "<hr>" + render(question, "zh")
    return render(question, lang)


def build_deck(questions: Iterable[Question], lang: Lang = "en") -> genanki.Deck:
    deck = genanki.Deck(DECK_ID, "kdquiz::Knowledge distillation for recommender systems")
    for question in questions:
        deck.add_note(
            genanki.Note(
                model=MODEL,
                fields=[question.id, _side(question, lang, "front"), _side(question, lang, "back")],
                tags=[
                    "kdquiz",
                    question.topic,
                    question.type,
                    f"difficulty::{question.difficulty}",
                ],
                guid=note_guid(question),
            )
        )
    return deck


def export_anki(questions: Iterable[Question], path: Path, lang: Lang = "en") -> int:
    """Write the deck to `path` (an .apkg file); returns the number of notes."""
    deck = build_deck(questions, lang)
    genanki.Package(deck).write_to_file(str(path))
    return len(deck.notes)
