"""Whether a distilled student really beats the one trained from scratch: the per-user paired
difference of test NDCG@10 (each user's value averaged over the seeds first), its 95% bootstrap
confidence interval over users, and a two-sided p-value from a paired sign-flip test.

Users, not seeds, are the unit: with 3 seeds a mean ± std says little, while ~900 users give a
tight interval. Pairing by user removes what the two students share (how hard each user is).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from kdquiz.lab.report import format_p  # noqa: F401 - where it was; it lives with the report

RESAMPLES = 2000
"""Bootstrap resamples and sign flips: enough for a CI's second decimal and p down to ~0.001."""
LEVEL = 0.95


def ndcg_per_user(pos: Tensor, neg: Tensor, k: int = 10) -> Tensor:
    """Each user's NDCG@k of the held-out item: 1/log2(rank + 1) when its rank is at most k,
    else 0; rank = 1 + the items scored at least as high (ties count against it), as in
    exercise 4. `neg` has -inf for the items not ranked."""
    rank = 1 + (neg >= pos.unsqueeze(1)).sum(dim=1).double()
    gain = 1.0 / torch.log2(rank + 1)
    return torch.where(rank <= k, gain, torch.zeros_like(gain))


def paired(student: np.ndarray, scratch: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """The student minus scratch over users: mean, 95% bootstrap CI, two-sided p-value, and
    whether the CI excludes 0 (only then does the student "beat" scratch)."""
    diff = np.asarray(student, dtype=np.float64) - np.asarray(scratch, dtype=np.float64)
    n = len(diff)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, n, size=(RESAMPLES, n))].mean(axis=1)
    low, high = np.quantile(means, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    observed = diff.mean()
    signs = rng.choice([-1.0, 1.0], size=(RESAMPLES, n))
    flipped = np.abs((signs * diff).mean(axis=1))
    p = (1 + int((flipped >= abs(observed) - 1e-15).sum())) / (RESAMPLES + 1)
    return {
        "diff": float(observed),
        "ci": [float(low), float(high)],
        "p": float(p),
        "users": n,
        "significant": bool(low > 0 or high < 0),
    }


def sample_std(values: list[float]) -> float:
    """The sample standard deviation (n - 1), 0 for fewer than two values."""
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
