"""The lab's results for people: a table, a terminal line chart of the students' validation
NDCG@10 per epoch, and the same chart as an SVG file. Pure functions of a `LabResult`."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from html import escape

from rich.cells import cell_len

from kdquiz.i18n import LABELS, Message, colon, t
from kdquiz.lab.results import LabResult, ModelResult
from kdquiz.lab.tracker import student_name

FLOORS = ("popularity", "random")
"""Models that are a floor to beat, not students."""

METRICS = ("HR@10", "NDCG@10", "Recall@20")
SERIES_COLOURS = ("#808080", "#1f77b4", "#d62728", "#2ca02c", "#9467bd")
SERIES_ANSI = ("90", "34", "31", "32", "35")
SERIES_MARKS = "·●◆▲■"


def format_p(p: float) -> str:
    """p = 0.03, p < 0.001 (here, not with the test in `significance`: that imports torch)."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _params(n: int) -> str:
    return f"{n / 1e6:.2f}M" if n >= 1_000_000 else f"{n / 1e3:.0f}K" if n >= 1000 else str(n)


def model_label(key: str, model: ModelResult, lang: str) -> str:
    """A model's name in `lang` (the result's own label for a model the i18n layer lacks)."""
    if key == "teacher" and "SASRec" in model.label:
        key = "teacher_sasrec"
    return t(f"lab_model_{key}", lang) if f"lab_model_{key}" in LABELS else model.label


def _cell(value: float | None, spread: float | None = None) -> str:
    """A metric's mean (±std) in the table, "—" when the model lacks it."""
    if value is None:
        return "—"
    return f"{value:.4f}" if spread is None else f"{value:.4f}±{spread:.4f}"


def format_table(result: LabResult, lang: str = "en", width: int = 90) -> str:
    """Every model's metrics (mean±std over seeds), size, latency and NDCG@10 kept, then a
    legend; within `width` columns (below 90: means only, without the latency column)."""
    teacher_ndcg = result.teacher.mean("NDCG@10") or 0.0
    narrow = width < 90
    means_only = narrow or len(result.seeds) < 2  # one seed has no spread to show
    header = [t("lab_col_model", lang), *METRICS, t("lab_col_params", lang)]
    header += ([] if narrow else ["ms/1k"]) + [t("lab_col_kept", lang)]
    rows = [header]
    for key, model in result.models.items():
        cells = [model_label(key, model, lang)]
        for metric in METRICS:
            summary = model.metrics.get(metric)
            if summary is None:
                cells.append(_cell(None))
            else:
                cells.append(_cell(summary.mean, None if means_only else summary.std))
        cells.append(_params(model.parameters))
        if not narrow:
            cells.append(f"{model.latency_ms_per_1000_users:.1f}")
        ndcg = model.mean("NDCG@10")
        cells.append(f"{ndcg / teacher_ndcg:.0%}" if ndcg is not None and teacher_ndcg > 0 else "—")
        rows.append(cells)
    lines = _aligned(rows)
    if not narrow:
        lines.append(t("lab_legend_ms", lang))
    lines.append(t("lab_legend_kept", lang))
    if narrow and len(result.seeds) > 1:
        lines.append(t("lab_legend_means", lang))
    return "\n".join(lines)


def _versus_scratch(result: LabResult, model: ModelResult, lang: str) -> str | None:
    """How a distilled student compares with scratch: the paired test, or for a result from
    before it the plain difference of the means (None without a scratch student)."""
    versus = model.vs_scratch
    if versus is not None:
        low, high = versus.ci
        key = (
            "lab_beats_scratch" if versus.significant and versus.diff > 0
            else "lab_worse_than_scratch" if versus.significant else "lab_no_difference"
        )  # fmt: skip
        return t(key, lang, diff=f"{versus.diff:+.4f}", low=f"{low:+.4f}", high=f"{high:+.4f}",
                 p=format_p(versus.p))  # fmt: skip
    scratch = result.models.get("scratch")
    ndcg, baseline = model.metrics.get("NDCG@10"), scratch and scratch.metrics.get("NDCG@10")
    if ndcg is None or not baseline:
        return None
    diffs = [a - b for a, b in zip(ndcg.runs, baseline.runs, strict=True)]
    return t("lab_vs_scratch_plain", lang, diff=f"{statistics.fmean(diffs):+.4f}")


