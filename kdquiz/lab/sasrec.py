"""A sequential transformer teacher: SASRec (Kang & McAuley, ICDM 2018), trained with the
full-softmax cross-entropy over every item at every position, which trains SASRec far better
than its original one-negative binary loss (Klenitskiy & Vasilev, RecSys 2023).

It reads each user's last `max_len` training items in time order and scores every item as the
next one. Its choices follow the lab's protocol: the epoch count is chosen on validation
(patience), and the final teacher is trained again on train+validation for that many epochs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class SASRecConfig:
    dim: int = 64
    blocks: int = 2
    heads: int = 2
    max_len: int = 50
    """How many of a user's latest items it reads."""
    dropout: float = 0.2
    lr: float = 2e-3
    batch_users: int = 64
    epochs: int = 200
    patience: int = 40
    """The students' rule: stop after this many epochs without a validation gain."""
    eval_every: int = 5


def sequences(users: np.ndarray, items: np.ndarray, n_users: int, length: int) -> Tensor:
    """(n_users, length) item ids + 1 of each user's latest `length` items in time order, left
    padded with 0. `users`/`items` are grouped by user, each user's items in time order (as a
    `Split` keeps them)."""
    out = torch.zeros(n_users, length, dtype=torch.long)
    starts = np.searchsorted(users, np.arange(n_users))
    ends = np.searchsorted(users, np.arange(n_users), side="right")
    for user in range(n_users):
        latest = items[starts[user] : ends[user]][-length:]
        if len(latest):
            out[user, length - len(latest) :] = torch.as_tensor(latest + 1)
    return out


class SASRec(nn.Module):
    """Item and position embeddings, causal pre-norm transformer blocks; an item's score is
    the dot product of the last position's output with the item's (shared) embedding."""

    def __init__(self, n_items: int, config: SASRecConfig) -> None:
        super().__init__()
        self.items = nn.Embedding(n_items + 1, config.dim, padding_idx=0)
        self.positions = nn.Embedding(config.max_len, config.dim)
        # Why small embeddings: N(0, 1) items make the first logits huge and the softmax
        # saturate, and the model then hardly learns (loss stuck near log(items)).
        nn.init.normal_(self.items.weight, std=0.02)
        nn.init.normal_(self.positions.weight, std=0.02)
        with torch.no_grad():
            self.items.weight[0].zero_()
        layer = nn.TransformerEncoderLayer(
            config.dim, config.heads, config.dim, config.dropout, activation="gelu",
            batch_first=True, norm_first=True,
        )  # fmt: skip
        self.encoder = nn.TransformerEncoder(layer, config.blocks, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(config.dim)
        self.dropout = nn.Dropout(config.dropout)
        mask = torch.triu(torch.full((config.max_len, config.max_len), float("-inf")), 1)
        self.register_buffer("causal", mask)

    def hidden(self, sequence: Tensor) -> Tensor:
        """(users, max_len, dim): each position's state, having seen the items up to it."""
        x = self.dropout(self.items(sequence) + self.positions.weight)
        return self.norm(self.encoder(x, mask=self.causal, is_causal=True))

    def forward(self, sequence: Tensor) -> Tensor:
        """(users, items): every item's score as the item after the sequence."""
        return self.hidden(sequence)[:, -1] @ self.items.weight[1:].T

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


def train_sasrec(train: Tensor, n_items: int, config: SASRecConfig, seed: int,
                 validate: Callable[[SASRec], float] | None, epochs: int | None = None,
                 progress: Callable[[dict[str, Any]], None] = lambda event: None,
                 ) -> tuple[SASRec, float, int]:  # fmt: skip
    """Train on `train`, (users, max_len + 1) sequences: each position learns the next item.
    With `validate` (the validation NDCG@10 of the model so far): up to `config.epochs`,
    stopping after `config.patience` epochs without a gain, the best epoch's weights kept.
    With `epochs`: exactly that many. Returns the model, its best validation score (NaN
    without validation) and the epoch count."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    device = train.device
    model = SASRec(n_items, config).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    users = torch.nonzero((train > 0).sum(1) > 1).squeeze(1)  # at least one next item
    best, best_epoch, best_state = -1.0, 0, None
    last = epochs if epochs is not None else config.epochs
    for epoch in range(1, last + 1):
        model.train()
        order = users[torch.randperm(len(users), generator=generator).to(device)]
        for batch in torch.split(order, config.batch_users):
            sequence = train[batch]
            logits = model.hidden(sequence[:, :-1]) @ model.items.weight[1:].T
            targets = sequence[:, 1:] - 1  # -1: padding, ignored
            loss = nn.functional.cross_entropy(
                logits.reshape(-1, n_items), targets.reshape(-1), ignore_index=-1
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        # The students' epoch event, for the teacher: the progress line shows it.
        event: dict[str, Any] = {"event": "epoch", "model": "teacher", "weight": 0.0,
                                 "seed": seed, "epoch": epoch, "epochs": last,
                                 "phase": "select" if validate else "refit"}  # fmt: skip
        if validate is None or (epoch % config.eval_every and epoch != last):
            progress(event)
            continue
        model.eval()
        with torch.no_grad():
            score = validate(model)
        progress({**event, "valid_ndcg": score})
        if score > best:
            best, best_epoch = score, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        if epoch - best_epoch >= config.patience:
            break
    if validate is None:
        return model.eval(), float("nan"), last
    assert best_state is not None
    model.load_state_dict(best_state)
    return model.eval(), best, best_epoch


class SequenceTeacher:
    """A trained SASRec as the lab's teacher: it scores each user's latest items of a phase."""

    def __init__(self, model: SASRec, max_len: int) -> None:
        self.model, self.max_len = model, max_len

    def scores_of(self, data: Any, users: Tensor | None = None) -> Tensor:
        sequence = data.sequences(self.max_len)
        if users is not None:
            sequence = sequence[users]
        with torch.no_grad():
            return torch.cat([self.model(chunk) for chunk in torch.split(sequence, 1024)])

    def parameter_count(self) -> int:
        return self.model.parameter_count()


def fit_sasrec(select: Any, final: Any, fn: Any, progress: Callable[[dict[str, Any]], None],
               config: SASRecConfig = SASRecConfig()) -> Any:  # fmt: skip
    """The lab's protocol for a sequential teacher: its epoch count chosen on validation
    (seed 0), then a model trained again on train+validation for that many epochs."""
    from kdquiz.lab.pipeline import Teachers, evaluate

    n_items = select.split.n_items

    def validate(model: SASRec) -> float:
        scores = SequenceTeacher(model, config.max_len).scores_of(select, select.evaluated)
        return evaluate(scores, select, fn)["NDCG@10"]

    model, valid, epochs = train_sasrec(select.sequences(config.max_len + 1), n_items, config, 0,
                                        validate, progress=progress)  # fmt: skip
    refit, _, _ = train_sasrec(final.sequences(config.max_len + 1), n_items, config, 0, None,
                               epochs=epochs, progress=progress)  # fmt: skip
    chosen = {"epochs": epochs, "valid_ndcg": valid, "dim": config.dim, "blocks": config.blocks,
              "max_len": config.max_len}  # fmt: skip
    return Teachers(SequenceTeacher(model, config.max_len), SequenceTeacher(refit, config.max_len),
                    0.0, "teacher (SASRec)", chosen)  # fmt: skip
