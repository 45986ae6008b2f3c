# expect: without log_target=True
"""Mutant: the teacher's log-probabilities go to kl_div as target without log_target=True (nan)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def kd_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    labels: Tensor,
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> Tensor:
    """alpha * T² * KL(p_t || p_s) + (1 - alpha) * CE(student_logits, labels)."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if student_logits.shape != teacher_logits.shape or student_logits.dim() != 2:
        raise ValueError(
            f"shape mismatch: student {tuple(student_logits.shape)}, "
            f"teacher {tuple(teacher_logits.shape)}; both must be (B, C)"
        )
    if labels.shape != student_logits.shape[:1]:
        raise ValueError(f"shape mismatch: labels {tuple(labels.shape)}, expected (B,)")

    t = temperature
    # Why detach: the teacher is fixed; gradients must reach the student only.
    teacher_logits = teacher_logits.detach()
    # Why log_softmax (not log(softmax)): it stays finite for logits of magnitude 1e3.
    # Why dim=-1: each row is one sample's distribution over the C classes, never the batch.
    log_p_s = F.log_softmax(student_logits / t, dim=-1)
    log_p_t = F.log_softmax(teacher_logits / t, dim=-1)
    # Why kl_div(log_p_s, log_p_t, log_target=True): kl_div expects the *student's* log-probs as
    # input and computes KL(target || input) = KL(p_t || p_s); log_target avoids log(0) when a
    # teacher probability underflows. Why "batchmean": KL is summed over classes and averaged over
    # the batch; "mean" would also divide by the number of classes.
    soft = F.kl_div(log_p_s, log_p_t, reduction="batchmean")
    # Why T²: the soft term's gradients scale as 1/T²; multiplying by T² keeps its weight relative
    # to the hard term roughly unchanged when T changes (Hinton et al., section 2).
    soft = soft * t * t
    # Why temperature 1 here: the hard labels are matched by the student's ordinary predictions.
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1.0 - alpha) * hard

