"""Exercise 2: the teacher's soft targets.

Write `compute_soft_targets`, which turns a trained teacher's predictions on a batch into the
"soft targets" a student is distilled towards:

    soft_targets = softmax(teacher(inputs) / T)      over the last dim (the C classes), row by row

    softmax(z)[c] = exp(z[c]) / Σ_j exp(z[j])

where T is `temperature`. A larger T gives a flatter distribution that shows more of the
teacher's "dark knowledge" (how it ranks the wrong classes); T = 1 gives its ordinary
probabilities.

Inputs:
    teacher      a torch.nn.Module mapping `inputs` to logits of shape (B, C), or (B, ..., C) with
                 more leading dims (the softmax is always over the last dim); it may contain
                 Dropout and BatchNorm layers, and it may be in training or in eval mode, or mix
                 modes (e.g. in eval mode with a Dropout left in training mode, for MC dropout)
    inputs       (B, ...) float32 or float64, the teacher's input batch (same dtype as the teacher)
    temperature  T > 0 (default 1.0)

Returns a tensor of the teacher's output shape ((B, C), or (B, ..., C)) and dtype, on the inputs'
device, each distribution over the last dim summing to 1.

Requirements:
- The teacher makes its predictions as at inference time: in eval mode, every submodule included
  (no dropout; BatchNorm uses its running statistics), and its parameters and buffers (BatchNorm
  running statistics included) are unchanged by the call.
- The teacher's forward pass runs without autograd under torch.no_grad(): the result has
  requires_grad False and no gradient can ever reach the teacher through it. The result must still
  be usable as the target of a loss that back-propagates into a student, so it must not be an
  inference tensor (do not use torch.inference_mode()).
- `teacher.training` is the same after the call as before it (a teacher in training mode stays in
  training mode, one in eval mode stays in eval mode; `teacher.train(was)` restores it, and a
  teacher that mixes modes may get exactly its own modes back or all of them set to `was`), also
  when the teacher's forward pass raises an exception (which propagates to the caller) and also
  when the temperature is rejected.
- Numerically stable: finite probabilities for logits as large as ±1e3.
- The inputs are never modified in place.
- Raise ValueError, with "temperature" in the message, for temperature <= 0.

Example: a teacher whose logits for one input are [2, 0] gives, at T = 1, the soft targets
[0.881, 0.119] and, at T = 2, [0.731, 0.269].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def compute_soft_targets(teacher: nn.Module, inputs: Tensor, temperature: float = 1.0) -> Tensor:
    """Return softmax(teacher(inputs) / T) over the classes, with the teacher in eval mode."""
    raise NotImplementedError
