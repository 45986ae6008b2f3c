"""Hidden checks for exercise 6: `auc_score` and `log_loss`, the offline metrics of a CTR model.

Expected values come from the reference solution on the same inputs. Each common mistake is
recomputed here (`_auc_mistakes`, `_log_loss_mistakes`, all in O(n log n), so they also work at
n = 10^6) so that a wrong value is reported together with the mistake that produces it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from kdquiz.checker.bilingual import Bilingual, join
from kdquiz.checks.support import (
    DEVICE,
    DTYPES,
    CheckFailure,
    expect,
    expect_close,
    expect_unchanged,
    fmt,
    is_close,
    learner,
    named_mistakes,
    reference,
    require_function,
    say,
    seeded,
    zh_name,
)

EXERCISE = "exercise_6"
SIGNATURES = {"auc_score": "(scores, labels)", "log_loss": "(probs, labels, eps=1e-7)"}
AUC_TOLERANCE = {"rtol": 1e-6, "atol": 1e-6}
"""AUC is a ratio of pair counts; a float32 rank sum (a correct choice) is good to ~1e-7 here."""
EXACT_AUC_TOLERANCE = {"rtol": 1e-9, "atol": 1e-9}
"""For a few dozen samples, any exact count of pairs gives the AUC to ~1e-15."""
LARGE_AUC_TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}
"""At n = 10^6 a float32 rank sum reaches 2.5e11 and keeps only ~7 significant digits."""
TIME_BUDGET = 10.0
"""Seconds allowed for one metric on 10^6 samples. The reference takes ~0.2 s; the budget is
generous so that a loaded machine never fails correct code, while anything O(P·N) takes minutes
or runs out of memory."""


# --------------------------------------------------------------------------------------------
# Getting the functions


def _function(module: object, name: str, where: str) -> Callable[..., float]:
    """The function `name`, callable as the task's signature allows: positionally and by keyword,
    with eps omitted for log_loss."""
    if name == "auc_score":
        calls: list[tuple[tuple, dict]] = [
            ((None, None), {}),
            ((), {"scores": None, "labels": None}),
        ]
    else:
        calls = [
            ((None, None, None), {}),
            ((), {"probs": None, "labels": None, "eps": None}),
            ((None, None), {}),
        ]
    for args, kwargs in calls:
        fn = require_function(module, name, SIGNATURES[name], where, *args, **kwargs)
    return fn


def mine(name: str) -> Callable[..., float]:
    return _function(learner(EXERCISE), name, f"exercises/{EXERCISE}.py")


def ref(name: str) -> Callable[..., float]:
    return _function(reference(EXERCISE), name, f"solutions/{EXERCISE}.py")


def _tensor(values: list[float], dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype, device=DEVICE)


def _show(first: str, x: torch.Tensor, labels: torch.Tensor, extra: str = "") -> str:
    return f"{first}={fmt(x, 3)}, labels={fmt(labels)}{extra}"


def _expect_metric(
    got: object,
    expected: float,
    *,
    what: str,
    inputs: str,
    mistakes: Callable[[], dict[str, float]],
    tolerance: dict[str, float],
) -> None:
    """expect_close for a metric; the mistakes (costly at n = 10^6) are computed only on failure."""
    if isinstance(got, float | int) and not isinstance(got, bool):
        if is_close(got, expected, **tolerance):
            return
    expect_close(
        got,
        expected,
        what=what,
        inputs=inputs,
        mistakes=mistakes(),
        rtol=tolerance["rtol"],
        atol=tolerance["atol"],
    )


# --------------------------------------------------------------------------------------------
# AUC: the common mistakes and the value each one produces

AUC_MISTAKES = {
    "strict": say(
        "a tie between a positive and a negative counts 0 (only positive > negative is "
        "counted); a tied pair counts ½",
        "正负样本打平时算成了 0（只统计了正样本 > 负样本的情况）；打平的一对应算 ½",
    ),
    "geq": say(
        "a tie between a positive and a negative counts as a win (>=); a tied pair counts ½",
        "正负样本打平时算成了赢（>=）；打平的一对应算 ½",
    ),
    "ordinal": say(
        "ties are not averaged: ranks from argsort/sort (or a ROC curve with one threshold "
        "per sample) give tied scores different ranks, so the result depends on the order of the "
        "samples; give every score in a tied group the average of the ranks the group occupies",
        "没有对平局取平均：argsort/sort 给出的名次（或每个样本一个阈值的 ROC 曲线）会给相同的"
        "得分不同的名次，结果因而取决于样本的顺序；一组相同得分中的每个得分，都应取这一组所占"
        "名次的平均值",
    ),
    "min_rank": say(
        "tied scores all get the lowest rank of their group (searchsorted with "
        "right=False); they get the average of the ranks the group occupies",
        "相同的得分都取了所在组的最低名次（searchsorted 用了 right=False）；应取这一组所占名次"
        "的平均值",
    ),
    "max_rank": say(
        "tied scores all get the highest rank of their group (searchsorted with "
        "right=True); they get the average of the ranks the group occupies",
        "相同的得分都取了所在组的最高名次（searchsorted 用了 right=True）；应取这一组所占名次"
        "的平均值",
    ),
    "flipped": say(
        "the AUC is flipped (you return 1 − AUC): the scores are ranked in descending "
        "order, or positives and negatives are swapped",
        "AUC 反了（返回的是 1 − AUC）：得分按降序排名了，或者把正负样本弄反了",
    ),
    "zero_based": say(
        "the ranks start at 0 (argsort without + 1), so the AUC comes out 1/N too low; "
        "ranks run from 1 to n, and R⁺ − P·(P + 1)/2 assumes that",
        "名次从 0 开始（argsort 之后没有 + 1），所以 AUC 偏低了 1/N；名次应从 1 排到 n，"
        "R⁺ − P·(P + 1)/2 正是以此为前提的",
    ),
    "float32": say(
        "the scores are converted to float32 (e.g. .float()), which turns scores that "
        "differ only beyond float32's precision into ties; rank them in their own dtype",
        "得分被转成了 float32（例如 .float()），只在 float32 精度以外才有差别的得分因此变成了"
        "平局；应在得分原本的 dtype 下排名",
    ),
    "rounded": say(
        "the scores are rounded (here to 6 decimals), which turns distinct scores into "
        "ties; rank the scores as they are",
        "得分被四舍五入了（这里是保留 6 位小数），不同的得分因此变成了平局；应按得分的原值排名",
    ),
    "offset_high": say(
        "the positives' rank sum is reduced by P·(P − 1)/2 although the ranks start "
        "at 1 (the AUC comes out 1/N too high); subtract P·(P + 1)/2",
        "正样本的名次之和减去的是 P·(P − 1)/2，而名次是从 1 开始的（AUC 因此偏高了 1/N）；"
        "应减去 P·(P + 1)/2",
    ),
}


def _rank_auc(ranks: torch.Tensor, positive: torch.Tensor) -> float:
    n_pos = int(positive.sum())
    n_neg = positive.numel() - n_pos
    return (float(ranks[positive].sum()) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _average_ranks(s: torch.Tensor) -> torch.Tensor:
    """1-based ranks in ascending order, tied scores sharing the mean of their ranks (float64)."""
    _, group, counts = torch.unique(s, return_inverse=True, return_counts=True)
    last = counts.cumsum(0).double()
    return (last - (counts.double() - 1) / 2)[group]


def _auc_mistakes(scores: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
    """The value each common AUC mistake gives on these inputs (at least one of each class)."""
    s = scores.detach().cpu().double()
    positive = labels.detach().cpu() == 1
    n_pos = int(positive.sum())
    n_neg = s.numel() - n_pos
    _, group, counts = torch.unique(s, return_inverse=True, return_counts=True)
    last = counts.cumsum(0).double()
    average = last - (counts.double() - 1) / 2
    right = _rank_auc(average[group], positive)
    pos_in_group = torch.bincount(group[positive], minlength=counts.numel()).double()
    tied_pairs = float((pos_in_group * (counts.double() - pos_in_group)).sum())
    order = torch.argsort(s, stable=True)
    ordinal = torch.empty_like(s)
    ordinal[order] = torch.arange(1, s.numel() + 1, dtype=torch.float64)
    backwards = torch.argsort(s.flip(0), stable=True)
    ordinal_back = torch.empty_like(s)
    ordinal_back[backwards] = torch.arange(1, s.numel() + 1, dtype=torch.float64)
    values = {
        "strict": right - tied_pairs / (2 * n_pos * n_neg),
        "geq": right + tied_pairs / (2 * n_pos * n_neg),
        "ordinal": _rank_auc(ordinal, positive),
        "ordinal_back": _rank_auc(ordinal_back.flip(0), positive),
        "min_rank": _rank_auc((last - counts.double() + 1)[group], positive),
        "max_rank": _rank_auc(last[group], positive),
        "flipped": 1.0 - right,
        "zero_based": right - 1.0 / n_neg,
        "offset_high": right + 1.0 / n_neg,
        "float32": _rank_auc(_average_ranks(s.float()), positive),
        "rounded": _rank_auc(_average_ranks(torch.round(s * 1e6)), positive),
    }
    values = {m: v for m, v in values.items() if not is_close(v, right, rtol=1e-9, atol=1e-12)}
    descriptions = {
        **AUC_MISTAKES,
        "ordinal": AUC_MISTAKES["ordinal"]
        + say(
            " (here: tied scores ranked in order of appearance)",
            "（这里：相同的得分按出现的先后排名）",
        ),
        "ordinal_back": AUC_MISTAKES["ordinal"]
        + say(
            " (here: tied scores ranked in reverse order of appearance)",
            "（这里：相同的得分按出现的先后倒序排名）",
        ),
    }
    return named_mistakes(values, descriptions, rtol=1e-9, atol=1e-12)


def _check_auc(
    scores: torch.Tensor, labels: torch.Tensor, tolerance: dict[str, float] | None = None
) -> float:
    """Call the learner's auc_score on copies and compare with the reference; return its value."""
    got = mine("auc_score")(scores.clone(), labels.clone())
    expected = ref("auc_score")(scores, labels)
    _expect_metric(
        got,
        expected,
        what="auc_score(scores, labels)",
        inputs=_show("scores", scores, labels),
        mistakes=lambda: _auc_mistakes(scores, labels),
        tolerance=tolerance or AUC_TOLERANCE,
    )
    return float(got)


