"""Correct DLLM2Rec weights and loss in another style: everything in log space (log_softmax,
logsumexp), membership through a scattered boolean mask, the loss as a softplus sum over an
index loop of the K positions, and extra validation the task allows (lam > 0, matching shapes)."""

from __future__ import annotations

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
    """Log-space position and confidence weights, a scattered top-K mask for consistency."""
    gp, gc, go = map(float, gammas)
    if gp < 0 or gc < 0 or go < 0:
        raise ValueError(f"gammas must not be negative: {gammas}")
    if gp + gc + go <= 0:
        raise ValueError(f"gammas must not sum to 0: {gammas}")
    if not lam > 0:
        raise ValueError(f"lam must be positive: {lam}")
    if teacher_topk.shape != teacher_distance.shape:
        raise ValueError("teacher_topk and teacher_distance must have the same shape")
    dtype = student_scores.dtype
    k = teacher_topk.shape[-1]
    scores = student_scores.detach()
    log_w_p = -torch.arange(1, k + 1, dtype=torch.float64, device=scores.device) / lam
    w_p = (log_w_p - torch.logsumexp(log_w_p, dim=0)).exp().to(dtype)
    w_c = F.log_softmax(-teacher_distance.detach().to(dtype), dim=-1).exp()
    in_top = torch.zeros_like(scores, dtype=torch.bool)
    in_top = in_top.scatter(-1, scores.topk(k, dim=-1).indices, True)
    w_o = torch.where(in_top.gather(-1, teacher_topk), 1.0, 0.0).to(dtype)
    w = gp * w_p + gc * w_c + go * w_o
    return w / w.sum(dim=-1, keepdim=True)


def importance_aware_rd_loss(
    student_scores: Tensor,
    teacher_topk: Tensor,
    weights: Tensor,
    neg_items: Tensor,
) -> Tensor:
    """Σ over the K positions of w_k · (softplus(−s_pos) + softplus(s_neg)), mean over users."""
    w = weights.detach().to(student_scores.dtype)
    per_user = torch.zeros(
        student_scores.shape[0], dtype=student_scores.dtype, device=student_scores.device
    )
    for k in range(teacher_topk.shape[-1]):
        pos = student_scores.gather(-1, teacher_topk[:, k : k + 1]).squeeze(-1)
        neg = student_scores.gather(-1, neg_items[:, k : k + 1]).squeeze(-1)
        per_user = per_user + w[:, k] * (F.softplus(-pos) + F.softplus(neg))
    return per_user.mean()
