"""A correct recall_ndcg_at_k without any sort: each item's position is counted explicitly
(higher scores, plus equal scores at a lower index), in float32."""

from __future__ import annotations

import torch
from torch import Tensor


def recall_ndcg_at_k(
    scores: Tensor, relevant: Tensor, k: int, exclude: Tensor | None = None
) -> tuple[float, float]:
    """(Recall@k, NDCG@k) of a full ranking."""
    if k < 1:
        raise ValueError(f"k={k} must be positive")
    if relevant.shape != scores.shape or (exclude is not None and exclude.shape != scores.shape):
        raise ValueError("relevant/exclude must have the same shape as scores")
    if exclude is None:
        exclude = torch.zeros_like(relevant, dtype=torch.bool)
    if (relevant & exclude).any():
        raise ValueError("relevant items cannot be in exclude")
    if not relevant.any():
        raise ValueError("relevant has no True entry")
    n_items = scores.shape[1]
    kept = ~exclude
    s_i = scores.unsqueeze(2)  # item i
    s_j = scores.unsqueeze(1)  # competitor j
    # lower_index[i, j]: item j has a lower index than item i, so it wins a tie against i.
    lower_index = torch.ones(n_items, n_items, device=scores.device).tril(-1).bool()
    beats = ((s_j > s_i) | ((s_j == s_i) & lower_index)) & kept.unsqueeze(1)
    position = beats.sum(dim=2) + 1  # 1-based position of each kept item
    in_top = kept & (position <= k)
    gain = (relevant & in_top).float() / torch.log2(position.float() + 1)
    dcg = gain.sum(dim=1)
    n_rel = relevant.sum(dim=1)
    ideal = torch.arange(1, n_items + 1, device=scores.device).float()
    ideal_discounts = 1 / torch.log2(ideal + 1)
    ideal_mask = ideal.unsqueeze(0) <= n_rel.clamp(max=k).unsqueeze(1)
    idcg = (ideal_discounts * ideal_mask).sum(dim=1)
    users = n_rel > 0
    recall = (relevant & in_top).sum(dim=1)[users].float() / n_rel[users].float()
    ndcg = dcg[users] / idcg[users]
    return recall.mean().item(), ndcg.mean().item()
