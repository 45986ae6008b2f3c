"""A correct kd_logit_gradient: torch.softmax over dim 1, then in-place ops on its own tensors."""

from __future__ import annotations

import torch
from torch import Tensor


@torch.no_grad()
def kd_logit_gradient(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> Tensor:
    """T · (p_s − p_t) / B, reusing the buffer of p_s."""
    if temperature <= 0.0:
        raise ValueError(f"invalid temperature {temperature!r}: must be > 0")
    grad = torch.softmax(student_logits / temperature, 1)
    grad.sub_(torch.softmax(teacher_logits / temperature, 1))
    return grad.mul_(temperature).div_(student_logits.shape[0])
