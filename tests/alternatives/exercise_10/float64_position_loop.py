"""A correct hint_loss: float64 differences, a Python loop over the flattened positions."""

from __future__ import annotations

import torch


def hint_loss(student_h, teacher_h, regressor, mask=None):
    diff = (regressor(student_h) - teacher_h.detach()).to(torch.float64)
    rows = diff.reshape(-1, diff.shape[-1])
    keep = None if mask is None else mask.reshape(-1)
    terms = []
    for p in range(rows.shape[0]):
        if keep is None or keep[p]:
            terms.append(0.5 * torch.dot(rows[p], rows[p]))
    if not terms:  # an empty mask: a zero that still reaches every input
        return (diff * 0.0).sum().to(student_h.dtype)
    return (torch.stack(terms).sum() / len(terms)).to(student_h.dtype)
