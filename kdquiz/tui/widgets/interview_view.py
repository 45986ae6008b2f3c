"""How a mock interview is drawn: its plan, the status line with the clock, the coding step and
the report. Pure functions of the plan, the session and the report, so the interview screen
only decides which phase it is in."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kdquiz.bank import Question, QuestionBank
from kdquiz.catalog import Exercise
from kdquiz.i18n import colon, t, topic_name
from kdquiz.interview.plan import Plan
from kdquiz.interview.report import TREND_LENGTH, Report, Row, sparkline
from kdquiz.interview.session import Session


def clock(seconds: float) -> str:
    """'12:05', or '-0:40' once over."""
    sign = "-" if seconds < 0 else ""
    whole = int(abs(seconds))
    return f"{sign}{whole // 60}:{whole % 60:02d}"


def stars(difficulty: int) -> str:
    return "★" * difficulty + "☆" * (3 - difficulty)


def plan_view(
    plan: Plan, lang: str, exercise_title: str | None, past_scores: Sequence[float] = ()
) -> Group:
    """The plan: each question's topic, type, difficulty and time; the code and its time; the
    scores of the learner's earlier interviews."""
    focus = topic_name(plan.focus, lang) if plan.focus else t("iv_all_topics", lang)
    head = Text.assemble(
        (t("iv_plan_title", lang, minutes=plan.minutes), "bold"), "  ·  ",
        (f"{t('iv_focus', lang)}{colon(lang)}{focus}", ""),
    )  # fmt: skip
    table = Table(box=None, padding=(0, 1), show_edge=False)
    table.add_column("#", justify="right", no_wrap=True, style="dim")
    table.add_column(t("iv_col_topic", lang), ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column(t("iv_col_type", lang), no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column(t("iv_col_time", lang), justify="right", no_wrap=True)
    number = 0
    for step in plan.steps:
        question = step.question
        if step.is_follow_up:
            label, index = Text("  ↳ " + t("iv_follow_up", lang), "italic"), ""
        else:
            number += 1
            label, index = Text(topic_name(question.topic, lang)), str(number)
        table.add_row(
            index, label, t("browse_type_" + question.type, lang), stars(question.difficulty),
            clock(step.seconds),
        )  # fmt: skip
    if plan.coding is not None:
        table.add_row(
            "⌨", Text(exercise_title or plan.coding.exercise.id, "bold"), t("iv_code", lang), "",
            clock(plan.coding.seconds),
        )  # fmt: skip
    parts: list[RenderableType] = [head, Text(""), table, Text("")]
    counts = t("iv_plan_counts", lang, openers=len(plan.openers), follow_ups=len(plan.follow_ups))
    parts.append(Text(counts, "dim"))
    if past_scores:
        recent = list(past_scores[-TREND_LENGTH:])
        line = Text(f"{t('iv_trend', lang, n=len(recent))}{colon(lang)}", "dim")
        line.append(sparkline(recent), "bold cyan")
        line.append(f"  {t('iv_last_score', lang, score=f'{recent[-1]:.0%}')}", "dim")
        parts.append(line)
    if plan.coding is None:
        parts.append(Text(t("iv_no_workspace", lang), "yellow"))
    elif plan.coding.already_passed:
        parts.append(Text(t("iv_code_already_passed", lang), "yellow"))
    return Group(*parts)


def status_line(session: Session, lang: str) -> Text:
    """' Mock interview  ⏱ 31:12 left  Question 3/8 ↳ follow-up  1:45/4:00  Topic ★★☆'."""
    line = Text.assemble((f" {t('iv_mode', lang)} ", "reverse"), "  ")
    left = session.left() if session.phase != "coding" else session.coding_left()
    line.append(f"⏱ {t('iv_left', lang, time=clock(left))}", "bold red" if left < 60 else "bold")
    line.append("  ")
    step = session.current
    if step is not None:
        number, total = session.position()
        line.append(t("iv_question_n", lang, n=number, total=total), "bold")
        if step.is_follow_up:
            line.append(" ↳ " + t("iv_follow_up", lang), "bold magenta")
        spent = session.question_elapsed()
        line.append(f"  {clock(spent)}/{clock(step.seconds)}",
                    "red" if spent > step.seconds else "dim")  # fmt: skip
        question = step.question
        line.append(f"  {topic_name(question.topic, lang)} {stars(question.difficulty)}")
    elif session.phase == "coding" and session.plan.coding is not None:
        line.append(f"{t('iv_code', lang)}  {session.plan.coding.exercise.id}", "bold")
    return line


def follow_up_context(parent: Question | None, lang: str) -> Text | None:
    """Above a follow-up: the question it follows up, dimmed (one line)."""
    if parent is None:
        return None
    prompt = " ".join(parent.prompt.get(lang).split())
    return Text(f"↳ {t('iv_after', lang)}{colon(lang)}{prompt}", "dim italic", no_wrap=True,
                overflow="ellipsis")  # fmt: skip


def coding_view(exercise: Exercise, file: str, task: RenderableType, lang: str) -> Group:
    """The coding step: which file to edit, how to submit, then the task."""
    return Group(
        Text(exercise.title_in(lang), "bold"),
        Text(t("iv_code_how", lang, path=file), "cyan"),
        Text(""),
        task,
    )


def report_view(
    report: Report, bank: QuestionBank, lang: str, exercise_title: Callable[[str], str]
) -> Group:
    """The report: scores, trend, topics, each question with its time, and what to practise."""
    c = colon(lang)
    parts: list[RenderableType] = []
    head = Text(t("iv_report_title", lang), "bold underline")
    if report.ended_early:
        head.append("  " + t("iv_ended_early", lang), "yellow")
    parts.append(head)
    score = Text.assemble((f"{t('iv_score', lang)}{c}", "bold"), (f"{report.score:.0%}", "bold"))
    if report.question_score is not None:
        asked = len(report.asked)
        score.append(f"   ·   {t('iv_questions_score', lang, n=asked)}{c}"
                     f"{report.question_score:.0%}")  # fmt: skip
    if report.code is not None:
        score.append(f"   ·   {code_summary(report, lang)}")
    parts.append(score)
    used = Text(
        t("iv_time_used", lang, used=clock(report.elapsed), planned=clock(report.minutes * 60))
    )
    used.append("   ·   " + t("iv_follow_ups_reached", lang, n=report.follow_ups_asked,
                                 total=report.follow_ups_planned))  # fmt: skip
    parts.append(used)
    parts.append(trend_line(report, lang))

    if report.topics:
        parts += [Text(""), Text(t("iv_by_topic", lang), "bold underline")]
        grid = Table.grid(padding=(0, 2))
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)
        grid.add_column(no_wrap=True)
        for topic in report.topics:
            grid.add_row(
                topic_name(topic.topic, lang), f"{topic.score:.0%}",
                Text(bar(topic.score), "green" if topic.score >= 0.7 else "red"),
            )  # fmt: skip
        parts.append(grid)

    parts += [Text(""), Text(t("iv_by_question", lang), "bold underline")]
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(no_wrap=True, width=1)
    table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column(no_wrap=True, justify="right", min_width=8)
    table.add_column(no_wrap=True, justify="right", min_width=9)
    for row in report.rows:
        question = bank.by_id(row.question)
        prompt = " ".join(question.prompt.get(lang).split()) if question else row.question
        if row.parent is not None:
            prompt = "↳ " + prompt
        time = "" if row.seconds is None else f"{clock(row.seconds)}/{clock(row.budget)}"
        time_style = "red" if row.seconds is not None and row.seconds > row.budget else "dim"
        table.add_row(outcome_mark(row.outcome), prompt, result_text(row, lang),
                      Text(time, time_style))  # fmt: skip
    parts.append(table)

    parts += [Text(""), Text(t("iv_practise_next", lang), "bold underline")]
    if report.weak_topics:
        names = t("iv_list_sep", lang).join(topic_name(x, lang) for x in report.weak_topics)
        parts.append(Text(f"{t('iv_weak_topics', lang)}{c}{names}"))
    if report.practise_questions:
        parts.append(
            Text(t("iv_review_missed", lang, n=len(report.practise_questions)), "bold cyan")
        )
    if report.practise_exercise:
        title = exercise_title(report.practise_exercise)
        parts.append(Text(t("iv_practise_exercise", lang, title=title), "bold cyan"))
    if not (report.weak_topics or report.practise_questions or report.practise_exercise):
        parts.append(Text(t("iv_nothing_to_practise", lang)))
    return Group(*parts)


def code_summary(report: Report, lang: str) -> str:
    code = report.code or {}
    status = str(code.get("status", ""))
    if status in ("skipped", "not_reached"):
        return f"{t('iv_code_label', lang)}{colon(lang)}{t('iv_code_' + status, lang)}"
    return t("iv_code_checks", lang, passed=code.get("passed", 0), total=code.get("total", 0),
             status=t("iv_status_" + status, lang))  # fmt: skip


def trend_line(report: Report, lang: str) -> Text:
    """'Your interviews: ▂▄▅▇  55% → 64% (+9 points)', or that this is the first one."""
    if report.previous is None:
        return Text(t("iv_first_interview", lang), "dim")
    change = round((report.score - report.previous) * 100)
    line = Text(f"{t('iv_trend', lang, n=len(report.trend))}{colon(lang)}")
    line.append(sparkline(report.trend), "bold cyan")
    line.append(f"  {report.previous:.0%} → {report.score:.0%} ")
    style = "green" if change > 0 else "red" if change < 0 else "dim"
    line.append(t("iv_change", lang, n=f"{change:+d}"), style)
    return line


def bar(share: float, width: int = 10) -> str:
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled)


def outcome_mark(outcome: str) -> Text:
    mark, style = {"right": ("✓", "bold green"), "wrong": ("✗", "bold red"),
                   "skipped": ("»", "yellow"), "not_reached": ("·", "dim")}[outcome]  # fmt: skip
    return Text(mark, style)


def result_text(row: Row, lang: str) -> Text:
    """'3/5 points' for an open answer, else right / wrong / skipped / not reached."""
    if row.covered is not None and row.points:
        return Text(t("iv_points", lang, n=row.covered, total=row.points))
    return Text(t("iv_outcome_" + row.outcome, lang), "dim" if row.outcome == "not_reached" else "")
