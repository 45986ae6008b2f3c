"""How far a lab run has come and how long it has left, from its progress events: one rule for
the CLI's status line and the app's progress bar (no torch, no Textual, no wording: messages
are i18n keys and values)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

from kdquiz.i18n import LABELS, Message
from kdquiz.lab.results import EpochEvent, LabEvent, PlanEvent, StageEvent, TrainedEvent

BEFORE_STUDENTS = ("data", "teacher")
"""The stages before the students' trainings (they are not part of the estimate)."""


class LabProgress:
    """Fed with a run's events as they arrive; says the share done, the remaining time and a
    status message.

    The estimate is the students' training time so far per epoch trained (several trainings
    may run at once, which this measures too), times the epochs still to train. A training may
    stop early (patience), so how long one runs is known only once one has ended: until then
    there is no estimate (`time_left` is None).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.trainings = 0
        """Student trainings the run plans (0 until the plan arrives)."""
        self.trained_epochs: list[int] = []
        """How many epochs each finished training ran."""
        self.running: dict[tuple[str, float, int, str], EpochEvent] = {}
        """The last epoch of each training under way."""
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
            if event.stage not in BEFORE_STUDENTS and self.training_since is None:
                self.training_since = now
            self.shown = event
        elif isinstance(event, TrainedEvent):
            self.running.pop(event.training, None)
            self.trained_epochs.append(event.epochs)
        elif event.model == "teacher":  # not one of the planned student trainings
            self.shown = event
        else:
            self.running[event.training] = self.shown = event
        self.updated_at = now

    @property
    def finished(self) -> int:
        """Trainings over."""
        return len(self.trained_epochs)

    @property
    def fraction(self) -> float:
        """The share of the planned trainings done, 0 to 1 (0 until the plan arrives)."""
        if not self.trainings:
            return 0.0
        running = sum(e.epoch / e.epochs for e in self.running.values())
        return min(1.0, (self.finished + running) / self.trainings)

    def seconds_left(self) -> float | None:
        """About how many seconds the trainings still need; None until one has ended."""
        if not self.trainings or not self.trained_epochs or self.training_since is None:
            return None
        done = sum(self.trained_epochs) + sum(e.epoch for e in self.running.values())
        per_epoch = (self.updated_at - self.training_since) / max(done, 1)
        typical = statistics.fmean(self.trained_epochs)
        running = sum(max(0.0, min(typical, e.epochs) - e.epoch) for e in self.running.values())
        waiting = max(0, self.trainings - self.finished - len(self.running))
        left = (running + waiting * typical) * per_epoch
        return max(0.0, left - (self.clock() - self.updated_at))

    def time_left(self) -> Message | None:
        """The time left ("about 2 min left"), None while there is not enough to estimate."""
        seconds = self.seconds_left()
        return None if seconds is None else duration("lab_left", seconds)

    def status(self) -> Message:
        """What the run is doing now."""
        event = self.shown
        if isinstance(event, EpochEvent) and event.model == "teacher":
            if event.phase == "refit":
                return Message("lab_teacher_refitting", epoch=event.epoch, epochs=event.epochs)
            if event.valid_ndcg is None:
                return Message("lab_teacher_epoch", epoch=event.epoch, epochs=event.epochs)
            return Message("lab_teacher_training", epoch=event.epoch, epochs=event.epochs,
                           ndcg=f"{event.valid_ndcg:.4f}")  # fmt: skip
        if isinstance(event, EpochEvent):
            values = {"model": student_name(event.model), "seed": event.seed,
                      "epoch": event.epoch, "epochs": event.epochs}  # fmt: skip
            if event.phase == "refit":
                return Message("lab_refitting", **values)
            if event.valid_ndcg is None:
                return Message("lab_training_epoch", **values)
            return Message("lab_training", **values, ndcg=f"{event.valid_ndcg:.4f}")
        if event is None:
            return Message("lab_starting")
        if event.stage in BEFORE_STUDENTS:
            return Message(f"lab_stage_{event.stage}")
        return Message("lab_stage_student", model=student_name(event.stage), seed=event.seed)


def student_name(key: str) -> Message | str:
    """A student's short name in the progress messages ("ranking KD"); a key this version
    does not know, as it is."""
    return Message(f"lab_student_{key}") if f"lab_student_{key}" in LABELS else key


def duration(prefix: str, seconds: float) -> Message:
    """A rough duration as `{prefix}_seconds` (rounded up to 5 s) under a minute, else as
    `{prefix}_minutes` (rounded): "about 15 s", "about 3 min"."""
    if seconds < 55:
        return Message(f"{prefix}_seconds", n=max(5, 5 * math.ceil(seconds / 5)))
    return Message(f"{prefix}_minutes", n=max(1, round(seconds / 60)))
