"""Reference solution: full-ranking Recall@K and NDCG@K (no sampled candidates; Krichene & Rendle,
2020)."""

from __future__ import annotations

import torch
from torch import Tensor


def recall_ndcg_at_k(
    scores: Tensor, relevant: Tensor, k: int, exclude: Tensor | None = None
) -> tuple[float, float]:
    """(Recall@k, NDCG@k) of a full ranking, averaged over users with relevant items."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if scores.dim() != 2 or relevant.shape != scores.shape:
        raise ValueError(
            f"shape mismatch: scores {tuple(scores.shape)} and relevant "
            f"{tuple(relevant.shape)} must both be (U, I)"
        )
    relevant = relevant.bool()
    if exclude is not None:
        if exclude.shape != scores.shape:
            raise ValueError(
                f"shape mismatch: exclude {tuple(exclude.shape)}, scores {tuple(scores.shape)}"
            )
        exclude = exclude.bool()
        if (exclude & relevant).any():
            raise ValueError("an item is both in exclude and relevant; excluded items are unseen")
        # Why masked_fill (not scores[exclude] = ...): it returns a new tensor, so the caller's
        # scores are left alone. Why -inf: excluded items sink below every real score; being never
        # relevant, the ones that still land in the top k add nothing to the DCG.
        scores = scores.masked_fill(exclude, float("-inf"))
    n_relevant = relevant.sum(dim=1)
    # Why skip users without relevant items: their recall is 0/0, undefined; counting them as 0
    # would make the metric depend on how many such users the test split happens to contain.
    has_relevant = n_relevant > 0
    if not bool(has_relevant.any()):
        raise ValueError("no user has a relevant item: relevant is all False")

    # Why min(k, I): a cut-off beyond the catalogue is the whole catalogue.
    k = min(k, scores.shape[1])
    # Why a stable sort and not topk: among equal scores a stable descending sort keeps the
    # lower item index first, as the task requires; topk orders ties arbitrarily.
    top = torch.sort(scores, dim=1, descending=True, stable=True).indices[:, :k]
    hits = relevant.gather(1, top).to(torch.float64)  # (U, k): rel_j at positions j = 1..k
    # Why log2(j + 1) for j = 1..k: position 1 has discount 1/log2(2) = 1.
    positions = torch.arange(1, k + 1, device=scores.device, dtype=torch.float64)
    discounts = 1.0 / torch.log2(positions + 1.0)
    dcg = hits @ discounts
    # Why min(k, |R_u|) ideal hits: a user with 2 relevant items cannot fill k > 2 slots, so a
    # perfect ranking must score NDCG 1. ideal_dcg[n - 1] is the DCG of n hits at the top.
    ideal_dcg = discounts.cumsum(dim=0)
    n_ideal = n_relevant.clamp(min=1, max=k)  # min=1 only keeps the index valid for skipped users
    idcg = ideal_dcg[n_ideal - 1]
    # Why divide by |R_u| (not k): recall is the share of the user's relevant items retrieved.
    recall = hits.sum(dim=1) / n_relevant.clamp(min=1)
    ndcg = dcg / idcg
    # Why average per user (macro): every user counts the same, however many items they have.
    return recall[has_relevant].mean().item(), ndcg[has_relevant].mean().item()


# Common mistakes
# - IDCG over k ideal hits instead of min(k, |R_u|): a perfect ranking of a user with fewer than
#   k relevant items scores NDCG < 1.
# - Recall divided by k (that is precision) or by min(k, |R_u|) (a "truncated" recall, a
#   different metric) instead of |R_u|.
# - Users without relevant items counted as 0 in the average (or as NaN from 0/0).
# - `exclude` ignored: items seen in training crowd the top k; or masked with 0 instead of -inf,
#   which still ranks them above every negative score.
# - Reversed tie-break (argsort ascending then flip puts the highest index first among ties), or
#   topk, whose order among ties is arbitrary.
# - Recall pooled over users (total hits / total relevant) instead of averaged per user.
# - scores[exclude] = -inf: modifies the caller's tensor in place.
