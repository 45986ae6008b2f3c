"""A correct listwise distillation loss with a loop over the lists: each list's valid
candidates are selected with the mask, and the KL is written out in float64."""

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
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}")
    if mask is None:
        mask = torch.ones(student_scores.shape, dtype=torch.bool, device=student_scores.device)
    # Selecting an empty set and summing gives a 0 that is connected to student_scores.
    total = student_scores[mask & False].sum().to(torch.float64)
    lists = 0
    for b in range(student_scores.shape[0]):
        keep = mask[b]
        if not bool(keep.any()):
            continue
        s = student_scores[b][keep].to(torch.float64) / temperature
        with torch.no_grad():
            t = teacher_scores[b][keep].to(torch.float64) / temperature
            log_p_t = t - torch.logsumexp(t, dim=0)
        log_p_s = s - torch.logsumexp(s, dim=0)
        total = total + (log_p_t.exp() * (log_p_t - log_p_s)).sum()
        lists += 1
    loss = temperature**2 * total / max(lists, 1)
    return loss.to(student_scores.dtype)
