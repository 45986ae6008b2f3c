"""A correct recall_ndcg_at_k: float64 scores, excluded items set to -inf with torch.where, and
two stable sorts (by item index, then by score); extra validation the contract allows."""

from __future__ import annotations

import torch
from torch import Tensor


def recall_ndcg_at_k(
    scores: Tensor, relevant: Tensor, k: int, exclude: Tensor | None = None
) -> tuple[float, float]:
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    if scores.ndim != 2:
        raise ValueError(f"scores must be 2-D (shape {tuple(scores.shape)})")
    if tuple(relevant.shape) != tuple(scores.shape):
        raise ValueError("relevant: shape differs from scores")
    if exclude is None:
        exclude = torch.zeros_like(relevant, dtype=torch.bool)
    elif tuple(exclude.shape) != tuple(scores.shape):
        raise ValueError("exclude: shape differs from scores")
    if relevant.dtype != torch.bool or exclude.dtype != torch.bool:
        raise ValueError("relevant and exclude must be bool tensors")
    if torch.logical_and(relevant, exclude).any():
        raise ValueError("exclude contains a relevant item")
    n_rel = relevant.sum(-1)
    if int(n_rel.max()) == 0:
        raise ValueError("relevant is empty for every user")
    s = scores.detach().to(torch.float64)
    s = torch.where(exclude, torch.full_like(s, float("-inf")), s)
    n_items = s.shape[-1]
    order = torch.arange(n_items, device=s.device).expand_as(s)
    by_score = torch.sort(s.gather(-1, order), dim=-1, descending=True, stable=True).indices
    order = order.gather(-1, by_score)
    kept = (~exclude).sum(-1, keepdim=True)
    cut = min(k, n_items)
    slot = torch.arange(cut, device=s.device)
    gained = relevant.gather(-1, order[:, :cut]) & (slot < kept)
    discount = torch.log2(slot.to(torch.float64) + 2).reciprocal()
    dcg = (gained * discount).sum(-1)
    ideal = (slot < n_rel.clamp(max=cut).unsqueeze(-1)) * discount
    users = n_rel > 0
    recall = gained.sum(-1)[users] / n_rel[users]
    ndcg = dcg[users] / ideal.sum(-1)[users]
    return recall.mean().item(), ndcg.mean().item()
