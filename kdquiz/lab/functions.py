"""The KD losses and metrics the lab runs on: the reference solutions by default, or the
learner's own from their workspace (`--use-workspace`)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from kdquiz.i18n import Message
from kdquiz.paths import content_dir

# What the lab calls, and the exercise each comes from.
NEEDED: dict[str, str] = {
    "kd_loss": "exercise_1",
    "hit_ratio_ndcg_loo": "exercise_4",
    "recall_ndcg_at_k": "exercise_5",
    "position_weights": "exercise_8",
    "ranking_distillation_loss": "exercise_8",
    "listwise_distillation_loss": "exercise_13",
}


class LabFunctionError(Message):
    """A learner's function cannot be used (missing, a stub, or crashing); one sentence."""


@dataclass(frozen=True)
class Functions:
    """The functions the lab calls, and where they come from."""

    source: str  # "reference solutions" or the workspace's exercises folder
    by_name: dict[str, Callable[..., Any]]

    def __getattr__(self, name: str) -> Callable[..., Any]:
        try:
            return self.by_name[name]
        except KeyError:
            raise AttributeError(name) from None


def _load(folder: Path, exercise: str, tag: str) -> ModuleType:
    path = folder / f"{exercise}.py"
    if not path.is_file():
        raise LabFunctionError("labfn_missing", path=path)
    # Sibling imports (`from exercise_1 import kd_loss`) resolve in the same folder; appended, so
    # a learner's file named like a standard-library module (random.py) shadows nothing.
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
    spec = importlib.util.spec_from_file_location(f"kdquiz_lab_{tag}_{exercise}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # learner code: any error becomes one sentence
        raise LabFunctionError(
            "labfn_import", file=path.name, error=f"{type(error).__name__}: {error}"
        ) from None
    return module


def load_functions(workspace_exercises: Path | None = None) -> Functions:
    """The reference solutions, or (given a workspace's exercises folder) the learner's code."""
    folder = workspace_exercises or content_dir("solutions")
    tag = "workspace" if workspace_exercises else "reference"
    modules: dict[str, ModuleType] = {}
    found: dict[str, Callable[..., Any]] = {}
    for name, exercise in NEEDED.items():
        if exercise not in modules:
            modules[exercise] = _load(folder, exercise, tag)
        function = getattr(modules[exercise], name, None)
        if not callable(function):
            raise LabFunctionError("labfn_no_function", exercise=exercise, name=name)
        found[name] = _explained(function, name, exercise) if workspace_exercises else function
    source = str(folder) if workspace_exercises else "reference solutions"
    return Functions(source, found)


def _explained(function: Callable[..., Any], name: str, exercise: str) -> Callable[..., Any]:
    """Wrap a learner's function so that a stub or a crash names the function and exercise."""

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except NotImplementedError:
            raise LabFunctionError("labfn_stub", name=name, exercise=exercise) from None
        except LabFunctionError:
            raise
        except Exception as error:
            raise LabFunctionError(
                "labfn_raised",
                name=name,
                exercise=exercise,
                error=f"{type(error).__name__}: {error}",
            ) from None

    call.__name__ = name
    return call
