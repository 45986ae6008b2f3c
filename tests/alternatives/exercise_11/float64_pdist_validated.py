"""A correct rkd_distance_loss: float64 internals, F.pdist, Huber by hand, extra validation."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def rkd_distance_loss(student_emb: Tensor, teacher_emb: Tensor) -> Tensor:
    if student_emb.ndim != 2 or teacher_emb.ndim != 2:
        raise ValueError("student_emb and teacher_emb must have shape (N, d)")
    if student_emb.shape[0] != teacher_emb.shape[0]:
        raise ValueError("shape mismatch: student_emb and teacher_emb need the same N")
    if student_emb.shape[0] < 2:
        raise ValueError("N must be at least 2")
    s = F.pdist(student_emb.double())
    with torch.no_grad():
        t = F.pdist(teacher_emb.double())
    z = s / s.mean() - t / t.mean()
    huber = torch.where(z.abs() < 1.0, z.square() / 2, z.abs() - 0.5)
    return huber.mean().to(student_emb.dtype)
