"""A correct rkd_distance_loss on the full N×N matrices, dividing sums by N(N-1) explicitly."""

from __future__ import annotations

import torch


def rkd_distance_loss(student_emb: torch.Tensor, teacher_emb: torch.Tensor) -> torch.Tensor:
    n = student_emb.shape[0]
    if n < 2:
        raise ValueError(f"need at least two rows, got {n}")
    d_s = torch.cdist(student_emb, student_emb)
    d_t = torch.cdist(teacher_emb, teacher_emb).detach()
    pairs = n * (n - 1)
    # the diagonal is 0 in both, so it adds nothing to the sums
    psi_s = d_s / (d_s.sum() / pairs)
    psi_t = d_t / (d_t.sum() / pairs)
    z = psi_s - psi_t
    huber = torch.where(z.abs() < 1, 0.5 * z**2, z.abs() - 0.5)
    return huber.sum() / pairs
