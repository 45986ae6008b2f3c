"""A correct hint_loss: ½‖D‖²_F over the kept rows (torch.linalg.norm), divided by their count."""

from __future__ import annotations

import torch


def hint_loss(student_h, teacher_h, regressor, mask=None):
    diff = regressor(student_h) - teacher_h.detach()
    if mask is not None:
        diff = diff[mask]
        n = int(mask.sum())
    else:
        n = diff[..., 0].numel()
    return 0.5 * torch.linalg.norm(diff.reshape(-1)) ** 2 / max(n, 1)
