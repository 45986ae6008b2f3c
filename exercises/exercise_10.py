"""Exercise 10: hint (feature) distillation, as in FitNets (Romero et al., ICLR 2015).

Write `hint_loss`. Besides the teacher's outputs, a student can learn from the teacher's hidden
representations (the "hint"): one of the student's hidden layers (the "guided" layer) is asked to
predict the teacher's hidden layer. The two usually have different widths, so a small trainable
`regressor` (e.g. an nn.Linear) maps the student's features to the teacher's width first:

    r = regressor(student_h)                         shape (..., d_t)
    ℓ(p) = ½ · Σ_f ( r[p, f] − teacher_h[p, f] )²    one value per position p, summed over the
                                                     d_t features (the last dim)
    loss = (1 / |P|) · Σ_{p ∈ P} ℓ(p)

A position p is one index into the leading dims: for (B, d) features the B rows, for (B, T, d)
features of a sequence model the B·T (user, time step) pairs. P is the set of positions averaged
over:
    mask is None    every position (the average runs over all leading dims)
    mask given      only the positions where mask is True (|P| = the number of True entries);
                    the False positions (e.g. padding in a sequence) take no part
    mask all False  P is empty: the loss is 0, and it still back-propagates: loss.backward()
                    works and gives zero gradients (not NaN)

Inputs:
    student_h  (..., d_s) float32 or float64, the student's guided-layer features
    teacher_h  (..., d_t) same dtype and same leading dims, the teacher's hint-layer features
    regressor  a torch.nn.Module mapping (..., d_s) to (..., d_t), in the same dtype, trained
               together with the student
    mask       None, or a bool tensor whose shape is the leading dims (e.g. (B, T)); True keeps a
               position

Returns a 0-dim tensor (a scalar) with the inputs' dtype, on the inputs' device.

Requirements:
- The teacher is fixed: after `loss.backward()` no gradient has reached `teacher_h` (its `.grad`
  stays None even when it requires grad, e.g. when it comes straight from a teacher model).
- The student's features and the regressor's parameters do receive their gradients.
- The inputs (student_h, teacher_h, mask) and the regressor's parameters are not modified.

Example: student_h = [[1, 2]], teacher_h = [[0, 0, 0]] and a regressor whose output is [1, 2, 2]
give ½ · (1 + 4 + 4) = 4.5.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def hint_loss(
    student_h: Tensor,
    teacher_h: Tensor,
    regressor: nn.Module,
    mask: Tensor | None = None,
) -> Tensor:
    """Return the mean over (masked) positions of ½‖regressor(student_h) − teacher_h‖²."""
    raise NotImplementedError
