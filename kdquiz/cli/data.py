"""`kdquiz data`: fetch, list and remove the real data sets the lab can use (MovieLens, from
GroupLens: downloaded on request after its terms are accepted, never bundled)."""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import TYPE_CHECKING

from kdquiz.cli.common import UsageError, UserError, tr
from kdquiz.textlayout import wrapped

if TYPE_CHECKING:
    from kdquiz.lab.datasets import Dataset


def named(name: str) -> Dataset:
    """The data set called `name`; an unknown name is a usage mistake (exit 2)."""
    from kdquiz.cli.common import language
    from kdquiz.lab.datasets import UnknownDataset, get

    try:
        return get(name)
    except UnknownDataset as error:
        raise UsageError(error.text(language())) from None


def cmd_data_fetch(args: argparse.Namespace) -> int:
    from kdquiz.lab import datasets

    dataset = named(args.name)
    if args.source_zip is not None and not args.source_zip.is_file():
        raise UserError(tr("data_no_zip", path=args.source_zip))
    folder = datasets.folder(dataset.name)
    if datasets.installed(dataset.name) is not None and not args.force:
        print(tr("data_already", title=dataset.title, folder=folder))
        return 0
    width = min(100, shutil.get_terminal_size().columns)
    print(wrapped(tr("data_licence", title=dataset.title), width))
    print()
    if not args.accept_license:
        if not sys.stdin.isatty():
            raise UsageError(tr("data_needs_accept"))
        size = datasets.format_size(dataset.size)
        answer = input(tr("data_accept", title=dataset.title, size=size) + " [y/N] ")
        if answer.strip().lower() not in ("y", "yes", tr("yes_typed")):
            print(tr("data_declined"), file=sys.stderr)
            return 1
    show = sys.stderr.isatty()
    label = tr("data_checking" if args.source_zip else "data_downloading", title=dataset.title)

    def progress(done: int, total: int) -> None:
        if show:
            _progress_line(label, done, total)

    try:
        datasets.fetch(dataset.name, progress, source_zip=args.source_zip)
    finally:
        if show:
            print("\033[2K", end="\r", file=sys.stderr, flush=True)
    print(tr("data_fetched", title=dataset.title, folder=folder))
    use = "data_use_default" if dataset.name == datasets.DEFAULT else "data_use"
    print(tr(use, name=dataset.name))
    return 0


def _progress_line(label: str, done: int, total: int) -> None:
    """One status line on stderr: a bar and the megabytes done."""
    from kdquiz.lab.datasets import format_size

    share = min(1.0, done / total) if total else 0.0
    bar = "█" * round(30 * share) + "░" * (30 - round(30 * share))
    text = f"{label}  {bar}  {format_size(done)} / {format_size(total)}"
    print(f"\033[2K{text}", end="\r", file=sys.stderr, flush=True)


def cmd_data_list(args: argparse.Namespace) -> int:
    """Each data set: its name, title, size, whether it is fetched and where."""
    from kdquiz.lab import datasets

    rows = [(tr("data_col_name"), "", tr("data_col_size"), tr("data_col_status"),
             tr("data_col_where"))]  # fmt: skip
    for dataset in datasets.DATASETS.values():
        ratings = datasets.installed(dataset.name)
        rows.append((
            dataset.name,
            dataset.title,
            datasets.format_size(dataset.size),
            tr("data_status_fetched" if ratings else "data_status_missing"),
            str(ratings.parent) if ratings else "",
        ))  # fmt: skip
    from rich.cells import cell_len

    widths = [max(cell_len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        # (Chinese characters take two columns: pad by width on screen, not by length)
        cells = [cell + " " * (widths[i] - cell_len(cell)) for i, cell in enumerate(row[:4])]
        print("  ".join([*cells, row[4]]).rstrip())
    print()
    print(tr("data_list_hint"))
    return 0


def cmd_data_remove(args: argparse.Namespace) -> int:
    from kdquiz.lab import datasets

    dataset = named(args.name)
    folder = datasets.folder(dataset.name)
    if datasets.remove(dataset.name):
        print(tr("data_removed", title=dataset.title, folder=folder))
    else:
        print(tr("data_not_there", title=dataset.title))
    return 0
