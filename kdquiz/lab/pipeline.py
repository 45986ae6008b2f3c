"""The lab's pipeline: train a teacher, extract its knowledge, train students with and without it,
evaluate them all on held-out data. Every loss and metric comes from a `Functions` (the reference
solutions or the learner's own), so the lab runs exactly the code of the exercises."""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor

from kdquiz.lab.data import Split
from kdquiz.lab.functions import Functions
from kdquiz.lab.models import EASE, MatrixFactorization
from kdquiz.lab.significance import ndcg_per_user, paired, sample_std

Progress = Callable[[dict[str, Any]], None]

STUDENTS = {
    "scratch": "student, from scratch",
    "ranking": "ranking KD (ex. 8)",
    "listwise": "listwise KD (ex. 13)",
    "soft": "soft-target KD (ex. 1)",
}
FLOORS = {"popularity": "most popular", "random": "random"}
METRICS = ("HR@10", "NDCG@10", "Recall@20")


@dataclass(frozen=True)
class LabConfig:
    """Everything that shapes a run; the defaults are the measured recipe (see docs/lab.md)."""

    seeds: int = 3
    dim: int = 96
    """Student embedding size, lowered when needed to respect `max_param_ratio`."""
    max_param_ratio: float = 0.1
    """The student may have at most this share of the teacher's parameters: its dim is cut to
    the largest multiple of 8 that fits (at least 8)."""
    epochs: int = 300
    """The most epochs a student trains while its stopping point is chosen on validation."""
    patience: int = 40
    """Stop once validation NDCG@10 has not improved for this many epochs (the same rule for
    every student); the refit on train+validation then trains for the best epoch count."""
    workers: int = 1
    """Processes that train students at the same time (the reference solutions only)."""
    eval_every: int = 2
    batch_users: int = 64
    lr: float = 0.01
    weight_decay: float = 1e-3
    """Adam's L2 penalty, the same for every student (without it the students overfit)."""
    positives: int = 8
    negatives: int = 128
    """Sampled per user and batch, for the pointwise loss that every student trains on."""
    ease_lambdas: tuple[float, ...] = (100.0, 200.0, 400.0)
    recency_boosts: tuple[float, ...] = (0.0, 3.0)
    """The teacher (EASE) scores histories in which each training interaction weighs
    1 + boost · exp(-r / recency_tau), r = how many of the user's training items came after it
    (0 = the latest). The boost is chosen with EASE's λ on validation; 0 is plain EASE."""
    recency_tau: float = 10.0
    positive_tau: float | None = 10.0
    """Every student (scratch included) samples its positives with probability ∝ exp(-r / this);
    None samples them uniformly (as does a chosen recency boost of 0). Tuned on the scratch
    student's validation score."""
    topk: int = 50
    """Ranking KD: how many of the teacher's top items the student learns from."""
    lam: float = 2.0
    """Ranking KD: position weights w_r ∝ exp(-r/lam) (2: mostly the teacher's top 5)."""
    ranking_alphas: tuple[float, ...] = (16.0,)
    list_length: int = 200
    """Listwise KD: candidates per user (the teacher's top items, then the sampled negatives)."""
    temperature: float = 1.0
    teacher_scale: float = 10.0
    """Listwise KD: the teacher's scores are multiplied by this before the softmax. EASE scores
    span about [0, 1]; the student's, trained by the pointwise loss, span several units."""
    listwise_betas: tuple[float, ...] = (16.0,)
    soft_temperature: float = 2.0
    """Soft-target KD (Hinton): temperature of both softmaxes over the whole catalogue."""
    soft_betas: tuple[float, ...] = (8.0,)
    teacher: str = "ease"
    """"ease", or "sasrec": a sequential transformer (`kdquiz/lab/sasrec.py`), whose epoch
    count is chosen on validation like a student's; its logits are not scaled (`teacher_scale`
    is for EASE's scores)."""
    teacher_epochs: int = 200
    """The most epochs the sasrec teacher trains while its epoch count is chosen."""
    device: str = field(default_factory=lambda: os.environ.get("KDQUIZ_DEVICE", "cpu"))


