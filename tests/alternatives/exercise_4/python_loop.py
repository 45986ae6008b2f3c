"""A correct hit_ratio_ndcg_loo written as a plain Python loop over users (keyword-only style)."""

from __future__ import annotations

import math

from torch import Tensor


def hit_ratio_ndcg_loo(pos_scores: Tensor, neg_scores: Tensor, k: int) -> tuple[float, float]:
    """(HR@k, NDCG@k) with pessimistic ties."""
    if not k >= 1:
        raise ValueError("k must be at least 1")
    positives = pos_scores.detach().cpu().double().tolist()
    negatives = neg_scores.detach().cpu().double().tolist()
    if (
        pos_scores.dim() != 1
        or neg_scores.dim() != 2
        or len(negatives) != len(positives)
        or not positives
    ):
        raise ValueError("pos_scores and neg_scores must have shapes (U,) and (U, M)")
    hr = ndcg = 0.0
    for p, row in zip(positives, negatives, strict=True):
        rank = 1 + sum(1 for n in row if n >= p)
        if rank <= k:
            hr += 1.0
            ndcg += math.log(2) / math.log(rank + 1)
    return hr / len(positives), ndcg / len(positives)
