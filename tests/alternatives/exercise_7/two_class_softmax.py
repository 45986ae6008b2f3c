"""Correct losses through a two-class softmax: a logit z is the class pair [z, 0], so
sigmoid(z) = softmax([z, 0])[0] and the BCE is a soft-target cross-entropy over two classes."""

from __future__ import annotations

import torch
from torch import Tensor


def _two_class(z: Tensor) -> Tensor:
    return torch.stack([z, torch.zeros_like(z)], dim=-1)


def _soft_ce(z: Tensor, p: Tensor) -> Tensor:
    target = torch.stack([p, 1 - p], dim=-1)
    return -(target * torch.log_softmax(_two_class(z), dim=-1)).sum(dim=-1).mean()


def ctr_distillation_loss(student_logits, teacher_logits, labels, alpha=0.5, temperature=1.0):
    if temperature <= 0:
        raise ValueError(f"bad temperature {temperature}")
    if not (0 <= alpha <= 1):
        raise ValueError(f"bad alpha {alpha}")
    y = labels.to(student_logits.dtype)
    p_t = torch.softmax(_two_class(teacher_logits.detach() / temperature), dim=-1)[..., 0]
    soft = _soft_ce(student_logits / temperature, p_t)
    hard = _soft_ce(student_logits, y)
    return alpha * temperature * temperature * soft + (1 - alpha) * hard


def pfd_joint_loss(student_logits, teacher_logits, labels, lam=0.5):
    y = labels.to(student_logits.dtype)
    p_t = torch.sigmoid(teacher_logits).detach()
    return (
        (1 - lam) * _soft_ce(student_logits, y)
        + lam * _soft_ce(student_logits, p_t)
        + _soft_ce(teacher_logits, y)
    )
