"""`kdquiz lab`: run the distillation lab and print (or plot) its results."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from kdquiz.cli.common import (
    UsageError,
    UserError,
    colour,
    language,
    open_workspace,
)


def cmd_lab(args: argparse.Namespace) -> int:
    import json
    import threading

    from kdquiz.checker.runner import parse_memory
    from kdquiz.lab.report import curves, format_summary, format_table, svg_chart, text_chart
    from kdquiz.lab.runner import LabRequest, choose_data, run_lab_process

    if args.seeds < 1:
        raise UsageError("--seeds must be at least 1.")
    if args.plot is not None and args.plot.suffix.lower() not in (".svg", ".png"):
        raise UsageError("--plot writes an .svg or a .png file.")
    if args.plot is not None and args.plot.suffix.lower() == ".png":
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            raise UserError(
                "a .png chart needs matplotlib (pip install matplotlib); .svg works without it."
            )
    try:
        memory = parse_memory(args.memory)
    except ValueError:
        raise UsageError(f"--memory takes a size like 6G or 512M, got {args.memory!r}.") from None
    if args.data is not None and not args.data.is_file():
        raise UserError(f"{args.data} does not exist or is not a file.")
    source, note = choose_data(args.data, args.synthetic)
    if note and not args.json:
        print(note, file=sys.stderr)
    exercises = open_workspace(args).exercises_dir if args.use_workspace else None
    config: dict[str, object] = {"seeds": args.seeds}
    if args.epochs is not None:
        config["epochs"] = args.epochs
    request = LabRequest(source, exercises, config, timeout=args.timeout, memory_bytes=memory)
    show = sys.stderr.isatty() and not args.json
    outcome = run_lab_process(request, _lab_progress if show else lambda event: None,
                              threading.Event())  # fmt: skip
    if show:
        print("\033[2K", end="", file=sys.stderr, flush=True)
    if outcome.result is None:
        if outcome.output.strip():
            print(outcome.output.rstrip(), file=sys.stderr)
        raise UserError(outcome.error)
    result = outcome.result
    if args.plot is not None:
        _save_plot(args.plot, result, svg_chart)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    lang = language()
    print(format_table(result, lang, shutil.get_terminal_size().columns))
    print()
    print(text_chart(curves(result, lang), colour=colour(), lang=lang))
    print()
    print(format_summary(result, lang))
    if args.plot is not None:
        print(f"Saved the chart to {args.plot}.")
    return 0


def _lab_progress(event: dict[str, object]) -> None:
    """One status line on stderr: the stage, or a bar over the current student's epochs."""
    if event.get("event") == "stage":
        text = {"data": "loading the data", "teacher": "training the teacher (EASE)"}.get(
            str(event["stage"]), f"training the {event['stage']} student, seed {event.get('seed')}"
        )
    elif event.get("event") == "epoch":
        done, total = int(event["epoch"]), int(event["epochs"])  # type: ignore[call-overload]
        bar = "█" * round(20 * done / total) + "░" * (20 - round(20 * done / total))
        text = (
            f"{event['model']} student (weight {event['weight']}, seed {event['seed']}) "
            f"{bar} epoch {done}/{total}  validation NDCG@10 {event['valid_ndcg']:.4f}"
        )
    else:
        return
    print(f"\033[2K{text}", end="\r", file=sys.stderr, flush=True)


def _save_plot(path: Path, result: dict, svg_chart) -> None:  # type: ignore[type-arg,no-untyped-def]
    from kdquiz.lab.report import curves

    try:
        if path.suffix.lower() == ".svg":
            path.write_text(svg_chart(curves(result), "Students: validation NDCG@10 per epoch"))
            return
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot

        figure, axes = pyplot.subplots(figsize=(8, 4.5))
        for label, points in curves(result):
            axes.plot([x for x, _ in points], [y for _, y in points], label=label)
        axes.set_xlabel("epoch")
        axes.set_ylabel("validation NDCG@10")
        axes.legend()
        figure.tight_layout()
        figure.savefig(path, dpi=120)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror}.") from None


# ------------------------------------------------------------------------------- parser
