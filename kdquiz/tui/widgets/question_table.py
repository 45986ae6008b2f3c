"""The question browser's table and its search box."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, Input


class QuestionTable(DataTable[Text | str]):
    """The questions, one per row keyed by question id; enter practises the highlighted one."""

    BINDINGS = [Binding("enter", "select_cursor", "Practise", id="practise")]


class SearchInput(Input):
    """The search box; escape, enter or down hand the keyboard back to the table (enter then
    practises the highlighted match) instead of leaving."""

    BINDINGS = [Binding("escape,enter,down", "leave", "Back to the list", show=False)]

    def action_leave(self) -> None:
        self.screen.query_one(QuestionTable).focus()
