"""A correct kd_logit_gradient written out by hand: log-sum-exp in float64, cast back."""

from __future__ import annotations

import torch
from torch import Tensor


def kd_logit_gradient(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> Tensor:
    """T · (p_s − p_t) / B with probabilities from an explicit log-sum-exp."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    s = student_logits.to(torch.float64) / temperature
    t = teacher_logits.to(torch.float64) / temperature
    p_s = torch.exp(s - torch.logsumexp(s, dim=1, keepdim=True))
    p_t = torch.exp(t - torch.logsumexp(t, dim=1, keepdim=True))
    grad = (p_s - p_t) * (temperature / len(student_logits))
    return grad.to(student_logits.dtype)
