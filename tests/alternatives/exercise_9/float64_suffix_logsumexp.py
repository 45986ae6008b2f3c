"""Relaxed ranking loss in float64, with a reverse cumulative logsumexp written as a loop."""

from __future__ import annotations

import torch
from torch import Tensor


def relaxed_ranking_loss(interesting: Tensor, uninteresting: Tensor) -> Tensor:
    """Plackett–Luce over the interesting items, uninteresting items in every denominator."""
    dtype = interesting.dtype
    s = interesting.double()
    u = uninteresting.double()
    batch, k = s.shape
    if u.shape[1] > 0:
        acc = torch.logsumexp(u, dim=1)
    else:
        acc = torch.full((batch,), float("-inf"), dtype=s.dtype, device=s.device)
    nll = torch.zeros(batch, dtype=s.dtype, device=s.device)
    for i in reversed(range(k)):
        acc = torch.logaddexp(acc, s[:, i])
        nll = nll + acc - s[:, i]
    return nll.mean().to(dtype)
