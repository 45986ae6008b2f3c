"""Reference solution: the teacher's soft targets (Hinton, Vinyals & Dean, 2015)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def compute_soft_targets(teacher: nn.Module, inputs: Tensor, temperature: float = 1.0) -> Tensor:
    """Return softmax(teacher(inputs) / T) over the classes, with the teacher in eval mode."""
    # Why validate first: nothing has been changed yet, so rejecting T leaves the teacher as it was.
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")

    # Why save every submodule's flag, not only teacher.training: a teacher may mix modes (e.g. MC
    # dropout: eval at the top, a Dropout kept in training mode). teacher.train(was), which the
    # task accepts, would set every submodule to `was`; giving each one its own mode back is kinder.
    was_training = [(module, module.training) for module in teacher.modules()]
    try:
        # Why eval(): dropout off and BatchNorm on its running statistics, so the targets are the
        # teacher's real predictions and the running statistics are not updated by this batch.
        teacher.eval()
        # Why no_grad (not detach, not inference_mode): no graph is built through the teacher, so
        # no activations are kept and no gradient can reach it; unlike inference_mode, the result
        # is an ordinary tensor that a student's loss can use as its target in backward().
        with torch.no_grad():
            logits = teacher(inputs)
            # Why divide by T: T > 1 flattens the distribution and reveals how the teacher ranks
            # the wrong classes. Why dim=-1: one distribution per row, over the C classes.
            # F.softmax subtracts the row maximum, so logits of ±1e3 stay finite.
            return F.softmax(logits / temperature, dim=-1)
    finally:
        # Why finally: the caller's modes come back even if the forward pass raises; each module
        # (Dropout, BatchNorm, ...) gets back exactly the flag it had before eval() changed it.
        for module, was in was_training:
            module.training = was


# Common mistakes
# - No temperature: softmax(teacher(inputs)) ignores T (the version in many blog posts).
# - Multiplying the logits by T instead of dividing: it sharpens instead of softening.
# - No torch.no_grad(): the result requires grad, a graph is built through the teacher, and a
#   student's loss.backward() would send gradients into the teacher. detach() afterwards fixes
#   the value but still pays for the graph and the stored activations.
# - torch.inference_mode() instead of no_grad(): the result is an inference tensor, and
#   using it as a loss's target raises "Inference tensors cannot be saved for backward".
# - No teacher.eval(): dropout stays active (random targets) and BatchNorm normalises with the
#   batch's statistics and updates its running statistics. Setting teacher.training = False only
#   changes the top module, not its Dropout and BatchNorm submodules.
# - Mode not restored: a teacher that was training is left in eval mode, or restore is skipped
#   when the forward pass raises (no finally) or when temperature is rejected after eval().
# - `if teacher.training: teacher.eval()`: a teacher in eval mode whose Dropout is in training
#   mode is not switched, so dropout stays active.
# - Calling teacher.train() at the end unconditionally: a teacher that was in eval mode is
#   switched to training mode.
# - Softmax over dim 0 (the batch) instead of the classes.
