"""Edge: runs a deep copy of the teacher in eval mode, so the caller's teacher is never touched."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def compute_soft_targets(teacher: nn.Module, inputs: Tensor, temperature: float = 1.0) -> Tensor:
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    frozen = copy.deepcopy(teacher).eval()
    with torch.no_grad():
        return F.softmax(frozen(inputs) / temperature, dim=-1)
