"""A correct recall_ndcg_at_k per user: the excluded items are dropped, and the ranking is read
from Python tuples (score, -index) sorted in reverse, so ties go to the lower index."""

from __future__ import annotations

import math


def recall_ndcg_at_k(scores, relevant, k, exclude=None):
    if k < 1:
        raise ValueError("k must be >= 1")
    shape = tuple(scores.shape)
    if tuple(relevant.shape) != shape or len(shape) != 2:
        raise ValueError("relevant must have the shape of scores")
    if exclude is not None and tuple(exclude.shape) != shape:
        raise ValueError("exclude must have the shape of scores")
    rows = scores.tolist()
    rel = relevant.tolist()
    exc = exclude.tolist() if exclude is not None else [[False] * shape[1]] * shape[0]
    if any(r and e for rr, ee in zip(rel, exc, strict=True) for r, e in zip(rr, ee, strict=True)):
        raise ValueError("exclude and relevant overlap")
    if not any(any(r) for r in rel):
        raise ValueError("no relevant item")
    total_recall = total_ndcg = 0.0
    users = 0
    for s, r, e in zip(rows, rel, exc, strict=True):
        n = sum(r)
        if not n:
            continue
        users += 1
        ranked = sorted(((s[i], -i) for i in range(len(s)) if not e[i]), reverse=True)
        top = [-neg_i for _, neg_i in ranked[:k]]
        dcg = sum(1 / math.log2(j + 2) for j, i in enumerate(top) if r[i])
        idcg = sum(1 / math.log2(j + 2) for j in range(min(k, n)))
        total_recall += sum(r[i] for i in top) / n
        total_ndcg += dcg / idcg
    return total_recall / users, total_ndcg / users
