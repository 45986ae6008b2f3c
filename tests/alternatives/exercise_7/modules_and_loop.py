"""Correct losses with nn.BCEWithLogitsLoss modules, the teacher target under no_grad, and the
PFD loss assembled from per-sample terms in a Python loop."""

from __future__ import annotations

import torch
from torch import Tensor, nn

_bce = nn.BCEWithLogitsLoss()
_bce_sum = nn.BCEWithLogitsLoss(reduction="sum")


def ctr_distillation_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    labels: Tensor,
    alpha: float = 0.5,
    temperature: float = 1.0,
) -> Tensor:
    if temperature <= 0.0:
        raise ValueError("temperature must be > 0")
    if alpha > 1.0 or alpha < 0.0:
        raise ValueError("alpha out of [0, 1]")
    with torch.no_grad():
        soft_labels = torch.sigmoid(teacher_logits / temperature)
    distill = _bce(student_logits / temperature, soft_labels.to(student_logits.dtype))
    label_loss = _bce(student_logits, labels.to(student_logits))
    return torch.lerp(label_loss, distill * temperature**2, alpha)


def pfd_joint_loss(
    student_logits: Tensor, teacher_logits: Tensor, labels: Tensor, lam: float = 0.5
) -> Tensor:
    y = labels.to(student_logits)
    total = student_logits.new_zeros(())
    for s, t, label in zip(student_logits, teacher_logits, y, strict=True):
        target = t.sigmoid().detach()
        total = total + (1 - lam) * _bce_sum(s, label) + lam * _bce_sum(s, target)
        total = total + _bce_sum(t, label)
    return total / student_logits.shape[0]
