"""The lab's progress events and result document as typed values (no torch): the job sends JSON,
this module reads it once, and the CLI, the app and the report work on the types.

Both are tolerant, because the pipeline grows: an event or result field this module does not
know is ignored (events) or kept in `extra` and written back (results), so `--json` prints what
the pipeline produced, and a new field needs a change here only when a front end reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

Json = dict[str, Any]


class LabResultError(ValueError):
    """A document that is not a lab result (corrupt, or from an incompatible version)."""


def _extra(data: Mapping[str, Any], known: Iterable[str]) -> Json:
    """The fields of `data` a type does not know, kept as they are."""
    return {key: value for key, value in data.items() if key not in known}


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class StageEvent:
    """The run entered a stage: "data", "teacher", or a student's key (with its seed)."""

    stage: str
    seed: int | None = None


@dataclass(frozen=True)
class PlanEvent:
    """How many student trainings the run will do (sent once the teacher is trained)."""

    trainings: int


@dataclass(frozen=True)
class EpochEvent:
    """A student finished an epoch. `epochs` is the most it may train (early stopping may end
    it sooner); `valid_ndcg` is None for an epoch that was not validated."""

    model: str
    weight: float
    seed: int
    epoch: int
    epochs: int
    valid_ndcg: float | None = None
    phase: str = "select"
    """"select" (trained on train, validated) or "refit" (on train+validation, no validation)."""

    @property
    def training(self) -> tuple[str, float, int]:
        """Which training this epoch belongs to (a refit of the same student shares it, but
        starts again from epoch 1)."""
        return (self.model, self.weight, self.seed)


LabEvent = StageEvent | PlanEvent | EpochEvent


def parse_event(data: object) -> LabEvent | None:
    """The progress event in a JSON object from the lab's job, or None for anything else (the
    result and error events, a kind this version does not know, a malformed event)."""
    if not isinstance(data, Mapping):
        return None
    try:
        kind = data.get("event")
        if kind == "stage":
            seed = data.get("seed")
            return StageEvent(str(data["stage"]), None if seed is None else int(seed))
        if kind == "plan":
            trainings = int(data["trainings"])
            return PlanEvent(trainings) if trainings >= 0 else None
        if kind == "epoch":
            ndcg = data.get("valid_ndcg")
            event = EpochEvent(
                model=str(data["model"]), weight=float(data["weight"]), seed=int(data["seed"]),
                epoch=int(data["epoch"]), epochs=int(data["epochs"]),
                valid_ndcg=None if ndcg is None else float(ndcg),
                phase=str(data.get("phase", "select")),
            )  # fmt: skip
            return event if 1 <= event.epoch <= event.epochs else None
    except (KeyError, TypeError, ValueError):
        return None
    return None


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class MetricSummary:
    """One metric of one model over the seeds: mean, sample std, and each seed's value."""

    mean: float
    std: float
    runs: tuple[float, ...]
    extra: Json = field(default_factory=dict)

    KEYS: ClassVar[tuple[str, ...]] = ("mean", "std", "runs")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MetricSummary:
        runs = tuple(float(value) for value in data["runs"])
        return cls(float(data["mean"]), float(data["std"]), runs, _extra(data, cls.KEYS))

    def to_json(self) -> Json:
        return {"mean": self.mean, "std": self.std, "runs": list(self.runs), **self.extra}


@dataclass(frozen=True)
class Comparison:
    """A distilled student against scratch, paired by user: the mean difference in test
    NDCG@10, its 95% confidence interval, the p-value, and whether the gap is significant."""

    diff: float
    ci: tuple[float, float]
    p: float
    significant: bool
    users: int | None = None
    """How many users were paired."""
    extra: Json = field(default_factory=dict)

    KEYS: ClassVar[tuple[str, ...]] = ("diff", "ci", "p", "users", "significant")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Comparison:
        low, high = data["ci"]
        users = data.get("users")
        return cls(
            float(data["diff"]), (float(low), float(high)), float(data["p"]),
            bool(data["significant"]), None if users is None else int(users),
            _extra(data, cls.KEYS),
        )  # fmt: skip

    def to_json(self) -> Json:
        data: Json = {"diff": self.diff, "ci": list(self.ci), "p": self.p}
        if self.users is not None:
            data["users"] = self.users
        return {**data, "significant": self.significant, **self.extra}


