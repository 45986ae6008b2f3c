"""The question browser and the statistics screen (Pilot tests), and the chart helpers."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from test_tui import text_of
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable, Select, Static

from conftest import record_check_of
from kdquiz.bank import Question, QuestionBank, builtin_bank_dir, load_banks
from kdquiz.catalog import load_catalog
from kdquiz.i18n import topic_name
from kdquiz.progress import ProgressStore
from kdquiz.review import Deck
from kdquiz.tui.app import KDQuizApp
from kdquiz.tui.screens.browse import BrowseScreen
from kdquiz.tui.screens.review import ReviewScreen
from kdquiz.tui.screens.stats import StatsScreen
from kdquiz.tui.widgets.question_table import QuestionTable, SearchInput
from kdquiz.tui.widgets.stats_view import attempt_glyphs, day_chart, fit, meter

FIXED_NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
SIZE = (100, 32)


@pytest.fixture(autouse=True)
def utc_days(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local calendar days are UTC days, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def builtin_bank() -> QuestionBank:
    bank, _ = load_banks([builtin_bank_dir()], {e.id for e in load_catalog()})
    return bank


def app_for(workspace: Path) -> KDQuizApp:
    return KDQuizApp(workspace=workspace, clock=lambda: FIXED_NOW)


def shown_ids(table: DataTable[Text | str]) -> list[str]:
    return [str(row.key.value) for row in table.ordered_rows]


def cell(table: DataTable[Text | str], question_id: str, column: int) -> str:
    return str(table.get_row(question_id)[column])


def screen_text(widget: Widget) -> str:
    """What the widget shows on screen, border included, as plain text."""
    width, height = widget.outer_size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


def plain(renderable: object, width: int = 100) -> str:
    console = Console(width=width, color_system=None, file=io.StringIO())
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


async def open_browse(app: KDQuizApp, pilot: object) -> BrowseScreen:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press("b")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, BrowseScreen)
    return app.screen


# ---------------------------------------------------------------------------- browse


async def test_browse_filters_by_topic_and_type(reference_workspace: Path) -> None:
    bank = builtin_bank()
    app = app_for(reference_workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one(QuestionTable)
        assert table.row_count == len(bank.questions)
        assert f"{len(bank.questions)} of {len(bank.questions)} questions" in screen_text(
            screen.query_one("#browse-count", Static)
        )

        screen.query_one("#filter-topic", Select).value = "temperature"
        await pilot.pause()
        in_topic = [q for q in bank.questions if q.topic == "temperature"]
        assert shown_ids(table) == [q.id for q in in_topic]
        assert all(cell(table, q.id, 1) == "Temperature" for q in in_topic)

        await pilot.press("y")  # the type filter's next option: single choice
        await pilot.pause()
        expected = [q.id for q in in_topic if q.type == "choice"]
        assert 0 < len(expected) < len(in_topic)
        assert shown_ids(table) == expected
        assert all(cell(table, qid, 2) == "choice" for qid in expected)
        count = screen_text(screen.query_one("#browse-count", Static))
        assert f"{len(expected)} of {len(bank.questions)} questions" in count

        await pilot.press("c")
        await pilot.pause()
        assert table.row_count == len(bank.questions)
        assert screen.filter_value("topic") == "" and screen.filter_value("type") == ""


async def test_browse_search_narrows_as_you_type(reference_workspace: Path) -> None:
    bank = builtin_bank()
    app = app_for(reference_workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one(QuestionTable)
        await pilot.press("slash")
        search = screen.query_one(SearchInput)
        assert app.focused is search

        counts = []
        for typed, char in zip(["t", "te", "tem", "temp"], "temp", strict=True):
            await pilot.press(char)
            await pilot.pause()
            assert search.value == typed
            ids = shown_ids(table)
            for question in bank.questions:
                haystack = f"{question.id} {question.prompt.en} {question.prompt.zh}".lower()
                assert (question.id in ids) == (typed in haystack)
            counts.append(len(ids))
        assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1] > 0

        # The other language's prompt is searched too, and case does not matter.
        search.value = "温度"
        await pilot.pause()
        zh_only = [q.id for q in bank.questions if "温度" in q.prompt.zh]
        assert zh_only and shown_ids(table) == zh_only
        search.value = "KD-CORE"
        await pilot.pause()
        assert shown_ids(table) == ["kd-core-idea"]

        await pilot.press("escape")  # leaves the search, not the screen
        assert isinstance(app.screen, BrowseScreen) and app.focused is table
        # Enter in the search box goes to the list too; a second enter practises the match.
        await pilot.press("slash", "enter")
        assert app.focused is table
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.screen.question is not None
        assert app.screen.question.id == "kd-core-idea"
        app.pop_screen()
        await pilot.pause()
        await pilot.press("escape")  # on the table: home
        await pilot.pause()
        assert not isinstance(app.screen, BrowseScreen)


async def test_enter_practises_the_highlighted_question(reference_workspace: Path) -> None:
    bank = builtin_bank()
    app = app_for(reference_workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one(QuestionTable)
        index, question = next((i, q) for i, q in enumerate(bank.questions) if q.type == "choice"
                               and i > 0)  # fmt: skip
        for _ in range(index):
            await pilot.press("down")
        assert screen.highlighted_id() == question.id
        assert cell(table, question.id, 4) == "new"

        await pilot.press("enter")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.preview
        assert review.question is not None and review.question.id == question.id
        await pilot.press(review.key_for(question.answer[0]))  # the right answer
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "✓ Correct" in text_of(app, "#review-actions")
        assert "Not recorded" in " ".join(text_of(app, "#review-actions").split())
        # A preview: nothing recorded, the schedule untouched.
        assert app.data is not None and question.id not in app.data.store.cards()
        assert app.data.store.reviews() == []

        app.pop_screen()
        await pilot.pause()
        assert app.screen is screen
        assert cell(table, question.id, 4) == "new"
        assert screen.highlighted_id() == question.id


async def test_filters_search_and_cursor_survive_a_progress_change(
    reference_workspace: Path,
) -> None:
    app = app_for(reference_workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one(QuestionTable)
        await pilot.press("s")  # status: new (everything is new in a fresh store)
        screen.query_one("#filter-topic", Select).value = "soft-targets"
        screen.query_one(SearchInput).value = "soft"
        await pilot.pause()
        before = shown_ids(table)
        assert len(before) >= 2
        await pilot.press("down")
        assert table.cursor_row == 1

        app.changed()
        await pilot.pause()
        assert screen.filter_value("status") == "new"
        assert screen.filter_value("topic") == "soft-targets"
        assert screen.query_one(SearchInput).value == "soft"
        assert shown_ids(table) == before and table.cursor_row == 1

        # A switch of language relabels the filters without resetting them.
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert screen.filter_value("status") == "new"
        status_select = screen.query_one("#filter-status", Select)
        assert "新题" in screen_text(status_select.query_one("#label", Static))
        assert cell(table, before[1], 4) == "新题"
        assert shown_ids(table) == before and table.cursor_row == 1


async def test_chinese_prompts_keep_the_columns_aligned(reference_workspace: Path) -> None:
    app = KDQuizApp(workspace=reference_workspace, lang="zh", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one(QuestionTable)
        lines = screen_text(table).splitlines()
        assert app.data is not None
        first_topic = topic_name(app.data.bank.questions[0].topic, "zh")  # the rows on screen
        rows = [line for line in lines if first_topic in line]
        assert rows and any(any("\u4e00" <= ch <= "\u9fff" for ch in line) for line in rows)
        # Every row fills the same number of cells and the status column starts at one offset.
        assert len({cell_len(line) for line in rows}) == 1
        assert len({cell_len(line[: line.index("新题")]) for line in rows}) == 1


# ---------------------------------------------------------------------------- statistics


def answer(deck: Deck, question: Question, correct: bool) -> None:
    deck.answer(question, 3 if correct else 1, correct)


async def open_stats(app: KDQuizApp, pilot: object) -> StatsScreen:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press("s")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, StatsScreen)
    return app.screen


async def test_stats_rank_topics_and_count_answers_per_day(reference_workspace: Path) -> None:
    bank = builtin_bank()
    store = ProgressStore.default()
    moment = [FIXED_NOW]
    deck = Deck(bank, store, clock=lambda: moment[0])
    by_topic = bank.by_topic()
    weak, strong = by_topic["temperature"], by_topic["kd-fundamentals"]
    moment[0] = FIXED_NOW - timedelta(days=40)  # outside the four weeks of the chart
    answer(deck, strong[0], True)
    recent = 0
    for back in (10, 3, 0):
        moment[0] = FIXED_NOW - timedelta(days=back, hours=1)
        for question in weak[:3]:
            answer(deck, question, False)
        for question in strong[:4]:
            answer(deck, question, True)
        recent += 7
    right = 4 * 3

    app = app_for(reference_workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stats(app, pilot)
        summary = screen_text(screen.query_one("#stats-summary", Static))
        assert f"{recent + 1} answers" in summary

        topics = screen_text(screen.query_one("#stats-topics", Static))
        assert "Topics, weakest first" in topics
        rows = topics.splitlines()

        def row(slug: str) -> int:  # where a topic's row is (names may be cut to fit)
            return next(i for i, line in enumerate(rows) if topic_name(slug, "en")[:14] in line)

        assert row("temperature") == min(row(slug) for slug in by_topic)
        assert row("temperature") < row("kd-fundamentals")
        unseen = [t for t in by_topic if t not in ("temperature", "kd-fundamentals")]
        assert all(row(t) > row("kd-fundamentals") for t in unseen)  # untouched come last
        weak_line = rows[row("temperature")]
        assert "0%" in weak_line and f"3/{len(weak)}" in weak_line

        days = screen_text(screen.query_one("#stats-days", Static))
        assert f"{recent} answers in 4 weeks · {right} right · 3 active days" in days
        labels = days.splitlines()[-2].strip("│ ").split()
        assert labels == ["Feb", "21", "28", "Mar", "7", "14"]  # back from today, weekly


async def test_stats_show_each_exercises_attempts(reference_workspace: Path) -> None:
    store = ProgressStore.default()
    for status in ("fail", "error", "fail", "pass", "pass"):
        record_check_of(reference_workspace, "exercise_1", status, 3, 5)
    record_check_of(reference_workspace, "exercise_2", "fail", 1, 5)
    store.record_hint("exercise_2", 1)
    store.record_hint("exercise_2", 2)
    store.record_reveal("exercise_2", had_passed=False)

    app = app_for(reference_workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stats(app, pilot)
        card = screen.query_one("#stats-exercises", Static)
        lines = screen_text(card).splitlines()
        first = next(line for line in lines if "1. " in line)
        second = next(line for line in lines if "2. " in line)
        third = next(line for line in lines if "3. " in line)
        assert "✗!✗✓✓" in first and "passed on try 4" in first and first.split()[1] == "✓"
        assert "not passed yet" in second and "2/" in second and "seen" in second
        assert "not tried" in third
        assert "No checks yet" not in screen_text(card)


async def test_stats_empty_state_says_how_to_start(reference_workspace: Path) -> None:
    app = app_for(reference_workspace)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stats(app, pilot)
        summary = screen_text(screen.query_one("#stats-summary", Static))
        assert "No answers yet" in summary and "Press r" in summary
        assert not screen.query_one("#stats-days", Static).display
        assert "No checks yet" in screen_text(screen.query_one("#stats-exercises", Static))
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "还没有作答记录" in screen_text(screen.query_one("#stats-summary", Static))
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


# ---------------------------------------------------------------------------- chart helpers


def test_fit_counts_wide_characters_as_two_cells() -> None:
    assert fit("short", 10) == "short"
    cut = fit("知识蒸馏的核心思想是什么", 9)
    assert cut.endswith("…") and cell_len(cut) <= 9 and cut.startswith("知识蒸馏")
    assert cell_len(fit("abcdefghij", 4)) == 4


def test_meter_fills_in_proportion_and_colours_by_level() -> None:
    half = meter(0.5, width=10)
    assert half.plain == "▇▇▇▇▇▁▁▁▁▁  50%"
    assert meter(0.3).spans[0].style == "red"
    assert meter(0.7).spans[0].style == "yellow"
    assert meter(0.95).spans[0].style == "green"
    assert meter(0.01).plain.startswith("▇▁")  # a little is more than nothing
    assert cell_len(meter(None, empty="—").plain) == cell_len(half.plain)


def test_day_chart_bars_scale_stack_and_label() -> None:
    start = date(2025, 2, 26)
    counts = [(0, 0), (4, 4), (8, 3), (1, 0), (0, 0), (0, 0), (0, 0)]
    days = [(start + timedelta(days=i), total, right) for i, (total, right) in enumerate(counts)]
    chart = day_chart(days, height=4, bar_width=2, label_every=3)
    lines = chart.plain.splitlines()
    assert len(lines) == 4 + 2  # bars, axis, labels
    assert lines[0].startswith("8 ┤") and lines[2].startswith("4 ┤") and "0 └" in lines[4]

    def column(index: int) -> str:
        offset = len("8 ┤") + 1 + 3 * index
        return "".join(line[offset] for line in lines[:4])

    assert column(0) == "    "
    assert column(1) == "  ██"  # half the height
    assert column(2) == "██▄█"  # the busiest day reaches the top; 3 right fill 1.5 rows
    assert column(3) == "   ▄"  # one answer is half a row of this 4-row chart
    styles = {str(span.style) for span in chart.spans}
    assert {"green", "red", "green on red"} <= styles  # right under wrong, shared cells split
    assert lines[5].split() == ["2/26", "3/1", "4"]  # month at the start and where it changes


def test_day_chart_without_answers_is_a_flat_axis() -> None:
    days = [(date(2025, 3, 1) + timedelta(days=i), 0, 0) for i in range(28)]
    lines = day_chart(days).plain.splitlines()
    assert all(set(line[4:]) <= {" "} for line in lines[:8])
    assert lines[0].startswith("2 ┤")


def test_attempt_glyphs_in_order_with_an_ellipsis_when_long() -> None:
    assert attempt_glyphs(["fail", "error", "pass"]).plain == "✗!✓"
    many = attempt_glyphs(["fail"] * 30 + ["pass"], limit=5)
    assert many.plain == "…✗✗✗✗✓"
    assert plain(attempt_glyphs(["pass"])).strip() == "✓"
