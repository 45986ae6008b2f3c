"""Correct DLLM2Rec weights and loss written out by hand, with float64 internals cast back."""

from __future__ import annotations

import torch
from torch import Tensor


def importance_aware_weights(
    teacher_topk: Tensor,
    teacher_distance: Tensor,
    student_scores: Tensor,
    lam: float = 1.0,
    gammas: tuple[float, float, float] = (0.3, 0.5, 0.1),
) -> Tensor:
    """Position, confidence and consistency weights, each row normalised."""
    if any(g < 0 for g in gammas):
        raise ValueError("gammas must all be non-negative")
    if sum(gammas) == 0:
        raise ValueError("gammas sum to zero")
    g_p, g_c, g_o = gammas
    k = teacher_topk.shape[1]
    d = teacher_distance.detach().to(torch.float64)
    r = torch.arange(1, k + 1, dtype=torch.float64, device=d.device)
    w_p = torch.exp(-(r - 1) / lam)  # the first term is exp(0): no 0 / 0 for a tiny lam
    w_p = w_p / w_p.sum()
    # Subtracting the row minimum keeps exp() away from underflow; the ratio is unchanged.
    e = torch.exp(-(d - d.min(dim=1, keepdim=True).values))
    w_c = e / e.sum(dim=1, keepdim=True)
    top = student_scores.detach().topk(k, dim=1).indices
    in_top = torch.zeros(student_scores.shape, dtype=torch.bool, device=d.device)
    in_top.scatter_(1, top, True)
    w_o = in_top.gather(1, teacher_topk).to(torch.float64)
    w = g_p * w_p.unsqueeze(0) + g_c * w_c + g_o * w_o
    w = w / w.sum(dim=1, keepdim=True)
    return w.to(student_scores.dtype)


def importance_aware_rd_loss(
    student_scores: Tensor,
    teacher_topk: Tensor,
    weights: Tensor,
    neg_items: Tensor,
) -> Tensor:
    """Weighted BCE on the teacher items and their sampled negatives, in float64."""
    s = student_scores.to(torch.float64)
    w = weights.detach().to(torch.float64)
    pos = torch.gather(s, 1, teacher_topk)
    neg = torch.gather(s, 1, neg_items)
    # -log σ(x) = softplus(-x) and -log σ(-x) = softplus(x), both stable.
    terms = torch.nn.functional.softplus(-pos) + torch.nn.functional.softplus(neg)
    return ((w * terms).sum(dim=1).sum() / s.shape[0]).to(student_scores.dtype)
