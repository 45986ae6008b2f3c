"""Exercise 13: listwise distillation over candidate lists.

A large reranker (for instance an LLM that reorders a user's or a query's candidates) is too
slow to serve, so a small ranker learns to reproduce its preferences. Both score the same
candidate lists; the student matches the teacher's distribution over each list:

    loss = T² · mean over lists b of  KL(p_t[b] ‖ p_s[b])

    p_t[b] = softmax(teacher_scores[b] / T)     over list b's valid candidates only
    p_s[b] = softmax(student_scores[b] / T)     likewise
    KL(p_t ‖ p_s) = Σ_i p_t[i] · (log p_t[i] − log p_s[i])   summed over the valid candidates

where T is `temperature`. Lists have different lengths, so they are padded to a common length L:
`mask[b, i]` is True for a real candidate and False for padding. Padded positions take no part
in either softmax, whatever values they hold (0, large numbers, NaN, +inf or −inf), and receive
no gradient.

The mean runs over the lists that have at least one valid candidate (a list with a single valid
candidate has KL 0 and still counts). When no list has a valid candidate, return a zero that
still back-propagates: loss.backward() works and gives the student zero gradients (not NaN).

Inputs:
    student_scores  (B, L) float32 or float64
    teacher_scores  (B, L) same dtype
    mask            (B, L) bool, True = real candidate; None means every candidate is real
    temperature     T > 0 (default 1.0)

Returns a 0-dim tensor with the scores' dtype, on their device.

Requirements:
- The teacher is fixed: no gradient reaches teacher_scores (its .grad stays None).
- Numerically stable: a finite value and finite gradients for scores as large as ±1e3.
- The inputs are never modified in place.
- Raise ValueError, with "temperature" in the message, for temperature <= 0.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def listwise_distillation_loss(
    student_scores: Tensor,
    teacher_scores: Tensor,
    mask: Tensor | None = None,
    temperature: float = 1.0,
) -> Tensor:
    """Return T² · KL(teacher ‖ student) over each list's valid candidates, averaged over lists."""
    raise NotImplementedError
