"""Correct: own KD loss with nn.KLDivLoss / nn.CrossEntropyLoss modules, student.zero_grad(),
teacher frozen by requires_grad_(False) (restored afterwards) instead of no_grad, math.fsum."""

from __future__ import annotations

import math

import torch
from torch import nn


def train_student_epoch(student, teacher, loader, optimizer, temperature=4.0, alpha=0.5):
    if temperature <= 0:
        raise ValueError(f"bad temperature {temperature!r}")
    kl = nn.KLDivLoss(reduction="batchmean", log_target=True)
    ce = nn.CrossEntropyLoss()
    flags = [p.requires_grad for p in teacher.parameters()]
    was = [module.training for module in teacher.modules()]
    teacher.eval()
    student.train()
    for p in teacher.parameters():
        p.requires_grad_(False)
    parts, count = [], 0
    try:
        for x, y in loader:
            student.zero_grad()
            t_logits = teacher(x)
            s_logits = student(x)
            T = temperature
            soft = kl(torch.log_softmax(s_logits / T, -1), torch.log_softmax(t_logits / T, -1))
            loss = alpha * T * T * soft + (1 - alpha) * ce(s_logits, y)
            loss.backward()
            optimizer.step()
            parts.append(loss.item() * y.numel())
            count += y.numel()
    finally:
        for p, f in zip(teacher.parameters(), flags, strict=True):
            p.requires_grad_(f)
        for module, flag in zip(teacher.modules(), was, strict=True):
            module.training = flag
    if not count:
        raise ValueError("the loader yielded nothing")
    return math.fsum(parts) / count