# --------------------------------------------------------------------------------------------
# LogLoss: the common mistakes and the value each one produces

LOG_LOSS_MISTAKES = {
    "bce_no_clip": say(
        "the probabilities are not clipped: F.binary_cross_entropy clamps each log at "
        "−100 instead, so a confident mistake costs 100 instead of −ln(eps); clamp the "
        "probabilities to [eps, 1 − eps] first",
        "概率没有裁剪：F.binary_cross_entropy 只是把每个 log 截断在 −100，所以一个很有把握的"
        "错误预测代价是 100，而不是 −ln(eps)；应先把概率裁剪到 [eps, 1 − eps]",
    ),
    "plus_eps": say(
        "eps is added inside the logs, ln(p + eps) and ln(1 − p + eps), instead of "
        "clipping p to [eps, 1 − eps]",
        "eps 被加到了对数里面，即 ln(p + eps) 和 ln(1 − p + eps)，而不是把 p 裁剪到 [eps, 1 − eps]",
    ),
    "lower_only": say(
        "the probabilities are clipped from below only; clip them to [eps, 1 − eps]",
        "概率只裁剪了下限；应裁剪到 [eps, 1 − eps]",
    ),
    "upper_only": say(
        "the probabilities are clipped from above only; clip them to [eps, 1 − eps]",
        "概率只裁剪了上限；应裁剪到 [eps, 1 − eps]",
    ),
    "eps_ignored": say(
        "the eps argument is ignored (a fixed 1e-7 is used); clip to [eps, 1 − eps] "
        "with the eps you are given",
        "忽略了参数 eps（用的是固定的 1e-7）；应该用传入的 eps 裁剪到 [eps, 1 − eps]",
    ),
    "exact_only": say(
        "only probabilities of exactly 0 and 1 are replaced; clip every probability "
        "to [eps, 1 − eps] (torch.clamp), so that e.g. 1e-9 becomes eps too",
        "只替换了恰好为 0 和 1 的概率；应把每个概率都裁剪到 [eps, 1 − eps]（torch.clamp），"
        "这样像 1e-9 这样的值也会变成 eps",
    ),
    "positive_term_only": say(
        "the (1 − y)·ln(1 − q) term is missing: a negative sample costs −ln(1 − q)",
        "缺少 (1 − y)·ln(1 − q) 这一项：负样本的代价是 −ln(1 − q)",
    ),
    "sum": say(
        "the losses are summed over the samples instead of averaged",
        "对各样本的损失求了和，而不是取平均",
    ),
    "swapped": say(
        "the labels are swapped: y·ln(1 − p) + (1 − y)·ln(p) instead of "
        "y·ln(p) + (1 − y)·ln(1 − p)",
        "标签用反了：写成了 y·ln(1 − p) + (1 − y)·ln(p)，应为 y·ln(p) + (1 − y)·ln(1 − p)",
    ),
    "negated": say(
        "the sign is flipped: LogLoss is −mean(y·ln q + (1 − y)·ln(1 − q)), a positive number",
        "符号反了：LogLoss 是 −mean(y·ln q + (1 − y)·ln(1 − q))，是一个正数",
    ),
    "log2": say(
        "the logs are base 2; LogLoss uses the natural log",
        "对数以 2 为底了；LogLoss 用的是自然对数",
    ),
    "float32": say(
        "the loss is computed in float32: convert the probabilities with .double() (or "
        ".to(torch.float64)) before clipping and taking logs",
        "损失是用 float32 计算的：应在裁剪和取对数之前，先用 .double()（或 "
        ".to(torch.float64)）转换概率",
    ),
}


