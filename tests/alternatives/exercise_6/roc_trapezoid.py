"""A correct AUC as the area under the ROC curve: one threshold per distinct score (so ties form
a diagonal segment), trapezoids; LogLoss through F.binary_cross_entropy on clipped float64."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def auc_score(scores: Tensor, labels: Tensor) -> float:
    y = (labels == 1).to(torch.float64)
    n_pos = y.sum()
    n_neg = y.numel() - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC needs positive and negative labels")
    distinct, group = torch.unique(scores, sorted=True, return_inverse=True)
    # Walk the thresholds from the highest score down.
    tp = torch.zeros(distinct.numel(), dtype=torch.float64, device=scores.device)
    fp = torch.zeros_like(tp)
    tp.index_add_(0, group, y)
    fp.index_add_(0, group, 1 - y)
    tpr = torch.cat([tp.new_zeros(1), tp.flip(0).cumsum(0)]) / n_pos
    fpr = torch.cat([fp.new_zeros(1), fp.flip(0).cumsum(0)]) / n_neg
    return float(torch.trapezoid(tpr, fpr))


def log_loss(probs: Tensor, labels: Tensor, eps: float = 1e-7) -> float:
    p = probs.to(torch.float64).clip(eps, 1 - eps)
    return float(F.binary_cross_entropy(p, labels.to(torch.float64)))
