"""A correct hit_ratio_ndcg_loo: the sign of neg - pos in the input's own dtype (exact: a
difference of two finite floats is 0 only when they are equal), a table of discounts indexed by
rank, torch.where, and extra validation the contract allows (no users at all is a bad shape)."""

from __future__ import annotations

import torch
from torch import Tensor


def hit_ratio_ndcg_loo(pos_scores: Tensor, neg_scores: Tensor, k: int) -> tuple[float, float]:
    """(HR@k, NDCG@k) with pessimistic ties."""
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    if pos_scores.ndim != 1 or neg_scores.ndim != 2 or pos_scores.shape[0] != neg_scores.shape[0]:
        raise ValueError(f"bad shapes {tuple(pos_scores.shape)} / {tuple(neg_scores.shape)}")
    if pos_scores.shape[0] == 0:
        raise ValueError("shape: no users")
    users, m = neg_scores.shape
    margin = neg_scores - pos_scores[:, None]
    rank = 1 + torch.count_nonzero(margin >= 0, dim=-1)
    table = torch.zeros(m + 2, dtype=torch.float64, device=neg_scores.device)
    positions = torch.arange(1, m + 2, dtype=torch.float64, device=neg_scores.device)
    table[1:] = torch.where(positions <= k, 1.0 / torch.log2(positions + 1), 0.0)
    gains = table[rank]
    hits = torch.where(rank <= k, torch.ones_like(gains), torch.zeros_like(gains))
    return float(hits.sum()) / users, float(gains.sum()) / users