def _mistaken_log_loss(p: torch.Tensor, y: torch.Tensor, eps: float, mistake: str) -> float:
    """LogLoss with one common mistake (float64 unless the mistake is float32)."""
    if mistake == "float32":
        q32 = p.detach().cpu().float().clamp(eps, 1 - eps)
        y32 = y.detach().cpu().float()
        return float(-(y32 * q32.log() + (1 - y32) * (1 - q32).log()).mean())
    p64, y64 = p.detach().cpu().double(), y.detach().cpu().double()
    if mistake == "bce_no_clip":
        return float(F.binary_cross_entropy(p64, y64))
    if mistake == "plus_eps":
        terms = y64 * (p64 + eps).log() + (1 - y64) * (1 - p64 + eps).log()
        return float(-terms.mean())
    exact = p64.masked_fill(p64 == 0, eps).masked_fill(p64 == 1, 1 - eps)
    q = {
        "exact_only": exact,
        "lower_only": p64.clamp(min=eps),
        "upper_only": p64.clamp(max=1 - eps),
        "eps_ignored": p64.clamp(1e-7, 1 - 1e-7),
    }.get(mistake, p64.clamp(eps, 1 - eps))
    log = torch.log2 if mistake == "log2" else torch.log
    if mistake == "swapped":
        terms = y64 * log(1 - q) + (1 - y64) * log(q)
    else:
        terms = y64 * log(q) + (1 - y64) * log(1 - q)
    if mistake == "positive_term_only":
        terms = y64 * log(q)
    if mistake == "sum":
        return float(-terms.sum())
    return float(terms.mean()) if mistake == "negated" else float(-terms.mean())


def _log_loss_mistakes(
    p: torch.Tensor,
    y: torch.Tensor,
    eps: float,
    exclude: tuple[str, ...] = (),
    first: str = "",
    got: object = None,
) -> dict[str, float]:
    """Finite values of the mistakes on these inputs that differ from the right one.

    A float32 computation is defined only to float32's resolution: its last digits depend on the
    order of the operations (log1p(-q) or log(1 - q), the order of the sum). When the learner's
    value `got` is within a few float32 steps of the float32 recomputation, it is that value.
    """
    right = _mistaken_log_loss(p, y, eps, "")
    values = {}
    for mistake in LOG_LOSS_MISTAKES:
        if mistake in exclude:
            continue
        value = _mistaken_log_loss(p, y, eps, mistake)
        if (
            mistake == "float32"
            and isinstance(got, float)
            and is_close(got, value, rtol=1e-6, atol=1e-7)
            and 4 * abs(got - value) < abs(value - right)  # much nearer it than the right value
        ):
            value = got
        values[mistake] = value
    return named_mistakes(values, LOG_LOSS_MISTAKES, first, correct=right, rtol=1e-9, atol=1e-12)


