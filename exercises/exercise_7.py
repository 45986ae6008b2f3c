"""Exercise 7: distilling a CTR model, with soft labels and with privileged features.

A CTR model outputs one logit z per impression; its click probability is σ(z) = 1 / (1 + e^−z).
Write two distillation losses for such binary models. Both take logits, never probabilities.

Notation: BCE(z, y) = −[y · ln σ(z) + (1 − y) · ln(1 − σ(z))], the binary cross-entropy of a
logit z against a target y in [0, 1] (F.binary_cross_entropy_with_logits), averaged over the
batch. Every BCE below is averaged over the batch (mean reduction).

1. `ctr_distillation_loss`: Hinton-style distillation from a trained, fixed teacher. With T the
   temperature and α = alpha:

       loss = α · T² · BCE(s / T, σ(t / T)) + (1 − α) · BCE(s, y)

   s = student_logits, t = teacher_logits, y = labels. The teacher's probability at temperature T,
   σ(t / T), is the student's soft target; the student's logits are divided by the same T. The
   label term is at temperature 1. The teacher is fixed: no gradient may reach teacher_logits.

2. `pfd_joint_loss`: privileged features distillation (Xu et al., KDD 2020, Taobao). The teacher
   also sees privileged features that exist only at training time (e.g. the dwell time on the item
   page), the student sees only what is available at serving time, and both are trained together
   on one joint loss, with λ = lam:

       loss = (1 − λ) · BCE(s, y) + λ · BCE(s, σ(t)) + BCE(t, y)

   The teacher learns from its own BCE(t, y) only: its prediction σ(t) is a fixed target in the
   distillation term, so the gradient reaching teacher_logits is exactly the gradient of
   BCE(t, y). The student gets gradients from its two terms.

Inputs:
    student_logits  (B,) float32 or float64
    teacher_logits  (B,) same dtype
    labels          (B,) 0/1 values of any numeric dtype (int64, int32, uint8, float32, ...):
                    cast them to the logits' dtype
    alpha           α in [0, 1] (default 0.5): α = 1 is pure distillation, α = 0 labels only
    temperature     T > 0 (default 1.0)
    lam             λ in [0, 1] (default 0.5)

Each function returns a 0-dim tensor (a scalar) with the student logits' dtype, on their device.

Requirements:
- Numerically stable: a finite value and finite gradients for logits as large as ±1e3 (work on
  logits throughout; a sigmoid followed by a probability-based BCE breaks there).
- The inputs are never modified in place.
- ctr_distillation_loss raises ValueError, with the parameter's name in the message, for
  temperature <= 0 ("temperature") and for alpha outside [0, 1] ("alpha").

Example: with s = t = [0.0] and y = [1], ctr_distillation_loss(s, t, y, alpha=1.0,
temperature=2.0) is 4 · ln 2 ≈ 2.773 (the soft target is σ(0) = ½, and BCE(0, ½) = ln 2).
"""

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
    """Return alpha * T² * BCE(s / T, sigmoid(t / T)) + (1 - alpha) * BCE(s, labels)."""
    raise NotImplementedError


def pfd_joint_loss(
    student_logits: Tensor, teacher_logits: Tensor, labels: Tensor, lam: float = 0.5
) -> Tensor:
    """Return (1 - lam) * BCE(s, y) + lam * BCE(s, sigmoid(t)) + BCE(t, y), teacher target fixed."""
    raise NotImplementedError
