"""Correct alternative: a @torch.no_grad() helper, train(False), exp(log_softmax), each module's
flag restored with module.train(flag) in pre-order."""

from __future__ import annotations

import torch
from torch import Tensor, nn


@torch.no_grad()
def _teacher_logits(teacher: nn.Module, inputs: Tensor) -> Tensor:
    return teacher(inputs)


def compute_soft_targets(teacher: nn.Module, inputs: Tensor, temperature: float = 1.0) -> Tensor:
    """Return softmax(teacher(inputs) / T) over the classes, with the teacher in eval mode."""
    if temperature <= 0:
        raise ValueError(f"bad temperature {temperature!r}: it must be > 0")
    flags = [module.training for module in teacher.modules()]
    teacher.train(False)
    try:
        logits = _teacher_logits(teacher, inputs)
    finally:
        # train(flag) also resets the children, which come later in modules() and are fixed then.
        for module, flag in zip(list(teacher.modules()), flags, strict=True):
            module.train(flag)
    with torch.no_grad():
        return torch.log_softmax(logits.div(temperature), dim=-1).exp()
