"""A correct AUC with a Python loop over the groups of tied scores, highest first: each positive
beats the negatives in lower groups and ties half of those in its own. LogLoss written by hand."""

from __future__ import annotations

import math

import torch
from torch import Tensor


def auc_score(scores: Tensor, labels: Tensor) -> float:
    values, counts = torch.unique(scores, return_counts=True)
    positive = labels.to(torch.bool)
    pos_per_group = torch.zeros(len(values), dtype=torch.long, device=scores.device)
    pos_per_group.index_add_(
        0,
        torch.searchsorted(values, scores[positive]),
        torch.ones_like(scores[positive], dtype=torch.long),
    )
    neg_per_group = counts - pos_per_group
    total_pos, total_neg = int(pos_per_group.sum()), int(neg_per_group.sum())
    if total_pos == 0 or total_neg == 0:
        raise ValueError("labels contain a single class; AUC is undefined")
    wins = 0.0
    neg_below = total_neg
    for p, q in zip(pos_per_group.tolist()[::-1], neg_per_group.tolist()[::-1], strict=True):
        neg_below -= q
        wins += p * (neg_below + q / 2)
    return wins / (total_pos * total_neg)


def log_loss(probs, labels, eps=1e-7):
    p = probs.to(dtype=torch.float64).clamp(min=eps).clamp(max=1 - eps)
    y = labels.to(dtype=torch.float64)
    total = -(y * p.log() + (1 - y) * (-p).log1p()).sum().item()
    return total / max(len(p), 1) if not math.isnan(total) else total
