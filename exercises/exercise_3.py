"""Exercise 3: One epoch of student training.

Train a student network for one epoch by knowledge distillation from a fixed teacher.

For each batch (inputs, labels) of `loader`, in order:
  1. clear the gradients: optimizer.zero_grad()
  2. t = teacher(inputs): the teacher's logits, with the teacher in eval mode (every submodule
     included, even if the caller left some in train mode), never updated and
     receiving no gradient (train_student_epoch must ensure this itself, whatever kd_loss does)
  3. s = student(inputs): the student's logits, with the student in train mode (every submodule)
  4. loss = kd_loss(s, t, labels, temperature, alpha), your function from exercise 1:
         loss = α · T² · KL(softmax(t / T) ‖ softmax(s / T)) + (1 − α) · CE(s, labels)
  5. loss.backward(), then optimizer.step()

Return the epoch's mean loss, each batch weighted by its size, as a Python float:
    mean loss = Σ_b n_b · loss_b / Σ_b n_b
where n_b is the number of samples in batch b and loss_b the loss value computed on batch b.

Shapes: inputs (n_b, ...) as the models expect; labels (n_b,) int64; both models return logits of
shape (n_b, C). Batches may have different sizes (e.g. a smaller last batch).

`loader` is any iterable of (inputs, labels) pairs: a list, a DataLoader, or a generator that can be
iterated only once.

After the call:
- the teacher's parameters and buffers (e.g. BatchNorm running statistics) are unchanged, the
  `.grad` of its parameters is still None, and `teacher.training` is what it was before the call
  (`teacher.train(was)` restores it; a teacher that mixes modes, e.g. in eval mode with a Dropout
  in train mode, may get exactly its own modes back or all of them set to `was`), also when a
  batch raises;
- the student has been updated by one optimizer step per batch.

Raise ValueError, with the parameter's name in the message, when:
- temperature <= 0 ("temperature");
- the loader yields no batches ("loader").
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from exercise_1 import kd_loss  # noqa: F401  (your distillation loss from exercise 1)
from torch import Tensor, nn


def train_student_epoch(
    student: nn.Module,
    teacher: nn.Module,
    loader: Iterable[tuple[Tensor, Tensor]],
    optimizer: torch.optim.Optimizer,
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> float:
    """Train the student for one epoch against the frozen teacher; return the mean loss."""
    raise NotImplementedError
