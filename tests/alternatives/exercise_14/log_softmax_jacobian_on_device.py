"""A correct kd_logit_gradient through the Jacobian of log-softmax (an identity matrix created
on the inputs' device), with extra validation the contract allows."""

from __future__ import annotations

import torch
from torch import Tensor


def kd_logit_gradient(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> Tensor:
    if not temperature > 0:
        raise ValueError("temperature must be > 0")
    if student_logits.shape != teacher_logits.shape or student_logits.dim() != 2:
        raise ValueError("student_logits and teacher_logits must share one (B, C) shape")
    b, c = student_logits.shape
    p_s = torch.softmax(student_logits / temperature, dim=1)
    p_t = torch.softmax(teacher_logits / temperature, dim=1)
    eye = torch.eye(c, dtype=p_s.dtype, device=p_s.device)
    # ∂ log p_s[i] / ∂ z[j] = δ_ij − p_s[j]; ∂KL/∂ log p_s[i] = −p_t[i].
    jacobian = eye - p_s.unsqueeze(1)
    grad_z = torch.bmm((-p_t).unsqueeze(1), jacobian).squeeze(1)
    return temperature * grad_z / b
