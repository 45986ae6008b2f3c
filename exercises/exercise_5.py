"""Exercise 5: full-ranking Recall@K and NDCG@K.

Rank the whole catalogue for every user, not a sample of it (Krichene & Rendle, 2020, show that
metrics on sampled candidates can even reverse which of two models is better), and measure how
many of the user's relevant items the top k holds and how high they sit.

Write `recall_ndcg_at_k(scores, relevant, k, exclude=None)`.

For each user u:
1. Remove the items with exclude[u, i] = True (e.g. the items seen in training) from the ranking.
2. Order the remaining items by score, highest first; equal scores are ordered by item index,
   lowest first (so among tied items, item 3 comes before item 7).
3. Take the first k items of that list (all of them when fewer remain). Let rel_j = 1 if the
   item at position j (j = 1, 2, ...) is relevant, else 0, and R_u = the set of relevant items.

    Recall@k = (Σ_{j<=k} rel_j) / |R_u|
    DCG@k    = Σ_{j<=k} rel_j / log2(j + 1)
    IDCG@k   = Σ_{j=1}^{min(k, |R_u|)} 1 / log2(j + 1)     (the DCG of a perfect ranking)
    NDCG@k   = DCG@k / IDCG@k

Both metrics are averaged over the users that have at least one relevant item; a user with no
relevant item has no defined recall and is left out of both averages (not counted as 0).

Inputs:
    scores    (U, I) float32 or float64: the model's score of every item for every user
    relevant  (U, I) bool: True for the user's held-out (test) items
    k         int >= 1, the cut-off; k > I behaves as k = I
    exclude   (U, I) bool or None: items removed from the ranking; None removes nothing

Returns the tuple (Recall@k, NDCG@k) of two Python floats.

Requirements:
- The inputs are never modified in place.
- Raise ValueError, with the parameter's name in the message, for
    k < 1                                                      (message names "k")
    relevant or exclude of another shape than scores (U, I)    (message names "shape")
    no user has any relevant item                              (message names "relevant")
    an item that is both excluded and relevant                 (message names "exclude")

Example: scores = [[0.9, 0.1, 0.5, 0.5]], relevant = [[False, True, False, True]], k = 2.
The ranking is items 0, 2, 3, 1 (items 2 and 3 tie; 2 comes first), so the top 2 holds no
relevant item: Recall@2 = 0 and NDCG@2 = 0. With k = 3: item 3 is a hit at position 3, so
Recall@3 = 1/2 and NDCG@3 = (1/log2(4)) / (1 + 1/log2(3)) ≈ 0.3066.
"""

from __future__ import annotations

import torch
from torch import Tensor


def recall_ndcg_at_k(
    scores: Tensor, relevant: Tensor, k: int, exclude: Tensor | None = None
) -> tuple[float, float]:
    """Return (Recall@k, NDCG@k) of a full ranking, averaged over users with relevant items."""
    raise NotImplementedError
