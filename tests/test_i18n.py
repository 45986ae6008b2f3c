"""Chinese everywhere: every label has its Chinese, every screen of the app and the commands
show no English prose in zh mode, and no module outside the i18n layer hard-codes Chinese.

"English prose" is what `quality.english_phrases` finds: three or more plain English words in
a row (code, identifiers, numbers, names and quoted text aside).
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest

from conftest import make_workspace
from kdquiz.catalog import load_catalog
from kdquiz.cli import main
from kdquiz.i18n import KEYS, LABELS, TOPICS
from kdquiz.quality import english_phrases, stray_spaces
from kdquiz.tui.app import KDQuizApp

PACKAGE = Path(__file__).resolve().parents[1] / "kdquiz"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
REFERENCE = re.compile(r"^\s*· .*\(\d{4}\)")
"""A reference line ("· Mirzadeh et al. (2020). Improved Knowledge Distillation via …"):
paper titles stay as published."""


def prose(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if not REFERENCE.match(line)]
    return english_phrases("\n".join(lines))


def test_every_label_has_its_chinese() -> None:
    for table in (LABELS, KEYS, TOPICS):
        for key, (en, zh) in table.items():
            assert en and zh, key
            assert not prose(zh), (key, zh)
            assert not stray_spaces(zh), (key, zh)
            assert set(re.findall(r"\{(\w+)", en)) == set(re.findall(r"\{(\w+)", zh)), key


def test_the_catalogue_and_tasks_have_their_chinese() -> None:
    for exercise in load_catalog():
        assert CHINESE.search(exercise.title_in("zh")), exercise.id
        assert CHINESE.search(exercise.summary_in("zh")), exercise.id
        assert all(CHINESE.search(exercise.hint_in(i, "zh")) for i in range(len(exercise.hints)))
        assert CHINESE.search(exercise.task_zh_path.read_text(encoding="utf-8")), exercise.id


def _string_constants(path: Path) -> list[str]:
    """The string literals of a module, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip


def test_no_module_outside_the_i18n_layer_hard_codes_chinese() -> None:
    """Wording lives in kdquiz/i18n.py (keyed by meaning); the hidden suites carry their own
    messages in both languages; textlayout knows which punctuation may not start a line."""
    allowed = {PACKAGE / "i18n.py", PACKAGE / "textlayout.py"}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in allowed or "checks" in path.parts:
            continue
        for text in _string_constants(path):
            # ("中文" names the language; a text with "-" is a character class like "一-鿿")
            if CHINESE.search(text) and text not in ("中文", "中文/EN") and "-" not in text:
                offenders.append(f"{path.relative_to(PACKAGE)}: {text[:40]!r}")
    assert offenders == []


# ---------------------------------------------------------------------- the app


def screen_text(app: KDQuizApp) -> str:
    """What the terminal shows, as text (from the SVG Textual renders)."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for match in re.finditer(
        r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg
    ):
        x, y, text = float(match[1]), float(match[2]), html.unescape(match[3])
        rows.setdefault(y, []).append((x, text))
    return "\n".join(
        "".join(text for _, text in sorted(row)).replace("\xa0", " ")
        for _, row in sorted(rows.items())
    )


async def test_every_screen_speaks_chinese(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", "exercises")
    app = KDQuizApp(workspace=ws, lang="zh")
    found: dict[str, list[str]] = {}
    async with app.run_test(size=(100, 32)) as pilot:

        async def visit(name: str, *keys: str) -> None:
            for key in keys:
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause()
            phrases = prose(screen_text(app))
            if phrases:
                found[name] = phrases

        await app.workers.wait_for_complete()
        await pilot.pause()
        await visit("home")
        await visit("help", "f1")
        await visit("home again", "escape")
        await visit("review", "r")
        await visit("review answered", "1")
        await visit("back", "escape")
        await visit("browse", "b")
        await visit("back", "escape")
        await visit("statistics", "s")
        await visit("back", "escape")
        await visit("settings", "o")
        await visit("back", "escape")
        await visit("exercises: task", "e")
        await visit("exercises: check", "right")
        await visit("exercises: hints", "right", "h")
        await visit("exercises: reset dialog", "r")
        await visit("exercises", "escape")
        await visit("solution dialog", "s")
        await visit("exercises", "escape")
        await visit("back", "escape")
        await visit("lab", "l")
        await visit("lab: fetch dialog", "f")  # (the lab again where MovieLens is installed)
        await visit("lab again", "escape")
        await visit("palette", "ctrl+p")
        await visit("back", "escape")
    assert found == {}


# ---------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["where"],
        ["hint", "exercise_2"],
        ["fsrs"],
        ["check", "exercise_1"],
        ["validate"],
        ["data", "list"],
    ],
    ids=lambda args: args[0],
)
def test_every_command_speaks_chinese(capsys, stub_workspace: Path, args: list[str]) -> None:
    main(["--lang", "zh", *args, "--workspace", str(stub_workspace)] if args[0] != "validate"
         else ["--lang", "zh", *args])  # fmt: skip
    out, err = capsys.readouterr()
    assert CHINESE.search(out + err)
    assert prose(out + err) == []
