"""Statistics: a summary line, accuracy and retention per topic (weakest first), answers per day
over four weeks as a chart, and each exercise's history of checks. Every date comes from the
app's clock, so the screen is the same in every test run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.events import Resize
from textual.widgets import Footer, Header, Static

from kdquiz.i18n import topic_name
from kdquiz.stats import (
    Day,
    ExerciseHistory,
    TopicStats,
    exercise_histories,
    key_point_coverage,
    reviews_per_day,
    topic_stats,
)
from kdquiz.stats import streak as streak_days
from kdquiz.tui.screens.base import AppScreen
from kdquiz.tui.widgets.stats_view import (
    RIGHT_STYLE,
    WRONG_STYLE,
    attempt_glyphs,
    day_chart,
    fit,
    level_style,
    meter,
)

CHART_DAYS = 28
ACCURACY_LEVELS = (0.6, 0.8)
"""Accuracy below the first is red, below the second yellow, else green."""
RETENTION_LEVELS = (0.7, 0.9)
"""FSRS aims at 90% recall; under 70% the topic is slipping."""
MAX_GLYPHS = 16
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
"""English month names, independent of the machine's locale."""


@dataclass(frozen=True)
class StatsSnapshot:
    """Everything the screen shows, computed once per refresh."""

    now: datetime
    answers: int
    right: int
    streak: int
    questions: int
    topics: list[TopicStats]
    days: list[Day]
    exercises: list[ExerciseHistory]
    key_points: float | None = None
    """Share of key points covered by the open answers graded with ticks."""


