"""Relaxed ranking loss that flips before the cumulative sum but never flips back.

The per-step denominators end up in reverse order, but the loss only sums their logs over the
steps, so the value and the gradients are the same (the authors' code does the same).
"""

from __future__ import annotations

import torch
from torch import Tensor


def relaxed_ranking_loss(interesting: Tensor, uninteresting: Tensor) -> Tensor:
    above = interesting.sum(dim=1)
    suffixes = torch.logcumsumexp(interesting.flip(-1), dim=-1)  # the K suffix sums, any order
    rest = torch.logsumexp(uninteresting, dim=-1, keepdim=True)
    below = torch.logaddexp(suffixes, rest).sum(dim=1)
    return -(above - below).mean()
