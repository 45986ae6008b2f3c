"""A correct AUC by counting, for each positive, the negatives below and tied (searchsorted), in
float32; LogLoss with torch.where and plain logs."""

from __future__ import annotations

import torch
from torch import Tensor


def auc_score(scores: Tensor, labels: Tensor) -> float:
    """P(positive > negative) + ½ P(tie), via binary search in the sorted negatives."""
    is_pos = labels.bool()
    pos, neg = scores[is_pos], scores[~is_pos]
    if pos.numel() == 0 or neg.numel() == 0:
        raise ValueError("labels must contain both 0 and 1")
    neg_sorted, _ = torch.sort(neg)
    below = torch.searchsorted(neg_sorted, pos, right=False)
    below_or_tied = torch.searchsorted(neg_sorted, pos, right=True)
    wins = (below.float() + 0.5 * (below_or_tied - below).float()).sum()
    return wins.item() / (pos.numel() * neg.numel())


def log_loss(probs: Tensor, labels: Tensor, eps: float = 1e-7) -> float:
    """Clipped binary cross-entropy, averaged, in float64."""
    p = torch.clamp(probs.double(), min=eps, max=1 - eps)
    y = labels.double()
    per_sample = torch.where(y > 0.5, -torch.log(p), -torch.log(1 - p))
    return per_sample.mean().item()
