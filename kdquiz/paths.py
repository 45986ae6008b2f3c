"""Where things live: the shipped content (wheel or checkout) and the user data dir."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

_PACKAGE = Path(__file__).resolve().parent


def content_dir(name: str) -> Path:
    """Path of a content folder (`questions`, `exercises` or `solutions`).

    A wheel carries them under `kdquiz/_content/`; an editable install or a plain checkout
    keeps them next to the package.
    """
    packaged = _PACKAGE / "_content" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where progress and the default workspace live (`KDQUIZ_DATA_DIR` overrides)."""
    env = os.environ if env is None else env
    override = env.get("KDQUIZ_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("kdquiz", appauthor=False))
