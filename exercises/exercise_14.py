"""Exercise 14: the KD gradient by hand (Hinton, Vinyals & Dean, 2015, section 2.1).

The soft-target part of the distillation loss is

    L = T² · KL(p_t ‖ p_s)

where T is `temperature` and, row by row over the last dim (the C classes),

    p_t = softmax(teacher_logits / T)
    p_s = softmax(student_logits / T)
    KL(p_t ‖ p_s) = Σ_c p_t[c] · (log p_t[c] − log p_s[c])
                    summed over the classes, then averaged over the B rows of the batch
                    ("batchmean", as in exercise 1)

Write `kd_logit_gradient`, which returns ∂L/∂student_logits, the gradient of this loss with
respect to every student logit. Derive it on paper and compute the resulting formula directly:
no autograd (no loss.backward(), torch.autograd.grad or torch.func.grad). The checker calls
your function under torch.inference_mode(), where autograd records nothing.

Inputs:
    student_logits  (B, C) float32 or float64
    teacher_logits  (B, C) same dtype
    temperature     T > 0

Returns a (B, C) tensor with the logits' dtype, on the logits' device: entry [b, c] is
∂L/∂student_logits[b, c].

Requirements:
- Numerically stable: finite and correct for logits as large as ±1e3.
- The inputs are never modified in place.
- Raise ValueError, with "temperature" in the message, for temperature <= 0.

Example: when the student's and the teacher's logits are equal, the gradient is all zeros.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def kd_logit_gradient(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> Tensor:
    """Return ∂/∂student_logits of T² · KL_batchmean(softmax(t/T) ‖ softmax(s/T))."""
    raise NotImplementedError
