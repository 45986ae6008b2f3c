"""The lab's presets: "quick", a first look in well under a minute on a slow 2-core machine, and
"full", the measured recipe. The CLI (`--quick`) and the app (key p) share them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kdquiz.i18n import Message
from kdquiz.lab.tracker import duration


@dataclass(frozen=True)
class Preset:
    key: str
    """Its name: `quick` or `full` (worded by the i18n label `lab_preset_{key}`)."""
    seeds: int
    """The seeds it starts with (the app's n key still cycles them)."""
    config: dict[str, Any] = field(default_factory=dict)
    """Overrides of the pipeline's recipe ({}: the recipe as it is)."""
    epochs: int = 80
    """About how many epochs a student trains (the time estimate's basis)."""


QUICK = Preset("quick", seeds=1, config={"epochs": 30}, epochs=30)
"""Measured on MovieLens-100K on 2 busy cores: about 30 s, and the distilled students already
ahead of scratch."""
FULL = Preset("full", seeds=3)
PRESETS = {preset.key: preset for preset in (QUICK, FULL)}

STARTUP_SECONDS = 5.0
"""Importing torch, loading the data and fitting the teacher."""
SECONDS_PER_EPOCH = {"synthetic": 0.3, "movielens": 0.8}
"""One epoch of the four students, measured on 2 busy cores (the data kinds whose size is
known before the run; a user's CSV has no estimate)."""


def preset_of(config: dict[str, Any]) -> Preset:
    """The preset a result's recipe was run with (full for anything but quick's epochs)."""
    return QUICK if config.get("epochs") == QUICK.config["epochs"] else FULL


def estimate_seconds(preset: Preset, seeds: int, data_kind: str) -> float | None:
    """About how long a run takes on 2 cores; None for data of unknown size."""
    per_epoch = SECONDS_PER_EPOCH.get(data_kind)
    return None if per_epoch is None else STARTUP_SECONDS + seeds * preset.epochs * per_epoch


def estimate(preset: Preset, seeds: int, data_kind: str) -> Message | None:
    """About how long a run takes ("about 30 s on 2 cores"); None for data of unknown size."""
    seconds = estimate_seconds(preset, seeds, data_kind)
    return None if seconds is None else duration("lab_estimate", seconds)
