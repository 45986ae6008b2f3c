"""The app's core flows with Pilot: home, review sessions, language, help, persistence."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Static, TextArea

from conftest import record_check_of
from kdquiz.bank import Question
from kdquiz.catalog import load_catalog
from kdquiz.progress import ProgressStore
from kdquiz.tui.app import KDQuizApp
from kdquiz.tui.screens.help import HelpScreen
from kdquiz.tui.screens.home import HomeScreen
from kdquiz.tui.screens.review import ReviewScreen

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def make_app(workspace: Path, **kwargs: object) -> KDQuizApp:
    return KDQuizApp(workspace=workspace, clock=lambda: NOW, **kwargs)  # type: ignore[arg-type]


def text_of(app: KDQuizApp, selector: str) -> str:
    """The text a widget shows, as laid out on screen (wrapped lines joined by newlines)."""
    widget = app.screen.query_one(selector, Static)
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(line.text.rstrip() for line in lines).strip()


async def start(app: KDQuizApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()


async def settle(app: KDQuizApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let answer-saving workers finish and their results land on screen."""
    await app.workers.wait_for_complete()
    await pilot.pause()


async def answer(pilot, question: Question, right: bool) -> None:  # type: ignore[no-untyped-def]
    """Answer whatever type of question is shown, right or wrong."""
    if question.type == "open":
        await pilot.press("ctrl+r", "3" if right else "1")
        return
    wrong = next(i for i in range(len(question.choices)) if i not in question.answer)
    picks = question.answer if right else (wrong,)
    await pilot.press(*[pilot.app.screen.key_for(i) for i in picks])
    if question.type == "multi":
        await pilot.press("enter")


def first_choices(app: KDQuizApp, n: int) -> list[Question]:
    """The first `n` single-choice questions of today's session."""
    assert app.data is not None
    return [q for q in app.data.deck.session() if q.type == "choice"][:n]


async def test_home_shows_due_new_exercises_and_streak(stub_workspace: Path) -> None:
    record_check_of(stub_workspace, "exercise_1", "pass", 5, 5)
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "0" in text_of(app, "#tile-due") and "Due today" in text_of(app, "#tile-due")
        assert "10" in text_of(app, "#tile-new")
        assert f"1/{len(load_catalog())}" in text_of(app, "#tile-exercises")
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_choice_question_right_then_wrong_updates_the_schedule(stub_workspace: Path) -> None:
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        app.push_screen(ReviewScreen(queue=first_choices(app, 2)))
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        first = screen.question
        assert first is not None and first.type == "choice"
        await pilot.press(screen.key_for(first.answer[0]))
        await settle(app, pilot)
        # The verdict stays in view in the action bar; the explanation follows the options.
        assert "✓ Correct" in text_of(app, "#review-actions")
        assert "Explanation" in text_of(app, "#feedback")
        palette = [command.title for command in app.get_system_commands(app.screen)]
        assert "Review: Submit / next" in palette and "Review: Reveal" not in palette
        assert "Next review: in 10 min" in text_of(app, "#review-actions")
        await pilot.press("enter")
        await settle(app, pilot)
        second = screen.question
        assert second is not None and second is not first and second.type == "choice"
        wrong = next(i for i in range(len(second.choices)) if i not in second.answer)
        await pilot.press(screen.key_for(wrong))
        await settle(app, pilot)
        verdict = text_of(app, "#review-actions")
        # The right answer is named as the learner saw it, in the shuffled order.
        shown = screen.key_for(second.answer[0])
        assert "✗ Not quite" in verdict and f"answer: {shown}" in verdict
    reviews = ProgressStore.default().reviews()
    assert [(r.question, r.rating, r.correct) for r in reviews] == [
        (first.id, 3, True),
        (second.id, 1, False),
    ]


async def test_enter_never_answers_for_the_learner(stub_workspace: Path) -> None:
    """Options start unhighlighted: enter alone explains the keys and records nothing; after
    moving to an option, enter answers with that one."""
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        app.push_screen(ReviewScreen(queue=first_choices(app, 1)))
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.question is not None
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.phase == "answer" and text_of(app, "#feedback") == ""
        assert ProgressStore.default().reviews() == []
        await pilot.press("down", "down", "enter")
        await settle(app, pilot)
        assert screen.phase == "feedback"
        assert screen.chosen == {screen.order[1]}
        assert len(ProgressStore.default().reviews()) == 1


