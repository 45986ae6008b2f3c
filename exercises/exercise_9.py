"""Exercise 9: relaxed ranking distillation (DE-RRD, Kang et al., CIKM 2020).

The teacher's ranking list of a user is split into "interesting" items, K items sampled from the
top of the teacher's list, and "uninteresting" items, L items sampled from the rest. The student
should reproduce the teacher's order among the interesting items, and rank every interesting
item above every uninteresting one; the order among the uninteresting items does not matter
(that is what "relaxed" means).

Write `relaxed_ranking_loss`, the negative log-likelihood of this relaxed permutation under a
Plackett–Luce model of the student's scores. With s_1, ..., s_K the student's scores of the
interesting items in the teacher's order (s_1 = the teacher's best) and u_1, ..., u_L the
student's scores of the uninteresting items, for each user:

    loss_u = − Σ_{k=1..K} [ s_k − log( Σ_{i=k..K} exp(s_i) + Σ_{j=1..L} exp(u_j) ) ]

Step k picks item k among the interesting items not picked yet (k, k+1, ..., K) and all the
uninteresting items. The loss is the mean of loss_u over the B users.

Inputs:
    interesting    (B, K) float32 or float64, K >= 1, the student's scores of the interesting
                   items, sorted by the teacher's rank (best first)
    uninteresting  (B, L) same dtype, the student's scores of the uninteresting items, in no
                   particular order; L may be 0 (a tensor of shape (B, 0)), and then only the
                   order among the interesting items counts

Returns a 0-dim tensor with the inputs' dtype, on the inputs' device. Gradients flow into both
inputs.

Requirements:
- Computed in log-space: a finite value and finite gradients for scores as large as ±1e3.
- The result does not change when the uninteresting items are permuted (within a user).
- The inputs are never modified in place.

Example: one user, interesting [[2., 1.]] and uninteresting [[0.]]:
    step 1: 2 − log(e² + e¹ + e⁰) ≈ −0.408
    step 2: 1 − log(e¹ + e⁰)      ≈ −0.313
so the loss is 0.408 + 0.313 ≈ 0.721.
"""

from __future__ import annotations

import torch
from torch import Tensor


def relaxed_ranking_loss(interesting: Tensor, uninteresting: Tensor) -> Tensor:
    """Return the mean over users of -log P(interesting in the teacher's order, above the rest)."""
    raise NotImplementedError
