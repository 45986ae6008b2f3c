"""Alternative (correct): the contract's own words, `was = teacher.training`, `teacher.train(was)`.

A teacher that mixed modes (MC dropout) gets every module set to its own flag afterwards, which the
contract allows; while computing, the whole teacher is in eval mode.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def compute_soft_targets(teacher: nn.Module, inputs: Tensor, temperature: float = 1.0) -> Tensor:
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    was = teacher.training
    teacher.eval()
    try:
        with torch.no_grad():
            return torch.softmax(teacher(inputs) / temperature, dim=-1)
    finally:
        teacher.train(was)
