"""Correct alternative: its own KL from log_softmax (no kd_loss), set_grad_enabled(False) around
the teacher, math.fsum of the weighted losses, extra alpha validation, modes saved per module."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def train_student_epoch(
    student: nn.Module,
    teacher: nn.Module,
    loader: Iterable[tuple[Tensor, Tensor]],
    optimizer: torch.optim.Optimizer,
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> float:
    """One epoch of distillation; the sample-weighted mean loss."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0 (got {temperature})")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1] (got {alpha})")
    saved = [(module, module.training) for module in teacher.modules()]
    for module, _ in saved:
        module.train(False)
    for module in student.modules():
        module.training = True
    terms: list[float] = []
    count = 0
    try:
        for inputs, labels in loader:
            with torch.set_grad_enabled(False):
                teacher_logits = teacher(inputs)
            optimizer.zero_grad(set_to_none=True)
            student_logits = student(inputs)
            log_p_s = F.log_softmax(student_logits / temperature, dim=-1)
            log_p_t = F.log_softmax(teacher_logits / temperature, dim=-1)
            kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=-1).mean()
            hard = F.cross_entropy(student_logits, labels)
            loss = alpha * temperature**2 * kl + (1.0 - alpha) * hard
            loss.backward()
            optimizer.step()
            terms.append(loss.item() * len(labels))
            count += len(labels)
    finally:
        for module, mode in saved:
            module.training = mode
    if count == 0:
        raise ValueError("the loader yielded no batches")
    return math.fsum(terms) / count
