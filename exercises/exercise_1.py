"""Exercise 1: the distillation loss (Hinton, Vinyals & Dean, 2015).

Write `kd_loss`, the loss a student is trained with when it learns from a teacher's soft
predictions as well as from the hard labels:

    loss = α · T² · KL(p_t ‖ p_s) + (1 − α) · CE(student_logits, labels)

where T is `temperature`, α is `alpha`, and

    p_t = softmax(teacher_logits / T)      over the last dim (the C classes), row by row
    p_s = softmax(student_logits / T)      likewise
    KL(p_t ‖ p_s) = Σ_c p_t[c] · (log p_t[c] − log p_s[c])
                    summed over the classes, then averaged over the B rows of the batch
    CE = −log softmax(student_logits)[label], the ordinary cross-entropy at temperature 1,
         averaged over the batch

Inputs:
    student_logits  (B, C) float32 or float64
    teacher_logits  (B, C) same dtype
    labels          (B,)   int64 class indices in [0, C)
    temperature     T > 0 (default 4.0)
    alpha           α in [0, 1] (default 0.5); α = 1 is pure distillation, α = 0 pure labels

Returns a 0-dim tensor (a scalar) with the logits' dtype, on the logits' device.

Requirements:
- The teacher is fixed: after `loss.backward()` no gradient has reached `teacher_logits`
  (its `.grad` stays None even when it requires grad); the student's logits do get gradients.
- Numerically stable: a finite value and finite gradients for logits as large as ±1e3.
- The inputs are never modified in place.
- Raise ValueError, with the parameter's name in the message, for
    temperature <= 0                                   (message names "temperature")
    alpha outside [0, 1]                               (message names "alpha")
    shapes other than (B, C), (B, C) and (B,)          (message names "shape")

Example: when the student's and the teacher's logits are equal and α = 1, the loss is 0.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def kd_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    labels: Tensor,
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> Tensor:
    """Return alpha * T² * KL(p_t || p_s) + (1 - alpha) * CE(student_logits, labels)."""
    raise NotImplementedError