@dataclass
class Trained:
    """One trained student: its best validation NDCG@10, at which epoch, the epoch it stopped
    at, and the validation curve (no validation, NaN and an empty curve, for a refit)."""

    model: MatrixFactorization
    weight: float
    best_valid: float
    best_epoch: int
    stopped_epoch: int
    curve: list[tuple[int, float]]


class Data:
    """One phase of the split as tensors on the run's device: the training matrix and the
    held-out items of its stage ("valid": fit on `train_*`, scored on the validation items;
    "test": fit on `final_*`, train + validation, scored on the test items)."""

    def __init__(self, split: Split, device: torch.device, stage: str) -> None:
        self.split = split
        self.device = device
        self.stage = stage
        users = torch.as_tensor(split.train_users if stage == "valid" else split.final_users)
        items = torch.as_tensor(split.train_items if stage == "valid" else split.final_items)
        self.train = torch.zeros(split.n_users, split.n_items, device=device)
        self.train[users, items] = 1.0
        self.held_out = torch.as_tensor(
            split.valid_items if stage == "valid" else split.test_items, device=device
        )
        self.evaluated = torch.nonzero(self.held_out >= 0).squeeze(1)
        counts = self.train.sum(1).long()
        self.trainable = torch.nonzero(counts > 0).squeeze(1)
        # How recent each training interaction is: the split keeps each user's training items
        # in time order, so r = (items after it) counts from 0 at the latest one.
        first = torch.cumsum(torch.bincount(users, minlength=split.n_users), 0) - counts.cpu()
        after = counts.cpu()[users] - 1 - (torch.arange(len(users)) - first[users])
        self.recency = torch.zeros(split.n_users, split.n_items, device=device)
        self.recency[users, items] = after.float().to(device)
        self.history = self.train
        """The weighted history rows the teacher scores (`set_recency`)."""
        self.positive_weights = self.train
        """What the students sample their positives in proportion to (`set_recency`)."""

    def sequences(self, length: int) -> Tensor:
        """(users, length): each user's latest training items of this phase in time order, ids
        + 1, left padded with 0 (what a sequential teacher reads)."""
        from kdquiz.lab.sasrec import sequences

        split = self.split
        users, items = ((split.train_users, split.train_items) if self.stage == "valid"
                        else (split.final_users, split.final_items))  # fmt: skip
        return sequences(users, items, split.n_users, length).to(self.device)

    def weighted(self, boost: float, tau: float) -> Tensor:
        """The training matrix with each interaction weighted 1 + boost · exp(-r / tau)."""
        return self.train * (1 + boost * torch.exp(-self.recency / tau))

    def set_recency(self, boost: float, tau: float, positive_tau: float | None) -> None:
        """Fix the teacher's history weights (the boost chosen on validation) and the
        students' positive-sampling weights, exp(-r / positive_tau)."""
        self.history = self.weighted(boost, tau)
        # Recent positives only where validation found recency useful to the teacher (on data
        # without an order in time, e.g. the synthetic generator, the boost chosen is 0).
        if positive_tau is not None and boost > 0:
            self.positive_weights = self.train * torch.exp(-self.recency / positive_tau)

    def sample(self, users: Tensor, positives: int, negatives: int) -> tuple[Tensor, Tensor]:
        """Samples (with replacement) of each user's training items, in proportion to their
        `positive_weights`, and of their unseen items, uniformly.

        Negatives are drawn from the whole catalogue and the few seen ones are drawn again
        (the same distribution as torch.multinomial, about twice as fast). Every user has an
        unseen item (the held-out ones at least), so the loop ends.
        """
        pos = torch.multinomial(self.positive_weights[users], positives, replacement=True)
        history = self.train[users]
        neg = torch.randint(self.split.n_items, (len(users), negatives), device=self.device)
        seen = history.gather(1, neg) > 0
        while bool(seen.any()):
            neg[seen] = torch.randint(self.split.n_items, (int(seen.sum()),), device=self.device)
            seen = history.gather(1, neg) > 0
        return pos, neg


