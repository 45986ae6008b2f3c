"""A correct kd_logit_gradient with a Python loop over the rows and a max-shifted softmax."""

from __future__ import annotations

import torch
from torch import Tensor


def _softmax(row: Tensor) -> Tensor:
    shifted = row - row.max()
    e = shifted.exp()
    return e / e.sum()


def kd_logit_gradient(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> Tensor:
    """One row at a time: T · (softmax(s/T) − softmax(t/T)) / B."""
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    batch = student_logits.size(0)
    rows = []
    for s_row, t_row in zip(student_logits, teacher_logits, strict=True):
        rows.append(temperature * (_softmax(s_row / temperature) - _softmax(t_row / temperature)))
    return torch.stack(rows) / batch
