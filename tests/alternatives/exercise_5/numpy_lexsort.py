"""A correct recall_ndcg_at_k with NumPy: np.lexsort orders by (excluded last, score descending,
item index ascending) in one call."""

from __future__ import annotations

import numpy as np


def recall_ndcg_at_k(scores, relevant, k, exclude=None):
    if k < 1:
        raise ValueError("k < 1")
    s = scores.detach().cpu().numpy()
    r = relevant.cpu().numpy().astype(bool)
    if s.shape != r.shape:
        raise ValueError("shape of relevant")
    e = np.zeros_like(r) if exclude is None else exclude.cpu().numpy().astype(bool)
    if e.shape != s.shape:
        raise ValueError("shape of exclude")
    if (e & r).any():
        raise ValueError("exclude overlaps relevant")
    if not r.any():
        raise ValueError("relevant is empty")
    n_items = s.shape[1]
    rec, nd = [], []
    for u in range(s.shape[0]):
        n = r[u].sum()
        if n == 0:
            continue
        idx = np.arange(n_items)
        # lexsort: last key is primary; excluded last, then score descending, then index
        order = np.lexsort((idx, -s[u], e[u]))
        order = order[~e[u][order]][:k]
        g = r[u][order]
        disc = 1 / np.log2(np.arange(2, len(order) + 2))
        rec.append(g.sum() / n)
        nd.append((g * disc).sum() / (1 / np.log2(np.arange(2, min(k, n) + 2))).sum())
    return float(np.mean(rec)), float(np.mean(nd))
