"""A correct kd_loss that loops over the samples of the batch (slow but right)."""

from __future__ import annotations

import torch
from torch import Tensor


def kd_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    labels: Tensor,
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> Tensor:
    """alpha * T² * KL(p_t || p_s) + (1 - alpha) * CE(student_logits, labels)."""
    if temperature <= 0:
        raise ValueError("temperature <= 0")
    if alpha < 0.0 or alpha > 1.0:
        raise ValueError("alpha out of range")
    if (
        student_logits.dim() != 2
        or student_logits.shape != teacher_logits.shape
        or labels.shape != (student_logits.shape[0],)
    ):
        raise ValueError("shape mismatch")
    teacher = teacher_logits.detach()
    batch = student_logits.shape[0]
    total_kl = student_logits.new_zeros(())
    total_ce = student_logits.new_zeros(())
    for i in range(batch):
        log_q = torch.log_softmax(student_logits[i] / temperature, dim=0)
        log_p = torch.log_softmax(teacher[i] / temperature, dim=0)
        total_kl = total_kl + torch.sum(torch.exp(log_p) * (log_p - log_q))
        total_ce = total_ce - torch.log_softmax(student_logits[i], dim=0)[labels[i]]
    soft = temperature**2 * total_kl / batch
    return alpha * soft + (1 - alpha) * total_ce / batch
