"""A correct kd_logit_gradient: probabilities as exp(x − logsumexp(x)), the batch size from
len(), the factor T² · (1/T) written out, and a finite check the contract allows."""

from __future__ import annotations

import torch


def kd_logit_gradient(student_logits, teacher_logits, temperature):
    if temperature <= 0:
        raise ValueError(f"temperature={temperature} is not > 0")
    if not bool(torch.isfinite(student_logits).all() & torch.isfinite(teacher_logits).all()):
        raise ValueError("logits must be finite")
    zs = torch.div(student_logits, temperature)
    zt = torch.div(teacher_logits, temperature)
    p_s = torch.exp(zs - torch.logsumexp(zs, dim=-1, keepdim=True))
    p_t = torch.exp(zt - torch.logsumexp(zt, dim=-1, keepdim=True))
    diff = torch.where(p_s >= p_t, p_s - p_t, -(p_t - p_s))
    return diff * (temperature**2 * (1.0 / temperature)) / len(student_logits)
