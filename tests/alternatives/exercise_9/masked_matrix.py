"""Relaxed ranking loss via a (K, K) upper-triangular mask and logsumexp over the last dim."""

from __future__ import annotations

import torch
from torch import Tensor


def relaxed_ranking_loss(interesting: Tensor, uninteresting: Tensor) -> Tensor:
    b, k = interesting.shape
    n_u = uninteresting.shape[1]
    # Row k of the pool holds s_1..s_K (masked to i >= k) followed by all u_j.
    keep = torch.ones(k, k, dtype=torch.bool, device=interesting.device).triu()
    s_rows = interesting.unsqueeze(1).expand(b, k, k)
    s_rows = s_rows.masked_fill(~keep, float("-inf"))
    u_rows = uninteresting.unsqueeze(1).expand(b, k, n_u)
    log_den = torch.logsumexp(torch.cat([s_rows, u_rows], dim=2), dim=2)
    return (log_den - interesting).sum(dim=1).mean()
