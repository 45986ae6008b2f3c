"""Reference solution: CTR soft-label distillation, and privileged features distillation (PFD,
Xu et al., KDD 2020) with teacher and student trained jointly."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def ctr_distillation_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    labels: Tensor,
    alpha: float = 0.5,
    temperature: float = 1.0,
) -> Tensor:
    """alpha * T² * BCE(s / T, sigmoid(t / T)) + (1 - alpha) * BCE(s, labels), teacher fixed."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")

    t = temperature
    # Why cast: BCE needs a floating target of the logits' dtype (int64 labels raise, float64
    # labels would turn a float32 loss into float64).
    labels = labels.to(student_logits.dtype)
    # Why detach: the teacher is fixed; its soft target must not pass gradients back to it.
    # Why σ(t / T): a binary softmax over [z, 0] at temperature T is sigmoid(z / T).
    soft_targets = torch.sigmoid(teacher_logits.detach() / t).to(student_logits.dtype)
    # Why binary_cross_entropy_with_logits (not sigmoid then F.binary_cross_entropy): it works on
    # the logits with log-sigmoid, exact at |z| = 1e3, where sigmoid rounds to 0 or 1 and BCELoss
    # clamps log(0) to -100.
    # Why s / T: student and teacher are compared at the same temperature.
    soft = F.binary_cross_entropy_with_logits(student_logits / t, soft_targets)
    # Why T²: the soft term's gradient carries a 1/T from s / T and shrinks as the targets soften;
    # T² keeps its weight relative to the label term roughly independent of T (Hinton et al.).
    soft = soft * t * t
    # Why temperature 1 here: the labels are matched by the logits the student serves with.
    hard = F.binary_cross_entropy_with_logits(student_logits, labels)
    return alpha * soft + (1.0 - alpha) * hard


def pfd_joint_loss(
    student_logits: Tensor, teacher_logits: Tensor, labels: Tensor, lam: float = 0.5
) -> Tensor:
    """(1 - lam) * BCE(s, y) + lam * BCE(s, sigmoid(t)) + BCE(t, y); teacher learns from y only."""
    student_labels = labels.to(student_logits.dtype)
    teacher_labels = labels.to(teacher_logits.dtype)
    # Why detach here only: the teacher is trained in the same step (its own BCE below), but the
    # distillation term must move the student towards the teacher, never the teacher towards the
    # student; a teacher dragged towards a student that lacks the privileged features gets worse.
    soft_targets = torch.sigmoid(teacher_logits.detach()).to(student_logits.dtype)
    student_loss = (1.0 - lam) * F.binary_cross_entropy_with_logits(
        student_logits, student_labels
    ) + lam * F.binary_cross_entropy_with_logits(student_logits, soft_targets)
    # Why a separate, unweighted teacher term: the teacher (with the privileged features) learns
    # from the labels as an ordinary CTR model; lam only trades the student's two targets.
    teacher_loss = F.binary_cross_entropy_with_logits(teacher_logits, teacher_labels)
    return student_loss + teacher_loss.to(student_logits.dtype)


# Common mistakes
# - torch.sigmoid then F.binary_cross_entropy (BCELoss): fine for small logits, but at |z| = 1e3
#   sigmoid rounds to exactly 0 or 1 and BCELoss clamps log(0) to -100: the value is wrong and the
#   gradient vanishes. Stay on logits with binary_cross_entropy_with_logits.
# - The teacher's probability rounded to a hard 0/1 label: the soft target's confidence, the whole
#   point of distillation, is lost.
# - MSE between probabilities (or logits) instead of BCE against the soft target.
# - No temperature on the student (BCE(s, σ(t / T))): student and teacher compared at different
#   temperatures; or no T² factor on the soft term.
# - Teacher not detached: in ctr_distillation_loss gradients reach a teacher that must stay fixed;
#   in pfd_joint_loss the distillation term pulls the teacher towards the weaker student.
# - In pfd_joint_loss, detaching the teacher everywhere: then it never learns from the labels.
# - Labels not cast: int64 labels make BCE raise, float64 labels turn a float32 loss into float64.
