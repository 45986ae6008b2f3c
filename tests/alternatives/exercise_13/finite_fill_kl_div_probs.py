"""A correct listwise distillation loss with a large finite fill (-1e9, whose exp underflows to
exactly 0 next to real scores) and F.kl_div on probabilities (log_target=False)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def listwise_distillation_loss(
    student_scores: Tensor,
    teacher_scores: Tensor,
    mask: Tensor | None = None,
    temperature: float = 1.0,
) -> Tensor:
    """T² · KL(teacher ‖ student) over each list's valid candidates, averaged over lists."""
    if temperature <= 0:
        raise ValueError(f"temperature={temperature} is not > 0")
    if mask is None:
        mask = torch.ones_like(student_scores, dtype=torch.bool)
    with torch.no_grad():
        t = (teacher_scores / temperature).masked_fill(~mask, -1e9)
        p_t = F.softmax(t, dim=-1).masked_fill(~mask, 0.0)
    s = (student_scores / temperature).masked_fill(~mask, -1e9)
    log_p_s = F.log_softmax(s, dim=-1).masked_fill(~mask, 0.0)
    # kl_div(input, target) = target · (log target - input), with 0 · log 0 taken as 0.
    kl = F.kl_div(log_p_s, p_t, reduction="none").sum(dim=-1)
    lists = mask.any(dim=-1).sum()
    return temperature**2 * kl.sum() / lists.clamp(min=1)
