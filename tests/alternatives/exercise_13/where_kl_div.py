"""A correct listwise distillation loss with torch.where, the dtype's most negative finite
value as the padding logit, and F.kl_div with log_target=True."""

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
        raise ValueError("temperature must be > 0")
    if mask is None:
        mask = torch.ones_like(student_scores, dtype=torch.bool)
    very_negative = torch.finfo(student_scores.dtype).min
    zero = torch.zeros((), dtype=student_scores.dtype, device=student_scores.device)
    # Divide first, then fill: finfo.min / T would overflow to -inf for T < 1.
    s = torch.where(mask, student_scores / temperature, very_negative)
    t = torch.where(mask, teacher_scores.detach() / temperature, very_negative)
    log_p_s = torch.where(mask, F.log_softmax(s, dim=-1), zero)
    log_p_t = torch.where(mask, F.log_softmax(t, dim=-1), zero)
    pointwise = F.kl_div(log_p_s, log_p_t, reduction="none", log_target=True)
    per_list = torch.where(mask, pointwise, zero).sum(dim=-1)
    valid = mask.any(dim=-1)
    n = valid.sum()
    return temperature**2 * per_list.sum() / torch.where(n > 0, n, torch.ones_like(n))
