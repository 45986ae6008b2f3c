"""A correct kd_loss that loops over the rows in Python, computes in float64 and casts back."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def kd_loss(student_logits, teacher_logits, labels, temperature=4.0, alpha=0.5) -> Tensor:
    if temperature <= 0 or math.isnan(temperature):
        raise ValueError("temperature must be > 0")
    if not (0.0 <= alpha <= 1.0):
        raise ValueError("alpha must be in [0, 1]")
    if list(student_logits.shape) != list(teacher_logits.shape) or len(student_logits.shape) != 2:
        raise ValueError("student and teacher logits: mismatched shape")
    if list(labels.shape) != [student_logits.shape[0]]:
        raise ValueError("labels: wrong shape")
    s = student_logits.to(torch.float64)
    t = teacher_logits.detach().to(torch.float64)
    rows = []
    for i in range(s.shape[0]):
        log_q = F.log_softmax(s[i] / temperature, dim=0)
        log_p = F.log_softmax(t[i] / temperature, dim=0)
        kl = torch.sum(torch.exp(log_p) * (log_p - log_q))
        ce = -F.log_softmax(s[i], dim=0)[labels[i]]
        rows.append(alpha * temperature * temperature * kl + (1.0 - alpha) * ce)
    return torch.stack(rows).mean().to(student_logits.dtype)
