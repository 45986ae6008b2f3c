"""Correct DLLM2Rec weights and loss with Python loops over the users (sets for the top-K)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def importance_aware_weights(
    teacher_topk: Tensor,
    teacher_distance: Tensor,
    student_scores: Tensor,
    lam: float = 1.0,
    gammas: tuple[float, float, float] = (0.3, 0.5, 0.1),
) -> Tensor:
    """One user at a time."""
    gamma_p, gamma_c, gamma_o = gammas
    if gamma_p < 0 or gamma_c < 0 or gamma_o < 0 or gamma_p + gamma_c + gamma_o <= 0:
        raise ValueError(f"invalid gammas {gammas!r}")
    batch, k = teacher_topk.shape
    position = [math.exp(-(r - 1) / lam) for r in range(1, k + 1)]  # no 0 / 0 for tiny lam
    position = [p / sum(position) for p in position]
    rows = []
    for b in range(batch):
        own = set(torch.topk(student_scores[b].detach(), k).indices.tolist())
        conf = F.softmax(-teacher_distance[b].detach().double(), dim=0).tolist()
        items = teacher_topk[b].tolist()
        row = [
            gamma_p * position[r] + gamma_c * conf[r] + gamma_o * (1.0 if items[r] in own else 0.0)
            for r in range(k)
        ]
        total = sum(row)
        rows.append([x / total for x in row])
    return torch.tensor(rows, dtype=student_scores.dtype, device=student_scores.device)


def importance_aware_rd_loss(
    student_scores: Tensor,
    teacher_topk: Tensor,
    weights: Tensor,
    neg_items: Tensor,
) -> Tensor:
    """Sum the per-user losses in a loop, then divide by the number of users."""
    total = student_scores.new_zeros(())
    for b in range(student_scores.shape[0]):
        pos = student_scores[b, teacher_topk[b]]
        neg = student_scores[b, neg_items[b]]
        w = weights[b].detach().to(student_scores.dtype)
        total = total + (w * (-F.logsigmoid(pos) - F.logsigmoid(-neg))).sum()
    return total / student_scores.shape[0]
