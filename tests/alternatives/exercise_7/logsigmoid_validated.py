"""Correct losses written with logsigmoid, computed in float64 and cast back, with extra
validation the contract allows (shapes, 0/1 labels), the soft target under torch.no_grad()
and T ** 2 written as a power."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def _bce(z: Tensor, target: Tensor) -> Tensor:
    return -(target * F.logsigmoid(z) + (1 - target) * F.logsigmoid(-z)).mean()


def _validate(student: Tensor, teacher: Tensor, labels: Tensor) -> None:
    if student.shape != teacher.shape or student.shape != labels.shape:
        raise ValueError("student_logits, teacher_logits and labels must have the same shape")


def ctr_distillation_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    labels: Tensor,
    alpha: float = 0.5,
    temperature: float = 1.0,
) -> Tensor:
    if not (math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a positive number, got {temperature}")
    if not (alpha >= 0 and alpha <= 1):
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    _validate(student_logits, teacher_logits, labels)
    s = student_logits.to(torch.float64)
    y = labels.to(torch.float64)
    with torch.no_grad():
        p = torch.sigmoid(teacher_logits.to(torch.float64) / temperature)
    soft = _bce(s / temperature, p) * temperature**2
    hard = _bce(s, y)
    return (alpha * soft + (1 - alpha) * hard).to(student_logits.dtype)


def pfd_joint_loss(
    student_logits: Tensor, teacher_logits: Tensor, labels: Tensor, lam: float = 0.5
) -> Tensor:
    _validate(student_logits, teacher_logits, labels)
    s, t = student_logits.double(), teacher_logits.double()
    y = labels.double()
    student = (1 - lam) * _bce(s, y) + lam * _bce(s, torch.sigmoid(t.detach()))
    return (student + _bce(t, y)).to(student_logits.dtype)
