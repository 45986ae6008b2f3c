"""A correct kd_logit_gradient with torch.distributions.Categorical's probabilities."""

from __future__ import annotations

from torch import Tensor
from torch.distributions import Categorical


def kd_logit_gradient(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> Tensor:
    """T · (p_s − p_t) / B."""
    if temperature <= 0:
        raise ValueError("temperature must be strictly positive")
    p_s = Categorical(logits=student_logits / temperature).probs
    p_t = Categorical(logits=teacher_logits / temperature).probs
    return temperature * (p_s - p_t) / student_logits.shape[0]
