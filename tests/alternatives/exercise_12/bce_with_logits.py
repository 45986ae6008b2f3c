"""Correct DLLM2Rec weights and loss: isin-style membership and BCE-with-logits with weights."""

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
    """Built with a graph, then detached at the end."""
    g = torch.tensor(gammas, dtype=torch.float64)
    if bool((g < 0).any()) or float(g.sum()) == 0.0:
        raise ValueError("bad gammas: they must be >= 0 with a positive sum")
    dtype, device = student_scores.dtype, student_scores.device
    k = teacher_topk.size(-1)
    log_p = -torch.arange(1, k + 1, device=device, dtype=dtype) / lam
    w_p = (log_p - torch.logsumexp(log_p, 0)).exp().expand(teacher_topk.shape)
    w_c = F.softmax(-teacher_distance, dim=-1).to(dtype)
    order = student_scores.argsort(dim=-1, descending=True)[..., :k]
    w_o = (teacher_topk[..., :, None] == order[..., None, :]).sum(-1).to(dtype)
    w = float(g[0]) * w_p + float(g[1]) * w_c + float(g[2]) * w_o
    return (w / w.sum(-1, keepdim=True)).detach()


def importance_aware_rd_loss(
    student_scores: Tensor,
    teacher_topk: Tensor,
    weights: Tensor,
    neg_items: Tensor,
) -> Tensor:
    """BCE with logits: label 1 for the teacher items, 0 for their negatives, weights w."""
    w = weights.detach().to(student_scores.dtype)
    pos = student_scores.gather(1, teacher_topk)
    neg = student_scores.gather(1, neg_items)
    logits = torch.cat([pos, neg], dim=1)
    labels = torch.cat([torch.ones_like(pos), torch.zeros_like(neg)], dim=1)
    loss = F.binary_cross_entropy_with_logits(
        logits, labels, weight=torch.cat([w, w], dim=1), reduction="sum"
    )
    return loss / student_scores.shape[0]
