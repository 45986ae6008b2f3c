"""Shared helpers for the hidden suites.

Loading the learner's module and the reference solution, comparing results with tolerances, and
wording failures in a learner's language. Only the checker's subprocess imports this (it imports
torch).

Every comparison here uses functions captured when this module is imported, before any learner
code runs, and the checker's guard (kdquiz.checker.guard) fails a check whose learner code
replaced anything in torch, math, builtins, this module or the suite.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import inspect
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
import torch.nn.functional
from hypothesis import HealthCheck, settings

from kdquiz.checker.guard import GUARD, CheckFailure
from kdquiz.checker.tracebacks import learner_traceback
from kdquiz.paths import content_dir

DEVICE = torch.device(os.environ.get("KDQUIZ_DEVICE", "cpu"))
"""Where inputs are created; the contract says results follow the inputs' device."""

FLOAT_DTYPES = (torch.float32, torch.float64)

# Hypothesis: deterministic (seeded from the test), no example database, no timing deadlines
# (a loaded CI machine must not turn a correct solution into a failure).
settings.register_profile(
    "kdquiz",
    database=None,
    deadline=None,
    derandomize=True,
    print_blob=False,
    max_examples=25,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile("kdquiz")


def _no_local_constants() -> None:
    """Hypothesis also draws constants found in every "local" module loaded (the learner's file,
    the checker's own modules), so a check's inputs would depend on what else the process has
    imported: a warm and a cold check, or two learners, would see different examples. The
    checks draw from Hypothesis's global constants only."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - an older Hypothesis has no local constants
        return
    if hasattr(providers, "_get_local_constants"):
        empty = providers.Constants(
            integers=providers.SortedSet(),
            floats=providers.SortedSet(key=providers.float_to_int),
            bytes=providers.SortedSet(),
            strings=providers.SortedSet(),
        )
        providers._get_local_constants = lambda: empty


_no_local_constants()


class LearnerCodeError(Exception):
    """The learner's module could not be imported; the message says why, in one sentence."""


# --------------------------------------------------------------------------------------------
# Guarding torch against monkeypatching


def _torch_internal(value: Any) -> bool:
    """True for objects torch itself installs lazily (e.g. `torch.optim` importing
    `torch._dynamo`, which wraps `torch.manual_seed`); those are not the learner's doing."""
    if isinstance(value, ModuleType):
        return value.__name__.startswith("torch")
    return str(getattr(value, "__module__", "") or "").startswith("torch")


for _label, _namespace in [
    ("torch", torch),
    ("torch.nn.functional", torch.nn.functional),
    ("torch.Tensor", torch.Tensor),
    ("torch._C.TensorBase", torch._C.TensorBase),
    ("torch.nn.Module", torch.nn.Module),
    ("math", math),
    ("builtins", builtins),
]:
    GUARD.watch(_label, _namespace, allowed=_torch_internal)

_isfinite = math.isfinite
_tolist = torch.Tensor.tolist


# --------------------------------------------------------------------------------------------
# Loading code


def exercises_dir() -> Path:
    """The learner's `exercises/` folder (set by the checker's harness)."""
    return Path(os.environ.get("KDQUIZ_EXERCISES_DIR", content_dir("exercises"))).resolve()


_learner_cache: dict[str, ModuleType | LearnerCodeError] = {}


def learner(exercise_id: str) -> ModuleType:
    """Import the learner's `exercises/<exercise_id>.py`; raise LearnerCodeError if it cannot."""
    cached = _learner_cache.get(exercise_id)
    if cached is None:
        cached = _learner_cache[exercise_id] = _import_learner(exercise_id)
    if isinstance(cached, LearnerCodeError):
        raise CheckFailure(str(cached))
    return cached


def _import_learner(exercise_id: str) -> ModuleType | LearnerCodeError:
    folder = exercises_dir()
    path = folder / f"{exercise_id}.py"
    shown = f"exercises/{exercise_id}.py"
    if not path.is_file():
        return LearnerCodeError(f"{shown} does not exist in your workspace ({folder}).")
    # Appended, never prepended: a stray random.py or typing.py there must not shadow the stdlib.
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
    try:
        return importlib.import_module(exercise_id)
    except SyntaxError as exc:
        line = (exc.text or "").rstrip()
        where = f"{shown}:{exc.lineno}" if exc.lineno else shown
        return LearnerCodeError(
            f"{where}: {type(exc).__name__}: {exc.msg}" + (f"\n    {line.strip()}" if line else "")
        )
    except SystemExit:
        return LearnerCodeError(f"{shown} called sys.exit() while being imported.")
    except BaseException as exc:  # noqa: BLE001 - any import-time error is the learner's to see
        return LearnerCodeError(
            f"Importing {shown} raised {type(exc).__name__}: {exc}\n{learner_traceback(exc)}"
        )


_reference_cache: dict[str, ModuleType] = {}


def reference(exercise_id: str) -> ModuleType:
    """Import the reference solution; its `from exercise_1 import ...` resolve to references."""
    if exercise_id in _reference_cache:
        return _reference_cache[exercise_id]
    folder = content_dir("solutions")
    saved = {k: sys.modules.pop(k) for k in list(sys.modules) if k.startswith("exercise_")}
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(
            f"kdquiz_reference_{exercise_id}", folder / f"{exercise_id}.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
        for key in [k for k in sys.modules if k.startswith("exercise_")]:
            del sys.modules[key]
        sys.modules.update(saved)
    _reference_cache[exercise_id] = module
    GUARD.watch(module.__name__, module)
    return module


# --------------------------------------------------------------------------------------------
# Comparing and wording


def tolerances(dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) from the contract: float32 1e-4 / 1e-6, float64 1e-9."""
    return (1e-9, 1e-9) if dtype == torch.float64 else (1e-4, 1e-6)


def fmt(value: Any, digits: int = 4) -> str:
    """A short, readable rendering of a tensor, number or nested list."""
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.numel() > 24:
            return f"tensor of shape {tuple(value.shape)}"
        return fmt(_tolist(value.cpu()), digits)
    if isinstance(value, float):
        return f"{value:.{digits}g}" if _isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(fmt(v, digits) for v in value) + "]"
    return repr(value)


def _as_list(value: Any) -> list[float]:
    if isinstance(value, torch.Tensor):
        flat = _tolist(value.detach().cpu().to(torch.float64).reshape(-1))
        return [float(v) for v in flat]
    if isinstance(value, list | tuple):
        return [float(v) for v in value]
    return [float(value)]


def _close_lists(got: list[float], expected: list[float], rtol: float, atol: float) -> int | None:
    """Index of the first element outside tolerance, or None when all are close."""
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if g == e:  # also equal infinities
            continue
        if not (_isfinite(g) and _isfinite(e)) or abs(g - e) > atol + rtol * abs(e):
            return i
    return None


def is_close(got: Any, expected: Any, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    """True when `got` matches `expected` in shape and values (NaN never matches)."""
    g, e = _as_list(got), _as_list(expected)
    return len(g) == len(e) and _close_lists(g, e, rtol, atol) is None


def _unravel(index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    out = []
    for size in reversed(shape):
        out.append(index % size)
        index //= size
    return tuple(reversed(out))


def expect_close(
    got: Any,
    expected: Any,
    *,
    what: str,
    inputs: str = "",
    mistakes: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    check_dtype: bool = True,
) -> None:
    """Fail with a learner-worded message unless `got` matches `expected`.

    `what` names the result ("kd_loss(...)"), `inputs` shows a small readable example, and
    `mistakes` (or a function returning them, called only on a mismatch: they can be costly)
    maps a description of a common mistake to the value that mistake produces: the
    message names the first one that reproduces the learner's value (within this check's
    tolerance, and nearer than the right value), or says plainly that none does. When expected
    and got print alike, enough digits are shown to see the difference, with the error.
    """
    example = f"\n  inputs:   {inputs}" if inputs else ""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            raise CheckFailure(
                f"{what} should return a torch.Tensor, got {type(got).__name__}.{example}"
            )
        if tuple(got.shape) != tuple(expected.shape):
            raise CheckFailure(
                f"{what} returned shape {tuple(got.shape)}, expected {tuple(expected.shape)}."
                f"{example}"
            )
        if check_dtype and got.dtype != expected.dtype:
            raise CheckFailure(
                f"{what} returned dtype {got.dtype}, expected {expected.dtype} "
                f"(the result must keep the input's dtype).{example}"
            )
        if got.device != expected.device:
            raise CheckFailure(
                f"{what} returned a tensor on {got.device}, expected {expected.device} "
                f"(create new tensors on the inputs' device).{example}"
            )
        dtype = expected.dtype
    else:
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = float(got.item())
        if not isinstance(got, int | float) or isinstance(got, bool):
            raise CheckFailure(f"{what} should return a Python float, got {type(got).__name__}.")
        dtype = torch.float64
    d_rtol, d_atol = tolerances(dtype)
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    g, e = _as_list(got), _as_list(expected)
    bad = _close_lists(g, e, rtol, atol)
    if bad is None:
        return
    digits = _digits_to_differ(g[bad], e[bad])
    if len(g) == 1:
        detail = f"\n  expected: {fmt(e[0], digits)}\n  got:      {fmt(g[0], digits)}"
    else:
        shape = tuple(expected.shape) if isinstance(expected, torch.Tensor) else (len(e),)
        detail = (
            f"\n  expected: {fmt(expected)}\n  got:      {fmt(got)}"
            f"\n  first difference at index {_unravel(bad, shape)}: "
            f"expected {fmt(e[bad], digits)}, got {fmt(g[bad], digits)}"
        )
    if digits > 4 and _isfinite(g[bad]) and _isfinite(e[bad]):
        error = abs(g[bad] - e[bad])
        relative = f", relative {error / abs(e[bad]):.2g}" if e[bad] else ""
        detail += (
            f"\n  error:    absolute {error:.2g}{relative}; allowed: {atol:g} + {rtol:g} × "
            "|expected|"
        )
    hint = ""
    if mistakes is not None:
        hint = (
            "\n  No common mistake reproduces this value; compare your code with the formula "
            "in the task (the docstring at the top of your exercise file)."
        )
        if callable(mistakes):  # computed only now that they are needed
            mistakes = mistakes()
        for description, value in mistakes.items():
            if _reproduces(g, _as_list(value), e, rtol, atol):
                hint = f"\n  Likely mistake: {description}."
                break
    raise CheckFailure(f"{what} returned the wrong value.{example}{detail}{hint}")


def _digits_to_differ(got: float, expected: float) -> int:
    """Significant digits needed for `got` and `expected` to print differently (at least 4)."""
    for digits in range(4, 18):
        if fmt(got, digits) != fmt(expected, digits):
            return digits
    return 17


def _reproduces(
    got: list[float], mistake: list[float], expected: list[float], rtol: float, atol: float
) -> bool:
    """True when a mistake's value explains `got`: equal within the check's own tolerance, and
    nearer to `got` than the right value is."""
    if len(mistake) != len(got) or _close_lists(got, mistake, rtol, atol) is not None:
        return False

    def distance(a: list[float], b: list[float]) -> float:
        gaps = [0.0 if x == y else abs(x - y) for x, y in zip(a, b, strict=True)]
        return max(gaps, default=0.0) if all(_isfinite(v) for v in gaps) else math.inf

    return distance(got, mistake) < distance(got, expected)


def expect(condition: bool, message: str) -> None:
    """Fail with `message` (already in a learner's words) unless `condition` holds."""
    if not condition:
        raise CheckFailure(message)


def expect_finite(value: torch.Tensor, message: str) -> None:
    """Fail with `message` if any element is NaN or infinite."""
    if not all(_isfinite(v) for v in _as_list(value)):
        raise CheckFailure(message)


@contextmanager
def expect_value_error(call: str, name: str) -> Iterator[None]:
    """The block must raise ValueError whose message mentions `name` (the bad parameter)."""
    try:
        yield
    except ValueError as exc:
        if name.lower() not in str(exc).lower():
            raise CheckFailure(
                f"{call} raised ValueError({str(exc)!r}); its message should name '{name}' "
                f"so the caller knows which argument is wrong."
            ) from None
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise CheckFailure(
            f"{call} should raise ValueError, but raised {type(exc).__name__}: {exc}"
        ) from None
    else:
        raise CheckFailure(f"{call} should raise ValueError (bad {name}), but returned normally.")


def expect_unchanged(tensors: Mapping[str, torch.Tensor], call: Callable[[], Any]) -> Any:
    """Run `call` and fail if it modified any of `tensors` in place."""
    before = {name: t.detach().clone() for name, t in tensors.items()}
    result = call()
    for name, t in tensors.items():
        if not torch.equal(before[name], t.detach()):
            raise CheckFailure(
                f"Your code modified its input '{name}' in place; work on new tensors instead "
                f"(e.g. x = x / T rather than x /= T)."
            )
    return result


def randn(
    *shape: int,
    dtype: torch.dtype = torch.float32,
    scale: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Seeded normal tensor on DEVICE (generated on the CPU so values match across devices)."""
    return (torch.randn(*shape, dtype=dtype, generator=generator) * scale).to(DEVICE)


def seeded(seed: int) -> torch.Generator:
    """A CPU generator with a fixed seed, so every run sees the same inputs."""
    return torch.Generator().manual_seed(seed)


# --------------------------------------------------------------------------------------------
# Helpers every suite shares

DTYPES = pytest.mark.parametrize("dtype", list(FLOAT_DTYPES), ids=["float32", "float64"])
"""Run a check once in float32 and once in float64."""


def named_mistakes(
    values: Mapping[str, Any],
    words: Mapping[str, str],
    first: str = "",
    correct: Any = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> dict[str, Any]:
    """{description: value} for `expect_close`'s `mistakes`, `first` first.

    Mistakes that coincide on these inputs share a line ("...; or: ..."). When `correct` (the
    right value) is given, mistakes that give it here, or a non-finite value, are left out: they
    cannot be what went wrong.
    """
    named: list[tuple[str, Any]] = []
    order = [first] * (first in values) + [m for m in values if m != first]
    for mistake in order:
        value = values[mistake]
        if correct is not None and (
            not all(_isfinite(v) for v in _as_list(value))
            or is_close(value, correct, rtol=rtol, atol=atol)
        ):
            continue
        for i, (description, other) in enumerate(named):
            if is_close(value, other, rtol=rtol, atol=atol):
                named[i] = (f"{description}; or: {words[mistake]}", other)
                break
        else:
            named.append((words[mistake], value))
    return dict(named)


def require_function(
    module: object, name: str, signature: str, where: str, *args: Any, **kwargs: Any
) -> Callable[..., Any]:
    """The learner's function `name` from `module`; fail unless it exists and accepts
    `(*args, **kwargs)` (a call as the suite makes it). `signature` is the task's, e.g.
    "(pos_scores, neg_scores, k)"."""
    fn = getattr(module, name, None)
    if not callable(fn):
        raise CheckFailure(f"{where} has no function {name}{signature}.")
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as exc:
        raise CheckFailure(
            f"{name} must accept {signature} as in the task; calling it as the task describes "
            f"fails: {exc}."
        ) from None
    except ValueError:  # builtins without a signature: let the call itself tell
        pass
    return fn


def as_metrics(result: Any, call: str, names: tuple[str, ...]) -> tuple[float, ...]:
    """The learner's metrics as Python floats; fail unless `result` is a tuple of len(names)
    Python numbers (metric functions return floats, not tensors)."""
    if len(names) == 1:
        values: tuple[Any, ...] = (result,)
    elif isinstance(result, tuple | list) and len(result) == len(names):
        values = tuple(result)
    else:
        shown = fmt(result) if isinstance(result, torch.Tensor) else repr(result)[:80]
        raise CheckFailure(
            f"{call} should return a tuple ({', '.join(names)}) of {len(names)} Python floats, "
            f"got {type(result).__name__} {shown}."
        )
    for name, value in zip(names, values, strict=True):
        if isinstance(value, torch.Tensor):
            raise CheckFailure(
                f"{call} returned {name} as a torch.Tensor ({fmt(value)}, dtype {value.dtype}); "
                "metrics are Python floats: convert with .item() (or float(...))."
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CheckFailure(
                f"{call} returned {name} as {type(value).__name__} {value!r}; return a Python "
                "float (e.g. tensor.mean().item())."
            )
    return tuple(float(v) for v in values)


def teacher_ignored(what: str, changed: str) -> CheckFailure:
    """The failure for a distillation function whose result does not move with the teacher.

    `what` names the call ("kd_loss(...)"), `changed` says how the teacher was changed ("the
    teacher's logits were changed slightly, keeping each row's argmax")."""
    return CheckFailure(
        f"{what} returned the same result after {changed}: your code ignores the teacher.\n"
        "  Likely mistake: the teacher's outputs are not used (e.g. only the hard-label loss on "
        "the true labels is returned, the source article's bug), or the teacher is reduced to "
        "hard labels (its argmax or top items) so that its soft scores no longer count; the "
        "distillation term must compare the student with the teacher's soft outputs."
    )
