"""A correct kd_loss written out by hand: explicit KL and cross-entropy, float64 internals."""

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
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if alpha < 0 or alpha > 1:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    if student_logits.ndim != 2 or teacher_logits.shape != student_logits.shape:
        raise ValueError("student and teacher logits must share one (B, C) shape")
    if labels.ndim != 1 or labels.shape[0] != student_logits.shape[0]:
        raise ValueError("labels must have shape (B,)")

    dtype = student_logits.dtype
    s = student_logits.to(torch.float64)
    with torch.no_grad():
        t = teacher_logits.to(torch.float64)
        log_p_t = t / temperature - torch.logsumexp(t / temperature, dim=1, keepdim=True)
        p_t = log_p_t.exp()
    log_p_s = s / temperature - torch.logsumexp(s / temperature, dim=1, keepdim=True)
    kl = (p_t * (log_p_t - log_p_s)).sum(dim=1).mean()
    log_probs = s - torch.logsumexp(s, dim=1, keepdim=True)
    ce = -log_probs.gather(1, labels.view(-1, 1)).mean()
    loss = alpha * temperature**2 * kl + (1 - alpha) * ce
    return loss.to(dtype)
