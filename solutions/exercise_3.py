"""Reference solution: one epoch of knowledge-distillation training for a student."""

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

    # Why save every submodule's flag: the caller's teacher may be in train mode, or mix modes
    # (e.g. eval at the top with a Dropout in train mode). teacher.train(was), which the task
    # accepts, would set every module to `was`; giving each its own mode back is kinder.
    teacher_was_training = [(module, module.training) for module in teacher.modules()]
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
        for module, was in teacher_was_training:
            module.training = was

    # Why count while iterating: `loader` may be a one-pass generator without len().
    if samples == 0:
        raise ValueError("loader is empty: it yielded no batches")
    return total / samples


# Common mistakes
# - Teacher outputs computed but unused: training on hard-label cross-entropy only is plain
#   supervised learning, not distillation (the source article's bug).
# - No optimizer.zero_grad() per batch: gradients accumulate over the epoch.
# - Teacher left in train mode: dropout makes its targets noisy and BatchNorm normalises with batch
#   statistics and overwrites its running statistics.
# - Unweighted mean of the per-batch losses: a small last batch counts as much as a full one.
# - Teacher forward without torch.no_grad(): a graph is built through the teacher, and gradients
#   reach its parameters as soon as the loss does not detach its logits.
# - student.train() missing: a student left in eval mode trains without dropout and with frozen
#   BatchNorm statistics.
# - Teacher's mode not restored: the caller's teacher silently ends up in eval mode.
# - `if teacher.training: teacher.eval()`: a teacher in eval mode with a Dropout in train mode
#   (MC dropout) keeps its dropout active.
