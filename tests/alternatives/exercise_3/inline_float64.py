"""A correct alternative: the KD loss written out in float64 (explicit KL and CE), the teacher under
inference_mode, the loader materialised first, its own validation, mode restored in finally."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn


def _kd(
    student_logits: Tensor, teacher_logits: Tensor, labels: Tensor, t: float, a: float
) -> Tensor:
    s = student_logits.double()
    q = teacher_logits.double()
    log_p_s = s / t - torch.logsumexp(s / t, dim=1, keepdim=True)
    log_p_t = q / t - torch.logsumexp(q / t, dim=1, keepdim=True)
    kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=1).mean()
    log_p = s - torch.logsumexp(s, dim=1, keepdim=True)
    ce = -log_p.gather(1, labels[:, None]).mean()
    return (a * t * t * kl + (1 - a) * ce).to(student_logits.dtype)


def train_student_epoch(
    student: nn.Module,
    teacher: nn.Module,
    loader: Iterable[tuple[Tensor, Tensor]],
    optimizer: torch.optim.Optimizer,
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> float:
    """One epoch of distillation; the sample-weighted mean loss."""
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    batches = list(loader)
    if not batches:
        raise ValueError("loader must yield at least one batch")
    was = {module: module.training for module in teacher.modules()}
    try:
        teacher.eval()
        student.train()
        losses, sizes = [], []
        for inputs, labels in batches:
            with torch.inference_mode():
                teacher_logits = teacher(inputs)
            optimizer.zero_grad()
            loss = _kd(student(inputs), teacher_logits.clone(), labels, temperature, alpha)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            sizes.append(inputs.shape[0])
    finally:
        for module, flag in was.items():
            module.training = flag
    return sum(v * n for v, n in zip(losses, sizes, strict=True)) / sum(sizes)
