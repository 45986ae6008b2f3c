"""Reference solution: listwise distillation over padded candidate lists (e.g. distilling an LLM
reranker into a small ranker)."""

from __future__ import annotations

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
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if mask is None:
        mask = student_scores.new_ones(student_scores.shape, dtype=bool)
    t = temperature
    # Why detach: the teacher is fixed; gradients must reach the student only.
    teacher_scores = teacher_scores.detach()

    def masked_log_softmax(scores: Tensor) -> Tensor:
        # Why masked_fill with -inf (not 0, not a multiply): exp(-inf) = 0, so padding gets no
        # probability whatever it held, and masked_fill replaces NaN/inf outright (NaN * 0 is NaN)
        # and sends them no gradient.
        logits = (scores / t).masked_fill(~mask, float("-inf"))
        # Why masked_fill(~mask, 0) afterwards: log p is -inf at padding (NaN in a list of only
        # padding), and p_t · (log p_t - log p_s) would be 0 · (-inf + inf) = NaN there; padded
        # positions must contribute exactly 0. Both masked_fills send no gradient to the padded
        # positions, so no NaN reaches student_scores.grad either.
        return F.log_softmax(logits, dim=-1).masked_fill(~mask, 0.0)

    log_p_s = masked_log_softmax(student_scores)
    log_p_t = masked_log_softmax(teacher_scores)
    p_t = log_p_t.exp().masked_fill(~mask, 0.0)
    kl_per_list = (p_t * (log_p_t - log_p_s)).sum(dim=-1)
    # Why count only lists with a valid candidate: an empty list has no distribution to match;
    # counting it would shrink the loss as padding grows. clamp(min=1): with no such list the
    # sum is an exact 0 that is still connected to student_scores, so backward() gives zeros.
    n_lists = mask.any(dim=-1).sum().clamp(min=1)
    # Why T²: the gradients of the softened KL scale as 1/T²; T² keeps the loss's scale stable
    # when T changes (Hinton et al., 2015).
    return t * t * kl_per_list.sum() / n_lists


# Common mistakes
# - Padding left in the softmax: padded positions take probability mass (and NaN/inf padding
#   makes the whole loss NaN).
# - Padding filled with 0 instead of -inf: exp(0) = 1, so the padding still takes probability.
# - Padding removed by multiplying by the mask: NaN * 0 = NaN, and -inf at padding stays in.
# - Averaging over all lists, including those without a valid candidate.
# - NaN on a list of only padding (log_softmax of a row of -inf), or NaN gradients from it when
#   the padding is removed with arithmetic (scores + mask.log()) through which gradients flow.
# - A plain torch.tensor(0.0) when no list is valid: backward() then fails.
# - No T² factor; reversed KL; soft cross-entropy instead of KL (not 0 when the models agree).
# - Teacher not detached.
