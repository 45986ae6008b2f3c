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

from kdquiz.checker.bilingual import Bilingual, join, say
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
        raise CheckFailure(cached.args[0])
    return cached


def _import_learner(exercise_id: str) -> ModuleType | LearnerCodeError:
    folder = exercises_dir()
    path = folder / f"{exercise_id}.py"
    shown = f"exercises/{exercise_id}.py"
    if not path.is_file():
        return LearnerCodeError(
            say(
                "{shown} does not exist in your workspace ({folder}).",
                "你的工作区（{folder}）里没有 {shown}。",
                shown=shown, folder=folder,
            )
        )  # fmt: skip
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
        return LearnerCodeError(
            say(
                "{shown} called sys.exit() while being imported.",
                "{shown} 在导入时调用了 sys.exit()。",
                shown=shown,
            )
        )
    except BaseException as exc:  # noqa: BLE001 - any import-time error is the learner's to see
        return LearnerCodeError(
            say(
                "Importing {shown} raised {error}: {exc}\n{trace}",
                "导入 {shown} 时抛出了 `{error}: {exc}`\n{trace}",
                shown=shown, error=type(exc).__name__, exc=exc, trace=learner_traceback(exc),
            )
        )  # fmt: skip


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
            shape = tuple(value.shape)
            return say("tensor of shape {shape}", "形状为 {shape} 的张量", shape=shape)
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
    example = say("\n  inputs:   {inputs}", "\n  输入：{inputs}", inputs=inputs) if inputs else ""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            raise CheckFailure(
                say(
                    "{what} should return a torch.Tensor, got {kind}.{example}",
                    "{what} 应返回 torch.Tensor，实际返回的是 {kind}。{example}",
                    what=what, kind=type(got).__name__, example=example,
                )
            )  # fmt: skip
        if tuple(got.shape) != tuple(expected.shape):
            raise CheckFailure(
                say(
                    "{what} returned shape {got}, expected {expected}.{example}",
                    "{what} 返回的形状是 {got}，应为 {expected}。{example}",
                    what=what, got=tuple(got.shape), expected=tuple(expected.shape),
                    example=example,
                )
            )  # fmt: skip
        if check_dtype and got.dtype != expected.dtype:
            raise CheckFailure(
                say(
                    "{what} returned dtype {got}, expected {expected} (the result must keep the "
                    "input's dtype).{example}",
                    "{what} 返回的 dtype 是 {got}，应为 {expected}（结果必须保持输入的 dtype）。"
                    "{example}",
                    what=what, got=got.dtype, expected=expected.dtype, example=example,
                )
            )  # fmt: skip
        if got.device != expected.device:
            raise CheckFailure(
                say(
                    "{what} returned a tensor on {got}, expected {expected} (create new tensors "
                    "on the inputs' device).{example}",
                    "{what} 返回的张量在 {got} 上，应在 {expected} 上（新建的张量要放在输入所在的"
                    "设备上）。{example}",
                    what=what, got=got.device, expected=expected.device, example=example,
                )
            )  # fmt: skip
        dtype = expected.dtype
    else:
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = float(got.item())
        if not isinstance(got, int | float) or isinstance(got, bool):
            raise CheckFailure(
                say(
                    "{what} should return a Python float, got {kind}.",
                    "{what} 应返回 Python float，实际返回的是 {kind}。",
                    what=what, kind=type(got).__name__,
                )
            )  # fmt: skip
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
        detail = say(
            "\n  expected: {e}\n  got:      {g}", "\n  应为：{e}\n  实际：{g}",
            e=fmt(e[0], digits), g=fmt(g[0], digits),
        )  # fmt: skip
    else:
        shape = tuple(expected.shape) if isinstance(expected, torch.Tensor) else (len(e),)
        detail = say(
            "\n  expected: {e}\n  got:      {g}\n  first difference at index {at}: "
            "expected {e1}, got {g1}",
            "\n  应为：{e}\n  实际：{g}\n  第一个不同之处在下标 {at}：应为 {e1}，实际为 {g1}",
            e=fmt(expected), g=fmt(got), at=_unravel(bad, shape),
            e1=fmt(e[bad], digits), g1=fmt(g[bad], digits),
        )  # fmt: skip
    if digits > 4 and _isfinite(g[bad]) and _isfinite(e[bad]):
        error = abs(g[bad] - e[bad])
        relative = (
            say(", relative {r}", "，相对误差 {r}", r=f"{error / abs(e[bad]):.2g}")
            if e[bad]
            else ""
        )
        detail += say(
            "\n  error:    absolute {error}{relative}; allowed: {atol} + {rtol} × |expected|",
            "\n  误差：绝对误差 {error}{relative}；允许：{atol} + {rtol} × |应为值|",
            error=f"{error:.2g}", relative=relative, atol=f"{atol:g}", rtol=f"{rtol:g}",
        )  # fmt: skip
    hint: str = ""
    if mistakes is not None:
        hint = say(
            "\n  No common mistake reproduces this value; compare your code with the formula "
            "in the task (the docstring at the top of your exercise file).",
            "\n  没有哪个常见错误能得出这个值；请对照题目里的公式（练习文件开头的文档字符串）"
            "检查你的代码。",
        )
        if callable(mistakes):  # computed only now that they are needed
            mistakes = mistakes()
        for description, value in mistakes.items():
            if _reproduces(g, _as_list(value), e, rtol, atol):
                hint = say("\n  Likely mistake: {d}.", "\n  可能的错误：{d}。", d=description)
                break
    raise CheckFailure(
        say(
            "{what} returned the wrong value.{example}{detail}{hint}",
            "{what} 返回的值不对。{example}{detail}{hint}",
            what=what, example=example, detail=detail, hint=hint,
        )
    )  # fmt: skip


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


