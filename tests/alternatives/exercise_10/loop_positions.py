"""A correct hint_loss that loops over the positions one by one (slow but right)."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def hint_loss(
    student_h: Tensor,
    teacher_h: Tensor,
    regressor: nn.Module,
    mask: Tensor | None = None,
) -> Tensor:
    with torch.no_grad():
        target = teacher_h.clone()
    prediction = regressor(student_h)
    flat_prediction = prediction.reshape(-1, prediction.shape[-1])
    flat_target = target.reshape(-1, target.shape[-1])
    keep = [True] * flat_target.shape[0] if mask is None else mask.reshape(-1).tolist()
    total = prediction.sum() * 0.0
    count = 0
    for i, kept in enumerate(keep):
        if kept:
            total = total + 0.5 * torch.linalg.vector_norm(flat_prediction[i] - flat_target[i]) ** 2
            count += 1
    if count == 0:
        return total
    return total / count
