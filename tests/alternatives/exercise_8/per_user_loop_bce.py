"""Ranking Distillation with a loop over users and binary_cross_entropy_with_logits."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def position_weights(k: int, lam: float) -> Tensor:
    """Normalised exp(-r / lam), built from Python floats."""
    if k < 1:
        raise ValueError("k < 1")
    if lam <= 0:
        raise ValueError("lam <= 0")
    raw = [math.exp(-r / lam) for r in range(1, k + 1)]
    total = sum(raw)
    return torch.tensor([v / total for v in raw], dtype=torch.float32)


def ranking_distillation_loss(
    pos_scores: Tensor,
    neg_scores: Tensor,
    teacher_topk_scores: Tensor,
    weights: Tensor,
    alpha: float = 1.0,
) -> Tensor:
    """Per-user BCE sums, averaged over users."""
    w = weights.to(device=pos_scores.device, dtype=pos_scores.dtype)
    losses = []
    for u in range(pos_scores.shape[0]):
        p, n, t = pos_scores[u], neg_scores[u], teacher_topk_scores[u]
        loss_u = F.binary_cross_entropy_with_logits(p, torch.ones_like(p), reduction="sum")
        loss_u = loss_u + F.binary_cross_entropy_with_logits(
            n, torch.zeros_like(n), reduction="sum"
        )
        loss_u = loss_u + alpha * F.binary_cross_entropy_with_logits(
            t, torch.ones_like(t), weight=w, reduction="sum"
        )
        losses.append(loss_u)
    return torch.stack(losses).mean()
