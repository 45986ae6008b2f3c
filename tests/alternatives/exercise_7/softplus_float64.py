"""Correct losses written out with softplus (BCE(z, y) = softplus(z) − y·z), float64 internals
cast back to the student's dtype."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def _bce(z: Tensor, y: Tensor) -> Tensor:
    return (F.softplus(z) - y * z).mean()


def ctr_distillation_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    labels: Tensor,
    alpha: float = 0.5,
    temperature: float = 1.0,
) -> Tensor:
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    if alpha < 0 or alpha > 1:
        raise ValueError("alpha must be within [0, 1]")
    s = student_logits.double()
    with torch.no_grad():
        target = torch.sigmoid(teacher_logits.double() / temperature)
    y = labels.double()
    loss = alpha * temperature**2 * _bce(s / temperature, target) + (1 - alpha) * _bce(s, y)
    return loss.to(student_logits.dtype)


def pfd_joint_loss(
    student_logits: Tensor, teacher_logits: Tensor, labels: Tensor, lam: float = 0.5
) -> Tensor:
    s, t, y = student_logits.double(), teacher_logits.double(), labels.double()
    target = torch.sigmoid(t).detach()
    loss = (1 - lam) * _bce(s, y) + lam * _bce(s, target) + _bce(t, y)
    return loss.to(student_logits.dtype)
