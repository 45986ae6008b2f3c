"""The mock interview: a plan, then questions against the clock with follow-ups, then a coding
exercise checked by the hidden suite, then the report.

Answers are graded as in review (choice questions at once; open ones typed on the whiteboard,
then self-assessed with the key points) and each one reaches FSRS the moment it is given, so a
missed interview question comes back in review. The interview's record is saved after every
answer: quitting mid-way loses nothing (the history shows such an interview as not finished).
"""

from __future__ import annotations

import random
import threading
from typing import Any

from rich.console import RenderableType
from rich.markdown import Markdown
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Header, Static, TextArea

from kdquiz.bank import Question
from kdquiz.checker.results import ExerciseResult
from kdquiz.checker.runner import Limits, run_hidden_suite, start_warm_checker
from kdquiz.interview.plan import DEFAULT_MINUTES, MINUTES_RANGE, Plan, PlanError, make_plan
from kdquiz.interview.report import Report, build_report, build_reports
from kdquiz.interview.session import Answer, Session
from kdquiz.review import display_order, is_correct, suggested_grade
from kdquiz.solving import file_digest, record_check, standing
from kdquiz.tui.screens.answering import CHOICE_BINDINGS, AnsweringScreen, counts_as_right
from kdquiz.tui.widgets.interview_view import (
    clock,
    coding_view,
    follow_up_context,
    plan_view,
    report_view,
    status_line,
)
from kdquiz.tui.widgets.review_view import (
    TICK_KEYS,
    choices_grid,
    feedback_view,
    verdict,
)
from kdquiz.tui.widgets.task_view import TaskText
from kdquiz.workspace import shown_path, task_text

MINUTES_STEP = 5
LearnerState = tuple[dict[str, float | None], set[str], set[str] | None]
WARN_AT = (300, 60)
"""Seconds left in the coding step at which a notification says so."""


