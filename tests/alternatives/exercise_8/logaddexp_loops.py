"""Ranking Distillation with explicit loops and -log σ(x) = logaddexp(0, -x); the weights by
log-normalisation (w = exp(a - logsumexp(a)))."""

from __future__ import annotations

import torch
from torch import Tensor


def position_weights(k: int, lam: float) -> Tensor:
    if lam <= 0:
        raise ValueError("lam must be positive")
    if k <= 0:
        raise ValueError("k must be at least 1")
    logits = torch.tensor([-r / lam for r in range(1, k + 1)], dtype=torch.float64)
    return torch.exp(logits - torch.logsumexp(logits, dim=0)).float()


def _nls(x: Tensor) -> Tensor:
    """-log σ(x), stable."""
    return torch.logaddexp(torch.zeros_like(x), -x)


def ranking_distillation_loss(
    pos_scores: Tensor,
    neg_scores: Tensor,
    teacher_topk_scores: Tensor,
    weights: Tensor,
    alpha: float = 1.0,
) -> Tensor:
    batch = pos_scores.shape[0]
    total = pos_scores.new_zeros(())
    for b in range(batch):
        user = _nls(pos_scores[b]).sum() + _nls(-neg_scores[b]).sum()
        for r in range(teacher_topk_scores.shape[1]):
            w_r = weights[r].to(pos_scores)
            user = user + alpha * w_r * _nls(teacher_topk_scores[b, r])
        total = total + user
    return total / batch
