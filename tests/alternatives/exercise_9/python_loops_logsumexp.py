"""Relaxed ranking loss with plain Python loops over users and steps, one torch.logsumexp per
step over the remaining interesting items and all the uninteresting ones."""

from __future__ import annotations

import torch
from torch import Tensor


def relaxed_ranking_loss(interesting: Tensor, uninteresting: Tensor) -> Tensor:
    batch, k = interesting.shape
    users = []
    for b in range(batch):
        steps = []
        for step in range(k):
            pool = torch.cat([interesting[b, step:], uninteresting[b]])
            steps.append(torch.logsumexp(pool, dim=0) - interesting[b, step])
        users.append(torch.stack(steps).sum())
    return torch.stack(users).mean()
