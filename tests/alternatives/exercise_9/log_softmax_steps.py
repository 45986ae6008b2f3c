"""Relaxed ranking loss as a sum of log_softmax picks, one per step."""

import torch
import torch.nn.functional as F


def relaxed_ranking_loss(interesting, uninteresting):
    total = interesting.new_zeros(interesting.shape[0])
    for k in range(interesting.size(1)):
        pool = torch.cat((interesting[:, k:], uninteresting), dim=1)
        total = total - F.log_softmax(pool, dim=1)[:, 0]
    return total.mean()
