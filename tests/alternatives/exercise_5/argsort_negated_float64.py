"""A correct recall_ndcg_at_k: a stable ascending argsort of the negated float64 scores, with
excluded items pushed to the end by a large penalty on a separate key."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def recall_ndcg_at_k(
    scores: Tensor, relevant: Tensor, k: int, exclude: Tensor | None = None
) -> tuple[float, float]:
    """(Recall@k, NDCG@k) of a full ranking."""
    if k < 1:
        raise ValueError(f"bad k: {k}")
    if scores.shape != relevant.shape:
        raise ValueError(f"scores and relevant differ in shape: {scores.shape} vs {relevant.shape}")
    if exclude is not None and exclude.shape != scores.shape:
        raise ValueError(f"exclude shape {exclude.shape} != scores shape {scores.shape}")
    if exclude is not None and torch.any(exclude & relevant):
        raise ValueError("exclude overlaps relevant")
    per_user = relevant.sum(1)
    if per_user.max() == 0:
        raise ValueError("relevant: every user has zero relevant items")
    key = -scores.double()
    order = torch.argsort(key, dim=1, stable=True)
    if exclude is not None:  # second stable pass: kept items first, each group in score order
        order = order.gather(1, torch.argsort(exclude.gather(1, order).int(), dim=1, stable=True))
        kept = (~exclude).sum(1)
    else:
        kept = torch.full_like(per_user, scores.shape[1])
    k = min(k, scores.shape[1])
    top = order[:, :k]
    position = torch.arange(k, device=scores.device).expand_as(top)
    rel = relevant.gather(1, top) & (position < kept.unsqueeze(1))
    disc = 1.0 / torch.log2(torch.arange(2, k + 2, device=scores.device, dtype=torch.float64))
    dcg = (rel.double() * disc).sum(1)
    idcg = F.pad(disc.cumsum(0), (1, 0))[per_user.clamp(max=k)]
    users = per_user > 0
    recall = rel.sum(1).double()[users] / per_user[users]
    return float(recall.mean()), float((dcg[users] / idcg[users]).mean())