def expect(condition: bool, message: str | Bilingual) -> None:
    """Fail with `message` (already in a learner's words) unless `condition` holds."""
    if not condition:
        raise CheckFailure(message)


def expect_finite(value: torch.Tensor, message: str | Bilingual) -> None:
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
                say(
                    "{call} raised ValueError({message}); its message should name '{name}' so "
                    "the caller knows which argument is wrong.",
                    "{call} 抛出了 `ValueError({message})`；消息里应写明 '{name}'，调用者才知道"
                    "是哪个参数错了。",
                    call=call, message=repr(str(exc)), name=name,
                )
            ) from None  # fmt: skip
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise CheckFailure(
            say(
                "{call} should raise ValueError, but raised {error}: {exc}",
                "{call} 应抛出 ValueError，实际抛出的是 `{error}: {exc}`",
                call=call, error=type(exc).__name__, exc=exc,
            )
        ) from None  # fmt: skip
    else:
        raise CheckFailure(
            say(
                "{call} should raise ValueError (bad {name}), but returned normally.",
                "{call} 应抛出 ValueError（{name} 不合法），实际却正常返回了。",
                call=call, name=name,
            )
        )  # fmt: skip


def expect_unchanged(tensors: Mapping[str, torch.Tensor], call: Callable[[], Any]) -> Any:
    """Run `call` and fail if it modified any of `tensors` in place."""
    before = {name: t.detach().clone() for name, t in tensors.items()}
    result = call()
    for name, t in tensors.items():
        if not torch.equal(before[name], t.detach()):
            raise CheckFailure(
                say(
                    "Your code modified its input '{name}' in place; work on new tensors "
                    "instead (e.g. x = x / T rather than x /= T).",
                    "你的代码原地修改了输入 '{name}'；请在新张量上计算（例如写 x = x / T，"
                    "而不是 x /= T）。",
                    name=name,
                )
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
    words: Mapping[str, str | Bilingual],
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
    named: list[tuple[str | Bilingual, Any]] = []
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
                named[i] = (join([description, words[mistake]], "; or: ", "；或者："), other)
                break
        else:
            named.append((words[mistake], value))
    return dict(named)  # type: ignore[arg-type]


def require_function(
    module: object, name: str, signature: str, where: str, *args: Any, **kwargs: Any
) -> Callable[..., Any]:
    """The learner's function `name` from `module`; fail unless it exists and accepts
    `(*args, **kwargs)` (a call as the suite makes it). `signature` is the task's, e.g.
    "(pos_scores, neg_scores, k)"."""
    fn = getattr(module, name, None)
    if not callable(fn):
        raise CheckFailure(
            say(
                "{where} has no function {name}{signature}.",
                "{where} 里没有函数 {name}{signature}。",
                where=where, name=name, signature=signature,
            )
        )  # fmt: skip
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as exc:
        raise CheckFailure(
            say(
                "{name} must accept {signature} as in the task; calling it as the task "
                "describes fails: {exc}.",
                "{name} 必须像题目要求的那样接受 {signature}；按题目描述的方式调用它会失败："
                "{exc}。",
                name=name, signature=signature, exc=exc,
            )
        ) from None  # fmt: skip
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
            say(
                "{call} should return a tuple ({names}) of {n} Python floats, got {kind} "
                "{shown}.",
                "{call} 应返回由 {n} 个 Python float 组成的元组 ({names})，实际返回的是 "
                "{kind} {shown}。",
                call=call, names=", ".join(names), n=len(names), kind=type(result).__name__,
                shown=shown,
            )
        )  # fmt: skip
    for name, value in zip(names, values, strict=True):
        if isinstance(value, torch.Tensor):
            raise CheckFailure(
                say(
                    "{call} returned {name} as a torch.Tensor ({value}, dtype {dtype}); metrics "
                    "are Python floats: convert with .item() (or float(...)).",
                    "{call} 把 {name} 作为 torch.Tensor 返回（{value}，dtype {dtype}）；指标"
                    "应是 Python float：用 .item()（或 float(...)）转换。",
                    call=call, name=name, value=fmt(value), dtype=value.dtype,
                )
            )  # fmt: skip
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CheckFailure(
                say(
                    "{call} returned {name} as {kind} {value}; return a Python float (e.g. "
                    "tensor.mean().item()).",
                    "{call} 把 {name} 作为 {kind} {value} 返回；请返回 Python float（例如 "
                    "tensor.mean().item()）。",
                    call=call, name=name, kind=type(value).__name__, value=repr(value),
                )
            )  # fmt: skip
    return tuple(float(v) for v in values)


