"""A correct AUC and LogLoss in NumPy: average ranks from a stable sort and run boundaries."""

from __future__ import annotations

import numpy as np
from torch import Tensor


def _average_ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    starts = np.r_[True, sorted_x[1:] != sorted_x[:-1]]
    run = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    ends = np.r_[first[1:], len(x)]
    mean_rank = (first + 1 + ends) / 2.0
    ranks = np.empty(len(x))
    ranks[order] = mean_rank[run]
    return ranks


def auc_score(scores: Tensor, labels: Tensor) -> float:
    s = scores.detach().cpu().numpy()
    y = labels.detach().cpu().numpy() == 1
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        raise ValueError(f"labels: need both classes, got {n_pos} positives and {n_neg} negatives")
    u = _average_ranks(s)[y].sum() - n_pos * (n_pos + 1) / 2
    return float(u / n_pos / n_neg)


def log_loss(probs: Tensor, labels: Tensor, eps: float = 1e-7) -> float:
    p = np.clip(probs.detach().cpu().numpy().astype(np.float64), eps, 1 - eps)
    y = labels.detach().cpu().numpy().astype(np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))
