"""A correct kd_loss using kl_div with a probability target and nn.CrossEntropyLoss."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def kd_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    labels: Tensor,
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> Tensor:
    """alpha * T² * KL(p_t || p_s) + (1 - alpha) * CE(student_logits, labels)."""
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    if not (0 <= alpha <= 1):
        raise ValueError("alpha must be in [0, 1]")
    b, c = student_logits.shape if student_logits.dim() == 2 else (None, None)
    if b is None or tuple(teacher_logits.shape) != (b, c) or tuple(labels.shape) != (b,):
        raise ValueError("bad shape: expected (B, C), (B, C) and (B,)")
    with torch.no_grad():
        p_t = F.softmax(teacher_logits / temperature, dim=1)
    log_p_s = F.log_softmax(student_logits / temperature, dim=1)
    soft = F.kl_div(log_p_s, p_t, reduction="batchmean") * (temperature * temperature)
    hard = nn.CrossEntropyLoss()(student_logits, labels)
    return alpha * soft + (1 - alpha) * hard
