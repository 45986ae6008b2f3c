"""A correct kd_loss written as soft cross-entropy minus the teacher's entropy (the same KL),
with log-softmax by logsumexp, torch.where for zero probabilities, the hard term by gather, and
extra validation the contract allows (label dtype and range)."""

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
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}")
    if alpha < 0 or alpha > 1:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}")
    if student_logits.ndim != 2 or teacher_logits.shape != student_logits.shape:
        raise ValueError("logits must both have shape (B, C)")
    if labels.shape != (student_logits.shape[0],):
        raise ValueError(f"labels must have shape (B,), got {tuple(labels.shape)}")
    if labels.dtype != torch.int64:
        raise ValueError("labels must be int64 class indices")
    if bool(((labels < 0) | (labels >= student_logits.shape[1])).any()):
        raise ValueError("labels out of range")

    def log_softmax(x: Tensor) -> Tensor:
        return x - torch.logsumexp(x, dim=-1, keepdim=True)

    log_q = log_softmax(student_logits / temperature)
    with torch.no_grad():
        log_p = log_softmax(teacher_logits / temperature)
        p = log_p.exp()
        entropy = -torch.where(p > 0, p * log_p, torch.zeros_like(p)).sum(dim=-1)
    cross = -(p * log_q).sum(dim=-1)
    soft = (cross - entropy).mean() * temperature**2
    log_probs = log_softmax(student_logits)
    hard = -log_probs.gather(1, labels.view(-1, 1)).mean()
    return alpha * soft + (1 - alpha) * hard
