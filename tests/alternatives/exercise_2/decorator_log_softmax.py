"""Correct alternative: a @torch.no_grad() helper, train(False), exp(log_softmax), dim=1."""

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
    mode = teacher.training
    teacher.train(False)
    try:
        logits = _teacher_logits(teacher, inputs)
    finally:
        teacher.train(mode)
    with torch.no_grad():
        return torch.log_softmax(logits.div(temperature), dim=1).exp()
