"""Checking that learner code follows the inputs' device, without a GPU.

On a GPU run the inputs live on the GPU, and a tensor built from scratch without `device=`
(`torch.zeros(n)`, `torch.arange(k)`, ...) lives on the CPU: combining the two fails there. Two
ways to see that on a CPU-only machine:

- `expect_device_following` replays CUDA's rule on the CPU (no meta device, so no torch._dynamo
  import): it marks CPU-built tensors and fails on the first operation that combines one with the
  inputs;
- `expect_result_on_device` builds stray tensors on PyTorch's 'meta' device, so that a result
  made from them is not on the inputs' device.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._device import _device_constructors

from kdquiz.checker.bilingual import Bilingual
from kdquiz.checks.support import CheckFailure, expect, say

# Device-following without a GPU. In a GPU run the inputs are on the GPU, and a tensor built from
# scratch without device= (torch.zeros(n), torch.arange(k), ...) or moved with .cpu() is on the
# CPU: combining the two fails there. This mode replays that rule on the CPU: it marks such
# tensors (and what is computed from them alone) and records the first operation that combines
# a marked tensor of one or more dimensions with an input-side tensor. CPU scalars (0-dim) mix
# freely, and a CPU index may index a GPU tensor, as on CUDA.
_CONSTRUCTORS = frozenset(_device_constructors())
_INDEXING = frozenset({torch.Tensor.__getitem__, torch.Tensor.__setitem__})
_ON_CPU = "_kdquiz_on_cpu"


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


def _is_cpu(value: Any) -> bool:
    """The string "cpu" (a torch.device such as scores.device follows the inputs)."""
    return isinstance(value, str) and value.startswith("cpu")


class CpuTensorsOnAGpu(TorchFunctionMode):
    def __init__(self) -> None:
        super().__init__()
        self.mixed: str = ""
        """The first operation that combined a CPU-built tensor with the inputs ("" if none)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        kwargs = kwargs or {}
        inputs = _tensors(args) + _tensors(kwargs)
        on_cpu = [getattr(t, _ON_CPU, False) for t in inputs]
        if func is torch.Tensor.__setitem__:  # a copy into a CPU tensor may cross devices
            clash = False
        elif func is torch.Tensor.__getitem__ and inputs:
            others = [t for t, c in zip(inputs[1:], on_cpu[1:], strict=True) if not c]
            clash = on_cpu[0] and inputs[0].dim() > 0 and any(t.dim() > 0 for t in others)
        else:
            clash = any(c and t.dim() > 0 for t, c in zip(inputs, on_cpu, strict=True)) and not all(
                on_cpu
            )
        if clash and not self.mixed:
            self.mixed = getattr(func, "__name__", str(func))
        out = func(*args, **kwargs)
        name = getattr(func, "__name__", "")
        if func in _CONSTRUCTORS:
            mark = kwargs.get("device") is None and not inputs
        elif name == "cpu" or (name == "to" and any(_is_cpu(a) for a in args[1:])):
            mark = True
        elif name in ("to", "cuda") and (
            any(isinstance(a, torch.device | torch.Tensor) for a in args[1:]) or "device" in kwargs
        ):
            mark = False
        elif func in _INDEXING:
            mark = bool(on_cpu) and on_cpu[0]
        else:
            mark = bool(inputs) and all(on_cpu)
        if isinstance(out, torch.Tensor):
            if getattr(out, _ON_CPU, False) != mark and any(out is t for t in inputs):
                out = out.view_as(out)  # e.g. .cpu() or .to(device) returning the input itself
            if mark:
                setattr(out, _ON_CPU, True)
        elif mark:
            for t in _tensors(out):
                setattr(t, _ON_CPU, True)
        return out