def _ranked(scores: Tensor, data: Data) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(held-out item's score, the other items' scores with -inf where not ranked, the relevant
    mask, the excluded mask) of each evaluated user. The items the models of this phase were
    trained on are excluded from the ranking (at test time, the validation item too)."""
    users = data.evaluated
    exclude = data.train[users] > 0
    rows = torch.arange(len(users), device=scores.device)
    relevant = torch.zeros_like(exclude)
    relevant[rows, data.held_out[users]] = True
    pos = scores[rows, data.held_out[users]]
    neg = scores.masked_fill(exclude | relevant, float("-inf"))
    return pos, neg, relevant, exclude


def ndcg_per_user_on_test(scores: Tensor, data: Data) -> list[float]:
    """Each evaluated user's test NDCG@10 (for the paired comparison of two models)."""
    pos, neg, _, _ = _ranked(scores, data)
    return [float(v) for v in ndcg_per_user(pos, neg).cpu()]


def evaluate(scores: Tensor, data: Data, fn: Functions) -> dict[str, float]:
    """HR@10 and NDCG@10 (exercise 4) and, at test time, Recall@20 (exercise 5) over the full
    catalogue, for `scores` of the evaluated users (evaluated users, I)."""
    pos, neg, relevant, exclude = _ranked(scores, data)
    hr, ndcg = fn.hit_ratio_ndcg_loo(pos, neg, 10)
    if data.stage == "valid":
        return {"NDCG@10": float(ndcg)}
    recall, _ = fn.recall_ndcg_at_k(scores, relevant, 20, exclude)
    return {"HR@10": float(hr), "NDCG@10": float(ndcg), "Recall@20": float(recall)}


def fit_teacher(data: Data, fn: Functions, config: LabConfig) -> tuple[EASE, float, float]:
    """EASE with its λ and the recency boost of the histories it scores chosen on the
    validation items; returns the teacher, the boost, and its validation NDCG@10.

    EASE is fit on the 0/1 training matrix; the boost only weighs the history rows it scores,
    so one fit per λ serves every boost.
    """
    best: tuple[float, EASE, float] | None = None
    for lam in config.ease_lambdas:
        teacher = EASE(data.train, lam)
        for boost in config.recency_boosts:
            history = data.weighted(boost, config.recency_tau)[data.evaluated]
            ndcg = evaluate(teacher.scores(history), data, fn)["NDCG@10"]
            if best is None or ndcg > best[0]:
                best = (ndcg, teacher, boost)
    assert best is not None
    return best[1], best[2], best[0]


def student_dim(config: LabConfig, split: Split, teacher_parameters: int) -> int:
    """`config.dim`, or the largest multiple of 8 (at least 8) whose student has at most
    `config.max_param_ratio` of the teacher's parameters."""
    budget = int(config.max_param_ratio * teacher_parameters / (split.n_users + split.n_items))
    return max(8, min(config.dim, budget // 8 * 8))


class Teacher(Protocol):
    def scores_of(self, data: Data, users: Tensor | None = None) -> Tensor: ...
    def parameter_count(self) -> int: ...


@dataclass
class Teachers:
    """The teacher fit for choosing (on train) and the final one (on train+validation)."""

    selected: Teacher
    final: Teacher
    boost: float
    """The recency boost of the histories EASE scores (0 for a sequential teacher)."""
    label: str
    chosen: dict[str, Any]
    """What validation chose, with the teacher's validation NDCG@10."""


def fit_teachers(select: Data, final: Data, fn: Functions, config: LabConfig,
                 progress: Progress) -> Teachers:  # fmt: skip
    """The teacher the config names, its choices made on validation, and its refit."""
    if config.teacher == "sasrec":
        from kdquiz.lab.sasrec import SASRecConfig, fit_sasrec

        return fit_sasrec(select, final, fn, progress, SASRecConfig(epochs=config.teacher_epochs))
    selected, boost, valid = fit_teacher(select, fn, config)
    chosen = {"lambda": selected.lam, "recency_boost": boost, "valid_ndcg": valid}
    label = "teacher (EASE, recency)" if boost else "teacher (EASE)"
    return Teachers(selected, EASE(final.train, selected.lam), boost, label, chosen)


@dataclass(frozen=True)
class Knowledge:
    """What the students learn from: the teacher's (users, items) scores, and each user's
    unseen items ranked by them, (users, max(topk, list_length))."""

    scores: Tensor
    top_items: Tensor

    @classmethod
    def of(cls, teacher: Teacher, data: Data, config: LabConfig) -> Knowledge:
        scores = teacher.scores_of(data)  # (users, items), like data.train
        unseen = scores.masked_fill(data.train > 0, float("-inf"))
        top_items = unseen.topk(max(config.topk, config.list_length), dim=1).indices
        return cls(scores, top_items)


def adam(model: torch.nn.Module, config: LabConfig) -> torch.optim.Adam:
    """Adam, fused where this torch has a fused Adam for the device: the same update in one
    kernel, 2.5x as fast on the CPU (an optimiser step is a third of a student's epoch)."""
    lr, decay = config.lr, config.weight_decay
    try:
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=decay, fused=True)
    except (RuntimeError, ValueError):  # torch < 2.4 on the CPU
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=decay)


