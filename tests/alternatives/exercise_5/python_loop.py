"""A correct recall_ndcg_at_k as a plain Python loop over users, with math.log2."""

from __future__ import annotations

import math

from torch import Tensor


def recall_ndcg_at_k(scores: Tensor, relevant: Tensor, k: int, exclude: Tensor | None = None):
    """(Recall@k, NDCG@k) of a full ranking."""
    if k < 1:
        raise ValueError("k must be >= 1")
    if tuple(relevant.shape) != tuple(scores.shape):
        raise ValueError("relevant has the wrong shape")
    if exclude is not None and tuple(exclude.shape) != tuple(scores.shape):
        raise ValueError("exclude has the wrong shape")
    s_rows = scores.tolist()
    r_rows = relevant.tolist()
    e_rows = exclude.tolist() if exclude is not None else [[False] * len(r) for r in r_rows]
    recalls, ndcgs = [], []
    for s, rel, ex in zip(s_rows, r_rows, e_rows, strict=True):
        if any(r and e for r, e in zip(rel, ex, strict=True)):
            raise ValueError("an excluded item is marked relevant")
        n = sum(rel)
        if n == 0:
            continue
        ranked = sorted((i for i in range(len(s)) if not ex[i]), key=lambda i: (-s[i], i))
        top = ranked[:k]
        hits = [j for j, item in enumerate(top, start=1) if rel[item]]
        dcg = sum(1 / math.log2(j + 1) for j in hits)
        idcg = sum(1 / math.log2(j + 1) for j in range(1, min(k, n) + 1))
        recalls.append(len(hits) / n)
        ndcgs.append(dcg / idcg)
    if not recalls:
        raise ValueError("no user has a relevant item")
    return sum(recalls) / len(recalls), sum(ndcgs) / len(ndcgs)
