# expect: kl_divergence
"""Mutant: torch.distributions kl_divergence, inf where a student probability underflows to 0."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.distributions import Categorical, kl_divergence


def kd_loss(student_logits, teacher_logits, labels, temperature=4.0, alpha=0.5):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    if not 0 <= alpha <= 1:
        raise ValueError("alpha must be in [0, 1]")
    if student_logits.dim() != 2 or teacher_logits.shape != student_logits.shape:
        raise ValueError("shape mismatch")
    if labels.shape != student_logits.shape[:1]:
        raise ValueError("labels shape mismatch")
    p = Categorical(logits=teacher_logits.detach() / temperature)
    q = Categorical(logits=student_logits / temperature)
    soft = kl_divergence(p, q).mean() * temperature**2
    hard = F.cross_entropy(student_logits, labels)
    return torch.lerp(hard, soft, alpha)