def _aligned(rows: list[list[str]]) -> list[str]:
    """A table's lines: the first column left-aligned, the others right-aligned, a rule under
    the header row."""
    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0] + " " * (widths[0] - cell_len(row[0]))]
        cells += [" " * (w - cell_len(c)) + c for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("─" * w for w in widths))
    return lines


def format_per_seed(result: LabResult, lang: str = "en") -> str:
    """Each model's test NDCG@10 on each seed (`kdquiz lab --per-seed`): how much of a gap
    between two students one seed can move."""
    header = [t("lab_col_model", lang)] + [t("lab_col_seed", lang, n=s) for s in result.seeds]
    rows = [header]
    for key, model in result.models.items():
        summary = model.metrics.get("NDCG@10")
        runs = summary.runs if summary is not None else ()
        rows.append([model_label(key, model, lang), *(f"{v:.4f}" for v in runs)])
        rows[-1] += ["—"] * (len(header) - len(rows[-1]))
    return "\n".join([t("lab_per_seed_title", lang), *_aligned(rows)])


def format_summary(result: LabResult, lang: str = "en") -> str:
    """The headline: data, seeds, and how each distilled student compares with scratch."""
    data = result.dataset
    functions = t(
        "lab_functions_yours" if "workspace" in result.functions else "lab_functions_ref", lang
    )
    split = {"global-time": "lab_split_global", "leave-one-out, random": "lab_split_loo_random"}
    lines = [
        t(
            "lab_summary_data", lang, name=data.name, users=data.users, items=data.items,
            interactions=data.train_interactions, seeds=len(result.seeds), functions=functions,
            split=t(split.get(data.split or "", "lab_split_loo_time"), lang),
        )
    ]  # fmt: skip
    if result.protocol == "refit":
        lines.append(t("lab_protocol", lang, patience=result.config["patience"]))
        lines.append(t("lab_epochs_chosen", lang, epochs=chosen_epochs(result, lang)))
        capped = cut_short(result)
        if capped:
            names = ("、" if lang == "zh" else ", ").join(
                name.text(lang) if isinstance(name, Message) else name
                for name in map(student_name, capped)
            )
            lines.append(t("lab_cut_short", lang, models=names, epochs=result.config["epochs"]))
    teacher = result.teacher
    teacher_ndcg = teacher.mean("NDCG@10") or 0.0
    for key, model in result.models.items():
        if key in ("teacher", "scratch") or key in FLOORS:
            continue
        verdict = _versus_scratch(result, model, lang)
        ndcg = model.mean("NDCG@10")
        if verdict is None or ndcg is None:
            continue
        kept = ndcg / teacher_ndcg if teacher_ndcg > 0 else 0.0
        share = f"{model.parameters / teacher.parameters:.1%}" if teacher.parameters else "—"
        lines.append(
            t("lab_summary_student", lang, model=model_label(key, model, lang), verdict=verdict,
              kept=f"{kept:.0%}", share=share)
        )  # fmt: skip
    lines.append(t("lab_took", lang, seconds=f"{result.seconds:.0f}", device=result.device))
    return "\n".join(lines)


def cut_short(result: LabResult) -> list[str]:
    """The students that the epoch cap stopped on some seed before patience could (the quick
    preset, a small --epochs): their validation score might still have risen."""
    cap, patience = result.config.get("epochs"), result.config.get("patience")
    if not isinstance(cap, int) or not isinstance(patience, int):
        return []
    return [
        key
        for key, model in result.models.items()
        if any(
            c.get("stopped_epoch", 0) >= cap and cap - c.get("best_epoch", 0) < patience
            for c in model.chosen or ()
        )
    ]


