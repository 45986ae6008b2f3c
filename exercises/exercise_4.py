"""Exercise 4: leave-one-out HR@K and NDCG@K with sampled negatives.

The evaluation protocol of Neural Collaborative Filtering (He et al., 2017) and many papers
after it: for each user, one interaction is held out; the model scores that item together with
M sampled items the user never interacted with (the "negatives"), and the metric asks where the
held-out item lands in this list of M + 1 candidates.

Write `hit_ratio_ndcg_loo`. For user u, with p = pos_scores[u] and n_j = neg_scores[u, j]:

    rank_u = 1 + #{ j : n_j >= p }                      (rank 1 is the top of the list)

    HR@k   = (1 / U) · Σ_u 1[rank_u <= k]
    NDCG@k = (1 / U) · Σ_u 1[rank_u <= k] / log2(rank_u + 1)

Ties are pessimistic: a negative whose score equals the held-out item's score ranks above it.
So a model that gives every item the same score puts every held-out item at rank M + 1 and gets
HR@k = 0 whenever M >= k. A held-out item ranked below k counts as 0 in both averages, which
run over all U users.

Inputs:
    pos_scores  (U,)    float32 or float64: the score of each user's held-out item
    neg_scores  (U, M)  same dtype: the scores of that user's M sampled negatives
    k           int >= 1, the cut-off; it may exceed M + 1 (then every user is a hit)

Returns the tuple (HR@k, NDCG@k) of two Python floats.

Requirements:
- The inputs are never modified in place.
- Raise ValueError, with the parameter's name in the message, for
    k < 1                                                    (message names "k")
    pos_scores not of shape (U,), or neg_scores not of shape (U, M) for the same U
                                                             (message names "shape")

Example: pos_scores = [3.0, 1.0, 2.0], neg_scores = [[1.0, 2.0], [1.0, 5.0], [2.0, 0.0]], k = 2.
The ranks are 1, 3 (the tie 1.0 = 1.0 counts against the held-out item) and 2, so
HR@2 = 2/3 and NDCG@2 = (1 + 0 + 1/log2(3)) / 3 ≈ 0.5436.
"""

from __future__ import annotations

import torch
from torch import Tensor


def hit_ratio_ndcg_loo(pos_scores: Tensor, neg_scores: Tensor, k: int) -> tuple[float, float]:
    """Return (HR@k, NDCG@k) of the held-out items ranked against their sampled negatives."""
    raise NotImplementedError
