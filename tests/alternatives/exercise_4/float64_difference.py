"""A correct hit_ratio_ndcg_loo that works on score differences in float64, cast back at the end."""

from __future__ import annotations

from torch import Tensor


def hit_ratio_ndcg_loo(pos_scores: Tensor, neg_scores: Tensor, k: int) -> tuple[float, float]:
    """(HR@k, NDCG@k) with pessimistic ties."""
    if k < 1:
        raise ValueError("k < 1")
    try:
        margin = pos_scores.double().view(-1, 1) - neg_scores.double()
    except RuntimeError as exc:
        raise ValueError(f"shape mismatch: {exc}") from None
    if margin.shape != neg_scores.shape or pos_scores.dim() != 1:
        raise ValueError("shape mismatch")
    rank = 1 + (margin <= 0).sum(-1)
    cut = rank.le(k)
    dcg = cut / (rank + 1).double().log2()
    return cut.double().mean().item(), dcg.mean().to(pos_scores.dtype).item()
