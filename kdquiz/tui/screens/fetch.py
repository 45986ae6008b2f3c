"""Fetch a data set from the app (as `kdquiz data fetch` does): its terms first, then, once
accepted, the download in a worker with a progress bar. Nothing is downloaded before Accept."""

from __future__ import annotations

import threading

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Button, ProgressBar, Static

from kdquiz.i18n import colon, t
from kdquiz.lab import datasets
from kdquiz.textlayout import wrapped


class FetchScreen(ModalScreen[bool]):
    """Accept downloads (the data set's licence is shown above the buttons); Cancel or escape
    closes, stopping a download under way. Dismisses True once the data is on disk."""

    DEFAULT_CSS = """
    FetchScreen { align: center middle; }
    FetchScreen > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    FetchScreen VerticalScroll { height: auto; max-height: 12; }
    FetchScreen #fetch-terms { width: 100%; margin-top: 1; }
    FetchScreen ProgressBar { margin-top: 1; }
    FetchScreen #fetch-status { width: 100%; }
    FetchScreen #buttons { height: auto; margin-top: 1; align-horizontal: right; }
    FetchScreen Button { margin-left: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    WIDTH = 90
    """The dialog's width (as in DEFAULT_CSS), when the screen is wide enough."""

    def __init__(self, dataset: str, lang: str) -> None:
        super().__init__()
        self.dataset = datasets.get(dataset)
        self.lang = lang
        self.cancel: threading.Event | None = None
        """Set to stop the download; None when nothing downloads."""

    def compose(self) -> ComposeResult:
        title = self.dataset.title
        with Vertical() as box:
            box.border_title = t("data_fetch_title", self.lang, title=title)
            with VerticalScroll():
                yield Static(id="fetch-terms", markup=False)
            yield ProgressBar(total=self.dataset.size, show_eta=False, id="fetch-progress")
            yield Static("", id="fetch-status", markup=False)
            with Horizontal(id="buttons"):
                yield Button(t("cancel", self.lang), id="fetch-cancel")
                yield Button(t("data_accept_button", self.lang), id="fetch-accept",
                             variant="primary")  # fmt: skip

    def on_resize(self, event: Resize) -> None:
        """The terms wrapped to the dialog, each item's lines hanging under its text."""
        width = min(self.WIDTH, event.size.width) - 6  # borders, padding, a scrollbar
        terms = t("data_licence", self.lang, title=self.dataset.title)
        self.query_one("#fetch-terms", Static).update(wrapped(terms, max(20, width)))

    def on_mount(self) -> None:
        self.query_one("#fetch-progress").display = False
        size = datasets.format_size(self.dataset.size)
        question = t("data_accept", self.lang, title=self.dataset.title, size=size)
        self.query_one("#fetch-status", Static).update(question)
        self.query_one("#fetch-accept").focus()

    def on_unmount(self) -> None:
        if self.cancel is not None:
            self.cancel.set()  # closing the dialog stops the download (nothing is kept)

    @on(Button.Pressed, "#fetch-accept")
    def accept(self) -> None:
        if self.cancel is not None:
            return
        self.cancel = threading.Event()
        self.query_one("#fetch-accept").display = False
        bar = self.query_one("#fetch-progress", ProgressBar)
        bar.update(progress=0)
        bar.display = True
        self.query_one("#fetch-status", Static).update(
            t("data_downloading", self.lang, title=self.dataset.title) + "…"
        )
        self.download(self.cancel)

    @work(thread=True, exclusive=True, exit_on_error=False, group="data-fetch")
    def download(self, cancel: threading.Event) -> None:
        """The download, off the event loop; progress and the outcome come back as calls."""
        shown = -1

        def progress(done: int, total: int) -> None:
            nonlocal shown
            if done * 100 // max(total, 1) != shown and not cancel.is_set():
                shown = done * 100 // max(total, 1)
                self.app.call_from_thread(self._progress, done, total)

        try:
            datasets.fetch(self.dataset.name, progress, cancel)
        except datasets.DatasetError as error:
            if not cancel.is_set():
                self.app.call_from_thread(self._failed, error)
            return
        if not cancel.is_set():
            self.app.call_from_thread(self._done)

    def _done(self) -> None:
        self.cancel = None
        self.dismiss(True)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#fetch-progress", ProgressBar).update(progress=done, total=total)
        amounts = t("data_progress", self.lang, done=datasets.format_size(done),
                    total=datasets.format_size(total))  # fmt: skip
        status = t("data_downloading", self.lang, title=self.dataset.title)
        self.query_one("#fetch-status", Static).update(f"{status}{colon(self.lang)}{amounts}")

    def _failed(self, error: datasets.DatasetError) -> None:
        """Say why in the dialog; Accept tries again."""
        self.cancel = None
        self.query_one("#fetch-progress").display = False
        self.query_one("#fetch-status", Static).update(error.text(self.lang))
        self.query_one("#fetch-accept").display = True
        self.query_one("#fetch-accept").focus()

    @on(Button.Pressed, "#fetch-cancel")
    def action_cancel(self) -> None:
        if self.cancel is not None:
            self.cancel.set()
        self.dismiss(False)
