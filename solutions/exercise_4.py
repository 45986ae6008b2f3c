"""Reference solution: leave-one-out HR@K and NDCG@K with sampled negatives (He et al., 2017)."""

from __future__ import annotations

import torch
from torch import Tensor


def hit_ratio_ndcg_loo(pos_scores: Tensor, neg_scores: Tensor, k: int) -> tuple[float, float]:
    """(HR@k, NDCG@k) of the held-out items ranked against their sampled negatives."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if (
        pos_scores.dim() != 1
        or neg_scores.dim() != 2
        or neg_scores.shape[0] != pos_scores.shape[0]
        or pos_scores.shape[0] == 0
    ):
        raise ValueError(
            f"shape mismatch: pos_scores {tuple(pos_scores.shape)} must be (U,) and "
            f"neg_scores {tuple(neg_scores.shape)} must be (U, M), with U >= 1"
        )

    # Why count instead of sorting: the rank of one item is just how many candidates beat it,
    # and counting makes the tie rule explicit (a sort or topk orders equal scores arbitrarily).
    # Why >=: ties are pessimistic; a negative that scores exactly as high as the held-out item
    # ranks above it, so a model that scores everything alike cannot score a hit.
    # Why unsqueeze(1): each row of negatives is compared with its own user's held-out score.
    beaten_by = (neg_scores >= pos_scores.unsqueeze(1)).sum(dim=1)
    # Why 1 +: ranks start at 1, so an item above every negative has rank 1 and NDCG 1/log2(2) = 1.
    rank = 1 + beaten_by
    hit = rank <= k
    # Why float64: the discounts and the mean are exact to the last bit whatever the input dtype.
    # Why log2(rank + 1) and where(hit, ..., 0): the DCG of a single relevant item at `rank`,
    # cut off at k; the ideal DCG is 1 (the item at rank 1), so this is already normalised.
    gain = torch.where(hit, 1.0 / torch.log2(rank.to(torch.float64) + 1.0), 0.0)
    # Why mean over all users: a miss is a user too, with HR 0 and NDCG 0.
    # Why .item(): metrics are reported as Python floats, detached from any device.
    return hit.to(torch.float64).mean().item(), gain.mean().item()


# Common mistakes
# - Optimistic ties, rank = 1 + #{neg > pos}: a model that scores every item alike (a collapsed
#   or untrained model) puts the held-out item at rank 1 and gets a perfect HR.
# - Natural log instead of log2: NDCG of a hit at rank 1 becomes 1/ln 2 ≈ 1.44 instead of 1.
# - 0-based rank: compared with `rank <= k` it counts rank k + 1 as a hit; with 1/log2(rank + 1)
#   it divides by log2(1) = 0 for the top item.
# - Ranking with topk/argsort over cat([pos, neg]): equal scores come out in an arbitrary order
#   (or with the held-out item first), which is not the pessimistic rule.
# - NDCG averaged over the users with a hit only: misses must count as 0.
# - neg_scores >= pos_scores without unsqueeze(1): pos broadcasts along the M columns, so each
#   negative is compared with another user's held-out item (and it only runs when U == M).
