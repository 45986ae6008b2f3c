"""Correct losses per sample in Python loops: the hard BCE picks softplus(-z) or softplus(z) with
torch.where, the soft BCE is softplus(z) - p·z; the temperature's square as T * T at the end."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def _hard(z: Tensor, y: Tensor) -> Tensor:
    return torch.where(y > 0.5, F.softplus(-z), F.softplus(z))


def _soft(z: Tensor, p: Tensor) -> Tensor:
    return F.softplus(z) - p * z


def ctr_distillation_loss(student_logits, teacher_logits, labels, alpha=0.5, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    if alpha < 0 or alpha > 1:
        raise ValueError("alpha must be in [0, 1]")
    n = student_logits.shape[0]
    soft_total, hard_total = 0.0, 0.0
    for i in range(n):
        z = student_logits[i]
        p = torch.sigmoid(teacher_logits[i].detach() / temperature)
        soft_total = soft_total + _soft(z / temperature, p)
        hard_total = hard_total + _hard(z, labels[i].to(z.dtype))
    loss = alpha * soft_total / n * temperature * temperature + (1 - alpha) * hard_total / n
    return loss


def pfd_joint_loss(student_logits, teacher_logits, labels, lam=0.5):
    n = student_logits.shape[0]
    total = torch.zeros((), dtype=student_logits.dtype, device=student_logits.device)
    for i in range(n):
        s, t, y = student_logits[i], teacher_logits[i], labels[i].to(student_logits.dtype)
        total = total + (1 - lam) * _hard(s, y) + lam * _soft(s, torch.sigmoid(t).detach())
        total = total + _hard(t, y)
    return total / n
