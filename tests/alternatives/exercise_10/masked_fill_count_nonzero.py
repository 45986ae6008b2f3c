"""A correct hint_loss with extra (allowed) validation, masked_fill and count_nonzero."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def hint_loss(
    student_h: Tensor, teacher_h: Tensor, regressor: nn.Module, mask: Tensor | None = None
) -> Tensor:
    predicted = regressor(student_h)
    if predicted.shape != teacher_h.shape:
        raise ValueError(f"shape: {tuple(predicted.shape)} vs {tuple(teacher_h.shape)}")
    per_position = (predicted - teacher_h.detach()).square().sum(-1).mul(0.5)
    if mask is None:
        mask = per_position.new_ones(per_position.shape, dtype=torch.bool)
    elif mask.dtype != torch.bool or mask.shape != per_position.shape:
        raise ValueError(f"mask must be a bool tensor of shape {tuple(per_position.shape)}")
    kept = per_position.masked_fill(~mask, 0.0)
    return kept.sum() / mask.count_nonzero().clamp_min(1).to(kept.dtype)