@dataclass(frozen=True)
class ModelResult:
    """One model of a run: the teacher, a student, or a floor (popularity, random)."""

    label: str
    """The pipeline's English name (the report words known models by key instead)."""
    parameters: int
    latency_ms_per_1000_users: float
    metrics: dict[str, MetricSummary]
    chosen: tuple[Json, ...] | None = None
    """What validation chose: for each student seed its KD weight and best epoch; for the
    teacher its λ, recency boost and validation NDCG@10. Kept as the pipeline wrote it."""
    valid_ndcg_per_epoch: tuple[tuple[int, float], ...] | None = None
    """A student's validation NDCG@10 per evaluated epoch, averaged over the seeds."""
    vs_scratch: Comparison | None = None
    extra: Json = field(default_factory=dict)

    KEYS: ClassVar[tuple[str, ...]] = (
        "label", "parameters", "latency_ms_per_1000_users", "metrics", "chosen",
        "valid_ndcg_per_epoch", "vs_scratch",
    )  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelResult:
        chosen, curve, versus = (data.get(k) for k in cls.KEYS[4:])
        return cls(
            label=str(data["label"]),
            parameters=int(data["parameters"]),
            latency_ms_per_1000_users=float(data["latency_ms_per_1000_users"]),
            metrics={str(k): MetricSummary.from_json(v) for k, v in data["metrics"].items()},
            chosen=None if chosen is None else tuple(dict(entry) for entry in chosen),
            valid_ndcg_per_epoch=(
                None if curve is None else tuple((int(e), float(v)) for e, v in curve)
            ),
            vs_scratch=None if versus is None else Comparison.from_json(versus),
            extra=_extra(data, cls.KEYS),
        )

    def to_json(self) -> Json:
        data: Json = {
            "label": self.label,
            "parameters": self.parameters,
            "latency_ms_per_1000_users": self.latency_ms_per_1000_users,
            "metrics": {name: summary.to_json() for name, summary in self.metrics.items()},
        }
        if self.chosen is not None:
            data["chosen"] = [dict(entry) for entry in self.chosen]
        if self.valid_ndcg_per_epoch is not None:
            data["valid_ndcg_per_epoch"] = [[e, v] for e, v in self.valid_ndcg_per_epoch]
        if self.vs_scratch is not None:
            data["vs_scratch"] = self.vs_scratch.to_json()
        return {**data, **self.extra}

    def mean(self, metric: str) -> float | None:
        """The metric's mean over the seeds, None when this model lacks it."""
        summary = self.metrics.get(metric)
        return None if summary is None else summary.mean


@dataclass(frozen=True)
class DatasetInfo:
    """The data a run used, and how it was split."""

    name: str
    users: int
    items: int
    train_interactions: int
    evaluated_users: int | None = None
    split: str | None = None
    extra: Json = field(default_factory=dict)

    KEYS: ClassVar[tuple[str, ...]] = (
        "name", "users", "items", "train_interactions", "evaluated_users", "split",
    )  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DatasetInfo:
        evaluated, split = data.get("evaluated_users"), data.get("split")
        return cls(
            str(data["name"]), int(data["users"]), int(data["items"]),
            int(data["train_interactions"]), None if evaluated is None else int(evaluated),
            None if split is None else str(split), _extra(data, cls.KEYS),
        )  # fmt: skip

    def to_json(self) -> Json:
        data: Json = {"name": self.name, "users": self.users, "items": self.items,
                      "train_interactions": self.train_interactions}  # fmt: skip
        if self.evaluated_users is not None:
            data["evaluated_users"] = self.evaluated_users
        if self.split is not None:
            data["split"] = self.split
        return {**data, **self.extra}


@dataclass(frozen=True)
class LabResult:
    """A whole run: the data, which functions ran, the seeds, the recipe, every model's
    results (the teacher first), and how long it took."""

    dataset: DatasetInfo
    functions: str
    """Which losses and metrics ran: the reference solutions, or the learner's folder."""
    seeds: tuple[int, ...]
    config: Json
    """The recipe the pipeline ran (its LabConfig, as the pipeline wrote it)."""
    device: str
    models: dict[str, ModelResult]
    seconds: float
    protocol: str | None = None
    """"refit": choices on validation, final models refit on train+validation (None: a result
    from before, whose models were scored as fit on the training items)."""
    extra: Json = field(default_factory=dict)

    KEYS: ClassVar[tuple[str, ...]] = (
        "dataset", "functions", "seeds", "config", "device", "models", "seconds", "protocol",
    )  # fmt: skip

    @classmethod
    def from_json(cls, data: object) -> LabResult:
        """The result in a JSON document; LabResultError if it is not one (every share "kept"
        is of the teacher's NDCG@10, so a result must have it)."""
        if not isinstance(data, Mapping):
            raise LabResultError("not a lab result: not a JSON object")
        try:
            result = cls(
                dataset=DatasetInfo.from_json(data["dataset"]),
                functions=str(data["functions"]),
                seeds=tuple(int(seed) for seed in data["seeds"]),
                config=dict(data["config"]),
                device=str(data["device"]),
                models={str(k): ModelResult.from_json(v) for k, v in data["models"].items()},
                seconds=float(data["seconds"]),
                protocol=None if data.get("protocol") is None else str(data["protocol"]),
                extra=_extra(data, cls.KEYS),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise LabResultError(f"not a lab result: {error!r}") from None
        if "teacher" not in result.models or result.teacher.mean("NDCG@10") is None:
            raise LabResultError("not a lab result: no teacher NDCG@10")
        return result

    def to_json(self) -> Json:
        """The JSON document again, as the pipeline wrote it (`--json` prints this)."""
        protocol = {} if self.protocol is None else {"protocol": self.protocol}
        return {
            "dataset": self.dataset.to_json(),
            **protocol,
            "functions": self.functions,
            "seeds": list(self.seeds),
            "config": dict(self.config),
            "device": self.device,
            "models": {key: model.to_json() for key, model in self.models.items()},
            "seconds": self.seconds,
            **self.extra,
        }

    @property
    def teacher(self) -> ModelResult:
        return self.models["teacher"]
