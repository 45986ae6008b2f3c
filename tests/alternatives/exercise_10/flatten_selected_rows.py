"""A correct hint_loss that flattens the positions and runs the regressor on the kept rows only."""

from __future__ import annotations

from torch import Tensor, nn


def hint_loss(student_h, teacher_h, regressor: nn.Module, mask=None) -> Tensor:
    d_s, d_t = student_h.shape[-1], teacher_h.shape[-1]
    rows = student_h.reshape(-1, d_s)
    targets = teacher_h.detach().reshape(-1, d_t)
    if mask is not None:
        keep = mask.reshape(-1)
        rows, targets = rows[keep], targets[keep]
    count = max(rows.shape[0], 1)
    error = regressor(rows) - targets
    return (error * error).sum() / (2 * count)
