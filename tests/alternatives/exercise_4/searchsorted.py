"""A correct hit_ratio_ndcg_loo: searchsorted on each user's sorted negatives, float32 inside."""

from __future__ import annotations

import torch
from torch import Tensor


def hit_ratio_ndcg_loo(pos_scores: Tensor, neg_scores: Tensor, k: int) -> tuple[float, float]:
    """(HR@k, NDCG@k) with pessimistic ties."""
    if k <= 0:
        raise ValueError(f"invalid k={k}")
    if pos_scores.shape != neg_scores.shape[:1] or neg_scores.dim() != 2:
        raise ValueError(f"pos/neg shapes {pos_scores.shape} and {neg_scores.shape} do not match")
    m = neg_scores.shape[1]
    ascending = neg_scores.sort(dim=1).values
    # Negatives strictly below the held-out item; all the others (ties included) beat it.
    below = torch.searchsorted(ascending, pos_scores.unsqueeze(1).contiguous(), right=False)
    rank = (m - below.squeeze(1) + 1).float()
    hit = (rank <= k).float()
    ndcg = hit * torch.log(torch.tensor(2.0, device=rank.device)) / torch.log1p(rank)
    return float(hit.mean()), float(ndcg.mean())
