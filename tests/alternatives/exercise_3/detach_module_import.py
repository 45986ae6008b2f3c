"""A correct alternative: teacher logits detached (no no_grad), `import exercise_1`, a tensor sum
in float64, each module's mode restored by name in a finally, T validated by kd_loss itself."""

from __future__ import annotations

from collections.abc import Iterable

import exercise_1
import torch
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
    modes = dict(teacher.named_modules())
    flags = {name: module.training for name, module in modes.items()}
    teacher.train(False)
    student.train(True)
    weighted = None
    n_total = 0
    try:
        for x, y in loader:
            t = teacher(x).detach()
            s = student(x)
            optimizer.zero_grad(set_to_none=False)
            loss = exercise_1.kd_loss(s, t, y, temperature=temperature, alpha=alpha)
            loss.backward()
            optimizer.step()
            n = len(y)
            term = loss.detach().double() * n
            weighted = term if weighted is None else weighted + term
            n_total += n
    finally:
        for name, module in modes.items():
            module.training = flags[name]
    if n_total == 0:
        raise ValueError("empty loader: no batches")
    return float(weighted / n_total)