def chosen_epochs(result: LabResult, lang: str) -> str:
    """Each student's epoch count per seed: "scratch: 80, 76, 68; ranking KD: 60, 64, 70"."""
    parts = []
    for key, model in result.models.items():
        epochs = [str(c["best_epoch"]) for c in model.chosen or () if "best_epoch" in c]
        if epochs:
            listed = ("、" if lang == "zh" else ", ").join(epochs)
            parts.append(f"{model_label(key, model, lang)}{colon(lang)}{listed}")
    return ("；" if lang == "zh" else "; ").join(parts)


def curves(result: LabResult, lang: str = "en") -> list[tuple[str, list[tuple[float, float]]]]:
    """(label, [(epoch, mean validation NDCG@10)]) for each student."""
    return [
        (model_label(key, model, lang), [(float(e), v) for e, v in model.valid_ndcg_per_epoch])
        for key, model in result.models.items()
        if model.valid_ndcg_per_epoch
    ]


Reference = tuple[str, float]
"""A horizontal line the students' curves are read against: (label, value)."""


def teacher_reference(result: LabResult, lang: str = "en") -> Reference | None:
    """The teacher's validation NDCG@10 (what the students' validation curves aim at)."""
    teacher = result.teacher
    value = (teacher.chosen or [{}])[0].get("valid_ndcg")
    return (model_label("teacher", teacher, lang), float(value)) if value is not None else None


def _bounds(
    series: Sequence[tuple[str, list[tuple[float, float]]]], reference: Reference | None = None
) -> tuple[float, ...]:
    xs = [x for _, points in series for x, _ in points]
    ys = [y for _, points in series for _, y in points] + ([reference[1]] if reference else [])
    low, high = min(ys), max(ys)
    if high - low < 1e-9:
        low, high = low - 0.01, high + 0.01
    return min(xs), max(max(xs), min(xs) + 1), low, high


