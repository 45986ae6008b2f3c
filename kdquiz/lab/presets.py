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
    epochs: int = 220
    """About how many epochs a student trains per seed, choosing its stopping point and refit
    together (the time estimate's basis; measured on MovieLens-100K: 90 to its best epoch, 40
    more to be sure, 90 in the refit)."""


QUICK = Preset("quick", seeds=1, config={"epochs": 30}, epochs=55)
"""At most 30 epochs to choose the stopping point, then the refit: a first look."""
FULL = Preset("full", seeds=3)
PRESETS = {preset.key: preset for preset in (QUICK, FULL)}

STARTUP_SECONDS = 5.0
"""Importing torch, loading the data and fitting the teacher."""
SECONDS_PER_EPOCH = {"synthetic": 0.045, "movielens-100k": 0.09, "movielens-1m": 1.15}
"""One epoch of the four students on 2 free cores (two students at a time): measured for the
synthetic data and MovieLens-100K (`benchmarks/bench_lab.py`: 34 s and 63 s), extrapolated for
MovieLens-1M (6.4× the users, 2.2× the items). A user's CSV, whose size is unknown before the
run, has no estimate. The same machine has run 1.3× to 4× slower at busy times."""


TEACHER_SECONDS = {
    "sasrec": {"synthetic": 140.0, "movielens-100k": 200.0, "movielens-1m": 2000.0},
}
"""What a teacher other than EASE adds: choosing its epochs and the refit, and the students'
longer training at the small dim its parameter count allows. Measured in all: 264 s on
MovieLens-100K (63 s with EASE), 172 s on the synthetic data (35 s); MovieLens-1M is
extrapolated (6.4× the users, 2.2× the items), so the default --timeout refuses it with its
estimate."""


def size_key(source: dict[str, Any]) -> str | None:
    """Which measured data a run's source is (`runner.choose_data`), None for a user's CSV."""
    if source.get("kind") == "synthetic":
        return "synthetic"
    if source.get("kind") == "movielens":  # inside the recbole wheel: MovieLens-100K
        return "movielens-100k"
    if source.get("kind") == "grouplens":
        return str(source.get("name"))
    return None


def preset_of(config: dict[str, Any]) -> Preset:
    """The preset a result's recipe was run with (full for anything but quick's epochs)."""
    return QUICK if config.get("epochs") == QUICK.config["epochs"] else FULL


def estimate_seconds(preset: Preset, seeds: int, data_kind: str | None,
                     teacher: str = "ease") -> float | None:  # fmt: skip
    """About how long a run takes on 2 free cores; None for data of unknown size."""
    per_epoch = SECONDS_PER_EPOCH.get(data_kind or "")
    if per_epoch is None:
        return None
    extra = TEACHER_SECONDS.get(teacher, {}).get(data_kind or "", 0.0)
    return STARTUP_SECONDS + seeds * preset.epochs * per_epoch + extra


def estimate(preset: Preset, seeds: int, data_kind: str | None) -> Message | None:
    """About how long a run takes ("about 30 s on 2 cores"); None for data of unknown size."""
    seconds = estimate_seconds(preset, seeds, data_kind)
    return None if seconds is None else duration("lab_estimate", seconds)