def train_student(method: str, weight: float, seed: int, data: Data, fn: Functions,
                  knowledge: Knowledge, config: LabConfig, progress: Progress,
                  epochs: int | None = None) -> Trained:  # fmt: skip
    """Train one student. Without `epochs`: up to `config.epochs`, stopping once validation
    NDCG@10 has not improved for `config.patience` epochs, and keep the best epoch's weights.
    With `epochs` (the refit on train+validation): exactly that many, without validation."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    split = data.split
    model = MatrixFactorization(split.n_users, split.n_items, config.dim).to(data.device)
    optimiser = adam(model, config)
    position = fn.position_weights(config.topk, config.lam).to(data.device)
    best_state, best, best_epoch, curve = None, -1.0, 0, []
    last = epochs if epochs is not None else config.epochs
    phase = "select" if epochs is None else "refit"
    epoch = 0
    for epoch in range(1, last + 1):
        model.train()
        order = data.trainable[torch.randperm(len(data.trainable), generator=generator)]
        for users in torch.split(order, config.batch_users):
            scores = model(users)
            pos_idx, neg_idx = data.sample(users, config.positives, config.negatives)
            pos, neg = scores.gather(1, pos_idx), scores.gather(1, neg_idx)
            top_items = knowledge.top_items[users]
            top = scores.gather(1, top_items[:, : config.topk])
            alpha = weight if method == "ranking" else 0.0
            # Ranking KD (Tang & Wang 2018) with alpha = 0 is the plain pointwise loss: the
            # scratch student trains on exactly the same objective, minus the teacher.
            loss = fn.ranking_distillation_loss(pos, neg, top, position, alpha)
            if method == "listwise":
                candidates = torch.cat([top_items[:, : config.list_length], neg_idx], dim=1)
                target = knowledge.scores[users].gather(1, candidates) * config.teacher_scale
                loss = loss + weight * fn.listwise_distillation_loss(
                    scores.gather(1, candidates), target, None, config.temperature
                )
            if method == "soft":
                # Hinton's KD with the catalogue as the classes: the teacher's softened
                # distribution over every item. alpha = 1 keeps only the soft term (the
                # pointwise loss above plays the hard-label part), so the labels are unused.
                target = knowledge.scores[users] * config.teacher_scale
                loss = loss + weight * fn.kd_loss(
                    scores, target, pos_idx[:, 0], config.soft_temperature, 1.0
                )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        event = {"event": "epoch", "model": method, "weight": weight, "seed": seed,
                 "epoch": epoch, "epochs": last, "phase": phase}  # fmt: skip
        if epochs is not None:
            progress(event)
            continue
        if epoch % config.eval_every and epoch != last:
            continue
        model.eval()
        with torch.no_grad():
            ndcg = evaluate(model(data.evaluated), data, fn)["NDCG@10"]
        curve.append((epoch, ndcg))
        if ndcg > best:
            best, best_epoch = ndcg, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        progress({**event, "valid_ndcg": ndcg})
        if epoch - best_epoch >= config.patience:
            break
    progress({"event": "trained", "model": method, "weight": weight, "seed": seed,
              "phase": phase, "epochs": epoch})  # fmt: skip
    if epochs is not None:
        return Trained(model, weight, float("nan"), epochs, epochs, [])
    assert best_state is not None
    model.load_state_dict(best_state)
    return Trained(model, weight, best, best_epoch, epoch, curve)


def latency_per_1000_users(score: Callable[[Tensor], Tensor], data: Data) -> float:
    """Median wall time (ms) to score the whole catalogue for 1,000 users and take their top 10."""
    users = torch.arange(1000, device=data.device) % data.split.n_users
    timings = []
    with torch.no_grad():
        score(users)  # warm-up: the first call pays for allocations
        for _ in range(5):
            start = time.perf_counter()
            score(users).topk(10, dim=1)
            if data.device.type == "cuda":
                torch.cuda.synchronize()
            timings.append(time.perf_counter() - start)
    return 1000 * statistics.median(timings)


def _summary(runs: list[dict[str, float]]) -> dict[str, dict[str, Any]]:
    """Mean and sample standard deviation over the seeds, and each seed's value."""
    return {
        metric: {
            "mean": statistics.fmean(r[metric] for r in runs),
            "std": sample_std([r[metric] for r in runs]),
            "runs": [r[metric] for r in runs],
        }
        for metric in METRICS
    }


