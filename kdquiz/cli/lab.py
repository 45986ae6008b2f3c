"""`kdquiz lab`: run the distillation lab and print (or plot) its results."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kdquiz.cli.common import (
    UsageError,
    UserError,
    colour,
    language,
    open_workspace,
    tr,
)

if TYPE_CHECKING:
    from kdquiz.lab.results import LabEvent, LabResult
    from kdquiz.lab.tracker import LabProgress


def cmd_lab(args: argparse.Namespace) -> int:
    import json
    import math
    import threading

    from kdquiz.checker.runner import parse_memory
    from kdquiz.lab.presets import FULL, QUICK, estimate_seconds, size_key
    from kdquiz.lab.report import (
        curves,
        format_per_seed,
        format_summary,
        format_table,
        teacher_reference,
        text_chart,
    )
    from kdquiz.lab.runner import LabRequest, choose_data, run_lab_process
    from kdquiz.lab.tracker import LabProgress, duration
    from kdquiz.textlayout import wrap_line

    # Every argument is checked before anything runs: a mistake costs one sentence, not a run.
    if args.seeds is not None and args.seeds < 1:
        raise UsageError(tr("lab_bad_seeds"))
    if args.epochs is not None and args.epochs < 1:
        raise UsageError(tr("lab_bad_epochs", given=args.epochs))
    if args.timeout <= 0:
        raise UsageError(tr("cli_bad_timeout"))
    try:
        memory = parse_memory(args.memory)
    except ValueError:
        raise UsageError(tr("cli_bad_memory", given=args.memory, example="6G")) from None
    if memory < MIN_MEMORY:
        raise UsageError(tr("lab_memory_too_small", given=args.memory, least="512M"))
    if args.plot is not None:
        _check_plot_path(args.plot)
    if args.data is not None and not args.data.is_file():
        raise UserError(tr("lab_no_data_file", path=args.data))
    if args.dataset is not None:
        from kdquiz.cli.data import named

        named(args.dataset)  # an unknown name is a usage mistake
    source, note = choose_data(args.data, args.synthetic, args.header, args.dataset)
    if note and not args.json:
        print(tr(note), file=sys.stderr)
    exercises = open_workspace(args).exercises_dir if args.use_workspace else None
    preset = QUICK if args.quick else FULL
    seeds = preset.seeds if args.seeds is None else args.seeds
    config: dict[str, object] = {"seeds": seeds, **preset.config}
    if args.epochs is not None:
        config["epochs"] = args.epochs
    if args.teacher != "ease":
        config["teacher"] = args.teacher
    # How long it will take, said before it starts; a run that cannot end within --timeout is
    # refused (MovieLens-1M with the full recipe, for one).
    seconds = estimate_seconds(preset, seeds, size_key(source), args.teacher)
    if seconds is not None:
        about = duration("lab_estimate", seconds).text(language())
        if seconds > args.timeout:
            enough = 60 * math.ceil(1.5 * seconds / 60)  # room for a slower machine
            raise UserError(tr("lab_over_timeout", about=about, timeout=f"{args.timeout:g}",
                               enough=enough))  # fmt: skip
        if not args.json:
            print(tr("lab_estimate_note", about=about), file=sys.stderr)
    request = LabRequest(source, exercises, config, split=args.split, timeout=args.timeout,
                         memory_bytes=memory)  # fmt: skip
    show = sys.stderr.isatty() and not args.json
    tracker = LabProgress()

    def on_event(event: LabEvent) -> None:
        tracker.update(event)
        if show:
            width = shutil.get_terminal_size().columns - 1
            print(f"\033[2K{status_line(tracker, language(), width)}", end="\r",
                  file=sys.stderr, flush=True)  # fmt: skip

    try:
        outcome = run_lab_process(request, on_event, threading.Event())
    finally:  # the progress line goes, whatever ends the run (ctrl+c's message included)
        if show:
            print("\033[2K\r", end="", file=sys.stderr, flush=True)
    if outcome.result is None:
        if outcome.output.strip():
            print(outcome.output.rstrip(), file=sys.stderr)
        raise UserError(outcome.error.text(language()) if outcome.error else "")
    result = outcome.result
    if args.plot is not None:
        _save_plot(args.plot, result)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return 0
    lang = language()
    columns = shutil.get_terminal_size().columns
    print(format_table(result, lang, columns))
    if args.per_seed:
        print()
        print(format_per_seed(result, lang))
    print()
    chart_width = max(40, min(72, columns - 10))
    reference = teacher_reference(result, lang)
    print(text_chart(curves(result, lang), chart_width, colour=colour(), lang=lang,
                     reference=reference))  # fmt: skip
    print()
    # Wrapped here, not by the terminal: between words, and never inside a number in Chinese.
    for line in format_summary(result, lang).splitlines():
        print("\n".join(wrap_line(line, columns, hang=0)))
    if args.plot is not None:
        print(tr("lab_plot_saved", path=args.plot))
    return 0


MIN_MEMORY = 512 << 20
"""Below this the lab cannot even import torch."""


def _check_plot_path(path: Path) -> None:
    """Refuse a chart file that could not be written, before the run rather than after it."""
    import os

    if path.suffix.lower() not in (".svg", ".png"):
        raise UsageError(tr("lab_plot_kind"))
    if path.suffix.lower() == ".png":
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            raise UserError(tr("lab_plot_png"))
    folder = path.expanduser().resolve().parent
    if not folder.is_dir():
        raise UserError(tr("lab_plot_no_folder", folder=folder))
    if not os.access(folder, os.W_OK):
        raise UserError(tr("lab_plot_not_writable", folder=folder))


def status_line(tracker: LabProgress, lang: str, width: int) -> str:
    """The run's one status line: a bar of the share done, the time left and what runs now,
    cut to `width` columns (a wrapped line would not be overwritten by the next one)."""
    from rich.cells import cell_len, set_cell_size

    filled = round(20 * tracker.fraction)
    left = tracker.time_left()
    parts = ["█" * filled + "░" * (20 - filled), left.text(lang) if left else "",
             tracker.status().text(lang)]  # fmt: skip
    line = "  ".join(part for part in parts if part)
    return set_cell_size(line, width).rstrip() if cell_len(line) > width else line


def _save_plot(path: Path, result: LabResult) -> None:
    from kdquiz.lab.report import curves, svg_chart, teacher_reference

    try:
        if path.suffix.lower() == ".svg":
            lang = language()
            chart = svg_chart(curves(result, lang), tr("lab_svg_title"),
                              teacher_reference(result, lang), lang)  # fmt: skip
            path.write_text(chart, encoding="utf-8")
            return
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot

        lang = language()
        figure, axes = pyplot.subplots(figsize=(8, 4.5))
        for label, points in curves(result, lang):
            axes.plot([x for x, _ in points], [y for _, y in points], label=label)
        reference = teacher_reference(result, lang)
        if reference is not None:
            axes.axhline(reference[1], color="#444444", linestyle="--", label=reference[0])
        axes.set_xlabel(tr("lab_svg_epoch"))
        axes.set_ylabel(tr("lab_svg_valid"))
        axes.legend()
        figure.tight_layout()
        figure.savefig(path, dpi=120)
    except OSError as error:
        raise UserError(tr("cli_cannot_write", path=path, why=error.strerror)) from None


# ------------------------------------------------------------------------------- parser
