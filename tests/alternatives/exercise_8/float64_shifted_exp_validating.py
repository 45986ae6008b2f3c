"""Ranking Distillation computed in float64 inside and cast back, with the weights as
exp(-(r - 1) / lam) (the largest exp is 1, so nothing underflows to 0 / 0), softplus for
-log σ, and extra validation the task allows (shapes, a non-finite lam)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def position_weights(k: int, lam: float) -> Tensor:
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    if not lam > 0 or math.isnan(lam):
        raise ValueError(f"lam must be > 0, got {lam!r}")
    shifted = torch.arange(k, dtype=torch.float64) / lam  # r - 1 for r = 1..k
    raw = torch.exp(-shifted)
    return (raw / raw.sum()).to(torch.float32)


def ranking_distillation_loss(
    pos_scores: Tensor,
    neg_scores: Tensor,
    teacher_topk_scores: Tensor,
    weights: Tensor,
    alpha: float = 1.0,
) -> Tensor:
    if teacher_topk_scores.shape[-1:] != weights.shape:
        raise ValueError(
            f"shape mismatch: teacher_topk_scores {tuple(teacher_topk_scores.shape)} and "
            f"weights {tuple(weights.shape)}"
        )
    if not pos_scores.shape[0] == neg_scores.shape[0] == teacher_topk_scores.shape[0]:
        raise ValueError("shape mismatch: the three score tensors need the same batch size")
    p, n, t = (x.to(torch.float64) for x in (pos_scores, neg_scores, teacher_topk_scores))
    w = weights.to(device=p.device, dtype=torch.float64)
    # -log σ(x) = softplus(-x); -log σ(-x) = softplus(x).
    per_user = F.softplus(-p).sum(-1) + F.softplus(n).sum(-1)
    per_user = per_user + alpha * torch.einsum("k,bk->b", w, F.softplus(-t))
    return per_user.mean().to(pos_scores.dtype)
