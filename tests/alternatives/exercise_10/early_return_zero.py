"""A correct hint_loss that returns early (a zero that back-propagates) on an all-False mask."""

from __future__ import annotations

from torch import nn


def hint_loss(student_h, teacher_h, regressor: nn.Module, mask=None):
    pred = regressor(student_h)
    if mask is not None and not bool(mask.any()):
        return (pred * 0.0).sum()
    per = 0.5 * ((pred - teacher_h.detach()) ** 2).sum(-1)
    if mask is None:
        return per.mean()
    return per[mask].mean()
