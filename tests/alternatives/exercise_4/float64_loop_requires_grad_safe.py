"""A correct hit_ratio_ndcg_loo looping over users on float64 copies, with a dictionary of
discounts and the metrics summed with math.fsum."""

from __future__ import annotations

import math

import torch


def hit_ratio_ndcg_loo(pos_scores, neg_scores, k):
    if k < 1:
        raise ValueError("k")
    if len(pos_scores.shape) != 1 or len(neg_scores.shape) != 2:
        raise ValueError("shape")
    if neg_scores.size(0) != pos_scores.size(0):
        raise ValueError("shape")
    with torch.no_grad():
        pos = pos_scores.to(torch.float64)
        neg = neg_scores.to(torch.float64)
        hits, gains = [], []
        for u in range(pos.shape[0]):
            rank = int((neg[u] >= pos[u]).sum()) + 1
            hit = rank <= k
            hits.append(1.0 if hit else 0.0)
            gains.append(1.0 / math.log2(rank + 1) if hit else 0.0)
    return math.fsum(hits) / len(hits), math.fsum(gains) / len(gains)
