"""Reference solution: the gradient of the distillation loss with respect to the student's logits.

Hinton, Vinyals & Dean (2015), section 2.1: the soft-target term has the gradient
(1/T)·(p_s − p_t) per sample; the T² factor and the batch mean turn it into T·(p_s − p_t)/B.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def kd_logit_gradient(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> Tensor:
    """∂/∂student_logits of T² · KL_batchmean(softmax(t/T) ‖ softmax(s/T)), in closed form."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")

    t = temperature
    batch = student_logits.shape[0]
    # Why F.softmax (not exp(x) / exp(x).sum()): it subtracts each row's maximum first, so logits
    # of ±1e3 do not overflow to inf / inf = nan. Why dim=-1: one distribution per row, over the
    # C classes. Why divide both by T: the loss compares the two models at the same temperature.
    p_s = F.softmax(student_logits / t, dim=-1)
    p_t = F.softmax(teacher_logits / t, dim=-1)
    # Why p_s − p_t: ∂KL(p_t ‖ p_s)/∂(s/T) = p_s − p_t (softmax + cross-entropy), so the gradient
    # points from the teacher towards the student and descent moves p_s towards p_t.
    # Why T (not 1/T): the chain rule through s/T contributes 1/T and the loss's T² factor
    # multiplies it, T² · (1/T) = T.
    # Why / batch: "batchmean" averages the per-row KL over the B rows, so each row's gradient
    # carries 1/B (never 1/C or 1/(B·C)).
    return t * (p_s - p_t) / batch


# Common mistakes
# - Missing 1/B: the loss is a batch mean, so each row's gradient is divided by B.
# - (p_s − p_t) / T: the gradient of the KL alone, forgetting the loss's T² factor.
# - Sign flipped, T·(p_t − p_s)/B: that is the direction of steepest descent, not the gradient.
# - Using autograd (loss.backward(), torch.autograd.grad, torch.func.grad): the task is the closed
#   form, and autograd records nothing under torch.inference_mode().
# - Softmax as exp(x) / exp(x).sum(): overflows to nan for logits of magnitude 1e3.
# - Dividing by the number of classes C, or by B·C, instead of the batch size B.
# - Softmax over dim 0 (the batch) instead of the classes.
# - Only one of the two logits divided by T.
