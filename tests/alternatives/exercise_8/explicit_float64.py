"""Ranking Distillation written out by hand: explicit softplus formulas, float64 internals."""

from __future__ import annotations

import torch
from torch import Tensor


def position_weights(k: int, lam: float) -> Tensor:
    """exp(-r / lam) for r = 1..k divided by its sum, computed in float64, returned as float32."""
    if not k >= 1:
        raise ValueError(f"k must be a positive integer, got {k}")
    if not lam > 0:
        raise ValueError(f"lam must be positive, got {lam}")
    r = torch.arange(1, k + 1, dtype=torch.float64)
    w = torch.exp(-(r - 1) / lam)  # shifted by one rank: the normalisation cancels the shift
    return (w / w.sum()).float()


def _neg_log_sigmoid(x: Tensor) -> Tensor:
    """-log σ(x) = softplus(-x) = max(-x, 0) + log1p(exp(-|x|)), stable for any x."""
    return torch.clamp(-x, min=0) + torch.log1p(torch.exp(-x.abs()))


def ranking_distillation_loss(
    pos_scores: Tensor,
    neg_scores: Tensor,
    teacher_topk_scores: Tensor,
    weights: Tensor,
    alpha: float = 1.0,
) -> Tensor:
    """Mean over users of -sum log σ(pos) - sum log σ(-neg) - alpha * sum_r w_r log σ(s_r)."""
    dtype = pos_scores.dtype
    pos, neg, top = (x.to(torch.float64) for x in (pos_scores, neg_scores, teacher_topk_scores))
    w = weights.to(device=pos.device, dtype=torch.float64)
    per_user = (
        _neg_log_sigmoid(pos).sum(-1)
        + _neg_log_sigmoid(-neg).sum(-1)
        + alpha * (w * _neg_log_sigmoid(top)).sum(-1)
    )
    return per_user.mean().to(dtype)
