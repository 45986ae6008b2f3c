"""A correct recall_ndcg_at_k looping over users: excluded items are dropped by boolean indexing,
the rest ranked by a stable descending argsort."""

from __future__ import annotations

import torch


def recall_ndcg_at_k(scores, relevant, k, exclude=None):
    if k < 1:
        raise ValueError("k")
    if scores.shape != relevant.shape or (exclude is not None and exclude.shape != scores.shape):
        raise ValueError("shape")
    if exclude is None:
        exclude = torch.zeros_like(relevant)
    if torch.logical_and(exclude, relevant).any():
        raise ValueError("exclude")
    recalls, ndcgs = [], []
    items = torch.arange(scores.shape[1], device=scores.device)
    for s, r, e in zip(scores, relevant, exclude, strict=True):
        n = int(r.sum())
        if n == 0:
            continue
        keep = ~e
        order = items[keep][torch.argsort(s[keep], descending=True, stable=True)]
        top = order[:k]
        gains = r[top].double()
        disc = 1 / torch.log2(torch.arange(2, len(top) + 2, device=s.device, dtype=torch.float64))
        ideal = 1 / torch.log2(torch.arange(2, min(k, n) + 2, device=s.device, dtype=torch.float64))
        recalls.append(gains.sum() / n)
        ndcgs.append((gains * disc).sum() / ideal.sum())
    if not recalls:
        raise ValueError("relevant: no user has any")
    return torch.stack(recalls).mean().item(), torch.stack(ndcgs).mean().item()
