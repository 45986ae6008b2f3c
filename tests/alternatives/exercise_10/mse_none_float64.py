"""A correct hint_loss from F.mse_loss(reduction="none"), float weights and float64 internals."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def hint_loss(
    student_h: Tensor,
    teacher_h: Tensor,
    regressor: nn.Module,
    mask: Tensor | None = None,
) -> Tensor:
    """Mean over the (masked) positions of ½‖regressor(student_h) − teacher_h‖²."""
    prediction = regressor(student_h)
    squared = F.mse_loss(prediction.double(), teacher_h.detach().double(), reduction="none")
    per_position = 0.5 * squared.sum(dim=-1)
    if mask is None:
        weights = torch.ones_like(per_position)
    else:
        weights = mask.to(per_position.dtype)
    total = (weights * per_position).sum()
    count = weights.sum()
    loss = total / torch.clamp(count, min=1.0)
    return loss.to(student_h.dtype)
