"""A correct recall_ndcg_at_k in float32 that lets users without relevant items become NaN
(0/0) and averages with nanmean, which skips them."""

from __future__ import annotations

import torch


def recall_ndcg_at_k(scores, relevant, k, exclude=None):
    if k < 1:
        raise ValueError("k must be >= 1")
    if relevant.shape != scores.shape:
        raise ValueError("relevant shape mismatch")
    if exclude is not None:
        if exclude.shape != scores.shape:
            raise ValueError("exclude shape mismatch")
        if (exclude & relevant).any():
            raise ValueError("exclude and relevant overlap")
        scores = torch.where(
            exclude, torch.tensor(float("-inf"), dtype=scores.dtype, device=scores.device), scores
        )
    if not relevant.any():
        raise ValueError("no relevant items")
    k = min(k, scores.size(1))
    _, idx = scores.sort(dim=1, descending=True, stable=True)
    hit = torch.gather(relevant.float(), 1, idx[:, :k])
    w = 1.0 / torch.log2(torch.arange(k, device=scores.device, dtype=torch.float32) + 2)
    n = relevant.float().sum(1)
    idcg = torch.stack([w[: int(min(c, k))].sum() for c in n.tolist()])
    recall = hit.sum(1) / n  # nan for users without relevant items
    ndcg = (hit * w).sum(1) / idcg  # 0/0 = nan for them too
    return recall.nanmean().item(), ndcg.nanmean().item()
