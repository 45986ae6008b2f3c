"""Reference solution: the FitNets hint loss (Romero et al., ICLR 2015)."""

from __future__ import annotations

from torch import Tensor, nn


def hint_loss(
    student_h: Tensor,
    teacher_h: Tensor,
    regressor: nn.Module,
    mask: Tensor | None = None,
) -> Tensor:
    """Mean over the (masked) positions of ½‖regressor(student_h) − teacher_h‖²."""
    # Why detach: the hint is a fixed target; gradients reach the student and the regressor only.
    target = teacher_h.detach()
    # Why a regressor: the student's guided layer is usually narrower than the teacher's hint
    # layer; it is trained jointly with the student and thrown away after training.
    prediction = regressor(student_h)
    if prediction.shape != target.shape:
        raise ValueError(
            f"shape mismatch: regressor(student_h) is {tuple(prediction.shape)}, "
            f"teacher_h is {tuple(target.shape)}"
        )
    # Why sum over the last dim and ½: the FitNets loss is ½‖u − v‖² per position; F.mse_loss's
    # default would average over the features too and drop the ½ (a loss d_t / 2 times smaller).
    per_position = 0.5 * (prediction - target).pow(2).sum(dim=-1)
    if mask is None:
        # Why mean over everything left: every leading dim (batch, time, ...) is a position.
        return per_position.mean()
    if mask.shape != per_position.shape:
        raise ValueError(
            f"mask shape {tuple(mask.shape)} must equal the leading dims "
            f"{tuple(per_position.shape)}"
        )
    # Why indexing and clamp(min=1): the average runs over the True positions only, and an
    # all-False mask gives 0 / 1 = 0 with zero gradients instead of 0 / 0 = NaN.
    return per_position[mask].sum() / mask.sum().clamp(min=1)


# Common mistakes
# - F.mse_loss(regressor(student_h), teacher_h) with its defaults: it averages over the features
#   as well and has no ½, so the loss is d_t / 2 times too small (and its gradient too).
# - Dropping the ½ only, or averaging over the features instead of summing.
# - With a mask: dividing by the number of all positions instead of the True ones (padding
#   dilutes the loss of short sequences), or ignoring the mask altogether.
# - per_position[mask].mean(): NaN when the mask is all False (an empty mean is 0 / 0), and the
#   NaN gradient then poisons every parameter in the optimizer step.
# - Summing the positions (or averaging over the batch dim only) when the features are (B, T, d).
# - Teacher not detached: gradients leak into the teacher when its features require grad.
# - Computing the regressor under torch.no_grad(): the regressor then never learns.
