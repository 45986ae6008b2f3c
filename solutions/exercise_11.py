"""Reference solution: distance-wise relational knowledge distillation (Park et al., CVPR 2019)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def _normalised_distances(emb: Tensor) -> Tensor:
    """The N(N-1) off-diagonal pairwise distances, divided by their mean."""
    n = emb.shape[0]
    # Why cdist: its backward treats a zero distance as gradient 0, whereas
    # (x_i - x_j).pow(2).sum().sqrt() gives 0 / 0 = NaN on the diagonal and on duplicate rows.
    # Why no matrix-product shortcut: |a|² + |b|² - 2ab loses precision for nearby points.
    distances = torch.cdist(emb, emb, compute_mode="donot_use_mm_for_euclid_dist")
    # Why drop the diagonal: d(i, i) = 0 always; kept in, it shrinks the mean by (N - 1) / N.
    off_diagonal = ~torch.eye(n, dtype=torch.bool, device=emb.device)
    distances = distances[off_diagonal]
    # Why divide by the mean: it makes the loss blind to the embeddings' overall scale, so a
    # student with another width (and another scale) can still match the teacher's structure.
    return distances / distances.mean()


def rkd_distance_loss(student_emb: Tensor, teacher_emb: Tensor) -> Tensor:
    """Huber loss between the student's and the teacher's mean-normalised pairwise distances."""
    if student_emb.dim() != 2 or teacher_emb.dim() != 2:
        raise ValueError(
            f"shape: expected (N, d_s) and (N, d_t), got {tuple(student_emb.shape)} and "
            f"{tuple(teacher_emb.shape)}"
        )
    if student_emb.shape[0] != teacher_emb.shape[0]:
        raise ValueError(
            f"shape mismatch: student_emb has {student_emb.shape[0]} rows, teacher_emb "
            f"{teacher_emb.shape[0]}"
        )
    if student_emb.shape[0] < 2:
        raise ValueError(f"N must be at least 2 (one pair), got N = {student_emb.shape[0]}")
    # Why no_grad: the teacher's structure is a fixed target, including its mean distance.
    with torch.no_grad():
        target = _normalised_distances(teacher_emb)
    # Why Huber (smooth L1, beta 1): quadratic near 0, linear for large gaps, so a few outlier
    # pairs do not dominate the gradient; reduction "mean" averages over the N(N-1) pairs.
    return F.smooth_l1_loss(_normalised_distances(student_emb), target, beta=1.0)


# Common mistakes
# - No normalisation by the mean distance: the loss then depends on the embeddings' scale, and a
#   student of another width (or a scaled copy of the teacher) is penalised for nothing.
# - Squared distances ‖x_i − x_j‖² instead of distances: a different geometry (pairs far apart
#   dominate), even after normalisation.
# - MSE (or L1) instead of the Huber loss.
# - The diagonal kept in: the mean distance, the loss's average, or both then run over N² pairs.
# - sqrt of a squared distance that can be 0: d/dx sqrt(x) is infinite at 0, so the gradient is
#   NaN on the diagonal and for duplicate rows (use torch.cdist / F.pdist / vector_norm, or
#   clamp the squared distance before the sqrt).
# - The mean over positive distances only (d[d > 0].mean(), as in the paper's code): duplicate
#   pairs then leave the mean although they are pairs like any other.
# - Normalising both by the teacher's mean distance (each side needs its own).
# - Teacher not detached: gradients leak into the teacher when its embeddings require grad.