def _call_log_loss(p: torch.Tensor, y: torch.Tensor, eps: float | None, **how: bool) -> object:
    """The learner's log_loss on copies, eps by keyword (default: omitted, or positional)."""
    fn = mine("log_loss")
    if eps is None:
        return fn(p.clone(), y.clone())
    if how.get("positional"):
        return fn(p.clone(), y.clone(), eps)
    return fn(p.clone(), y.clone(), eps=eps)


def _check_log_loss(
    p: torch.Tensor, y: torch.Tensor, eps: float | None, first: str = "", **how: bool
) -> None:
    """Compare the learner's log_loss with the reference; a finite, right value is required."""
    used = 1e-7 if eps is None else eps
    call = "log_loss(probs, labels)" if eps is None else f"log_loss(probs, labels, eps={eps:g})"
    inputs = _show("probs", p, y)
    got = _call_log_loss(p, y, eps, **how)
    expected = ref("log_loss")(p, y, used)
    if isinstance(got, float | int | torch.Tensor) and not isinstance(got, bool):
        value = float(got.item()) if isinstance(got, torch.Tensor) and got.numel() == 1 else got
        if isinstance(value, float) and (value != value or abs(value) == float("inf")):
            raise CheckFailure(
                say(
                    "{call} returned {value}.\n  inputs:   {inputs}\n  Likely mistake: {cause}.",
                    "{call} 返回了 {value}。\n  输入：{inputs}\n  可能的错误：{cause}。",
                    call=call,
                    value=value,
                    inputs=inputs,
                    cause=_non_finite_cause(p, y, eps, used),
                )
            )
    if eps is None:
        _check_default_eps(p, y, got, expected, call, inputs)
    _expect_metric(
        got,
        expected,
        what=call,
        inputs=inputs,
        mistakes=lambda: _log_loss_mistakes(
            p, y, used, exclude=("eps_ignored",) if eps is None else (), first=first, got=got
        ),
        tolerance={"rtol": 1e-9, "atol": 1e-9},
    )


def _check_default_eps(
    p: torch.Tensor, y: torch.Tensor, got: object, expected: float, call: str, inputs: str
) -> None:
    """A wrong value without eps that is right with eps=1e-7 given: the default is not 1e-7."""
    if not isinstance(got, float | int) or is_close(got, expected, rtol=1e-9, atol=1e-9):
        return
    try:
        explicit = mine("log_loss")(p.clone(), y.clone(), eps=1e-7)
    except Exception:  # noqa: BLE001 - only a diagnosis; the main check reports errors
        return
    if isinstance(explicit, float | int) and is_close(explicit, expected, rtol=1e-9, atol=1e-9):
        raise CheckFailure(
            say(
                "{call} returned {got}, but log_loss(probs, labels, eps=1e-7) "
                "returns the right {expected}.\n  inputs:   {inputs}\n  Likely mistake: "
                "eps's default is not the task's: the signature is log_loss(probs, labels, "
                "eps=1e-7).",
                "{call} 返回了 {got}，而 log_loss(probs, labels, eps=1e-7) 返回的是正确的 "
                "{expected}。\n  输入：{inputs}\n  可能的错误：eps 的默认值与题目要求的不同："
                "函数签名应为 log_loss(probs, labels, eps=1e-7)。",
                call=call,
                got=fmt(float(got), 10),
                expected=fmt(expected, 10),
                inputs=inputs,
            )
        )


def _non_finite_cause(
    p: torch.Tensor, y: torch.Tensor, eps: float | None, used: float
) -> Bilingual:
    """Why log_loss is inf or nan on these inputs: which side of the clipping is missing."""
    fn = mine("log_loss")
    one = torch.ones(1, dtype=p.dtype, device=p.device)
    cases = {"below": (one * 0, one.long()), "above": (one, one.long() * 0)}
    broken = []
    for side, (probs, labels) in cases.items():
        try:
            value = fn(probs, labels) if eps is None else fn(probs, labels, eps=used)
            value = float(value)
        except Exception:  # noqa: BLE001 - only a diagnosis; the main check reports errors
            continue
        if value != value or abs(value) == float("inf"):
            broken.append(side)
    where = {
        "below": say(
            "a probability of 0 for a positive is not clipped up to eps",
            "正样本上为 0 的概率没有向上裁剪到 eps",
        ),
        "above": say(
            "a probability of 1 for a negative is not clipped down to 1 − eps",
            "负样本上为 1 的概率没有向下裁剪到 1 − eps",
        ),
    }
    detail = (
        join([where[side] for side in broken], " and ", "，")
        if broken
        else say("a probability of 0 or 1 is not clipped", "为 0 或 1 的概率没有裁剪")
    )
    return say(
        "{detail}, so a log of 0 gives -inf (and 0·ln 0 gives nan); clamp the probabilities to "
        "[eps, 1 − eps] before taking logs",
        "{detail}，于是对 0 取 log 得到 -inf（0·ln 0 则得到 nan）；取对数之前要先把概率裁剪到 "
        "[eps, 1 − eps]",
        detail=detail,
    )


# --------------------------------------------------------------------------------------------
# The checks: AUC


def test_auc_small_example() -> None:
    """AUC of a small example without ties
    zh: 没有平局的小例子上的 AUC"""
    scores = _tensor([0.1, 0.4, 0.35, 0.8, 0.65, 0.2, 0.9, 0.55])
    labels = _tensor([0, 0, 1, 1, 0, 1, 1, 0], torch.int64)
    _check_auc(scores, labels)


