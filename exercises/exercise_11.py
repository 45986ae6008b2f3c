"""Exercise 11: relational knowledge distillation, distance-wise (Park et al., CVPR 2019).

Write `rkd_distance_loss`. Instead of matching the teacher's embeddings one by one, the student
matches the *structure* of a batch: how far apart the teacher places every pair of examples
(users or items in a recommender). Because only relative distances are compared, the student's
embeddings may have another dimension, and any scaled, rotated or shifted copy of the teacher's
embeddings is a perfect student.

For a batch of N embeddings x_1 … x_N (rows of the input) and each ordered pair (i, j) with i ≠ j:

    d(i, j) = ‖x_i − x_j‖₂                                the Euclidean distance
    μ       = (1 / (N(N−1))) · Σ_{i≠j} d(i, j)            the mean distance over those pairs
    ψ(i, j) = d(i, j) / μ                                  the normalised distance

computed separately for the student (ψ_s, with its own μ_s) and the teacher (ψ_t, with its own
μ_t). The loss is the Huber loss (smooth L1 with β = 1) of their difference, averaged over the
N(N−1) pairs:

    huber(z) = ½ z²        if |z| < 1
               |z| − ½     otherwise
    loss = (1 / (N(N−1))) · Σ_{i≠j} huber( ψ_s(i, j) − ψ_t(i, j) )

The pairs i = j (the diagonal) take no part, neither in μ nor in the loss.

Inputs:
    student_emb  (N, d_s) float32 or float64
    teacher_emb  (N, d_t) same dtype and same N; d_t may differ from d_s

Returns a 0-dim tensor (a scalar) with the inputs' dtype, on the inputs' device.

Requirements:
- The teacher is fixed: after `loss.backward()` no gradient has reached `teacher_emb` (its
  `.grad` stays None even when it requires grad).
- Two identical rows are allowed: their distance is 0 and counts like any other pair, and the
  loss's value and its gradients stay finite (the square root is not differentiable at 0).
- All rows identical (μ = 0) is undefined; you need not handle it.
- The inputs are never modified in place.
- Raise ValueError for N < 2 (there is no pair to compare).

Example: a student equal to 3 · teacher_emb, or to teacher_emb rotated and shifted, gives 0.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def rkd_distance_loss(student_emb: Tensor, teacher_emb: Tensor) -> Tensor:
    """Return the Huber loss between the student's and the teacher's normalised distances."""
    raise NotImplementedError