class InterviewScreen(AnsweringScreen):
    """A mock interview of `minutes`, on one topic with `focus`."""

    ANSWER_BOX = "#iv-answer"

    BINDINGS = [
        *CHOICE_BINDINGS,
        Binding("enter", "iv_enter", "Go on", id="iv-enter"),
        Binding("ctrl+r", "reveal", "Reveal", id="iv-reveal", priority=True),
        Binding("a", "focus_answer", "Type an answer", show=False),
        Binding("s", "iv_skip", "Skip", id="iv-skip"),
        Binding("n", "iv_new_plan", "Another plan", id="iv-new"),
        Binding("plus,equals_sign", "iv_minutes(1)", "Longer", id="iv-longer"),
        Binding("minus", "iv_minutes(-1)", "Shorter", id="iv-shorter"),
        Binding("t", "iv_focus", "Topic", id="iv-focus"),
        Binding("o", "iv_edit", "Edit in $EDITOR", id="iv-edit"),
        Binding("w", "iv_workbench", "Workbench", id="iv-workbench"),
        Binding("r", "iv_review", "Review the missed", id="iv-review"),
        Binding("x", "iv_exercise", "Open the exercise", id="iv-exercise"),
    ]
    NARROW_HIDDEN = frozenset({"quit", "iv_minutes(1)", "iv_minutes(-1)"})

    plan_seed: int | None = None
    """Seeds the plan and the option order (tests); None varies them every time."""

    def __init__(self, minutes: int = DEFAULT_MINUTES, focus: str | None = None) -> None:
        super().__init__()
        self.minutes = minutes
        self.topic_focus = focus
        """The one topic the interview is on; None: every topic, weakest first."""
        self.plan: Plan | None = None
        self.session: Session | None = None
        self.report: Report | None = None
        self.phase = "plan"
        """plan, answer, revealed, feedback, coding, checking or report."""
        self.interview_id: int | None = None
        self._save_lock = threading.Lock()
        self._saved_seq = -1
        self._seq = 0
        self._ticker: Timer | None = None
        self._cancel_check = threading.Event()
        self._rng = random.Random(self.plan_seed)
        self._warned_at = float("inf")
        """Seconds left at the coding step's last "minutes left" warning (or at its start)."""
        self._learner: LearnerState | None = None
        """The learner's state the plan is chosen from (see `_read_learner`)."""
        self.past_scores: list[float] = []
        """The scores of the learner's earlier interviews, oldest first (shown with the plan)."""
        self._task_text = ("", "")
        """(language, text) of the coding exercise's task, read once per language."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="iv-status")
        with VerticalScroll(id="iv-body"):
            yield Static(id="iv-context")
            yield Static(id="iv-prompt")
            yield Static(id="iv-choices")
            yield TextArea(id="iv-answer", soft_wrap=True, show_line_numbers=False)
            yield Static(id="iv-feedback")
        yield Static(id="iv-actions")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#iv-answer", TextArea).display = False

    # ------------------------------------------------------------------ plan

    def refresh_view(self) -> None:
        if self.phase == "plan":
            self._learner = None  # progress or the workspace may have changed meanwhile
        if self.plan is None:
            self.make_new_plan()
        if self.phase == "plan" and self.data is not None:
            self.past_scores = [r.score for r in build_reports(self.data.store.interviews())]
        self._show()

    def _read_learner(self) -> LearnerState:
        """What the plan is chosen from: each question's recall now, the ids due, and the
        exercises the learner's files pass (None without a workspace). Read once per visit
        of the plan, not on every `n`, `+`, `-` or `t` (it reads every exercise file)."""
        data = self.data
        assert data is not None
        deck, now = data.deck, self.kdapp.clock()
        recall = {q.id: deck.retrievability(q.id, now) for q in data.bank.questions}
        due = {q.id for q in deck.due(now)}
        passed = None
        if data.workspace is not None:
            passed = standing(data.store, data.workspace, data.catalog).passed()
        return recall, due, passed

    def make_new_plan(self) -> None:
        data = self.data
        assert data is not None
        if self._learner is None:
            self._learner = self._read_learner()
        recall, due, passed = self._learner
        seed = self._rng.randrange(1 << 30)
        try:
            self.plan = make_plan(data.bank, data.catalog, recall, due, passed, self.minutes,
                                  self.topic_focus, seed=seed)  # fmt: skip
        except PlanError as exc:
            self.notify(exc.text(self.lang), severity="error", timeout=10)
            self.topic_focus = None
            self.plan = make_plan(data.bank, data.catalog, recall, due, passed, self.minutes,
                                  seed=seed)  # fmt: skip

    def action_iv_new_plan(self) -> None:
        if self.phase == "plan" and self.data is not None:
            self.make_new_plan()
            self._show()
        elif self.phase == "report":
            self._restart()

    def action_iv_minutes(self, step: int) -> None:
        if self.phase != "plan" or self.data is None:
            return
        low, high = MINUTES_RANGE
        self.minutes = max(low, min(high, self.minutes + step * MINUTES_STEP))
        self.make_new_plan()
        self._show()

    def action_iv_focus(self) -> None:
        """Cycle the focus: every topic, then each topic in turn."""
        if self.phase != "plan" or self.data is None:
            return
        topics = sorted(self.data.bank.by_topic())
        options: list[str | None] = [None, *topics]
        index = options.index(self.topic_focus) if self.topic_focus in options else 0
        self.topic_focus = options[(index + 1) % len(options)]
        self.make_new_plan()
        self._show()

    def _restart(self) -> None:
        self.session, self.report, self.interview_id = None, None, None
        self.phase, self._learner = "plan", None
        self.make_new_plan()
        self._show()

    # ------------------------------------------------------------------ running

    def start(self) -> None:
        assert self.plan is not None
        self.session = Session(self.plan, self.kdapp.clock, self.lang)
        if self.plan.coding is not None:
            self.warm_up()
        self._ticker = self.set_interval(1.0, self._tick)
        self._save()
        self._enter_current()

    @work(thread=True, exclusive=True, exit_on_error=False, group="warm")
    def warm_up(self) -> None:
        """Start the process checks fork from, so the final check is quick."""
        start_warm_checker()

    def _enter_current(self) -> None:
        """Show what the session asks now: a question, the coding step, or the report."""
        session = self.session
        assert session is not None
        self.chosen, self.cursor, self.ticked = set(), None, set()
        area = self.query_one("#iv-answer", TextArea)
        area.text = ""
        if session.phase == "questions" and session.current is not None:
            question = session.current.question
            self.phase = "answer"
            self.order = display_order(question, self._rng)
            area.display = question.type == "open"
            area.placeholder = self.t("iv_whiteboard")
            if question.type == "open":
                area.focus()
        elif session.phase == "coding":
            self.phase = "coding"
            area.display = False
            self._warned_at = session.coding_left()  # no warning of what the plan just said
        else:
            self._finish()
            return
        self.query_one("#iv-body", VerticalScroll).scroll_home(animate=False)
        self._show()

    def _tick(self) -> None:
        """Every second: the clock, the end of the interview's time, and of the coding time."""
        session = self.session
        if session is None or self.phase in ("report", "checking"):
            return
        if self.phase in ("answer", "revealed", "feedback") and session.time_up():
            self.notify(self.t("iv_time_up_questions"), severity="warning", timeout=8)
            self._save()
            self._enter_current()
            return
        if self.phase == "coding":
            left = session.coding_left()
            if left <= 0:
                self.notify(self.t("iv_time_up"), severity="warning", timeout=5)
                self._submit_code()
                return
            warning = min((w for w in WARN_AT if left <= w), default=None)
            if warning is not None and warning < self._warned_at:  # seen on the workbench too
                self._warned_at = warning
                self.notify(self.t("iv_minutes_left", n=warning // 60), severity="warning")
        self.query_one("#iv-status", Static).update(status_line(session, self.lang))

    def _graded(self, answer: Answer) -> None:
        """An answer was given: it reaches FSRS and the record is saved."""
        assert self.session is not None and self.session.current is not None
        question = self.session.current.question
        covered = answer.covered if question.type == "open" else None
        self.feed_review(question, answer.rating, answer.correct, covered)
        self._save()

    @work(thread=True, group="iv-review", exit_on_error=False)
    def feed_review(
        self, question: Question, rating: int, correct: bool, covered: tuple[int, ...] | None
    ) -> None:
        assert self.data is not None
        self.data.deck.answer(question, rating, correct, covered)
        self.app.call_from_thread(self.kdapp.changed)

    def _save(self) -> None:
        assert self.session is not None
        self._seq += 1
        self.save_record(self.session.to_record(), self._seq)

    @work(thread=True, group="iv-save", exit_on_error=False)
    def save_record(self, record: dict[str, Any], seq: int) -> None:
        self._write_record(record, seq)

    def _write_record(self, record: dict[str, Any], seq: int) -> None:
        """Store the record (in a worker); a newer one is never overwritten by an older one."""
        assert self.data is not None
        with self._save_lock:
            if seq <= self._saved_seq:
                return
            self.interview_id = self.data.store.save_interview(record, self.interview_id)
            self._saved_seq = seq

    def _next_question(self) -> None:
        assert self.session is not None
        self.session.advance()
        self._enter_current()

    # ------------------------------------------------------------------ answering

    def asked(self) -> Question | None:
        if self.session is None or self.session.current is None:
            return None
        return self.session.current.question

    def submit_choice(self) -> None:
        assert self.session is not None and self.session.current is not None
        correct = is_correct(self.session.current.question, self.chosen)
        self._graded(self.session.answer(correct))
        self.phase = "feedback"
        self._show()

    def grade_revealed(self, rating: int) -> None:
        assert self.session is not None
        covered = tuple(sorted(self.ticked))
        answer = self.session.answer(counts_as_right(rating), rating, covered, self.typed())
        self._graded(answer)
        self._next_question()

    def action_iv_enter(self) -> None:
        question = self.asked()
        if self.phase == "plan":
            if self.plan is not None:
                self.start()
        elif self.phase == "feedback":
            self._next_question()
        elif self.phase == "coding":
            self.confirm(self.t("iv_submit_confirm"), self._submit_code)
        elif self.phase == "report":
            self.action_back()
        elif question is not None:
            self.enter_on_question(question)

    def action_iv_skip(self) -> None:
        """Pass on the question (it counts as missed, its follow-ups are not asked), or on
        the coding exercise (after a confirmation)."""
        session = self.session
        if session is None:
            return
        if self.phase in ("answer", "revealed") and session.current is not None:
            self._graded(session.skip(self.typed()))
            self._next_question()
        elif self.phase == "coding":
            self.confirm(self.t("iv_skip_code_confirm"), lambda: self._end_code("skipped"))

    # ------------------------------------------------------------------ coding

    def _exercise_file(self) -> str:
        data, session = self.data, self.session
        assert data is not None and session is not None and session.plan.coding is not None
        if data.workspace is None:
            return session.plan.coding.exercise.id
        return shown_path(data.workspace.exercise_path(session.plan.coding.exercise))

    def action_iv_edit(self) -> None:
        """Open the exercise in $EDITOR; the clock keeps running meanwhile."""
        data, session = self.data, self.session
        if self.phase != "coding" or data is None or data.workspace is None or session is None:
            return
        assert session.plan.coding is not None
        from kdquiz.tui.editor import edit_in_editor

        path = data.workspace.exercise_path(session.plan.coding.exercise)
        problem = edit_in_editor(self.app, path)
        if problem is not None:
            key, values = problem
            self.notify(self.t(key, path=self._exercise_file(), **values), severity="warning")
        self._show()

    def action_iv_workbench(self) -> None:
        """The exercise in the workbench (its checks can be run there too); the interview's
        clock keeps running, escape comes back, and the code is submitted here."""
        session = self.session
        if self.phase != "coding" or session is None or session.plan.coding is None:
            return
        from kdquiz.tui.screens.exercises import ExercisesScreen

        left = clock(session.coding_left())
        self.notify(self.t("iv_workbench_note", time=left), timeout=8)
        self.app.push_screen(ExercisesScreen(initial=session.plan.coding.exercise.id))

    def _submit_code(self) -> None:
        data, session = self.data, self.session
        if self.phase != "coding" or data is None or session is None:
            return
        if data.workspace is None or session.plan.coding is None:
            self._end_code("skipped")
            return
        self.phase = "checking"
        self._cancel_check.clear()
        self._show()
        self.run_check()

    @work(thread=True, exclusive=True, exit_on_error=False, group="iv-check")
    def run_check(self) -> None:
        """The hidden suite on the learner's file, recorded like any check."""
        data, session = self.data, self.session
        assert data is not None and session is not None and data.workspace is not None
        assert session.plan.coding is not None
        exercise, workspace = session.plan.coding.exercise, data.workspace
        digest = file_digest(workspace.exercise_path(exercise))
        result: ExerciseResult | None = None
        try:
            result = run_hidden_suite(
                [exercise.id], workspace.exercises_dir, Limits(), cancel=self._cancel_check
            )[0]
            if not self._cancel_check.is_set():
                record_check(data.store, workspace, result, digest)
        finally:
            self.app.call_from_thread(self._checked, result)

    def _checked(self, result: ExerciseResult | None) -> None:
        if self.session is None or self.phase != "checking":
            return
        if result is None:
            self._end_code("error")
            return
        self._end_code(result.status, result.passed, result.total)
        self.kdapp.changed()

    def _end_code(self, status: str, passed: int = 0, total: int = 0) -> None:
        assert self.session is not None
        self.session.finish_coding(status, passed, total)
        self._finish()

    # ------------------------------------------------------------------ the end

    def _finish(self) -> None:
        """The interview is over: save it and show the report."""
        session, data = self.session, self.data
        assert session is not None and data is not None
        session.finish()
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.phase = "report"
        self.query_one("#iv-answer", TextArea).display = False
        record = session.to_record()
        self._seq += 1
        self.finish_report(record, self._seq)

    @work(thread=True, group="iv-save", exit_on_error=False)
    def finish_report(self, record: dict[str, Any], seq: int) -> None:
        """Save the final record, then build the report against the earlier interviews."""
        assert self.data is not None
        from kdquiz.progress import ProgressError

        related = {q.id: q.related_exercise for q in self.data.bank.questions
                   if q.related_exercise}  # fmt: skip
        try:
            self._write_record(record, seq)
            reports = build_reports(self.data.store.interviews(), related)
        except ProgressError as exc:  # the report is shown all the same
            self.app.call_from_thread(self.notify, exc.text(self.lang), severity="error")
            reports = []
        report = next((r for r in reports if r.interview_id == self.interview_id), None)
        if report is None:  # not stored (the database failed): report it without a trend
            report = build_report(self.interview_id or 0, record, [], related)
        self.app.call_from_thread(self._report_ready, report)

    def _report_ready(self, report: Report) -> None:
        self.report = report
        self.past_scores = report.trend  # for the next plan
        self.query_one("#iv-body", VerticalScroll).scroll_home(animate=False)
        self._show()
        self.query_one("#iv-body", VerticalScroll).focus()

    def action_back(self) -> None:
        """Escape leaves the whiteboard first; mid-interview it asks before ending it."""
        if isinstance(self.focused, TextArea):
            self.set_focus(None)
        elif self.session is not None and self.phase not in ("report", "plan"):
            self.confirm(self.t("iv_end_confirm"), self._end_early)
        else:
            super().action_back()

    def _end_early(self) -> None:
        if self.session is not None and self.phase != "report":
            self._cancel_check.set()
            self.session.end_now()
            self._finish()

    def action_iv_review(self) -> None:
        """Practise the questions missed, now (out of schedule, like from the browser)."""
        if self.phase != "report" or self.report is None or self.data is None:
            return
        questions = [q for i in self.report.practise_questions if (q := self.data.bank.by_id(i))]
        if questions:
            from kdquiz.tui.screens.review import ReviewScreen

            self.app.push_screen(ReviewScreen(queue=questions))

    def action_iv_exercise(self) -> None:
        if self.phase == "report" and self.report and self.report.practise_exercise:
            from kdquiz.tui.screens.exercises import ExercisesScreen

            self.app.push_screen(ExercisesScreen(initial=self.report.practise_exercise))

    # ------------------------------------------------------------------ rendering

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that do something now (the Footer follows)."""
        phase = self.phase
        question = self.asked()
        if action in ("iv_new_plan",):
            return phase in ("plan", "report")
        if action in ("iv_minutes", "iv_focus"):
            return phase == "plan"
        if action == "iv_enter":
            return phase != "checking"
        if action in ("reveal", "focus_answer"):
            return question is not None and question.type == "open" and phase == "answer"
        if action == "iv_skip":
            return phase in ("answer", "revealed", "coding")
        if action in ("iv_edit", "iv_workbench"):
            return phase == "coding"
        if action == "iv_review":
            return phase == "report" and bool(self.report and self.report.practise_questions)
        if action == "iv_exercise":
            return phase == "report" and bool(self.report and self.report.practise_exercise)
        return True

    def _show(self) -> None:
        self.refresh_bindings()
        data = self.data
        if data is None:
            return
        body = self.query_one("#iv-body", VerticalScroll)
        if self.phase in ("feedback", "revealed", "plan", "report", "coding"):
            if not isinstance(self.focused, TextArea):
                body.focus()
        context = self.query_one("#iv-context", Static)
        prompt = self.query_one("#iv-prompt", Static)
        choices = self.query_one("#iv-choices", Static)
        feedback = self.query_one("#iv-feedback", Static)
        status = self.query_one("#iv-status", Static)
        actions = self.query_one("#iv-actions", Static)
        for widget in (context, choices, feedback):
            widget.update("")
        choices.display = False
        context.display = False
        if self.phase == "plan":
            assert self.plan is not None
            status.update(Text.assemble((f" {self.t('iv_mode')} ", "reverse")))
            title = self.plan.coding.exercise.title_in(self.lang) if self.plan.coding else None
            prompt.update(plan_view(self.plan, self.lang, title, self.past_scores))
            actions.update(Text(self.t("iv_plan_help"), "bold"))
            return
        session = self.session
        assert session is not None
        status.update(status_line(session, self.lang))
        if self.phase == "report":
            status.update(Text.assemble((f" {self.t('iv_mode')} ", "reverse")))
            if self.report is None:
                prompt.update(Text(self.t("iv_saving")))
                actions.update("")
                return
            prompt.update(report_view(self.report, data.bank, self.lang, self._exercise_title))
            keys = [("iv_help_review", bool(self.report.practise_questions)),
                    ("iv_help_exercise", bool(self.report.practise_exercise)),
                    ("iv_help_again", True), ("iv_help_home", True)]  # fmt: skip
            actions.update(Text(" · ".join(self.t(k) for k, shown in keys if shown), "bold"))
            return
        if self.phase in ("coding", "checking"):
            coding = session.plan.coding
            assert coding is not None
            if self._task_text[0] != self.lang:
                self._task_text = (self.lang, task_text(coding.exercise, data.workspace, self.lang))
            task = TaskText(self._task_text[1])
            prompt.update(coding_view(coding.exercise, self._exercise_file(), task, self.lang))
            key = "iv_checking" if self.phase == "checking" else "iv_coding_help"
            actions.update(Text(self.t(key), "bold"))
            return
        step = session.current
        assert step is not None
        question = step.question
        parent = follow_up_context(session.parent_of(step), self.lang)
        if parent is not None:
            context.update(parent)
            context.display = True
        prompt.update(Markdown(question.prompt.get(self.lang)))
        if question.choices:
            choices.display = True
            answered = self.phase != "answer"
            cursor = None if answered else self.cursor
            choices.update(
                choices_grid(question, self.order, self.chosen, cursor, self.lang, answered)
            )
        if self.phase in ("revealed", "feedback"):
            feedback.update(
                feedback_view(question, self.lang, self.typed().strip(), self.ticked,
                              self.phase == "revealed", related=False)
            )  # fmt: skip
        actions.update(self._actions(question))

    def _actions(self, question: Question) -> RenderableType:
        if self.phase == "answer":
            key = {"choice": "choice_help", "multi": "multi_help"}.get(
                question.type, "iv_open_help"
            )
            return Text(self.t(key, n=len(question.choices)) + "  " + self.t("iv_skip_help"),
                        "bold")  # fmt: skip
        if self.phase == "revealed":
            total = len(question.key_points)
            suggested = suggested_grade(len(self.ticked), total)
            return Text(
                self.t("tick_key_points", keys=f"{TICK_KEYS[0]}–{TICK_KEYS[total - 1]}",
                       covered=len(self.ticked), total=total,
                       grade=self.t(f"rating_{suggested}")),
                "bold",
            )  # fmt: skip
        line = Text()
        if question.type != "open":
            line.append_text(verdict(question, self.order, self.chosen, self.lang))
            line.append("   ")
        line.append(self.t("iv_press_next"), "bold")
        return line

    def _exercise_title(self, exercise_id: str) -> str:
        assert self.data is not None
        found = next((e for e in self.data.catalog if e.id == exercise_id), None)
        return found.title_in(self.lang) if found else exercise_id