def test_ties_count_half() -> None:
    """A tie between a positive and a negative counts ½
    zh: 正负样本打平时算 ½"""
    scores = _tensor([0.2, 0.5, 0.5, 0.5, 0.9, 0.2, 0.7, 0.5, 0.1, 0.7])
    labels = _tensor([0, 1, 0, 1, 1, 1, 0, 0, 0, 1], torch.int64)
    _check_auc(scores, labels)


def test_constant_scorer() -> None:
    """A constant scorer gets AUC 0.5
    zh: 打分恒为常数时 AUC 为 0.5"""
    scores = torch.full((7,), 0.3, dtype=torch.float32, device=DEVICE)
    labels = _tensor([1, 0, 0, 1, 0, 1, 0], torch.int64)
    _check_auc(scores, labels)


def test_auc_does_not_depend_on_sample_order() -> None:
    """AUC does not depend on the order of the samples
    zh: AUC 与样本的顺序无关"""
    auc = mine("auc_score")
    g = seeded(61)
    scores = (torch.randint(0, 4, (12,), generator=g).double() / 4).to(DEVICE)
    labels = (torch.arange(12) % 3 == 0).long().to(DEVICE)
    orders = {
        say("positives first", "正样本在前"): torch.argsort(-labels.cpu(), stable=True),
        say("negatives first", "负样本在前"): torch.argsort(labels.cpu(), stable=True),
        say("shuffled", "打乱顺序"): torch.randperm(12, generator=g),
    }
    values = {}
    for name, order in orders.items():
        order = order.to(DEVICE)
        values[name] = float(auc(scores[order].clone(), labels[order].clone()))
    low, high = min(values, key=lambda k: values[k]), max(values, key=lambda k: values[k])
    expect(
        abs(values[high] - values[low]) <= 1e-9,
        say(
            "auc_score gave different values for the same samples in a different order: "
            "{low_value} ({low}) and {high_value} ({high}).\n  inputs:   "
            "{inputs}\n  Likely mistake: {mistake}.",
            "同样的样本换个顺序，auc_score 给出的值就不同了：{low_value}（{low}）和 "
            "{high_value}（{high}）。\n  输入：{inputs}\n  可能的错误：{mistake}。",
            low_value=f"{values[low]:.6g}",
            low=low,
            high_value=f"{values[high]:.6g}",
            high=high,
            inputs=_show("scores", scores, labels),
            mistake=AUC_MISTAKES["ordinal"],
        ),
    )
    _check_auc(scores, labels)


def test_one_class_raises_value_error() -> None:
    """Labels with only one class raise ValueError
    zh: 标签只有一个类别时抛出 ValueError"""
    auc = mine("auc_score")
    scores = _tensor([0.3, 0.8, 0.1, 0.5])
    one = _tensor([0.7], torch.float32)
    # Every way a single class can arrive: integer or float labels, one sample, float32 scores.
    cases = {
        say("positive labels", "标签全为正类"): (
            scores,
            torch.ones(4, dtype=torch.int64, device=DEVICE),
        ),
        say("negative labels", "标签全为负类"): (
            scores,
            torch.zeros(4, dtype=torch.int64, device=DEVICE),
        ),
        say("positive float labels (1.0)", "标签全为浮点的正类（1.0）"): (
            scores.float(),
            _tensor([1.0] * 4, torch.float32),
        ),
        say("negative float labels (0.0)", "标签全为浮点的负类（0.0）"): (
            scores,
            _tensor([0.0] * 4),
        ),
        say("negative int32 labels", "标签全为 int32 的负类"): (
            scores.float(),
            torch.zeros(4, dtype=torch.int32, device=DEVICE),
        ),
        say("one positive sample", "只有一个正样本"): (one, _tensor([1], torch.int64)),
        say("one negative sample", "只有一个负样本"): (one, _tensor([0.0], torch.float32)),
    }
    for kind, (x, labels) in cases.items():
        call = say("auc_score with only {kind}", "{kind}时，auc_score", kind=kind)
        try:
            got = auc(x.clone(), labels.clone())
        except ValueError as exc:
            expect(
                "labels" in str(exc).lower(),
                say(
                    "{call} raised ValueError({message}); its message should name 'labels' so "
                    "the caller knows which argument is wrong.",
                    "{call} 抛出了 ValueError({message})；消息里应写明 'labels'，调用者才知道"
                    "是哪个参数错了。",
                    call=call,
                    message=repr(str(exc)),
                ),
            )
            continue
        except (NotImplementedError, CheckFailure):
            raise
        except Exception as exc:  # noqa: BLE001
            raise CheckFailure(
                say(
                    "{call} should raise ValueError, but raised {error}: {exc}.\n  "
                    "Check the classes before dividing by P·N, and raise "
                    "ValueError('labels ...').",
                    "{call} 应抛出 ValueError，实际抛出的是 `{error}: {exc}`。\n  "
                    "在除以 P·N 之前先检查类别，并抛出 ValueError('labels ...')。",
                    call=call,
                    error=type(exc).__name__,
                    exc=exc,
                )
            ) from None
        value = fmt(float(got)) if isinstance(got, float | int | torch.Tensor) else repr(got)
        hint = ""
        if isinstance(got, float | int) and got == 0.5:
            hint = say(
                "\n  Likely mistake: returning 0.5 for one class; the AUC is undefined without "
                "both positives and negatives, and a silent 0.5 hides a broken evaluation split.",
                "\n  可能的错误：只有一个类别时返回了 0.5；不同时包含正负样本时 AUC 没有定义，"
                "悄悄返回 0.5 会掩盖评估集划分出错的问题。",
            )
        raise CheckFailure(
            say(
                "{call} returned {value}; it should raise ValueError (AUC is undefined with a "
                "single class), with 'labels' in the message.{hint}",
                "{call} 返回了 {value}；应抛出 ValueError（只有一个类别时 AUC 没有定义），"
                "且消息中包含 'labels'。{hint}",
                call=call,
                value=value,
                hint=hint,
            )
        )