async def test_undo_takes_an_answer_back_and_asks_again(stub_workspace: Path) -> None:
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        first, second = first_choices(app, 2)
        app.push_screen(ReviewScreen(queue=[first, second]))
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        wrong = next(i for i in range(len(first.choices)) if i not in first.answer)
        await pilot.press(screen.key_for(wrong), "enter")  # a slip, and on to the next
        await settle(app, pilot)
        assert screen.question is second and len(ProgressStore.default().reviews()) == 1
        await pilot.press("u")
        await settle(app, pilot)
        assert screen.question is first and screen.phase == "answer"
        assert ProgressStore.default().reviews() == [] and ProgressStore.default().cards() == {}
        await pilot.press(screen.key_for(first.answer[0]))
        await settle(app, pilot)
        assert "✓ Correct" in text_of(app, "#review-actions")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.question is second  # the session goes on where it was
        await pilot.press("u", "u")
        await settle(app, pilot)
    assert ProgressStore.default().reviews() == []


async def test_counts_and_waiting_for_a_learning_card_due_in_minutes(
    stub_workspace: Path,
) -> None:
    """With only a learning card minutes away, the session says when it is due and can wait
    for it, instead of "come back tomorrow"; the status line counts new, learning and due."""
    from datetime import timedelta

    from kdquiz.bank import builtin_bank_dir, load_banks
    from kdquiz.review import Deck

    now = [NOW]
    bank, _ = load_banks([builtin_bank_dir()])
    earlier = Deck(bank, ProgressStore.default(), clock=lambda: now[0])
    earlier.set_new_per_day(1)
    slip = earlier.session()[0]
    earlier.answer(slip, 1, False)  # Again: back in a minute or so
    now[0] = NOW + timedelta(seconds=20)
    app = KDQuizApp(workspace=stub_workspace, clock=lambda: now[0])
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.phase == "done"
        summary = text_of(app, "#prompt")
        assert "Nothing is due right now" in summary and "press w to wait" in summary
        assert "tomorrow" not in summary
        await pilot.press("w")
        now[0] = NOW + timedelta(minutes=15)
        await pilot.pause(1.5)
        assert screen.question is not None and screen.question.id == slip.id
        assert screen.phase == "answer"
        assert "0 new · 1 learning · 0 due" in text_of(app, "#review-status")


async def test_multi_select_toggles_then_submits(stub_workspace: Path) -> None:
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        deck = app.data.deck  # type: ignore[union-attr]
        multi = next(q for q in deck.bank.questions if q.type == "multi")
        app.push_screen(ReviewScreen(queue=[multi]))
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        for index in multi.answer:
            await pilot.press(screen.key_for(index))
        first = screen.key_for(multi.answer[0])
        await pilot.press(first, first)  # off and on again
        assert text_of(app, "#feedback") == "", "toggling must not submit"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "✓ Correct" in text_of(app, "#review-actions")
        assert deck.status(multi.id) == "learning"


async def test_open_question_reveal_and_self_grade(stub_workspace: Path) -> None:
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        deck = app.data.deck  # type: ignore[union-attr]
        question = next(q for q in deck.bank.questions if q.type == "open")
        app.push_screen(ReviewScreen(queue=[question]))
        await settle(app, pilot)
        palette = [command.title for command in app.get_system_commands(app.screen)]
        assert "Review: Reveal" in palette and "Review: Type an answer" in palette
        await pilot.press("a")
        await pilot.press(*"T squared 1")  # digits typed into the answer must not grade it
        assert app.screen.query_one("#open-answer", TextArea).text == "T squared 1"
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen), "escape leaves the answer box, not the session"
        assert ProgressStore.default().reviews() == []
        await pilot.press("a", "ctrl+r")  # revealed straight from the answer box
        await pilot.pause()
        feedback = text_of(app, "#feedback")
        assert "Your answer\nT squared 1" in feedback, "the typed answer sits above the model one"
        body = app.screen.query_one("#review-body")
        assert app.screen.focused is body, "the keyboard scrolls the model answer now"
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        assert "Model answer" in feedback and "Key points" in feedback
        actions = text_of(app, "#review-actions")
        assert "1 Again" in actions and "4 Easy" in actions
        await pilot.press("2")
        await settle(app, pilot)
        assert "Next review" in text_of(app, "#review-actions")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Session complete" in text_of(app, "#prompt")
    reviews = ProgressStore.default().reviews()
    assert [(r.question, r.rating, r.correct) for r in reviews] == [(question.id, 2, True)]


