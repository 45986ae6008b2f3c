"""Reference solution: AUC (Mann–Whitney, average ranks for ties) and clipped LogLoss."""

from __future__ import annotations

import torch
from torch import Tensor


def auc_score(scores: Tensor, labels: Tensor) -> float:
    """ROC AUC: P(a random positive outscores a random negative), ties counting ½."""
    positive = labels == 1
    n_pos = int(positive.sum())
    n_neg = labels.numel() - n_pos
    # Why raise (not return 0.5): with one class there is no (positive, negative) pair, so the AUC
    # is undefined; a silent 0.5 would hide a broken evaluation split.
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"labels hold only one class ({n_pos} positives, {n_neg} negatives)")

    # Why torch.unique (one sort, O(n log n)): it groups equal scores in ascending order, which is
    # all the ranking needs; comparing every positive with every negative is O(P·N) in time and
    # memory (2.5e11 pairs at n = 1e6).
    _, group, counts = torch.unique(scores.detach(), return_inverse=True, return_counts=True)
    # Why the average rank: a group of c tied scores occupies ranks last - c + 1 .. last; giving
    # each of them the mean, last - (c - 1) / 2, makes a tied (positive, negative) pair count ½.
    last = counts.cumsum(0)
    average_rank = last.double() - (counts.double() - 1) / 2
    # Why float64: the rank sum reaches ~2.5e11 at n = 1e6, beyond float32's exact integers.
    rank_sum = float(average_rank[group][positive].sum())
    # Why subtract P(P+1)/2: the positives' ranks include the positives ranked below them (their
    # own ranks 1..P if they were all lowest); what remains counts the negatives each one beats.
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def log_loss(probs: Tensor, labels: Tensor, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy of probs (clipped to [eps, 1 - eps]) against 0/1 labels."""
    # Why float64 before clipping: in float32, 1 - 1e-7 rounds to 1 - 1.19e-7, and the mean of many
    # terms loses digits; the metric must not depend on the model's dtype.
    p = probs.detach().to(torch.float64)
    y = labels.to(torch.float64)
    # Why clip: a probability of exactly 0 or 1 on the wrong side gives log(0) = -inf (and
    # 0 · log 0 = nan); clipping caps one confident mistake at -log(eps) ≈ 16.1.
    p = p.clamp(eps, 1.0 - eps)
    # Why log1p(-p): ln(1 - p) without forming 1 - p first (exact for p near 0).
    losses = -(y * torch.log(p) + (1.0 - y) * torch.log1p(-p))
    return float(losses.mean())


# Common mistakes
# - Ties not averaged: ranks from argsort (or a ROC curve with one threshold per sample) give tied
#   scores distinct ranks, so the AUC depends on the order of the samples; use average ranks.
# - Strict > only: a tied (positive, negative) pair counts 0 instead of ½ (and >= counts it 1).
# - Returning 0.5 (or nan) when only one class is present instead of raising ValueError.
# - A (P, N) matrix of every positive against every negative: fine for 100 samples, out of memory
#   for 10^6.
# - 0-based ranks (argsort without + 1): the AUC comes out too low by 1/N.
# - No clipping in LogLoss: log(0) = -inf for a probability of exactly 0 or 1 on the wrong side;
#   F.binary_cross_entropy clamps the log at -100 instead, which is finite but not the metric.
# - log(p + eps) instead of clipping, or ignoring the eps argument.
# - LogLoss computed in float32, or summed instead of averaged.
