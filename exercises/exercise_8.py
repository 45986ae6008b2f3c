"""Exercise 8: Ranking Distillation (Tang & Wang, KDD 2018).

A large teacher recommender ranks the items of each user; the teacher's top-k items (excluding
the user's known positives) become extra, weighted positives for a small student, on top of the
ordinary point-wise loss on the observed positives and sampled negatives. Items higher in the
teacher's list get larger weights.

Part 1: `position_weights(k, lam)`, the position-importance weights

    w_r = exp(−r / λ) / Σ_{r'=1..k} exp(−r' / λ)        for the ranks r = 1, 2, ..., k

where λ is `lam`. The weights sum to 1 and decrease with the rank: the teacher's first item
weighs most, and a smaller λ concentrates the weight on the first few items.

    k      int >= 1, the length of the teacher's top-k list
    lam    λ > 0
Returns a float32 tensor of shape (k,).
Raise ValueError, with the parameter's name in the message, for k < 1 (message names "k") and
for lam <= 0 (message names "lam").

Part 2: `ranking_distillation_loss(pos_scores, neg_scores, teacher_topk_scores, weights, alpha)`

The student's scores are logits (relevance = σ(score), σ the logistic sigmoid). For each user:

    loss_u = − Σ_{i=1..P} log σ(pos_i)             the user's observed positives
             − Σ_{j=1..N} log σ(−neg_j)            sampled negatives (log σ(−x) = log(1 − σ(x)))
             − α · Σ_{r=1..k} w_r · log σ(s_r)      the teacher's top-k items, as weighted positives

where s_r is the student's score of the item the teacher ranked r-th, w_r = weights[r − 1] and α
is `alpha`. The loss is the mean of loss_u over the B users.

    pos_scores           (B, P) float32 or float64, the student's scores of observed positives
    neg_scores           (B, N) same dtype, the student's scores of sampled negatives
    teacher_topk_scores  (B, k) same dtype, the student's scores of the teacher's top-k items,
                         column r − 1 holding the teacher's r-th item
    weights              (k,) one weight per teacher rank, e.g. from position_weights; any float
                         dtype: cast it to the scores' dtype
    alpha                α, the weight of the distillation term (default 1.0)
Returns a 0-dim tensor with the scores' dtype, on the scores' device. Gradients flow into all
three score tensors.

Requirements:
- Numerically stable: a finite value and finite gradients for scores as large as ±1e3
  (−log σ(−1000) is 1000, not inf).
- The inputs are never modified in place.

Example: position_weights(3, 1.0) is about [0.665, 0.245, 0.090]. With one user, pos_scores
[[0.]], neg_scores [[0.]], teacher_topk_scores [[0., 0., 0.]], those weights and α = 1, each
term is −log σ(0) = log 2, and the loss is (1 + 1 + 1) · log 2 ≈ 2.079.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def position_weights(k: int, lam: float) -> Tensor:
    """Return the (k,) float32 weights exp(-r / lam) for r = 1..k, normalised to sum to 1."""
    raise NotImplementedError


def ranking_distillation_loss(
    pos_scores: Tensor,
    neg_scores: Tensor,
    teacher_topk_scores: Tensor,
    weights: Tensor,
    alpha: float = 1.0,
) -> Tensor:
    """Return the mean over users of the point-wise loss plus alpha times the weighted RD term."""
    raise NotImplementedError
