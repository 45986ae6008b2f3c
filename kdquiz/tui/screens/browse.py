"""The question browser: every question in one table, filtered by topic, type, difficulty and
status and searched as you type; enter practises the highlighted question out of schedule."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from kdquiz.bank import TYPES, Question
from kdquiz.i18n import topic_name
from kdquiz.review import STATUSES
from kdquiz.tui.screens.base import AppScreen
from kdquiz.tui.screens.review import ReviewScreen
from kdquiz.tui.widgets.question_table import QuestionTable, SearchInput
from kdquiz.tui.widgets.stats_view import fit

FILTERS = ("topic", "type", "difficulty", "status")
"""The filter selects, in the order of the filter bar (and of their keys t, y, d, s)."""
ALL = ""
"""The value of every filter's "all" option."""
ALL_LABELS = {
    "topic": "browse_all_topics",
    "type": "browse_all_types",
    "difficulty": "browse_any_difficulty",
    "status": "browse_any_status",
}
STATUS_STYLES = {"new": "cyan", "learning": "yellow", "due": "bold red", "mastered": "green"}
ID_WIDTH, TOPIC_WIDTH, MIN_PROMPT_WIDTH = 22, 16, 16


class BrowseScreen(AppScreen):
    """Every question, filterable and searchable; `initial` pre-fills the search."""

    DEFAULT_CSS = """
    BrowseScreen #browse-filters { height: 1; margin: 1 1 0 1; }
    BrowseScreen #browse-search { width: 1fr; min-width: 14; border: none; height: 1;
        padding: 0 1; background: $boost; }
    BrowseScreen #browse-search:focus { background: $surface-lighten-1; }
    BrowseScreen #browse-filters Select { margin-left: 1; }
    BrowseScreen #filter-topic { width: 20; }
    BrowseScreen #filter-type { width: 13; }
    BrowseScreen #filter-difficulty { width: 12; }
    BrowseScreen #filter-status { width: 14; }
    BrowseScreen #browse-count { height: 1; margin: 1 1 0 2; color: $text-muted; }
    BrowseScreen QuestionTable { height: 1fr; margin: 0 1; }
    """
    AUTO_FOCUS = "QuestionTable"
    BINDINGS = [
        Binding("enter", "practise", "Practise the highlighted question (out of schedule)",
                show=False),
        Binding(
            "slash", "focus_search", "Search", id="search",
            tooltip="Search prompts in both languages and ids; escape returns to the list",
        ),
        Binding("t", "cycle('topic')", "Next topic filter", show=False),
        Binding("y", "cycle('type')", "Next type filter", show=False),
        Binding("d", "cycle('difficulty')", "Next difficulty filter", show=False),
        Binding("s", "cycle('status')", "Next status filter (new, learning, due, mastered)",
                show=False),
        Binding("c", "clear_filters", "Clear filters", id="clear"),
    ]  # fmt: skip

    def __init__(self, initial: str | None = None) -> None:
        super().__init__()
        self.initial = initial or ""
        """Search text to start with (empty: every question)."""
        self.options_lang: str | None = None
        """Language the filter options are labelled in (relabelled on a switch)."""
        self.haystacks: dict[str, str] = {}
        """Per question id, the lowercased text the search looks in."""
        self.filter_values: dict[str, list[str]] = {name: [ALL] for name in FILTERS}
        """Each filter's option values in order, for cycling with t, y, d and s."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="browse-filters"):
            yield SearchInput(value=self.initial, id="browse-search")
            for name in FILTERS:
                yield Select[str](
                    [(self.t(ALL_LABELS[name]), ALL)],
                    allow_blank=False,
                    compact=True,
                    id=f"filter-{name}",
                )
        yield Static(id="browse-count")
        yield QuestionTable(id="browse-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    # ------------------------------------------------------------------ building the view

    def refresh_view(self) -> None:
        data = self.data
        assert data is not None
        if not self.haystacks:
            self.haystacks = {
                q.id: f"{q.id}\n{q.prompt.en}\n{q.prompt.zh}".casefold()
                for q in data.bank.questions
            }
        if self.options_lang != self.lang:
            self.options_lang = self.lang
            self._label_filters()
        self.query_one(SearchInput).placeholder = self.t("browse_search")
        self.fill_table()

    def _label_filters(self) -> None:
        """(Re)build each filter's options in the current language, keeping what is chosen."""
        assert self.data is not None
        topics = list(self.data.bank.by_topic())
        options: dict[str, list[tuple[str, str]]] = {
            "topic": [(topic_name(topic, self.lang), topic) for topic in topics],
            "type": [(self.t(f"browse_type_{kind}"), kind) for kind in TYPES],
            "difficulty": [("★" * level, str(level)) for level in (1, 2, 3)],
            "status": [(self.t(status), status) for status in STATUSES],
        }
        for name, specific in options.items():
            choices = [(self.t(ALL_LABELS[name]), ALL), *specific]
            select = self._select(name)
            chosen = select.value
            values = [value for _, value in choices]
            self.filter_values[name] = values
            with select.prevent(Select.Changed):
                select.set_options(choices)
                select.value = chosen if chosen in values else ALL
                # Setting an unchanged value skips the watcher that relabels the select.
                select.mutate_reactive(Select.value)  # type: ignore[misc]

    def _select(self, name: str) -> Select[str]:
        return self.query_one(f"#filter-{name}", Select)

    def filter_value(self, name: str) -> str:
        """The chosen option of one filter ('' for all)."""
        value = self._select(name).value
        return value if isinstance(value, str) else ALL

    def shown_questions(self, now: datetime) -> list[Question]:
        """The questions that pass every filter and contain every search word."""
        assert self.data is not None
        deck = self.data.deck
        topic, kind, level, status = (self.filter_value(name) for name in FILTERS)
        words = self.query_one(SearchInput).value.casefold().split()
        shown = []
        for question in self.data.bank.questions:
            if topic and question.topic != topic:
                continue
            if kind and question.type != kind:
                continue
            if level and str(question.difficulty) != level:
                continue
            if status and deck.status(question.id, now) != status:
                continue
            haystack = self.haystacks.get(question.id, "")
            if not all(word in haystack for word in words):
                continue
            shown.append(question)
        return shown

    def fill_table(self) -> None:
        """Redraw the rows from the filters and the search; the highlighted question stays
        highlighted when it is still listed, otherwise the cursor keeps its row number."""
        data = self.data
        if data is None:
            return
        now = self.kdapp.clock()
        table = self.query_one(QuestionTable)
        kept_id = self.highlighted_id()
        kept_row = table.cursor_row
        shown = self.shown_questions(now)
        widths = self._column_widths()
        table.clear(columns=True)
        headers = [
            self.t("browse_col_id"), self.t("topic"), self.t("browse_col_type"),
            self.t("browse_col_difficulty"), self.t("browse_col_status"), self.t("question"),
        ]  # fmt: skip
        shown_columns = [i for i, width in enumerate(widths) if width > 0]  # no ids when narrow
        for i in shown_columns:
            table.add_column(fit(headers[i], widths[i]), width=widths[i])
        id_width, topic_width, _, _, _, prompt_width = widths
        for question in shown:
            status = data.deck.status(question.id, now)
            first_line = question.prompt.get(self.lang).strip().splitlines()[0]
            cells: list[Text | str] = [
                Text(fit(question.id, id_width), "dim"),
                fit(topic_name(question.topic, self.lang), topic_width),
                self.t(f"browse_type_{question.type}"),
                Text("★" * question.difficulty, "yellow"),
                Text(self.t(status), STATUS_STYLES[status]),
                fit(first_line.replace("`", "").replace("**", ""), prompt_width),
            ]
            table.add_row(*[cells[i] for i in shown_columns], key=question.id)
        ids = [question.id for question in shown]
        if shown:
            row = ids.index(kept_id) if kept_id in ids else min(kept_row, len(shown) - 1)
            table.move_cursor(row=row, animate=False)
        total = len(data.bank.questions)
        count = Text(self.t("browse_count", shown=len(shown), total=total), "bold")
        count.append("    ")
        if not shown:
            count.append(self.t("browse_no_match"), "italic")
        elif self.app.size.width >= 100:  # narrower, the footer and the help screen say it
            count.append(self.t("browse_keys"), "dim")
        self.query_one("#browse-count", Static).update(count)

    def _column_widths(self) -> list[int]:
        """Widths of id, topic, type, difficulty, status and prompt: the prompt takes what the
        others leave of the screen's width, measured in cells so CJK text stays aligned."""
        assert self.data is not None
        questions = self.data.bank.questions

        def widest(texts: list[str], header: str, cap: int = 999) -> int:
            return min(cap, max([cell_len(text) for text in texts] + [cell_len(header)]))

        width = self.app.size.width
        # Narrow terminals drop the id (a question shows it when opened); wide ones show it whole.
        id_cap = 0 if width < 100 else ID_WIDTH if width < 140 else 40
        topic_cap = 12 if width < 100 else TOPIC_WIDTH if width < 140 else 26
        fixed = [
            widest([q.id for q in questions], self.t("browse_col_id"), id_cap) if id_cap else 0,
            widest([topic_name(q.topic, self.lang) for q in questions], self.t("topic"), topic_cap),
            widest([self.t(f"browse_type_{kind}") for kind in TYPES], self.t("browse_col_type")),
            widest(["★★★"], self.t("browse_col_difficulty")),
            widest([self.t(status) for status in STATUSES], self.t("browse_col_status")),
        ]
        # Cell padding (1 each side), the table's margins and a vertical scrollbar.
        columns = sum(1 for w in fixed if w) + 1
        spare = width - sum(fixed) - 2 * columns - 2 - 2
        return [*fixed, max(MIN_PROMPT_WIDTH, spare)]

    def highlighted_id(self) -> str | None:
        """The id of the question under the cursor, if any row is shown."""
        table = self.query_one(QuestionTable)
        if table.row_count == 0:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(row_key.value) if row_key.value is not None else None

    # ------------------------------------------------------------------ events and actions

    @on(Input.Changed, "#browse-search")
    def search_changed(self) -> None:
        self.fill_table()

    @on(Input.Submitted, "#browse-search")
    def search_submitted(self) -> None:
        self.query_one(QuestionTable).focus()

    @on(Select.Changed)
    def filter_changed(self) -> None:
        self.fill_table()

    @on(DataTable.RowSelected, "#browse-table")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.practise(str(event.row_key.value))

    def on_resize(self, event: Resize) -> None:
        self.fill_table()

    def practise(self, question_id: str) -> None:
        """Open one question as a preview: answered and explained, not recorded, so opening a
        question from the browser never reschedules it."""
        assert self.data is not None
        question = self.data.bank.by_id(question_id)
        if question is not None:
            self.app.push_screen(ReviewScreen(queue=[question], preview=True))

    def action_practise(self) -> None:
        question_id = self.highlighted_id()
        if question_id is not None:
            self.practise(question_id)

    def action_focus_search(self) -> None:
        self.query_one(SearchInput).focus()

    def action_cycle(self, name: str) -> None:
        """Move one filter to its next option (wrapping round to "all")."""
        select = self._select(name)
        values = self.filter_values[name]
        current = self.filter_value(name)
        index = values.index(current) if current in values else -1
        select.value = values[(index + 1) % len(values)]

    def action_clear_filters(self) -> None:
        for name in FILTERS:
            with self._select(name).prevent(Select.Changed):
                self._select(name).value = ALL
        with self.query_one(SearchInput).prevent(Input.Changed):
            self.query_one(SearchInput).value = ""
        self.fill_table()