class StatsScreen(AppScreen):
    """Progress at a glance: bars, a chart and glyphs rather than tables of numbers."""

    DEFAULT_CSS = """
    StatsScreen #stats-body { padding: 0 1; }
    StatsScreen #stats-summary { margin: 1 1 0 1; height: auto; }
    StatsScreen .stats-card {
        border: round $primary-darken-1; border-title-color: $text; border-title-style: bold;
        padding: 0 1; margin-top: 1; height: auto;
    }
    """
    BINDINGS = [
        Binding("r", "app.open('review')", "Review", id="review"),
        Binding("e", "app.open('exercises')", "Exercises", id="exercises"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="stats-body"):
            yield Static(id="stats-summary")
            yield Static(id="stats-topics", classes="stats-card")
            yield Static(id="stats-days", classes="stats-card")
            yield Static(id="stats-exercises", classes="stats-card")
        yield Footer()

    def refresh_view(self) -> None:
        snapshot = self.snapshot()
        self.query_one("#stats-summary", Static).update(self.summary_line(snapshot))
        for name, title, body in (
            ("topics", self.t("stats_topics"), self.topics_table(snapshot)),
            ("days", self.t("stats_days"), self.days_panel(snapshot)),
            ("exercises", self.t("stats_exercises"), self.exercises_table(snapshot)),
        ):
            card = self.query_one(f"#stats-{name}", Static)
            card.border_title = title
            card.update(body)
        self.query_one("#stats-days", Static).display = snapshot.answers > 0

    def on_resize(self, event: Resize) -> None:
        if self.data is not None:
            self.refresh_view()  # the chart's bars are thinner on narrow terminals

    def snapshot(self) -> StatsSnapshot:
        """Read the deck and the store (small, local SQLite reads) into one snapshot."""
        data = self.data
        assert data is not None
        now = self.kdapp.clock()
        reviews = list(data.deck.reviews)
        attempts = data.store.attempts()
        histories = exercise_histories(
            data.catalog, attempts, data.store.hints_by_exercise(), data.store.reveals_by_exercise()
        )
        return StatsSnapshot(
            now=now,
            answers=len(reviews),
            right=sum(review.correct for review in reviews),
            streak=streak_days([r.at for r in reviews] + [a.at for a in attempts], now),
            questions=len(data.bank.questions),
            topics=topic_stats(data.deck, now),
            days=reviews_per_day(reviews, now, days=CHART_DAYS),
            exercises=histories,
            key_points=key_point_coverage(data.store.key_point_ticks()),
        )

    # ------------------------------------------------------------------ the parts

    def summary_line(self, snapshot: StatsSnapshot) -> RenderableType:
        """Five headline numbers; or, before the first answer, how to start."""
        passed = sum(h.first_pass is not None for h in snapshot.exercises)
        mastered = sum(topic.mastered for topic in snapshot.topics)
        line = Text()

        def chip(value: str, label: str, style: str = "bold") -> None:
            if line:
                line.append("   ·   ", "dim")
            line.append(value, style)
            line.append(f" {label}")

        if snapshot.answers == 0:
            return Text(self.t("stats_no_answers"), "bold")
        accuracy = snapshot.right / snapshot.answers
        accuracy_style = "bold " + level_style(accuracy, *ACCURACY_LEVELS)
        chip(
            str(snapshot.answers),
            self.t("stats_answer" if snapshot.answers == 1 else "stats_answers"),
        )
        chip(f"{accuracy:.0%}", self.t("stats_right"), accuracy_style)
        chip(str(snapshot.streak), self.t("stats_streak"), "bold magenta")
        chip(f"{mastered}/{snapshot.questions}", self.t("stats_mastered"), "bold green")
        chip(f"{passed}/{len(snapshot.exercises)}", self.t("stats_passed"), "bold cyan")
        if snapshot.key_points is not None:
            chip(f"{snapshot.key_points:.0%}", self.t("stats_key_points"), "bold yellow")
        return line

    def topics_table(self, snapshot: StatsSnapshot) -> RenderableType:
        """Accuracy and retention bars per topic, weakest first, untouched topics last and dim."""
        width = self.app.size.width
        # Bars and names as wide as the terminal allows (80 columns: short bars, short names).
        bar, name_width = (4, 16) if width < 100 else (10, 22) if width < 140 else (16, 30)
        gap = 1 if width < 100 else 2
        table = Table(box=None, pad_edge=False, padding=(0, gap), header_style="bold dim")
        table.add_column(self.t("topic"), no_wrap=True)
        table.add_column(self.t("stats_accuracy"), no_wrap=True)
        table.add_column(self.t("stats_retention"), no_wrap=True)
        table.add_column(self.t("stats_seen"), justify="right", no_wrap=True)
        table.add_column(self.t("mastered").capitalize(), justify="right", no_wrap=True)
        table.add_column(self.t("stats_answers_col"), justify="right", no_wrap=True)
        started = [topic for topic in snapshot.topics if topic.reviews or topic.seen]
        untouched = [topic for topic in snapshot.topics if not (topic.reviews or topic.seen)]
        for topic in started:
            table.add_row(
                Text(fit(topic_name(topic.topic, self.lang), name_width), "bold"),
                meter(topic.accuracy, bar, *ACCURACY_LEVELS),
                meter(topic.retention, bar, *RETENTION_LEVELS),
                f"{topic.seen}/{topic.questions}",
                str(topic.mastered),
                str(topic.reviews),
            )
        not_started = self.t("stats_not_started") if bar >= 8 else "—"
        for topic in untouched:
            table.add_row(
                fit(topic_name(topic.topic, self.lang), name_width),
                meter(None, bar, empty=not_started),
                meter(None, bar, empty=not_started),
                f"0/{topic.questions}",
                "0",
                "0",
                style="dim",
            )
        return table

    def days_panel(self, snapshot: StatsSnapshot) -> RenderableType:
        """The answers-per-day chart with its totals and a legend."""
        days = snapshot.days
        total = sum(day.reviews for day in days)
        right = sum(day.correct for day in days)
        active = sum(day.reviews > 0 for day in days)
        if total == 0:
            return Text(self.t("stats_no_recent"), "italic")
        caption = Text(
            self.t(
                "stats_days_summary" + ("_one" if active == 1 else ""),
                total=total,
                right=right,
                active=active,
            ),
            "bold",
        )
        caption.append("     ")
        caption.append("██", RIGHT_STYLE)
        caption.append(f" {self.t('stats_legend_right')}  ")
        caption.append("██", WRONG_STYLE)
        caption.append(f" {self.t('stats_legend_wrong')}")
        # Three cells per day fit 28 days in 100 columns; narrower terminals get thinner bars.
        bar_width = 2 if self.app.size.width >= 100 else 1
        chart = day_chart(
            [(d.day, d.reviews, d.correct) for d in days],
            bar_width=bar_width,
            with_month=self.month_label,
            plain=lambda day: self.t("chart_day", day=day.day),
        )
        return Group(caption, Text(""), chart)

    def month_label(self, day: date) -> str:
        """A date with its month, for the chart's first label and month starts."""
        if self.lang == "zh":
            return self.t("chart_month_day", month=day.month, day=day.day)
        return f"{MONTHS[day.month - 1]} {day.day}"

    def exercises_table(self, snapshot: StatsSnapshot) -> RenderableType:
        """One row per exercise: status, title, checks as ✗✗✓ glyphs, the try that passed,
        hints taken and whether the solution was looked at."""
        table = Table(box=None, pad_edge=False, padding=(0, 2), header_style="bold dim")
        table.add_column(self.t("exercises"), no_wrap=True, overflow="ellipsis", max_width=36)
        table.add_column(self.t("stats_attempts"), no_wrap=True)
        table.add_column(self.t("stats_result"), no_wrap=True)
        table.add_column(self.t("stats_hints"), justify="right", no_wrap=True)
        table.add_column(self.t("stats_solution"), no_wrap=True)
        for history in snapshot.exercises:
            exercise = history.exercise
            statuses = [attempt.status for attempt in history.attempts]
            tries = history.attempts_to_pass
            if tries is not None:
                glyph, result = (
                    Text("✓", "bold green"),
                    Text(self.t("stats_passed_on", n=tries), "green"),
                )
            elif statuses:
                glyph, result = Text("✗", "bold red"), Text(self.t("stats_failing"), "red")
            else:
                glyph, result = Text("·", "dim"), Text(self.t("stats_untried"), "dim")
            title = Text.assemble(glyph, " ", (f"{exercise.number}. ", "dim"))
            title.append(exercise.title, "bold" if statuses else "")
            table.add_row(
                title,
                attempt_glyphs(statuses, limit=MAX_GLYPHS) if statuses else Text("—", "dim"),
                result,
                Text(f"{history.hints}/{len(exercise.hints)}", "" if history.hints else "dim"),
                Text(self.t("stats_revealed"), "yellow") if history.reveals else Text("—", "dim"),
            )
        if any(history.attempts for history in snapshot.exercises):
            return table
        return Group(table, Text(""), Text(self.t("stats_no_checks"), "italic"))
