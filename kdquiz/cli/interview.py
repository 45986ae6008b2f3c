"""`kdquiz interview`: start a mock interview in the app, or list past ones (`--history`,
`--json` for scripts)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from kdquiz.cli.common import UsageError, language, load_bank, open_store, tr

if TYPE_CHECKING:
    from kdquiz.interview.report import Report


def cmd_interview(args: argparse.Namespace) -> int:
    from kdquiz.interview.plan import PlanError, check_focus, check_minutes

    if args.history or args.json:
        return _history(args)
    try:
        check_minutes(args.minutes)
        if args.focus is not None:
            bank, _ = load_bank(args)
            check_focus(bank, args.focus)
    except PlanError as exc:
        raise UsageError(exc.text(language())) from None
    from kdquiz.tui.app import run_app

    return run_app(
        questions=getattr(args, "questions", None) or [],
        workspace=getattr(args, "workspace", None),
        lang=getattr(args, "lang", None),
        interview=(args.minutes, args.focus),
    )


def _history(args: argparse.Namespace) -> int:
    from kdquiz.interview.report import build_reports

    store = open_store()
    bank, _ = load_bank(args)
    related = {q.id: q.related_exercise for q in bank.questions if q.related_exercise}
    reports = build_reports(store.interviews(), related)
    if args.json:
        print(json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=2))
        return 0
    if not reports:
        print(tr("iv_no_history"))
        return 0
    columns = ("date", "minutes", "asked", "follow_ups", "code", "score", "focus")
    rows = [["#", *(tr("iv_h_" + c) for c in columns)], *map(_history_row, reports)]
    print_table(rows, left={1, 7})
    return 0


def _history_row(report: Report) -> list[str]:
    """One past interview: number, date, length, questions, follow-ups, code, score, focus."""
    from kdquiz.i18n import topic_name

    focus = topic_name(report.focus, language()) if report.focus else tr("iv_history_all")
    code = "—"
    if report.code is not None:
        status = str(report.code.get("status", ""))
        if status in ("skipped", "not_reached"):
            code = tr("iv_code_" + status)
        else:
            code = f"{report.code.get('passed', 0)}/{report.code.get('total', 0)}"
    flag = ""
    if report.ended_early or not report.finished:
        flag = "  " + tr("iv_ended_early" if report.finished else "iv_unfinished")
    return [
        str(report.interview_id), report.started.astimezone().strftime("%Y-%m-%d %H:%M"),
        str(report.minutes), str(len(report.asked)),
        f"{report.follow_ups_asked}/{report.follow_ups_planned}", code, f"{report.score:.0%}",
        focus + flag,
    ]  # fmt: skip


def print_table(rows: list[list[str]], left: set[int]) -> None:
    """Rows in aligned columns (by terminal cells: a Chinese character takes two), columns in
    `left` aligned left, the others right."""
    from rich.cells import cell_len

    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - cell_len(cell))
            cells.append(cell + pad if i in left else pad + cell)
        print("  ".join(cells).rstrip())