def test_one_positive_and_one_negative() -> None:
    """One positive and one negative are enough for an AUC
    zh: 一个正样本加一个负样本就足以算出 AUC"""
    for scores, labels in (
        (_tensor([0.2, 0.9]), _tensor([1, 0], torch.int64)),
        (_tensor([0.9, 0.2], torch.float32), _tensor([1.0, 0.0], torch.float32)),
        (_tensor([0.4, 0.4]), _tensor([0, 1], torch.int32)),
    ):
        _check_auc(scores, labels)


def test_near_equal_scores_are_ranked_exactly() -> None:
    """float64 scores that differ by 1e-10 are ranked exactly, not as ties
    zh: 相差 1e-10 的 float64 得分能精确排名，不会被当成平局"""
    # Each close pair has its positive on the higher score, placed after its negative: a float32
    # cast, rounding, or a small tie-breaking offset by position turns these wins into ties or
    # losses. The exact ties at 0.6 still count ½.
    pairs = [
        (0.25, 0.25 + 1e-10),
        (0.25 - 1e-10, 0.25 + 2e-10),
        (0.6, 0.6),
        (0.6, 0.6 + 1e-10),
        (1e5, 1e5 + 1e-6),
        (-1e5 - 2e-6, -1e5),
        (1e-30, 2e-30),
        (0.0, 3e-12),
    ]
    scores = _tensor([v for pair in pairs for v in pair])
    labels = _tensor([0, 1] * len(pairs), torch.int64)
    _check_auc(scores, labels, EXACT_AUC_TOLERANCE)
    order = torch.randperm(scores.numel(), generator=seeded(63)).to(DEVICE)
    _check_auc(scores[order], labels[order], EXACT_AUC_TOLERANCE)


@DTYPES
def test_large_and_tiny_score_magnitudes(dtype: torch.dtype) -> None:
    """AUC depends only on the order of the scores, at any magnitude
    zh: 无论得分的量级多大或多小，AUC 只取决于得分的顺序"""
    g = seeded(64)
    exponents = torch.randint(-30, 31, (40,), generator=g).to(torch.float64)
    signs = torch.where(torch.rand(40, generator=g) < 0.5, -1.0, 1.0).to(torch.float64)
    scores = signs * torch.pow(10.0, exponents / 6)  # from ±1e-5 to ±1e5
    scores[:6] = torch.tensor([1e5, -1e5, 1e5, -1e5, 0.0, 0.0], dtype=torch.float64)
    labels = (torch.rand(40, generator=g) < 0.5).long()
    labels[:6] = torch.tensor([1, 0, 0, 1, 1, 0])
    _check_auc(scores.to(dtype).to(DEVICE), labels.to(DEVICE), EXACT_AUC_TOLERANCE)


# No shrinking: the examples are already small, and shrinking a failure would cost seconds.
@zh_name("在随机的得分、平局、dtype 和标签 dtype 下，AUC 与参考实现一致")
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    n=st.integers(2, 24),
    tie_step=st.sampled_from([0.0, 0.25, 1.0]),
    positive_rate=st.sampled_from([0.2, 0.5, 0.8]),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    label_dtype=st.sampled_from(["int64", "int32", "float"]),
    seed=st.integers(0, 2**16),
)
def test_auc_matches_reference_on_random_inputs(
    n: int, tie_step: float, positive_rate: float, dtype: torch.dtype, label_dtype: str, seed: int
) -> None:
    """AUC matches the reference on random scores, ties, dtypes and label dtypes"""
    g = seeded(seed)
    # float32 values (exact in float64 too): an implementation may compare in either dtype.
    scores = torch.randn(n, generator=g)
    if tie_step:
        scores = torch.round(scores / tie_step) * tie_step + 0.0  # + 0.0: no -0 in messages
    labels = (torch.rand(n, generator=g) < positive_rate).long()
    labels[0], labels[1] = 1, 0
    label_type = {"int64": torch.int64, "int32": torch.int32, "float": dtype}[label_dtype]
    _check_auc(scores.to(dtype).to(DEVICE), labels.to(label_type).to(DEVICE))


