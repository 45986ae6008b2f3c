"""The lab's teacher (EASE) and student (matrix factorisation)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn


class EASE:
    """Embarrassingly Shallow Autoencoder (Steck, WWW 2019): an item-item weight matrix B with a
    zero diagonal, in closed form, B = I - P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹.

    A strong top-N recommender and a big one: I² parameters. Scores are `history @ B`.
    """

    def __init__(self, train: Tensor, lam: float) -> None:
        gram = (train.T @ train).double()
        gram.diagonal().add_(lam)
        inverse = torch.linalg.inv(gram)
        weights = -inverse / inverse.diagonal()
        weights.diagonal().zero_()
        self.weights = weights.to(train.dtype)
        self.lam = lam

    def scores(self, history: Tensor) -> Tensor:
        """Scores of every item for users given by their (B, I) 0/1 history rows."""
        return history @ self.weights

    def scores_of(self, data: Any, users: Tensor | None = None) -> Tensor:
        """Scores of every item for `users` (all by default) of a pipeline `Data`, from its
        (recency-weighted) history rows."""
        return self.scores(data.history if users is None else data.history[users])

    def parameter_count(self) -> int:
        return self.weights.numel()


class MatrixFactorization(nn.Module):
    """The student: a user and an item embedding table; a score is their dot product."""

    def __init__(self, n_users: int, n_items: int, dim: int) -> None:
        super().__init__()
        self.users = nn.Embedding(n_users, dim)
        self.items = nn.Embedding(n_items, dim)
        nn.init.normal_(self.users.weight, std=0.1)
        nn.init.normal_(self.items.weight, std=0.1)

    def forward(self, users: Tensor) -> Tensor:
        """Scores of every item for the given users, (B, I)."""
        return self.users(users) @ self.items.weight.T

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())
