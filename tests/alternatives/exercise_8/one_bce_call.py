"""Ranking Distillation as one weighted BCE over the concatenated scores."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def position_weights(k: int, lam: float) -> Tensor:
    """0-based ranks give the same normalised weights."""
    if k < 1 or int(k) != k:
        raise ValueError(f"invalid k={k}")
    if lam <= 0:
        raise ValueError(f"invalid lam={lam}")
    w = torch.exp(-torch.arange(k) / lam)
    return (w / w.sum()).to(torch.float32)


def ranking_distillation_loss(
    pos_scores: Tensor,
    neg_scores: Tensor,
    teacher_topk_scores: Tensor,
    weights: Tensor,
    alpha: float = 1.0,
) -> Tensor:
    """Targets 1 / 0 / 1 and per-element weights 1 / 1 / alpha * w_r, summed, divided by B."""
    scores = torch.cat([pos_scores, neg_scores, teacher_topk_scores], dim=1)
    targets = torch.cat(
        [
            torch.ones_like(pos_scores),
            torch.zeros_like(neg_scores),
            torch.ones_like(teacher_topk_scores),
        ],
        dim=1,
    )
    w = weights.to(scores).expand_as(teacher_topk_scores) * alpha
    elem_weights = torch.cat([torch.ones_like(pos_scores), torch.ones_like(neg_scores), w], dim=1)
    total = F.binary_cross_entropy_with_logits(
        scores, targets, weight=elem_weights, reduction="sum"
    )
    return total / scores.shape[0]