def floors(data: Data, fn: Functions, seeds: int) -> dict[str, dict[str, Any]]:
    """What any recommender should beat: the most popular unseen items, and random ones."""
    popularity = data.train.sum(dim=0).expand(len(data.evaluated), -1)
    generator = torch.Generator().manual_seed(0)
    noise = torch.rand(len(data.evaluated), data.split.n_items, generator=generator)
    rows = {}
    for key, scores, parameters in (
        ("popularity", popularity, data.split.n_items),
        ("random", noise.to(data.device), 0),
    ):
        rows[key] = {
            "label": FLOORS[key],
            "parameters": parameters,
            "latency_ms_per_1000_users": 0.0,
            "metrics": _summary([evaluate(scores, data, fn)] * seeds),
        }
    return rows


def kd_weights(config: LabConfig) -> dict[str, tuple[float, ...]]:
    """The distillation weights each student's choice is made among (scratch has none)."""
    return {"scratch": (0.0,), "ranking": config.ranking_alphas,
            "listwise": config.listwise_betas, "soft": config.soft_betas}  # fmt: skip


@dataclass
class StudentOutcome:
    """One student and seed: what validation chose, its validation curve, and the refit
    model's test metrics, overall and per user."""

    method: str
    seed: int
    chosen: dict[str, Any]
    curve: list[tuple[int, float]]
    test: dict[str, float]
    per_user: list[float]


class StudentRuns:
    """Everything a student's training needs, for one process: both phases' data, the
    functions, and the teacher's knowledge of each phase."""

    def __init__(self, fn: Functions, config: LabConfig, boost: float, select: Data,
                 final: Data, knowledge: Knowledge, final_knowledge: Knowledge,
                 ) -> None:  # fmt: skip
        self.fn, self.config, self.boost = fn, config, boost
        self.select, self.final = select, final
        self.knowledge, self.final_knowledge = knowledge, final_knowledge

    def __getstate__(self) -> dict[str, Any]:
        """What another process needs to rebuild this: the data is rebuilt from the split, the
        functions (the reference solutions) are loaded again."""
        return {"split": self.select.split, "config": self.config, "boost": self.boost,
                "knowledge": self.knowledge, "final_knowledge": self.final_knowledge}  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        from kdquiz.lab.functions import load_functions

        config, boost = state["config"], state["boost"]
        phases = [Data(state["split"], state["knowledge"].scores.device, stage)
                  for stage in ("valid", "test")]  # fmt: skip
        for data in phases:
            data.set_recency(boost, config.recency_tau, config.positive_tau)
        self.__init__(load_functions(), config, boost, *phases,  # type: ignore[misc]
                      state["knowledge"], state["final_knowledge"])  # fmt: skip

    def run(self, method: str, seed: int, progress: Progress) -> StudentOutcome:
        """Choose the KD weight and the epoch count on validation, refit on train+validation
        with them, and score the refit model on test."""
        config, fn = self.config, self.fn
        progress({"event": "stage", "stage": method, "seed": seed})
        trained = [
            train_student(method, w, seed, self.select, fn, self.knowledge, config, progress)
            for w in kd_weights(config)[method]
        ]
        best = max(trained, key=lambda t: t.best_valid)  # chosen on validation only
        del trained
        refit = train_student(method, best.weight, seed, self.final, fn, self.final_knowledge,
                              config, progress, epochs=best.best_epoch)  # fmt: skip
        model = refit.model.eval()
        with torch.no_grad():
            scores = model(self.final.evaluated)
            test = evaluate(scores, self.final, fn)
            per_user = ndcg_per_user_on_test(scores, self.final)
        chosen = {
            "seed": seed, "weight": best.weight, "best_epoch": best.best_epoch,
            "stopped_epoch": best.stopped_epoch, "valid_ndcg": best.best_valid,
        }  # fmt: skip
        return StudentOutcome(method, seed, chosen, best.curve, test, per_user)