async def test_again_brings_the_question_back_in_the_same_session(stub_workspace: Path) -> None:
    ProgressStore.default().set_setting("new_per_day", "1")
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        question = screen.question
        assert question is not None and screen.queue == []
        assert "1 new · 0 learning · 0 due" in text_of(app, "#review-status")
        await answer(pilot, question, right=False)
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.question is question, "a wrong answer comes back before the session ends"
        assert "0 new · 1 learning · 0 due" in text_of(app, "#review-status")
        await answer(pilot, question, right=True)
        await settle(app, pilot)
    reviews = ProgressStore.default().reviews()
    assert [(r.question, r.correct) for r in reviews] == [(question.id, False), (question.id, True)]


async def test_progress_persists_across_restarts(stub_workspace: Path) -> None:
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        question = app.screen.question  # type: ignore[attr-defined]
        await answer(pilot, question, right=True)
        await settle(app, pilot)
        await pilot.press("ctrl+q")  # quit mid-session
    again = make_app(stub_workspace)
    async with again.run_test(size=(100, 32)) as pilot:
        await start(again, pilot)
        assert "9" in text_of(again, "#tile-new")
        assert "1 day\n" in text_of(again, "#tile-streak")
        assert again.data is not None and question.id in again.data.deck.cards


async def test_language_switch_is_remembered_and_lang_option_wins(stub_workspace: Path) -> None:
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        question = app.screen.question  # type: ignore[attr-defined]
        assert question.prompt.en.split()[0] in text_of(app, "#prompt")
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert app.lang == "zh"
        assert question.prompt.zh[:8] in text_of(app, "#prompt").replace("\n", "")
        assert "单选题" in text_of(app, "#review-status")
        footer = {a.binding.description for a in app.screen.active_bindings.values()}
        assert {"退出", "返回", "提交 / 下一题"} <= footer
    assert ProgressStore.default().get_setting("lang") == "zh"
    remembered = make_app(stub_workspace)
    async with remembered.run_test(size=(100, 32)) as pilot:
        await start(remembered, pilot)
        assert remembered.lang == "zh" and "今日待复习" in text_of(remembered, "#tile-due")
    explicit = make_app(stub_workspace, lang="en")
    async with explicit.run_test(size=(100, 32)) as pilot:
        await start(explicit, pilot)
        assert explicit.lang == "en" and "Due today" in text_of(explicit, "#tile-due")
    assert ProgressStore.default().get_setting("lang") == "en"


async def test_help_lists_the_keys_of_every_screen(stub_workspace: Path) -> None:
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = text_of(app, "Static")
        for expected in ("ctrl+q", "Review", "Browse", "Exercises", "Statistics", "Again / Hard"):
            assert expected in shown
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_palette_offers_every_main_action(stub_workspace: Path) -> None:
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for expected in ("Start a review session", "Browse questions", "Exercises workbench",
                         "Statistics", "Switch language (English / 中文)", "Help: every key",
                         "Settings"):  # fmt: skip
            assert expected in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Statistics")
        command.callback()
        await pilot.pause()
        assert type(app.screen).__name__ == "StatsScreen"


