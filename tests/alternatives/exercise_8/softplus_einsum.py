"""Ranking Distillation with softplus and einsum."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def position_weights(k: int, lam: float) -> Tensor:
    if k < 1:
        raise ValueError("k must be at least 1")
    if lam <= 0:
        raise ValueError("lam must be strictly positive")
    logits = -torch.arange(1, k + 1, dtype=torch.float64) / lam
    return torch.exp(logits - torch.logsumexp(logits, 0)).to(torch.float32)


def ranking_distillation_loss(pos_scores, neg_scores, teacher_topk_scores, weights, alpha=1.0):
    w = weights.to(dtype=pos_scores.dtype, device=pos_scores.device)
    pointwise = F.softplus(-pos_scores).sum(1) + F.softplus(neg_scores).sum(1)
    distill = torch.einsum("bk,k->b", F.softplus(-teacher_topk_scores), w)
    return (pointwise + alpha * distill).sum() / pos_scores.size(0)
