"""A correct rkd_distance_loss with the Gram-matrix shortcut and a clamped (safe) sqrt."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def _distances(e: Tensor) -> Tensor:
    square = (e * e).sum(dim=1)
    d2 = square[:, None] + square[None, :] - 2.0 * (e @ e.T)
    return d2.clamp(min=1e-12).sqrt()


def rkd_distance_loss(student_emb: Tensor, teacher_emb: Tensor) -> Tensor:
    n = student_emb.shape[0]
    if n < 2:
        raise ValueError(f"rkd_distance_loss needs at least two rows, got N={n}")
    off = ~torch.eye(n, dtype=torch.bool, device=student_emb.device)
    s = _distances(student_emb)[off]
    t = _distances(teacher_emb.detach())[off]
    return F.smooth_l1_loss(s / s.mean(), t / t.mean())
