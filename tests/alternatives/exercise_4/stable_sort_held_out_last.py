"""A correct hit_ratio_ndcg_loo by sorting: the held-out item goes last among its candidates, and
a stable descending sort keeps it below every negative with the same score (pessimistic ties)."""

from __future__ import annotations

import math

import torch
from torch import Tensor


def hit_ratio_ndcg_loo(pos_scores: Tensor, neg_scores: Tensor, k: int) -> tuple[float, float]:
    """(HR@k, NDCG@k) with pessimistic ties."""
    if k < 1:
        raise ValueError("k must be a positive integer")
    if pos_scores.ndim != 1 or neg_scores.ndim != 2 or len(neg_scores) != len(pos_scores):
        raise ValueError("bad shape: expected pos_scores (U,) and neg_scores (U, M)")
    candidates = torch.cat([neg_scores, pos_scores[:, None]], dim=1)
    order = torch.sort(candidates, dim=1, descending=True, stable=True).indices
    held_out = candidates.shape[1] - 1
    rank = (order == held_out).nonzero()[:, 1] + 1  # one match per row, rows in order
    hits = 0
    ndcg = 0.0
    for r in rank.tolist():
        if r <= k:
            hits += 1
            ndcg += 1.0 / math.log2(r + 1)
    users = len(pos_scores)
    return hits / users, ndcg / users
