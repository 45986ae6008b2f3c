"""A correct listwise distillation loss over the valid candidates only: they are selected with
the mask into one flat vector, and each list's log-normaliser is a segment logsumexp built with
scatter_reduce (max) and index_add (sum of exponentials); padding never enters any arithmetic.
Extra validation the task allows: matching shapes."""

from __future__ import annotations

import torch
from torch import Tensor


def _segment_log_softmax(x: Tensor, segment: Tensor, n: int) -> Tensor:
    """log softmax of x within each segment (segment[i] = the list of x[i])."""
    top = torch.full((n,), float("-inf"), dtype=x.dtype, device=x.device)
    top = top.scatter_reduce(0, segment, x.detach(), reduce="amax", include_self=True)
    shifted = x - top[segment]
    sums = torch.zeros(n, dtype=x.dtype, device=x.device).index_add(0, segment, shifted.exp())
    return shifted - sums.clamp(min=torch.finfo(x.dtype).tiny).log()[segment]


def listwise_distillation_loss(
    student_scores: Tensor,
    teacher_scores: Tensor,
    mask: Tensor | None = None,
    temperature: float = 1.0,
) -> Tensor:
    """T² · KL(teacher ‖ student) per list over its valid candidates, mean over such lists."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0 (got {temperature})")
    if student_scores.shape != teacher_scores.shape:
        raise ValueError("student_scores and teacher_scores must have the same shape")
    if mask is None:
        mask = torch.ones_like(student_scores, dtype=torch.bool)
    batch = student_scores.shape[0]
    rows = torch.arange(batch, device=student_scores.device)[:, None].expand_as(mask)
    segment = rows[mask]
    s = student_scores[mask] / temperature
    t = teacher_scores.detach()[mask] / temperature
    log_p_s = _segment_log_softmax(s, segment, batch)
    log_p_t = _segment_log_softmax(t, segment, batch)
    kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum()
    lists = mask.any(dim=-1).sum().clamp(min=1)
    return temperature**2 * kl / lists
