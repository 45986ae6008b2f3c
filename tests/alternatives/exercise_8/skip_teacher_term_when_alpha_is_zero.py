"""Alternative (correct): the reference, skipping the teacher term when alpha is 0.

Reference solution: Ranking Distillation (Tang & Wang, KDD 2018)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def position_weights(k: int, lam: float) -> Tensor:
    """The (k,) float32 weights exp(-r / lam) for r = 1..k, normalised to sum to 1."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if lam <= 0:
        raise ValueError(f"lam must be > 0, got {lam}")
    ranks = torch.arange(1, k + 1, dtype=torch.float32)
    # Why softmax: it is exactly exp(-r / lam) / sum_r' exp(-r' / lam), and it subtracts the
    # maximum first, so a small lam cannot underflow every exp to 0 and divide 0 by 0.
    # Why the minus sign: the teacher's first item must weigh most (weights decrease with rank).
    return torch.softmax(-ranks / lam, dim=0)


def ranking_distillation_loss(
    pos_scores: Tensor,
    neg_scores: Tensor,
    teacher_topk_scores: Tensor,
    weights: Tensor,
    alpha: float = 1.0,
) -> Tensor:
    """Mean over users of -sum log σ(pos) - sum log σ(-neg) - alpha * sum_r w_r log σ(s_r)."""
    # Why .to(pos_scores): float32 weights must not turn float64 scores into a float32 loss, nor
    # float64 weights a float32 loss into float64; the weights also follow the scores' device.
    weights = weights.to(pos_scores)
    # Why logsigmoid (not torch.log(torch.sigmoid(x))): σ(-1000) underflows to 0 and its log is
    # -inf; logsigmoid(x) = -softplus(-x) stays finite, with finite gradients.
    # Why sums over dim 1: each observed positive and each sampled negative is its own binary
    # term; averaging them would shrink the loss of users with many items.
    positives = -F.logsigmoid(pos_scores).sum(dim=1)
    # Why log σ(-x): it is log(1 - σ(x)), the log-probability that a negative is irrelevant.
    negatives = -F.logsigmoid(-neg_scores).sum(dim=1)
    # Why log σ(s_r), like a positive: the teacher's top-k items are treated as (softly) relevant;
    # w_r says how much the student should trust the teacher's r-th item.
    distillation = -(weights * F.logsigmoid(teacher_topk_scores)).sum(dim=1)
    # Why alpha on the distillation term only: the ground-truth terms keep their weight.
    # alpha = 0: the teacher's term is skipped, not multiplied by 0 (teacher_topk_scores then
    # gets no gradient at all, which the contract allows).
    per_user = positives + negatives + alpha * distillation if alpha else positives + negatives
    # Why mean over users: the loss does not grow with the batch size.
    return per_user.mean()


# Common mistakes
# - Weights not normalised: exp(-r / lam) without dividing by its sum, so the distillation term's
#   scale changes with k and lam.
# - Weights increasing with rank (exp(+r / lam), or reversed): the teacher's least confident items
#   weigh most.
# - torch.log(torch.sigmoid(x)) or log(1 - sigmoid(x)): -inf (and NaN gradients) at scores of
#   ±1e3; an eps inside the log is finite but wrong there.
# - Teacher items treated as negatives, log σ(-s_r): the student is pushed away from exactly the
#   items the teacher recommends.
# - Mean over the k teacher items (ignoring or averaging the weights) instead of the weighted sum.
# - Mean instead of sum over the positives/negatives of a user (the original point-wise loss sums
#   its binary terms per user and averages over users).
