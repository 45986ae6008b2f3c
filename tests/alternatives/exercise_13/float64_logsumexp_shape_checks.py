"""A correct listwise distillation loss computed in float64 and cast back: log-probabilities as
x − logsumexp(x) with padding replaced by the dtype's lowest finite value after dividing by T,
terms kept with torch.where, and extra validation the task allows (shapes, a bool mask)."""

from __future__ import annotations

import torch
from torch import Tensor


def listwise_distillation_loss(
    student_scores: Tensor,
    teacher_scores: Tensor,
    mask: Tensor | None = None,
    temperature: float = 1.0,
) -> Tensor:
    """T² · KL(p_t ‖ p_s) over the valid candidates of each list, averaged over lists."""
    if not temperature > 0.0:
        raise ValueError(f"temperature={temperature!r}: it must be > 0")
    if student_scores.shape != teacher_scores.shape:
        raise ValueError("shape mismatch between student_scores and teacher_scores")
    if mask is not None and (mask.shape != student_scores.shape or mask.dtype != torch.bool):
        raise ValueError("mask must be a bool tensor with the scores' shape")
    valid = torch.ones_like(student_scores, dtype=torch.bool) if mask is None else mask
    lowest = torch.finfo(torch.float64).min
    s = torch.where(valid, student_scores.double() / temperature, lowest)
    t = torch.where(valid, teacher_scores.detach().double() / temperature, lowest)
    log_p_s = s - torch.logsumexp(s, dim=-1, keepdim=True)
    log_p_t = t - torch.logsumexp(t, dim=-1, keepdim=True)
    terms = torch.where(valid, log_p_t.exp() * (log_p_t - log_p_s), 0.0)
    lists = valid.any(dim=-1).sum().clamp(min=1)
    return (temperature**2 * terms.sum() / lists).to(student_scores.dtype)