def text_chart(series: Sequence[tuple[str, list[tuple[float, float]]]], width: int = 72,
               height: int = 14, colour: bool = False, lang: str = "en",
               reference: Reference | None = None) -> str:  # fmt: skip
    """A line chart in text: one mark per series, a dotted line at `reference`, y labels on
    the left, a legend below wrapped to the chart's width."""
    if not series or not any(points for _, points in series):
        return ""
    x0, x1, y0, y1 = _bounds(series, reference)
    grid = [[" "] * width for _ in range(height)]
    if reference is not None:
        row = height - 1 - round((reference[1] - y0) / (y1 - y0) * (height - 1))
        grid[row] = ["┄"] * width
    for n, (_, points) in enumerate(series):
        mark = SERIES_MARKS[n % len(SERIES_MARKS)]
        if colour:
            mark = f"\033[{SERIES_ANSI[n % len(SERIES_ANSI)]}m{mark}\033[0m"
        # Join consecutive points so each series reads as a line, not scattered dots.
        cells = [
            (round((x - x0) / (x1 - x0) * (width - 1)),
             height - 1 - round((y - y0) / (y1 - y0) * (height - 1)))
            for x, y in points
        ]  # fmt: skip
        for (ca, ra), (cb, rb) in zip(cells, cells[1:] or cells, strict=False):
            steps = max(abs(cb - ca), abs(rb - ra), 1)
            for step in range(steps + 1):
                col = round(ca + (cb - ca) * step / steps)
                row = round(ra + (rb - ra) * step / steps)
                grid[row][col] = mark
    label_width = max(len(f"{y1:.3f}"), len(f"{y0:.3f}"))
    lines = [t("lab_chart_title", lang)]
    for r, marks in enumerate(grid):
        value = y1 - (y1 - y0) * r / (height - 1)
        label = f"{value:.3f}" if r in (0, height // 2, height - 1) else ""
        lines.append(f"{label:>{label_width}} │" + "".join(marks))
    lines.append(" " * label_width + " └" + "─" * width)
    start = t("lab_chart_epoch", lang, n=f"{x0:g}")
    axis = start + " " * max(1, width - cell_len(start) - len(f"{x1:g}")) + f"{x1:g}"
    lines.append(" " * (label_width + 2) + axis)
    legend, plain = [], []
    for n, (label, _) in enumerate(series):
        mark = SERIES_MARKS[n % len(SERIES_MARKS)]
        plain.append(f"{mark} {label}")
        if colour:
            mark = f"\033[{SERIES_ANSI[n % len(SERIES_ANSI)]}m{mark}\033[0m"
        legend.append(f"{mark} {label}")
    if reference is not None:
        entry = f"┄ {reference[0]} {reference[1]:.3f}"
        legend.append(entry)
        plain.append(entry)
    # Wrapped by the entries' visible width (colour codes take no columns).
    shown_line, used = "", 0
    for entry, shown in zip(legend, plain, strict=True):
        if shown_line and used + 3 + cell_len(shown) > width:
            lines.append(" " * (label_width + 2) + shown_line)
            shown_line, used = "", 0
        if shown_line:
            shown_line, used = f"{shown_line}   {entry}", used + 3 + cell_len(shown)
        else:
            shown_line, used = entry, cell_len(shown)
    lines.append(" " * (label_width + 2) + shown_line)
    return "\n".join(lines)


def _svg_legend(
    entries: Sequence[tuple[str, str, bool]], left: int, right: int, top: int
) -> tuple[list[str], int]:
    """Legend entries (label, colour, dashed) laid out in rows that fit between `left` and
    `right` (a label's width estimated at 7 px a character): the SVG elements and the y below
    the last row."""
    parts: list[str] = []
    x, y = left, top
    for label, colour, dashed in entries:
        width = 40 + 7 * cell_len(label)
        if x > left and x + width > right:
            x, y = left, y + 20
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        parts.append(f'<line x1="{x}" x2="{x + 24}" y1="{y}" y2="{y}" stroke="{colour}" '
                     f'stroke-width="3"{dash}/>')  # fmt: skip
        parts.append(f'<text x="{x + 30}" y="{y + 4}">{escape(label)}</text>')
        x += width + 16
    return parts, y + 12


def svg_chart(series: Sequence[tuple[str, list[tuple[float, float]]]], title: str,
              reference: Reference | None = None, lang: str = "en") -> str:  # fmt: skip
    """The same chart as a standalone SVG document (the legend wraps onto as many rows as it
    needs inside the canvas)."""
    width, left, right, top, plot_height = 720, 70, 20, 40, 290
    entries = [(label, SERIES_COLOURS[n % len(SERIES_COLOURS)], False)
               for n, (label, _) in enumerate(series)]  # fmt: skip
    if reference is not None:
        entries.append((f"{reference[0]} {reference[1]:.3f}", "#444444", True))
    legend_top = top + plot_height + 60
    legend, height = _svg_legend(entries, left, width - right, legend_top)
    x0, x1, y0, y1 = _bounds(series, reference)

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def py(y: float) -> float:
        return top + (1 - (y - y0) / (y1 - y0)) * plot_height

    bottom_axis = top + plot_height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
    ]
    for i in range(5):
        y = y0 + (y1 - y0) * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{py(y):.1f}" y2="{py(y):.1f}" '
                     'stroke="#ddd"/>')  # fmt: skip
        parts.append(f'<text x="{left - 8}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.3f}</text>')
    for i in range(6):
        x = x0 + (x1 - x0) * i / 5
        parts.append(f'<text x="{px(x):.1f}" y="{bottom_axis + 18}" '
                     f'text-anchor="middle">{x:.0f}</text>')  # fmt: skip
    parts.append(f'<text x="{(left + width - right) / 2}" y="{bottom_axis + 36}" '
                 f'text-anchor="middle">{escape(t("lab_svg_epoch", lang))}</text>')  # fmt: skip
    parts.append(f'<text transform="translate(16 {top + plot_height / 2}) rotate(-90)" '
                 f'text-anchor="middle">{escape(t("lab_svg_valid", lang))}</text>')  # fmt: skip
    if reference is not None:
        y = py(reference[1])
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#444444" stroke-width="1.5" stroke-dasharray="4 3"/>')  # fmt: skip
    for n, (_, points) in enumerate(series):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                     'stroke-width="2"/>')  # fmt: skip
    parts += legend
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
