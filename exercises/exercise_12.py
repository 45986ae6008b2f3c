"""Exercise 12: importance-aware ranking distillation from an LLM recommender (DLLM2Rec).

An LLM-based recommender (the teacher) is far too slow to serve, so a small sequential
recommender (the student) learns from it. For each user the teacher gives a top-K item list and,
for each listed item, a distance (how far the LLM's generated answer lay from that item: lower
means more confident). DLLM2Rec (Cui et al., RecSys 2024) does not trust every listed item
equally: it weighs each one, then treats the teacher's items as weighted extra positives.

Part 1 — `importance_aware_weights`. For user b and the item at position r = 1..K of the
teacher's list:

    position     w_p[r]    = exp(−r / λ) / Σ_{r'=1..K} exp(−r' / λ)       (same for every user)
    confidence   w_c[b, r] = exp(−d[b, r]) / Σ_{r'=1..K} exp(−d[b, r'])   (normalised per user)
    consistency  w_o[b, r] = 1 if the item teacher_topk[b, r] is among the student's own K
                             highest-scored items (the top-K of student_scores[b]), else 0
    combined     w[b, r]   = γ_p·w_p[r] + γ_c·w_c[b, r] + γ_o·w_o[b, r]
    result       w[b, r] / Σ_{r'} w[b, r']                                 (each row sums to 1)

where λ is `lam`, d is `teacher_distance` and (γ_p, γ_c, γ_o) = `gammas`.

Inputs:
    teacher_topk      (B, K) int64, item ids in [0, I), the teacher's list, best first
    teacher_distance  (B, K) float32 or float64, the teacher's distance for each listed item
    student_scores    (B, I) float32 or float64, the student's score for every item
    lam               λ > 0 (default 1.0)
    gammas            (γ_p, γ_c, γ_o), the weights of position, confidence and consistency

Returns (B, K) weights with `student_scores`' dtype, on its device. The weights are targets, not
something to learn: no gradient may flow through them (the result has requires_grad False, even
when student_scores or teacher_distance require grad). For the student's top-K, ties follow
`torch.topk`. Raise ValueError, with "gammas" in the message, if a gamma is negative or the
gammas sum to 0.

Part 2 — `importance_aware_rd_loss`. Each teacher item k of user b comes with one sampled
negative item neg_items[b, k]. With s = student_scores:

    loss = mean over users b of  Σ_{k=1..K} w[b, k] · ( −log σ(s[b, teacher_topk[b, k]])
                                                          −log σ(−s[b, neg_items[b, k]]) )

Inputs: student_scores (B, I), teacher_topk (B, K) int64, weights (B, K) (e.g. from part 1; any
float dtype), neg_items (B, K) int64. Returns a 0-dim tensor with student_scores' dtype.

Requirements:
- No gradient flows into `weights` (its .grad stays None even when it requires grad); the
  student's scores get gradients.
- Numerically stable: a finite value and finite gradients for scores as large as ±1e3.
- The inputs are never modified in place.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def importance_aware_weights(
    teacher_topk: Tensor,
    teacher_distance: Tensor,
    student_scores: Tensor,
    lam: float = 1.0,
    gammas: tuple[float, float, float] = (0.3, 0.5, 0.1),
) -> Tensor:
    """Return the (B, K) DLLM2Rec weights (position, confidence, consistency); rows sum to 1."""
    raise NotImplementedError


def importance_aware_rd_loss(
    student_scores: Tensor,
    teacher_topk: Tensor,
    weights: Tensor,
    neg_items: Tensor,
) -> Tensor:
    """Return the mean over users of Σ_k w_k·(−log σ(s_pos_k) − log σ(−s_neg_k))."""
    raise NotImplementedError