_RUNS: StudentRuns | None = None
_EVENTS: Any = None


def _start_worker(runs: StudentRuns, events: Any) -> None:
    """A pool process: one thread (the pool is the parallelism), and its copy of the runs."""
    global _RUNS, _EVENTS
    torch.set_num_threads(1)
    _RUNS, _EVENTS = runs, events


JOB_DONE = "job_done"
"""The last event a pool job sends (its events arrive in order, so after this one, all)."""


def _run_in_worker(method: str, seed: int) -> StudentOutcome:
    assert _RUNS is not None
    try:
        return _RUNS.run(method, seed, _EVENTS.put)
    finally:
        _EVENTS.put({"event": JOB_DONE})


def run_in_parallel(runs: StudentRuns, jobs: list[tuple[str, int]], workers: int,
                    progress: Progress) -> list[StudentOutcome]:  # fmt: skip
    """Run the (method, seed) jobs in `workers` fresh processes, forwarding their progress
    events; the outcomes in the jobs' order (each job's result does not depend on where it
    ran). Spawned, not forked: a fork would inherit the OpenMP threads in a broken state."""
    import multiprocessing
    import queue
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    events = context.Queue()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(runs, events)) as pool:  # fmt: skip
        futures = [pool.submit(_run_in_worker, method, seed) for method, seed in jobs]
        # A queue's items arrive a little after they are put: a job may have ended before its
        # last events reach this process, so read on until every job's JOB_DONE has arrived
        # (or, should a worker die without sending one, a few seconds after the last job ended).
        done, deadline = 0, math.inf
        while done < len(jobs) and time.monotonic() < deadline:
            try:
                event = events.get(timeout=0.2)
            except queue.Empty:
                if deadline == math.inf and all(future.done() for future in futures):
                    deadline = time.monotonic() + 5
                continue
            if event.get("event") == JOB_DONE:
                done += 1
            else:
                progress(event)
        return [future.result() for future in futures]


def mean_curve(curves: list[list[tuple[int, float]]]) -> list[list[float]]:
    """[epoch, validation NDCG@10 averaged over the seeds still training at that epoch]."""
    by_epoch: dict[int, list[float]] = {}
    for curve in curves:
        for epoch, ndcg in curve:
            by_epoch.setdefault(epoch, []).append(ndcg)
    return [[epoch, statistics.fmean(values)] for epoch, values in sorted(by_epoch.items())]


def split_name(split: Split) -> str:
    """How the held-out items were chosen, as the result document names it."""
    if split.kind != "leave-one-out":
        return split.kind
    return "leave-one-out by time" if split.by_time else "leave-one-out, random"


