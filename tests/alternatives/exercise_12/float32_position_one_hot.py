"""Correct DLLM2Rec weights and loss: float32 position weights (as exercise 8's
position_weights returns them), explicit exp() normalisations shifted so that the largest term is
exp(0) (no underflow to 0 / 0), one-hot membership, einsum."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def _position_weights(k: int, lam: float, device: torch.device) -> Tensor:
    # exp(-(r - 1) / lam): the same ratios as exp(-r / lam), and the first term is exactly 1.
    w = torch.exp(-torch.arange(0, k, dtype=torch.float32, device=device) / lam)
    return w / w.sum()


def importance_aware_weights(
    teacher_topk: Tensor,
    teacher_distance: Tensor,
    student_scores: Tensor,
    lam: float = 1.0,
    gammas: tuple[float, float, float] = (0.3, 0.5, 0.1),
) -> Tensor:
    """Weights from float32 position weights and explicit formulas."""
    if min(gammas) < 0 or math.isclose(sum(gammas), 0.0, abs_tol=0.0):
        raise ValueError(f"gammas={gammas}: need non-negative values with a positive sum")
    dtype = student_scores.dtype
    k = teacher_topk.shape[-1]
    with torch.no_grad():
        w_p = _position_weights(k, lam, student_scores.device).to(dtype)
        d = teacher_distance.to(dtype)
        e = torch.exp(-(d - d.amin(-1, keepdim=True)))
        w_c = e / e.sum(-1, keepdim=True)
        own = student_scores.topk(k, dim=-1).indices
        hits = F.one_hot(own, student_scores.shape[-1]).sum(-2)  # (B, I): 1 on the top-K
        w_o = hits.gather(-1, teacher_topk).to(dtype)
        w = gammas[0] * w_p + gammas[1] * w_c + gammas[2] * w_o
        return w / w.sum(-1, keepdim=True)


def importance_aware_rd_loss(
    student_scores: Tensor,
    teacher_topk: Tensor,
    weights: Tensor,
    neg_items: Tensor,
) -> Tensor:
    """einsum over users and items, divided by the number of users."""
    w = weights.detach().to(student_scores.dtype)
    pos = student_scores.gather(-1, teacher_topk)
    neg = student_scores.gather(-1, neg_items)
    terms = -F.logsigmoid(pos) - F.logsigmoid(-neg)
    return torch.einsum("bk,bk->", w, terms) / terms.shape[0]
