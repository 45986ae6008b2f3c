"""Learner-facing text in English and Chinese, for the hidden suites' messages.

A `Bilingual` is a str (the English, so everything that handles messages as strings keeps
working) that also carries its Chinese as `.zh`. `say` builds one from two templates; values
filling the placeholders may be bilingual themselves, each language taking its own version, so
messages compose: `say("{what} is wrong.", "{what}不对。", what=say("the loss", "损失"))`.
Plain values (code, numbers, shapes) read the same in both languages.
"""

from __future__ import annotations

from typing import Any


class Bilingual(str):
    """English text (the str itself) with its Chinese version in `.zh`."""

    zh: str

    def __new__(cls, en: str, zh: str) -> Bilingual:
        text = super().__new__(cls, en)
        text.zh = zh
        return text

    def __add__(self, other: object) -> Bilingual:  # type: ignore[override]
        return Bilingual(str(self) + str(other), self.zh + zh_of(other))

    def __radd__(self, other: object) -> Bilingual:
        return Bilingual(str(other) + str(self), zh_of(other) + self.zh)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Bilingual, (str(self), self.zh))


def zh_of(text: object) -> str:
    """The Chinese of `text` when it has one, else the text itself (code, numbers, names)."""
    return text.zh if isinstance(text, Bilingual) else str(text)


def say(en: str, zh: str, /, **values: object) -> Bilingual:
    """Both languages of a message; `{name}` placeholders are filled with `values`, each
    language with its own version of a bilingual value."""
    return Bilingual(
        en.format(**{k: str(v) for k, v in values.items()}),
        zh.format(**{k: zh_of(v) for k, v in values.items()}),
    )


def join(parts: list[Any], en_sep: str, zh_sep: str) -> Bilingual:
    """Parts joined with a separator of each language (e.g. "; or: " and "；或者：")."""
    return Bilingual(en_sep.join(map(str, parts)), zh_sep.join(zh_of(p) for p in parts))


def worded(key: str, **values: object) -> Bilingual:
    """The i18n label `key` in both languages, filled in like `say`."""
    from kdquiz.i18n import LABELS

    en, zh = LABELS[key]
    return say(en, zh, **values)
