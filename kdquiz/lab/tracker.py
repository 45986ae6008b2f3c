"""How far a lab run has come and how long it has left, from its progress events: one rule for
the CLI's status line and the app's progress bar (no torch, no Textual, no wording: messages
are i18n keys and values)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

from kdquiz.i18n import Message
from kdquiz.lab.results import EpochEvent, LabEvent, PlanEvent, StageEvent

BEFORE_STUDENTS = ("data", "teacher")
"""The stages before the students' trainings (they are not part of the estimate)."""


class LabProgress:
    """Fed with a run's events as they arrive; says the share done, the remaining time and a
    status message.

    The estimate is the students' training time so far per epoch trained, times the epochs
    still to train. A training may stop early (patience), so how long one runs is known only
    once one has ended: until then there is no estimate (`time_left` is None).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.trainings = 0
        """Student trainings the run plans (0 until the plan arrives)."""
        self.trained_epochs: list[int] = []
        """How many epochs each finished training ran."""
        self.current: EpochEvent | None = None
        """The last epoch of the training under way."""
        self.shown: StageEvent | EpochEvent | None = None
        """The event the status describes."""
        self.training_since: float | None = None
        """When the students' trainings began."""
        self.updated_at = clock()

    def update(self, event: LabEvent) -> None:
        now = self.clock()
        if isinstance(event, PlanEvent):
            self.trainings = event.trainings
            self.training_since = now
        elif isinstance(event, StageEvent):
            self._finish_current()
            if event.stage not in BEFORE_STUDENTS and self.training_since is None:
                self.training_since = now
            self.shown = event
        else:
            previous = self.current
            # A new training: another student, weight or seed, or the same one from epoch 1
            # again (the refit of a chosen student).
            if previous is not None and (
                event.training != previous.training or event.epoch <= previous.epoch
            ):
                self._finish_current()
            self.current = self.shown = event
        self.updated_at = now

    def _finish_current(self) -> None:
        if self.current is not None:
            self.trained_epochs.append(self.current.epoch)
            self.current = None

    @property
    def finished(self) -> int:
        """Trainings known to be over."""
        return len(self.trained_epochs)

    @property
    def fraction(self) -> float:
        """The share of the planned trainings done, 0 to 1 (0 until the plan arrives)."""
        if not self.trainings:
            return 0.0
        current = self.current.epoch / self.current.epochs if self.current else 0.0
        return min(1.0, (self.finished + current) / self.trainings)

    def seconds_left(self) -> float | None:
        """About how many seconds the trainings still need; None until one has ended."""
        if not self.trainings or not self.trained_epochs or self.training_since is None:
            return None
        epoch = self.current.epoch if self.current else 0
        done = sum(self.trained_epochs) + epoch
        per_epoch = (self.updated_at - self.training_since) / done
        typical = statistics.fmean(self.trained_epochs)
        current = max(0.0, min(typical, self.current.epochs) - epoch) if self.current else 0.0
        waiting = max(0, self.trainings - self.finished - (1 if self.current else 0))
        left = (current + waiting * typical) * per_epoch
        return max(0.0, left - (self.clock() - self.updated_at))

    def time_left(self) -> Message | None:
        """The time left ("about 2 min left"), None while there is not enough to estimate."""
        seconds = self.seconds_left()
        return None if seconds is None else duration("lab_left", seconds)

    def status(self) -> Message:
        """What the run is doing now."""
        event = self.shown
        if isinstance(event, EpochEvent):
            values = {"model": event.model, "seed": event.seed, "epoch": event.epoch,
                      "epochs": event.epochs}  # fmt: skip
            if event.phase == "refit":
                return Message("lab_refitting", **values)
            if event.valid_ndcg is None:
                return Message("lab_training_epoch", **values)
            return Message("lab_training", **values, ndcg=f"{event.valid_ndcg:.4f}")
        if event is None:
            return Message("lab_starting")
        if event.stage in BEFORE_STUDENTS:
            return Message(f"lab_stage_{event.stage}")
        return Message("lab_stage_student", model=event.stage, seed=event.seed)


def duration(prefix: str, seconds: float) -> Message:
    """A rough duration as `{prefix}_seconds` (rounded up to 5 s) under a minute, else as
    `{prefix}_minutes` (rounded): "about 15 s", "about 3 min"."""
    if seconds < 55:
        return Message(f"{prefix}_seconds", n=max(5, 5 * math.ceil(seconds / 5)))
    return Message(f"{prefix}_minutes", n=max(1, round(seconds / 60)))