def expect_device_following(call: str | Bilingual, run: Callable[[], Any]) -> None:
    """Fail when `run` combines a tensor it built without device= (or moved to the CPU) with the
    inputs; errors of its own are left to the other checks."""
    mode = CpuTensorsOnAGpu()
    try:
        with mode:
            run()
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - not a device mistake; other checks test the values
        pass
    if mode.mixed:
        raise CheckFailure(
            say(
                "{call} combines a tensor it created without device= (in {op}) with the inputs: "
                "when the inputs are on a GPU, that tensor is on the CPU and the call fails.\n"
                "  Create new tensors on the inputs' device: torch.arange(k, "
                "device=scores.device), torch.zeros_like(scores), scores.new_zeros(...).",
                "{call} 把一个没有指定 device= 就创建的张量和输入放在一起计算（在 {op} 中）："
                "输入在 GPU 上时，这个张量却在 CPU 上，调用就会失败。\n"
                "  新建的张量要放在输入所在的设备上：torch.arange(k, device=scores.device)、"
                "torch.zeros_like(scores)、scores.new_zeros(...)。",
                call=call, op=mode.mixed,
            )
        )  # fmt: skip


FACTORIES = frozenset(
    [
        torch.arange,
        torch.as_tensor,
        torch.empty,
        torch.eye,
        torch.full,
        torch.linspace,
        torch.ones,
        torch.rand,
        torch.randn,
        torch.range,
        torch.tensor,
        torch.zeros,
    ]
)


class StrayTensorsOnMeta(TorchFunctionMode):
    """Tensors built from scratch without device= (torch.ones(...), torch.arange(...)) land on
    PyTorch's 'meta' device, as they would land on the CPU next to GPU inputs; 0-dim ones stay
    (a 0-dim CPU tensor mixes with GPU tensors like a Python number), and so does data that is
    already a tensor (torch.as_tensor(t) keeps t's device)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if (
            func in FACTORIES
            and kwargs.get("device") is None
            and isinstance(result, torch.Tensor)
            and result.dim() > 0
            and not any(isinstance(a, torch.Tensor) for a in args)
        ):
            return result.to("meta")
        return result


def expect_result_on_device(
    call: Callable[[], object],
    what: str | Bilingual,
    device: torch.device,
    example: str | Bilingual,
) -> None:
    """Run `call` with stray tensors on the meta device: the result must be on `device` (the
    inputs'). Code that reads a stray tensor's values (.item(), bool(...)) cannot run then;
    that is not a failure."""
    try:
        with StrayTensorsOnMeta():
            got = call()
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - only a device mismatch is the learner's mistake
        if "device" not in str(exc).lower():
            return
        raise CheckFailure(
            say(
                "{what} creates a tensor on the wrong device: with inputs on a GPU it would fail "
                "({error}: {exc}).\n  Likely mistake: a tensor such as {example} is created "
                "without device=, so it lives on the CPU while the inputs may not; create it on "
                "the inputs' device (device=student_scores.device, torch.ones_like(...), "
                "x.new_ones(...)).",
                "{what} 在错误的设备上创建了张量：输入在 GPU 上时会出错（`{error}: {exc}`）。\n"
                "  可能的错误：{example} 这样的张量创建时没有指定 device=，所以它在 CPU 上，而"
                "输入未必在 CPU 上；请在输入所在的设备上创建它（device=student_scores.device、"
                "torch.ones_like(...)、x.new_ones(...)）。",
                what=what, error=type(exc).__name__, exc=exc, example=example,
            )
        ) from None  # fmt: skip
    shown = getattr(got, "device", type(got).__name__)
    expect(
        isinstance(got, torch.Tensor) and got.device == device,
        say(
            "{what} returned a result on {shown}, expected {device} (the inputs' device): with "
            "inputs on a GPU the result would be on the CPU. Likely mistake: the result is "
            "built with a tensor created without device=; create new tensors on the inputs' "
            "device.",
            "{what} 返回的结果在 {shown} 上，应在 {device} 上（输入所在的设备）：输入在 GPU "
            "上时，结果会落在 CPU 上。可能的错误：结果是用一个没有指定 device= 就创建的张量"
            "算出来的；新建的张量要放在输入所在的设备上。",
            what=what,
            shown=shown,
            device=device,
        ),  # fmt: skip
    )