def test_the_app_and_cli_never_import_torch() -> None:
    code = (
        "import sys, kdquiz.cli, kdquiz.tui.app, kdquiz.checker.runner, kdquiz.checker.report\n"
        "import kdquiz.tui.screens.help as h; h.help_table()\n"
        "heavy = [m for m in ('torch', 'pytest', 'hypothesis') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_first_frame_does_not_wait_for_the_data_layers() -> None:
    """yaml, sqlite and fsrs load in the app's worker, after the home screen is drawn."""
    code = (
        "import sys, kdquiz.cli, kdquiz.tui.app, kdquiz.tui.screens.home\n"
        "early = [m for m in ('yaml', 'sqlite3', 'fsrs', 'kdquiz.bank') if m in sys.modules]\n"
        "assert not early, early\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_settings_change_the_daily_new_limit_and_language(stub_workspace: Path) -> None:
    from textual.widgets import Input, RadioButton

    from kdquiz.tui.screens.settings import SettingsScreen

    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        field = app.screen.query_one("#new-per-day", Input)
        field.value = "-4"
        await pilot.press("enter")
        assert isinstance(app.screen, SettingsScreen), "an invalid number is not saved"
        field.value = "3"
        retention = app.screen.query_one("#retention", Input)
        workload = app.screen.query_one("#workload", Static)
        assert retention.value == "0.90" and "reviews a day" in str(workload.render())
        at_90 = int(str(workload.render()).split("≈ ")[1].split()[0])
        retention.value = "0.99"
        await pilot.pause()
        await pilot.press("enter")
        assert isinstance(app.screen, SettingsScreen), "a retention out of range is not saved"
        retention.value = "0.97"
        await pilot.pause()
        assert int(str(workload.render()).split("≈ ")[1].split()[0]) > at_90
        chinese = next(b for b in app.screen.query(RadioButton) if b.name == "zh")
        chinese.value = True
        field.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.lang == "zh"
        assert "3" in text_of(app, "#tile-new")
    assert ProgressStore.default().get_setting("new_per_day") == "3"
    assert ProgressStore.default().get_setting("desired_retention") == "0.97"


async def test_practice_from_the_browser_returns_to_the_browser(stub_workspace: Path) -> None:
    from kdquiz.tui.screens.browse import BrowseScreen

    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        browser = app.screen
        assert isinstance(browser, BrowseScreen)
        app.push_screen(ReviewScreen(queue=first_choices(app, 1)))
        await settle(app, pilot)
        question = app.screen.question  # type: ignore[attr-defined]
        await pilot.press(app.screen.key_for(question.answer[0]))  # type: ignore[attr-defined]
        await settle(app, pilot)
        await pilot.press("enter")  # to the summary
        await pilot.press("enter")  # and back
        await settle(app, pilot)
        assert app.screen is browser
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_an_unusable_data_dir_is_explained_and_nothing_crashes(
    tmp_path: Path, stub_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("KDQUIZ_DATA_DIR", str(blocker / "data"))
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        for _ in range(50):  # the load worker fails (wait_for_complete would re-raise)
            await pilot.pause(0.05)
            if app.load_error:
                break
        await pilot.pause()
        greeting = text_of(app, "#greeting")
        assert "could not be loaded" in greeting and "KDQUIZ_DATA_DIR" in greeting.replace("\n", "")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_the_home_screen_is_drawn_before_the_data_layers_load(stub_workspace: Path) -> None:
    """On the first frame the load worker is still waiting: nothing slow was imported yet."""
    script = (
        "import sys\n"
        "import kdquiz.tui.app as base\n"
        "class App(base.KDQuizApp):\n"
        "    CSS_PATH = base.__file__.replace('app.py', 'app.tcss')\n"
        "    def on_ready(self):\n"
        "        self.early = [m for m in ('yaml', 'fsrs', 'kdquiz.stats') if m in sys.modules]\n"
        "        super().on_ready()\n"
        "        self.exit()\n"
        "app = App()\n"
        "app.run(headless=True)\n"
        "assert app.early == [], app.early\n"
    )
    subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        env={**os.environ, "KDQUIZ_WORKSPACE": str(stub_workspace)},
        timeout=60,
    )


async def test_export_to_anki_from_the_palette(stub_workspace: Path, tmp_path: Path) -> None:
    from textual.widgets import Input, RadioButton

    from kdquiz.tui.screens.export import ExportScreen

    deck = tmp_path / "mine.apkg"
    app = make_app(stub_workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Export the questions to Anki" in titles
        app.action_export_anki()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.query_one("#export").region.bottom <= 24, "fits an 80×24 terminal"
        field = screen.query_one("#export-file", Input)
        field.value = str(tmp_path / "mine.txt")
        field.focus()
        await pilot.press("enter")
        assert app.screen is screen, "only an .apkg file is written"
        field.value = str(deck)
        next(b for b in screen.query(RadioButton) if b.name == "both").value = True
        field.focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
    assert deck.is_file() and deck.stat().st_size > 10_000


async def test_ticked_key_points_suggest_a_grade_and_are_stored(stub_workspace: Path) -> None:
    app = make_app(stub_workspace)
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        deck = app.data.deck  # type: ignore[union-attr]
        question = next(q for q in deck.bank.questions if len(q.key_points) == 3)
        app.push_screen(ReviewScreen(queue=[question]))
        await settle(app, pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "0 of 3 → suggested grade Again" in text_of(app, "#review-actions")
        await pilot.press("a", "c", "b", "b")  # b on and off again
        await pilot.pause()
        assert "2 of 3 → suggested grade Hard" in text_of(app, "#review-actions")
        assert "[x]" in text_of(app, "#feedback")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.phase == "feedback"  # type: ignore[attr-defined]
        await pilot.press("escape", "s")  # the statistics count them
        await settle(app, pilot)
        assert "67% of key points covered" in text_of(app, "#stats-summary")
    store = ProgressStore.default()
    assert [(r.question, r.rating, r.correct) for r in store.reviews()] == [(question.id, 2, True)]
    assert store.key_point_ticks() == [(question.id, [0, 2], 3)]


def test_suggested_grade_from_the_share_of_key_points() -> None:
    from kdquiz.review import suggested_grade

    assert [suggested_grade(n, 4) for n in range(5)] == [1, 1, 2, 2, 3]
    assert suggested_grade(0, 0) == 1
