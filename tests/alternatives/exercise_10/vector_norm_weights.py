"""A correct hint_loss: ½ vector_norm² per position, float weights, positional mask."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def hint_loss(student_h: Tensor, teacher_h: Tensor, regressor: nn.Module, mask=None) -> Tensor:
    gap = regressor(student_h) - teacher_h.detach()
    per_position = torch.linalg.vector_norm(gap, ord=2, dim=-1).square() / 2.0
    weights = torch.ones_like(per_position) if mask is None else mask.type_as(per_position)
    count = torch.clamp(weights.sum(), min=1.0)
    return torch.sum(weights * per_position) / count
