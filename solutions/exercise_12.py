"""Reference solution: importance-aware ranking distillation from an LLM recommender (DLLM2Rec,
Cui et al., RecSys 2024)."""

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
    """The (B, K) DLLM2Rec weights: position, confidence and consistency, rows summing to 1."""
    g_p, g_c, g_o = (float(g) for g in gammas)
    if min(g_p, g_c, g_o) < 0 or g_p + g_c + g_o == 0:
        raise ValueError(f"gammas must be >= 0 and not all 0, got {gammas}")
    if lam <= 0:
        raise ValueError(f"lam must be > 0, got {lam}")

    k = teacher_topk.shape[-1]
    dtype = student_scores.dtype
    # Why no_grad: the weights are fixed targets for this step; the student must not learn to
    # change its own weights (and the teacher's distances are not parameters to train).
    with torch.no_grad():
        ranks = torch.arange(1, k + 1, device=student_scores.device, dtype=dtype)
        # Why softmax: it is exactly exp(-r/λ) / Σ exp(-r'/λ), the normalised position weight.
        w_p = torch.softmax(-ranks / lam, dim=0)
        # Why per user (dim=-1): distances of different users are not on a common scale; each
        # user's K confidences share the mass 1, like the position weights. Lower distance means
        # more confident, hence the minus sign.
        w_c = torch.softmax(-teacher_distance.to(dtype), dim=-1)
        # Why membership, not position: an item counts as consistent when the student ranks it
        # anywhere in its own top-K, whatever its position there.
        student_topk = student_scores.topk(k, dim=-1).indices
        w_o = (teacher_topk.unsqueeze(-1) == student_topk.unsqueeze(-2)).any(dim=-1).to(dtype)
        w = g_p * w_p + g_c * w_c + g_o * w_o
        # Why normalise again: the loss then spends the same total weight on every user.
        return w / w.sum(dim=-1, keepdim=True)


def importance_aware_rd_loss(
    student_scores: Tensor,
    teacher_topk: Tensor,
    weights: Tensor,
    neg_items: Tensor,
) -> Tensor:
    """Mean over users of Σ_k w_k·(−log σ(s[topk_k]) − log σ(−s[neg_k]))."""
    # Why detach: the weights say how much to trust each teacher item; gradient descent would
    # otherwise lower the loss by shrinking the weights instead of improving the student.
    weights = weights.detach().to(student_scores.dtype)
    pos = student_scores.gather(-1, teacher_topk)
    neg = student_scores.gather(-1, neg_items)
    # Why logsigmoid: log(sigmoid(x)) is log(0) = -inf at x = -1e3; logsigmoid stays finite.
    # Why -s for the negative: log σ(-s) = log(1 - σ(s)), the BCE term for a label 0.
    per_item = -F.logsigmoid(pos) - F.logsigmoid(-neg)
    # Why sum over k, then mean over users: the weights already sum to 1 per user.
    return (weights * per_item).sum(dim=-1).mean()


# Common mistakes
# - Confidence not normalised per user: exp(-d) used raw (or normalised over the whole batch),
#   so users with small distances dominate the combination with the position weights.
# - Distance sign flipped: softmax(d) trusts the items the teacher is least sure about.
# - Position weights not normalised, increasing with rank, or exp(-r·λ) instead of exp(-r/λ).
# - Consistency by position (teacher_topk[b, r] == student_topk[b, r]) instead of membership
#   in the student's top-K; or the student's bottom-K (topk(largest=False), ascending argsort).
# - Gammas applied in the wrong order, or the combined weights not normalised per row.
# - log σ(1 - s) for the negatives (as in the paper's released code) instead of log σ(-s).
# - Unweighted loss (sum or mean over k without the weights).
# - Weights not detached: the loss back-propagates into them.
# - log(sigmoid(x)): -inf and NaN gradients at scores of magnitude 1e3.
