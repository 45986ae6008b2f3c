"""Relaxed ranking loss with an explicit per-step maximum (a suffix cummax joined with the
uninteresting maximum), computed in float64 and cast back, with extra shape validation."""

from __future__ import annotations

import torch
from torch import Tensor


def relaxed_ranking_loss(interesting: Tensor, uninteresting: Tensor) -> Tensor:
    if interesting.dim() != 2 or uninteresting.dim() != 2:
        raise ValueError("interesting and uninteresting must be 2-D: shape (B, K), (B, L)")
    if interesting.shape[0] != uninteresting.shape[0]:
        raise ValueError("shape mismatch: interesting and uninteresting need the same B")
    s = interesting.to(torch.float64)
    u = uninteresting.to(torch.float64)
    # m_k = max(s_k, ..., s_K, u_1, ..., u_L): the largest term of step k's denominator.
    suffix_max = torch.cummax(s.flip(-1), dim=-1).values.flip(-1)
    if u.shape[1] > 0:
        m = torch.maximum(suffix_max, u.amax(dim=-1, keepdim=True))
    else:
        m = suffix_max
    m = m.detach()  # any constant shift gives the same value and gradient
    # Σ_{i>=k} exp(s_i - m_k): a (B, K, K) table masked to i >= k.
    k = s.shape[1]
    upper = torch.ones(k, k, dtype=torch.bool, device=s.device).triu()
    shifted = torch.exp((s.unsqueeze(1) - m.unsqueeze(2)).masked_fill(~upper, float("-inf")))
    total = shifted.sum(dim=-1) + torch.exp(u.unsqueeze(1) - m.unsqueeze(2)).sum(dim=-1)
    log_den = m + torch.log(total)
    per_user = (log_den - s).sum(dim=-1)
    return per_user.mean().to(interesting.dtype)