def run_lab(split: Split, fn: Functions, config: LabConfig,
            progress: Progress = lambda event: None) -> dict[str, Any]:  # fmt: skip
    """The whole pipeline over `config.seeds` seeds; returns the results as a JSON-ready dict.

    The protocol: every choice (the teacher's λ and recency boost, each student's KD weight
    and epoch count) is made on the validation items with models fit on the training items;
    then every model is refit on train+validation with those choices and scored on test.
    """
    started = time.perf_counter()
    device = torch.device(config.device)
    select = Data(split, device, "valid")
    # The final teacher is refit with each user's validation item (the chosen λ and boost, or
    # epoch count); its knowledge is what the final students learn from.
    final = Data(split, device, "test")
    seeds = list(range(config.seeds))
    progress({"event": "stage", "stage": "teacher"})
    teachers = fit_teachers(select, final, fn, config, progress)
    boost = teachers.boost
    for data in (select, final):
        data.set_recency(boost, config.recency_tau, config.positive_tau)
    # A small catalogue (a user's CSV) caps the teacher's lists at the number of items.
    config = replace(
        config,
        dim=student_dim(config, split, teachers.final.parameter_count()),
        topk=min(config.topk, split.n_items),
        list_length=min(config.list_length, split.n_items),
        teacher_scale=config.teacher_scale if config.teacher == "ease" else 1.0,
    )
    with torch.no_grad():
        knowledge = Knowledge.of(teachers.selected, select, config)
        final_knowledge = Knowledge.of(teachers.final, final, config)
        teacher_test = evaluate(teachers.final.scores_of(final, final.evaluated), final, fn)
    teacher = teachers.final
    refits = len(seeds) * len(STUDENTS)
    trainings = len(seeds) * sum(map(len, kd_weights(config).values())) + refits
    progress({"event": "plan", "trainings": trainings, "refits": refits})
    runs = StudentRuns(fn, config, boost, select, final, knowledge, final_knowledge)
    jobs = [(method, seed) for method in STUDENTS for seed in seeds]
    # The learner's code runs in this process only, where its errors are worded; the reference
    # solutions train the students two or more at a time when cores are free.
    workers = 1 if fn.source != "reference solutions" else min(config.workers, len(jobs))
    if workers > 1:
        outcomes = run_in_parallel(runs, jobs, workers, progress)
    else:
        outcomes = [runs.run(method, seed, progress) for method, seed in jobs]
    students: dict[str, dict[str, Any]] = {}
    per_user: dict[str, list[list[float]]] = {}
    """Each student's test NDCG@10 per user, one list per seed."""
    for method in STUDENTS:
        done = [o for o in outcomes if o.method == method]
        per_user[method] = [o.per_user for o in done]
        model = MatrixFactorization(split.n_users, split.n_items, config.dim).to(device).eval()
        students[method] = {
            "label": STUDENTS[method],
            "parameters": model.parameter_count(),
            # The time to score depends on the model's shape only, not on its weights.
            "latency_ms_per_1000_users": latency_per_1000_users(model, final),
            "metrics": _summary([o.test for o in done]),
            "chosen": [o.chosen for o in done],
            "valid_ndcg_per_epoch": mean_curve([o.curve for o in done]),
        }
    models = {
        "teacher": {
            "label": teachers.label,
            "parameters": teacher.parameter_count(),
            "latency_ms_per_1000_users": latency_per_1000_users(
                lambda users: teacher.scores_of(final, users), final
            ),
            "metrics": _summary([teacher_test] * len(seeds)),
            "chosen": [teachers.chosen],
        },
        **students,
        **floors(final, fn, len(seeds)),
    }
    # Per user, each student's NDCG@10 averaged over the seeds, paired with scratch's.
    averaged = {m: np.mean(np.asarray(runs), axis=0) for m, runs in per_user.items()}
    for method in STUDENTS:
        if method != "scratch":
            models[method]["vs_scratch"] = paired(averaged[method], averaged["scratch"])
    return {
        "dataset": {
            "name": split.name,
            "users": split.n_users,
            "items": split.n_items,
            "train_interactions": int(len(split.final_items)),
            "evaluated_users": int(len(final.evaluated)),
            "split": split_name(split),
            "validated_users": int(len(select.evaluated)),
        },
        "protocol": "refit",
        "functions": fn.source,
        "seeds": seeds,
        "config": {k: v for k, v in asdict(config).items() if k != "device"},
        "device": str(device),
        "models": models,
        "seconds": time.perf_counter() - started,
    }
