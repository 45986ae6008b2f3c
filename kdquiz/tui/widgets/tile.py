"""A tile on Home: one big number with a label under it."""

from __future__ import annotations

from textual.widgets import Static


class Tile(Static):
    """One big number with a label under it."""
