"""A correct listwise distillation loss written with logsumexp over the valid candidates and
float64 internals, cast back to the scores' dtype."""

from __future__ import annotations

import torch
from torch import Tensor


def listwise_distillation_loss(
    student_scores: Tensor,
    teacher_scores: Tensor,
    mask: Tensor | None = None,
    temperature: float = 1.0,
) -> Tensor:
    """T² · KL(teacher ‖ student) over each list's valid candidates, averaged over lists."""
    if temperature <= 0.0:
        raise ValueError(f"bad temperature {temperature}")
    valid = torch.ones_like(student_scores, dtype=torch.bool) if mask is None else mask.bool()
    neg_inf = torch.tensor(-torch.inf, dtype=torch.float64, device=student_scores.device)
    s = torch.where(valid, student_scores.to(torch.float64) / temperature, neg_inf)
    with torch.no_grad():
        t = torch.where(valid, teacher_scores.to(torch.float64) / temperature, neg_inf)
    has = valid.any(dim=1, keepdim=True)
    # Lists without a valid candidate: use 0 as their normaliser so nothing is -inf - (-inf).
    lse_s = torch.where(has, torch.logsumexp(torch.where(has, s, 0.0), dim=1, keepdim=True), 0.0)
    lse_t = torch.where(has, torch.logsumexp(torch.where(has, t, 0.0), dim=1, keepdim=True), 0.0)
    log_ratio = torch.where(valid, (t - lse_t) - (s - lse_s), 0.0)
    p_t = torch.where(valid, torch.exp(t - lse_t), 0.0)
    kl = (p_t * log_ratio).sum(dim=1)
    lists = int(has.sum())
    loss = temperature * temperature * kl.sum() / max(lists, 1)
    return loss.to(student_scores.dtype)