def test_one_million_samples() -> None:
    """Both metrics handle 10^6 samples quickly (no pairwise matrix)
    zh: 两个指标都能快速处理 10^6 个样本（不构造两两比较的矩阵）"""
    n = 1_000_000
    g = seeded(62)
    # Scores on a 0.01 grid: many ties, so a tie mistake shows even at this size.
    scores = torch.round(torch.randn(n, generator=g) * 100) / 100
    labels = (torch.rand(n, generator=g) < torch.sigmoid(2 * scores)).long()
    scores, labels = scores.to(DEVICE), labels.to(DEVICE)

    def _shown(first: str) -> Bilingual:
        return say(
            "{first} and labels of shape ({n},), about {k}k positives",
            "形状为 ({n},) 的 {first} 和 labels，约 {k}k 个正样本",
            first=first,
            n=n,
            k=int(labels.sum()) // 1000,
        )

    shown = _shown("scores")

    auc = mine("auc_score")
    start = time.perf_counter()
    try:
        got = auc(scores, labels)
    except (MemoryError, RuntimeError) as exc:
        if isinstance(exc, MemoryError) or "memory" in str(exc).lower():
            raise CheckFailure(
                say(
                    "auc_score could not allocate its memory on 10^6 samples ({shown}): it "
                    "needs far more than the checker's limit.\n  Likely mistake: a "
                    "(P, N) matrix comparing every positive with every negative (here 2.5·10^11 "
                    "pairs); sort the scores once and use their ranks instead (Mann–Whitney).",
                    "auc_score 在 10^6 个样本（{shown}）上分配不到所需的内存：它要的内存远超"
                    "检查程序的上限。\n  可能的错误：构造了一个 (P, N) 矩阵，把每个正样本和每个"
                    "负样本逐一比较（这里有 2.5·10^11 对）；应只对得分排一次序，改用名次来计算"
                    "（Mann–Whitney）。",
                    shown=shown,
                )
            ) from None
        raise
    except Exception as exc:
        if type(exc).__name__ != "CheckTimeout":
            raise
        raise CheckFailure(
            say(
                "auc_score did not finish on 10^6 samples ({shown}) and was stopped.\n  The "
                "usual cause: comparing every positive with every negative, O(P·N) = 2.5·10^11 "
                "pairs (even in chunks), or a Python loop over the samples; sort the scores once "
                "and use their ranks instead (Mann–Whitney).",
                "auc_score 在 10^6 个样本（{shown}）上没有跑完，已被终止。\n  常见原因：把每个"
                "正样本和每个负样本逐一比较，O(P·N) = 2.5·10^11 对（分块也一样），或者用 Python "
                "循环遍历样本；应只对得分排一次序，改用名次来计算（Mann–Whitney）。",
                shown=shown,
            )
        ) from None
    elapsed = time.perf_counter() - start
    expect(
        elapsed <= TIME_BUDGET,
        say(
            "auc_score took {elapsed} s on 10^6 samples ({shown}); it should take well under a "
            "second.\n  The usual cause: pairwise comparisons (O(P·N)) or a Python loop over the "
            "samples; sort the scores once and compute average ranks with tensor operations.",
            "auc_score 在 10^6 个样本（{shown}）上用了 {elapsed} 秒；应远低于一秒。\n  常见原因："
            "两两比较（O(P·N)），或者用 Python 循环遍历样本；应只对得分排一次序，并用张量运算"
            "计算平均名次。",
            elapsed=f"{elapsed:.1f}",
            shown=shown,
        ),
    )
    _expect_metric(
        got,
        ref("auc_score")(scores, labels),
        what=say("auc_score on 10^6 samples", "10^6 个样本上的 auc_score"),
        inputs=shown,
        mistakes=lambda: _auc_mistakes(scores, labels),
        tolerance=LARGE_AUC_TOLERANCE,
    )

    probs = torch.sigmoid(scores * 3)
    start = time.perf_counter()
    got = mine("log_loss")(probs, labels)
    elapsed = time.perf_counter() - start
    expect(
        elapsed <= TIME_BUDGET,
        say(
            "log_loss took {elapsed} s on 10^6 samples; it should take well under a second.\n  "
            "The usual cause: a Python loop over the samples; use tensor operations (clamp, log, "
            "mean).",
            "log_loss 在 10^6 个样本上用了 {elapsed} 秒；应远低于一秒。\n  常见原因：用 Python "
            "循环遍历样本；应使用张量运算（clamp、log、mean）。",
            elapsed=f"{elapsed:.1f}",
        ),
    )
    _expect_metric(
        got,
        ref("log_loss")(probs, labels),
        what=say("log_loss on 10^6 samples", "10^6 个样本上的 log_loss"),
        inputs=_shown("probs"),
        mistakes=lambda: _log_loss_mistakes(probs, labels, 1e-7, exclude=("eps_ignored",)),
        tolerance={"rtol": 1e-9, "atol": 1e-9},
    )


# --------------------------------------------------------------------------------------------
# The checks: LogLoss


def test_log_loss_small_example() -> None:
    """LogLoss of a small example
    zh: 小例子上的 LogLoss"""
    probs = _tensor([0.9, 0.2, 0.6, 0.35, 0.75])
    labels = _tensor([1, 0, 0, 1, 1], torch.int64)
    _check_log_loss(probs, labels, eps=None)


def test_probabilities_of_zero_and_one_are_clipped() -> None:
    """Probabilities of exactly 0 and 1 are clipped to [eps, 1 - eps]
    zh: 恰好为 0 和 1 的概率被裁剪到 [eps, 1 - eps]"""
    probs = _tensor([0.0, 1.0, 1.0, 0.0, 0.4, 0.0])
    labels = _tensor([1, 0, 1, 0, 1, 1], torch.int64)
    _check_log_loss(probs, labels, eps=None)


def test_eps_sets_the_clipping_range() -> None:
    """The eps argument sets the clipping range
    zh: 参数 eps 决定裁剪范围"""
    probs = _tensor([0.01, 0.5, 0.99, 0.97, 0.02, 0.3])
    labels = _tensor([1, 0, 0, 1, 0, 1], torch.int64)
    _check_log_loss(probs, labels, eps=0.05, first="eps_ignored")
    _check_log_loss(probs, labels, eps=0.05, first="eps_ignored", positional=True)