def zh_name(zh: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a Hypothesis check its Chinese name (the docstring's "zh:" line) from outside: a
    derandomized @given check draws its examples from a hash of its source, docstring included
    but decorators left out, so a "zh:" line written in the docstring would change them."""

    def add(test: Callable[..., None]) -> Callable[..., None]:
        test.__doc__ = f"{test.__doc__}\nzh: {zh}"
        return test

    return add


def teacher_ignored(what: str, changed: str | Bilingual) -> CheckFailure:
    """The failure for a distillation function whose result does not move with the teacher.

    `what` names the call ("kd_loss(...)"), `changed` says how the teacher was changed ("the
    teacher's logits were changed slightly, keeping each row's argmax")."""
    return CheckFailure(
        say(
            "{what} returned the same result after {changed}: your code ignores the teacher.\n"
            "  Likely mistake: the teacher's outputs are not used (e.g. only the hard-label loss "
            "on the true labels is returned, the source article's bug), or the teacher is "
            "reduced to hard labels (its argmax or top items) so that its soft scores no longer "
            "count; the distillation term must compare the student with the teacher's soft "
            "outputs.",
            "{changed}之后，{what} 返回的结果没有变：你的代码忽略了教师模型。\n"
            "  可能的错误：没有用到教师模型的输出（例如只返回了真实标签上的硬标签损失，也就是"
            "原文里的那个 bug），或者把教师模型简化成了硬标签（它的 argmax 或排名靠前的物品），"
            "使它的软分数不再起作用；蒸馏项必须拿学生模型和教师模型的软输出作比较。",
            what=what, changed=changed,
        )
    )  # fmt: skip
