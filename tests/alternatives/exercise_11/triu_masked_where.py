"""A correct rkd_distance_loss: upper-triangle pairs, broadcasting, a double-where safe sqrt."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def _upper_distances(x: Tensor) -> Tensor:
    n = x.shape[0]
    i, j = torch.triu_indices(n, n, offset=1, device=x.device)
    d2 = (x[i] - x[j]).pow(2).sum(dim=-1)
    positive = d2 > 0
    # sqrt only where it is differentiable; zero distances stay 0 with gradient 0.
    safe = torch.where(positive, d2, torch.ones_like(d2))
    return torch.where(positive, safe.sqrt(), torch.zeros_like(d2))


def rkd_distance_loss(student_emb: Tensor, teacher_emb: Tensor) -> Tensor:
    if student_emb.shape[0] < 2:
        raise ValueError("student_emb must have at least 2 rows")
    d_s = _upper_distances(student_emb)
    d_t = _upper_distances(teacher_emb).detach()
    return F.huber_loss(d_s / d_s.mean(), d_t / d_t.mean(), delta=1.0)
