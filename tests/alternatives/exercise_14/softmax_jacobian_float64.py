"""A correct kd_logit_gradient via the softmax Jacobian: dKL/dz = J_softmax(z)ᵀ · ∂KL/∂p_s,
with the division p_t / p_s avoided by expanding J·(−p_t/p_s) = p_s·Σp_t − p_t."""

from __future__ import annotations

import torch
from torch import Tensor


def kd_logit_gradient(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> Tensor:
    """Chain rule: T² · (1/B) · (1/T) · (p_s · Σ_c p_t − p_t)."""
    if temperature <= 0:
        raise ValueError(f"temperature={temperature} is not > 0")
    b, _ = student_logits.shape
    p_s = torch.nn.functional.softmax(student_logits / temperature, dim=-1, dtype=torch.float64)
    p_t = torch.nn.functional.softmax(teacher_logits / temperature, dim=-1, dtype=torch.float64)
    d_kl_d_logits = p_s * p_t.sum(dim=-1, keepdim=True) - p_t  # per row, w.r.t. s / T
    scale = temperature**2 / b / temperature
    return (scale * d_kl_d_logits).to(dtype=student_logits.dtype)
