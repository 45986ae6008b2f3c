"""Relaxed ranking loss with an explicit loop over the K steps and one logsumexp per step."""

from __future__ import annotations

import torch
from torch import Tensor


def relaxed_ranking_loss(interesting: Tensor, uninteresting: Tensor) -> Tensor:
    """-sum_k [s_k - logsumexp(s_k..s_K, u_1..u_L)], averaged over users."""
    steps = []
    for k in range(interesting.shape[1]):
        pool = torch.cat([interesting[:, k:], uninteresting], dim=1)
        steps.append(interesting[:, k] - torch.logsumexp(pool, dim=1))
    return -torch.stack(steps, dim=1).sum(dim=1).mean()
