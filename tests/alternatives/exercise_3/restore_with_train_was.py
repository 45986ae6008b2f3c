"""Alternative (correct): the reference, restoring the mode with teacher.train(was) as the
contract says (a teacher that mixed modes gets every module set to the teacher's own flag).

Reference solution: one epoch of knowledge-distillation training for a student."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from exercise_1 import kd_loss
from torch import Tensor, nn


def train_student_epoch(
    student: nn.Module,
    teacher: nn.Module,
    loader: Iterable[tuple[Tensor, Tensor]],
    optimizer: torch.optim.Optimizer,
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> float:
    """Train `student` for one epoch against a frozen `teacher`; return the mean loss per sample."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")

    was = teacher.training
    # Why train(): the caller may have left the student in eval mode (e.g. after validation);
    # dropout and BatchNorm must behave as in training while the student learns.
    student.train()
    # Why eval(): the teacher's targets must be its real predictions: no dropout noise, BatchNorm
    # with its running statistics (which must not be updated by the student's data).
    teacher.eval()

    total, samples = 0.0, 0
    try:
        for inputs, labels in loader:
            # Why zero_grad() every batch: backward() adds to .grad, so gradients would otherwise
            # accumulate over the batches of the epoch.
            optimizer.zero_grad()
            # Why no_grad(): the teacher is fixed; no graph is built through it, so no gradient can
            # reach it (even if the loss did not detach its logits) and no memory is wasted.
            with torch.no_grad():
                teacher_logits = teacher(inputs)
            loss = kd_loss(student(inputs), teacher_logits, labels, temperature, alpha)
            loss.backward()
            optimizer.step()
            # Why weigh by the batch size: kd_loss is a mean over the batch, so a batch of 3 must
            # not count as much as a batch of 64. Why .item(): a float holds no autograd graph.
            batch_size = labels.shape[0]
            total += loss.item() * batch_size
            samples += batch_size
    finally:
        # Why finally: the teacher's modes are restored even when a batch raises.
        teacher.train(was)

    # Why count while iterating: `loader` may be a one-pass generator without len().
    if samples == 0:
        raise ValueError("loader is empty: it yielded no batches")
    return total / samples
