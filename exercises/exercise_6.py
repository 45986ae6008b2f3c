"""Exercise 6: the two offline metrics of a CTR model, AUC and LogLoss.

A distilled CTR student is judged offline by the same two numbers as its teacher: how well it
ranks clicks above non-clicks (AUC) and how good its probabilities are (LogLoss). Write both.

AUC (the area under the ROC curve) is the probability that a randomly chosen positive sample gets
a higher score than a randomly chosen negative one, a tie counting as half a win:

    AUC = (1 / (P · N)) · Σ_{i positive} Σ_{j negative} w(s_i, s_j)
    w(a, b) = 1 if a > b,  ½ if a = b,  0 if a < b

where P and N are the numbers of positives and negatives. Equivalently (Mann–Whitney U): rank all
the scores in ascending order from 1 to P + N, giving each group of tied scores the average of the
ranks it occupies; with R⁺ the sum of the positives' ranks,

    AUC = (R⁺ − P · (P + 1) / 2) / (P · N)

LogLoss is the mean binary cross-entropy of predicted probabilities p_i against labels y_i, with
each probability first clipped to [eps, 1 − eps] so that a confident mistake costs a large but
finite amount:

    q_i = min(max(p_i, eps), 1 − eps)
    LogLoss = −(1/n) · Σ_i [ y_i · ln q_i + (1 − y_i) · ln(1 − q_i) ]

Inputs:
    scores  (n,) float32 or float64, any real values (higher = more likely a click); ties happen
    probs   (n,) float32 or float64, probabilities in [0, 1] (0 and 1 included)
    labels  (n,) values 0 or 1, of an integer or floating dtype (e.g. int64 or float32)
    eps     the clipping margin, 0 < eps < 0.5 (default 1e-7)

Both functions return a Python float (not a tensor).

Requirements:
- auc_score handles n = 10^6 samples in well under a second: no (P, N) matrix comparing every
  positive with every negative (that is 2.5 · 10^11 pairs for half a million of each).
- auc_score raises ValueError, with "labels" in the message, when the labels hold only one class
  (AUC is undefined then).
- log_loss computes in float64 whatever the inputs' dtype: convert before clipping and taking logs.
- The inputs are never modified in place; the inputs may live on the CPU or a GPU.

Examples:
    auc_score(tensor([0.1, 0.4, 0.35, 0.8]), tensor([0, 0, 1, 1]))  ->  0.75
    auc_score(tensor([0.5, 0.5, 0.2]), tensor([1, 0, 0]))           ->  0.75 (the tie counts ½)
    log_loss(tensor([0.9, 0.2]), tensor([1, 0]))        ->  −(ln 0.9 + ln 0.8) / 2 ≈ 0.164
"""

from __future__ import annotations

import torch
from torch import Tensor


def auc_score(scores: Tensor, labels: Tensor) -> float:
    """Return the ROC AUC of `scores` for binary `labels`, ties counting ½."""
    raise NotImplementedError


def log_loss(probs: Tensor, labels: Tensor, eps: float = 1e-7) -> float:
    """Return the mean binary cross-entropy, with probs clipped to [eps, 1 - eps], in float64."""
    raise NotImplementedError
