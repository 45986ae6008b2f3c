"""A correct hit_ratio_ndcg_loo computed with NumPy on the host (NumPy floats are Python floats)."""

from __future__ import annotations

import numpy as np
from torch import Tensor


def hit_ratio_ndcg_loo(pos_scores: Tensor, neg_scores: Tensor, k: int) -> tuple[float, float]:
    """(HR@k, NDCG@k) with pessimistic ties."""
    if k < 1:
        raise ValueError(f"k must be >= 1 (got {k})")
    pos = pos_scores.detach().cpu().numpy()
    neg = neg_scores.detach().cpu().numpy()
    if pos.ndim != 1 or neg.ndim != 2 or len(pos) != len(neg):
        raise ValueError(f"Shape mismatch: {pos.shape} and {neg.shape}")
    rank = 1 + (neg >= pos[:, None]).sum(axis=1)
    hit = rank <= k
    return hit.mean(), np.where(hit, 1 / np.log2(rank + 1), 0.0).mean()
