"""A correct hit_ratio_ndcg_loo that counts the negatives strictly below the held-out item (every
other negative, ties included, ranks above it), in float32."""

from __future__ import annotations

import torch
from torch import Tensor


def hit_ratio_ndcg_loo(pos_scores: Tensor, neg_scores: Tensor, k: int) -> tuple[float, float]:
    """(HR@k, NDCG@k) with pessimistic ties."""
    if k < 1:
        raise ValueError("k")
    if pos_scores.ndim != 1 or neg_scores.ndim != 2 or pos_scores.shape[0] != neg_scores.shape[0]:
        raise ValueError("shape")
    m = neg_scores.shape[1]
    rank = 1 + m - (neg_scores < pos_scores[:, None]).sum(1)
    hit = (rank <= k).float()
    ndcg = hit / torch.log2(rank.float() + 1)
    return float(hit.mean()), float(ndcg.mean())
