"""A correct AUC from one sort: for each distinct score, the negatives strictly below it and
those tied with it (unique_consecutive over the sorted scores), in float64, on scores that may
require grad (torch operations only, no .numpy()). LogLoss through the summed
F.binary_cross_entropy divided by n, with extra validation of eps and an eps that defaults to
None (meaning 1e-7)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def auc_score(scores: Tensor, labels: Tensor) -> float:
    if scores.shape != labels.shape:
        raise ValueError("scores and labels must have the same shape")
    y = labels.round().to(torch.int64)
    n_pos = int(y.sum())
    n_neg = y.numel() - n_pos
    if min(n_pos, n_neg) == 0:
        raise ValueError(f"AUC needs both classes in labels (got {n_pos} positives)")
    order = torch.argsort(scores)
    sorted_scores, sorted_y = scores[order], y[order]
    distinct, inverse, counts = torch.unique_consecutive(
        sorted_scores, return_inverse=True, return_counts=True
    )
    neg_per_group = torch.zeros(distinct.numel(), dtype=torch.float64, device=scores.device)
    neg_per_group.index_add_(0, inverse, (1 - sorted_y).to(torch.float64))
    neg_below = torch.cumsum(neg_per_group, 0) - neg_per_group
    credit = neg_below + neg_per_group / 2  # per group: wins plus half the ties
    wins = (credit[inverse] * sorted_y.to(torch.float64)).sum()
    return (wins / n_pos / n_neg).item()


def log_loss(probs: Tensor, labels: Tensor, eps: float | None = None) -> float:
    eps = 1e-7 if eps is None else float(eps)
    if not 0.0 < eps < 0.5:
        raise ValueError(f"eps must be in (0, 0.5), got {eps}")
    q = probs.detach().double().clamp(min=eps, max=1.0 - eps)
    total = F.binary_cross_entropy(q, labels.double(), reduction="sum")
    return total.item() / q.numel()
