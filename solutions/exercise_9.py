"""Reference solution: relaxed ranking distillation (DE-RRD, Kang et al., CIKM 2020)."""

from __future__ import annotations

import torch
from torch import Tensor


def relaxed_ranking_loss(interesting: Tensor, uninteresting: Tensor) -> Tensor:
    """Mean over users of -sum_k [s_k - log(sum_{i>=k} exp(s_i) + sum_j exp(u_j))]."""
    # Why flip, logcumsumexp, flip: step k's interesting items are k..K, the ones *below* it in
    # the teacher's order, so the cumulative sum runs from the end of the list; a plain
    # logcumsumexp would sum items 1..k (the ones already picked) instead. (The second flip only
    # lines the denominators up with their steps; the sum over k below would not notice it.)
    # Why logcumsumexp (not log(cumsum(exp))): exp(1000) overflows to inf.
    remaining = torch.logcumsumexp(interesting.flip(-1), dim=-1).flip(-1)
    # Why one logsumexp over all the uninteresting items: they join every step's denominator as a
    # set, never ranked among themselves, so their order cannot matter. With L = 0 this is -inf,
    # and logaddexp(x, -inf) = x: only the interesting items compete.
    rest = torch.logsumexp(uninteresting, dim=-1, keepdim=True)
    # Why logaddexp: log(exp(a) + exp(b)) without leaving log-space.
    log_denominator = torch.logaddexp(remaining, rest)
    # Why sum over k, then mean over users: the log-likelihood of one permutation is the sum of
    # its steps; users are averaged so the loss does not grow with the batch size.
    return -(interesting - log_denominator).sum(dim=-1).mean()


# Common mistakes
# - A full softmax denominator over all K interesting items at every step (a ListNet-style top-1
#   loss): the items already placed above step k keep competing with it.
# - Uninteresting items omitted from the denominators: only the order among the interesting
#   items is learnt, and nothing pushes them above the rest of the catalogue.
# - Cumulative sum from the wrong end (torch.logcumsumexp(interesting, dim=-1) without the flips):
#   step k's denominator then holds items 1..k, those ranked above it.
# - Naive torch.log(torch.exp(...).cumsum(...)): exp(1000) = inf and the loss is NaN.
# - Full Plackett–Luce over all K + L items (uninteresting items appended and ranked in their
#   given order): it depends on the arbitrary order of the uninteresting items, which the relaxed
#   loss must ignore.