def test_log_loss_in_float64() -> None:
    """LogLoss is computed in float64, even for float32 inputs
    zh: 即使输入是 float32，LogLoss 也用 float64 计算"""
    # In float32, 1 - 1e-7 rounds to 1 - 1.19e-7: a clipped confident mistake then costs 15.94
    # instead of 16.12, which is far beyond rounding.
    probs = _tensor([1.0, 0.0, 0.9999999, 0.3, 1.0], torch.float32)
    labels = _tensor([0, 1, 0, 1, 0], torch.float32)
    _check_log_loss(probs, labels, eps=None)


@zh_name("在随机的概率、dtype 和 eps 下，LogLoss 与参考实现一致")
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    n=st.integers(1, 24),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    label_dtype=st.sampled_from(["int64", "float"]),
    eps=st.sampled_from([None, 1e-3, 0.05]),
    seed=st.integers(0, 2**16),
)
def test_log_loss_matches_reference_on_random_inputs(
    n: int, dtype: torch.dtype, label_dtype: str, eps: float | None, seed: int
) -> None:
    """LogLoss matches the reference on random probabilities, dtypes and eps"""
    g = seeded(seed)
    probs = torch.rand(n, generator=g, dtype=torch.float64)
    # Some exact 0s and 1s and some values beyond the clipping range.
    extreme = torch.rand(n, generator=g) < 0.3
    probs[extreme] = torch.tensor([0.0, 1.0, 1e-9, 1 - 1e-9], dtype=torch.float64)[
        torch.randint(0, 4, (int(extreme.sum()),), generator=g)
    ]
    labels = (torch.rand(n, generator=g) < 0.5).long()
    label_type = {"int64": torch.int64, "float": dtype}[label_dtype]
    _check_log_loss(probs.to(dtype).to(DEVICE), labels.to(label_type).to(DEVICE), eps=eps)


# --------------------------------------------------------------------------------------------
# The checks: both


_ITEM_HINT = say(
    " (use .item() or float(...) on the result)", "（对结果调用 .item() 或 float(...)）"
)


def test_return_python_floats_and_leave_inputs_unchanged() -> None:
    """Both metrics return Python floats and leave their inputs unchanged
    zh: 两个指标都返回 Python float，且不修改输入"""
    scores = _tensor([0.3, 0.9, 0.3, 0.1, 0.6], torch.float32)
    probs = _tensor([0.0, 0.9, 0.3, 1.0, 0.6])
    labels = _tensor([1, 1, 0, 0, 1], torch.float32)
    auc = mine("auc_score")
    got = expect_unchanged(
        {"scores": scores, "labels": labels}, lambda: auc(scores=scores, labels=labels)
    )
    expect(
        isinstance(got, float),
        say(
            "auc_score should return a Python float, got {kind}{hint}.",
            "auc_score 应返回 Python float，实际返回的是 {kind}{hint}。",
            kind=type(got).__name__,
            hint=_ITEM_HINT if isinstance(got, torch.Tensor) else "",
        ),
    )
    log_loss = mine("log_loss")
    got = expect_unchanged(
        {"probs": probs, "labels": labels}, lambda: log_loss(probs=probs, labels=labels)
    )
    expect(
        isinstance(got, float),
        say(
            "log_loss should return a Python float, got {kind}{hint}.",
            "log_loss 应返回 Python float，实际返回的是 {kind}{hint}。",
            kind=type(got).__name__,
            hint=_ITEM_HINT if isinstance(got, torch.Tensor) else "",
        ),
    )


@DTYPES
def test_inputs_that_require_grad(dtype: torch.dtype) -> None:
    """Both metrics accept tensors that require grad (a model's raw output)
    zh: 两个指标都接受 requires_grad 的张量，即模型的原始输出"""
    g = seeded(65)
    logits = torch.randn(10, generator=g, dtype=dtype).to(DEVICE)
    labels = (torch.arange(10) % 3 == 0).to(dtype).to(DEVICE)
    for name, x, what in (
        ("auc_score", logits, "scores"),
        ("log_loss", torch.sigmoid(logits), "probs"),
    ):
        leaf = x.detach().clone().requires_grad_(True)
        try:
            got = mine(name)(leaf, labels.clone())
        except (NotImplementedError, CheckFailure):
            raise
        except Exception as exc:  # noqa: BLE001
            hint = ""
            if "requires grad" in str(exc) or "requires_grad" in str(exc):
                hint = say(
                    "\n  Likely mistake: .numpy() (or .tolist() of a view) on a tensor that "
                    "requires grad; a metric reads values only: call .detach() first.",
                    "\n  可能的错误：对 requires_grad 的张量调用了 .numpy()（或对它的视图调用了 "
                    ".tolist()）；指标只读取数值：先调用 .detach()。",
                )
            raise CheckFailure(
                say(
                    "{name} raised {error} on {what} that require grad: {exc}{hint}",
                    "{name} 在 requires_grad 的 {what} 上抛出了 `{error}: {exc}`{hint}",
                    name=name,
                    error=type(exc).__name__,
                    what=what,
                    exc=exc,
                    hint=hint,
                )
            ) from None
        expected = ref(name)(x, labels)
        _expect_metric(
            got,
            expected,
            what=say(
                "{name} on inputs that require grad", "requires_grad 输入上的 {name}", name=name
            ),
            inputs=_show(what, x, labels),
            mistakes=lambda x=x, name=name, got=got: (
                _auc_mistakes(x, labels)
                if name == "auc_score"
                else _log_loss_mistakes(x, labels, 1e-7, exclude=("eps_ignored",), got=got)
            ),
            tolerance={"rtol": 1e-6, "atol": 1e-6}
            if name == "auc_score"
            else {"rtol": 1e-9, "atol": 1e-9},
        )
