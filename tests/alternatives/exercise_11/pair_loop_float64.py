"""A correct rkd_distance_loss that loops over the ordered pairs, with float64 internals."""

from __future__ import annotations

import torch
from torch import Tensor


def rkd_distance_loss(student_emb: Tensor, teacher_emb: Tensor) -> Tensor:
    n = student_emb.size(0)
    if n < 2:
        raise ValueError("too few rows: N must be at least 2")
    s = student_emb.to(torch.float64)
    t = teacher_emb.detach().to(torch.float64)
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    d_s = torch.stack([torch.linalg.vector_norm(s[i] - s[j]) for i, j in pairs])
    d_t = torch.stack([torch.linalg.vector_norm(t[i] - t[j]) for i, j in pairs])
    loss = torch.nn.HuberLoss(delta=1.0)(d_s / d_s.mean(), d_t / d_t.mean())
    return loss.to(student_emb.dtype)
