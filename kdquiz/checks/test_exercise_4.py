"""Hidden checks for exercise_4: `hit_ratio_ndcg_loo`, leave-one-out HR@K and NDCG@K.

Expected values come from the reference solution on float64 copies of the inputs (exact: the
metric depends on comparisons only, and float32 values widen to float64 without change). Each
common mistake is replayed here (`_mistaken`) on the same inputs, so that a wrong value is
reported together with the mistake that produces it. Hand-built inputs give each mistake a
visibly different result, and every message shows the pessimistic ranks the learner should get.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from kdquiz.checker.bilingual import Bilingual, join
from kdquiz.checker.tracebacks import learner_traceback
from kdquiz.checks.devices import expect_device_following
from kdquiz.checks.support import (
    DEVICE,
    DTYPES,
    CheckFailure,
    as_metrics,
    expect_unchanged,
    expect_value_error,
    fmt,
    is_close,
    learner,
    reference,
    require_function,
    say,
    seeded,
    zh_name,
)

EXERCISE = "exercise_4"
FUNCTION = "hit_ratio_ndcg_loo"
SIGNATURE = "(pos_scores, neg_scores, k)"
_BIND = {"pos_scores": None, "neg_scores": None, "k": 1}
RTOL, ATOL = 1e-4, 1e-6
"""Tolerance on the returned floats: a float32 mean of the discounts differs in the last bits."""


# --------------------------------------------------------------------------------------------
# Getting the functions and calling them


def mine() -> Callable[..., Any]:
    return require_function(
        learner(EXERCISE), FUNCTION, SIGNATURE, f"exercises/{EXERCISE}.py", **_BIND
    )


def ref() -> Callable[..., Any]:
    return require_function(
        reference(EXERCISE), FUNCTION, SIGNATURE, f"solutions/{EXERCISE}.py", **_BIND
    )


def _call(pos: torch.Tensor, neg: torch.Tensor, k: int, keywords: bool = False):
    """(the call as text, the learner's (HR@k, NDCG@k))."""
    fn = mine()
    # Copies: a learner who modifies the inputs in place is told so by its own check, and the
    # expected values here are still computed from the original inputs.
    pos, neg = pos.clone(), neg.clone()
    call = (
        f"{FUNCTION}(pos_scores=..., neg_scores=..., k={k})"
        if keywords
        else f"{FUNCTION}(pos_scores, neg_scores, {k})"
    )
    try:
        result = fn(pos_scores=pos, neg_scores=neg, k=k) if keywords else fn(pos, neg, k)
    except RuntimeError as exc:
        if "must match the size of tensor" not in str(exc):
            raise
        raise CheckFailure(
            say(
                "{call} raised RuntimeError: {exc}\n{trace}\n"
                "  inputs:   pos_scores of shape {pos}, neg_scores of shape "
                "{neg}\n  Likely mistake: {mistake}.",
                "{call} 抛出了 RuntimeError：{exc}\n{trace}\n"
                "  输入：pos_scores 的形状为 {pos}，neg_scores 的形状为 {neg}\n"
                "  可能的错误：{mistake}。",
                call=call, exc=exc, trace=learner_traceback(exc), pos=tuple(pos.shape),
                neg=tuple(neg.shape), mistake=MISTAKES["broadcast"],
            )
        ) from None  # fmt: skip
    return call, as_metrics(result, call, ("HR@k", "NDCG@k"))


def _expected(pos: torch.Tensor, neg: torch.Tensor, k: int) -> tuple[float, float]:
    """The reference's value on float64 copies (exact for float32 inputs too)."""
    hr, ndcg = ref()(pos.detach().double().clone(), neg.detach().double().clone(), k)
    return float(hr), float(ndcg)


def _ranks(pos: torch.Tensor, neg: torch.Tensor) -> list[int]:
    """The pessimistic 1-based rank of each held-out item."""
    pos, neg = pos.detach().double().cpu(), neg.detach().double().cpu()
    return [1 + int(v) for v in (neg >= pos.unsqueeze(1)).sum(dim=1).tolist()]


def _digits(*tensors: torch.Tensor) -> int:
    """4 significant digits, or 10 where 4 would show distinct scores as equal."""
    values = {v for t in tensors for v in t.detach().double().cpu().reshape(-1).tolist()}
    return 4 if len({fmt(v) for v in values}) == len(values) else 10


def _show(pos: torch.Tensor, neg: torch.Tensor, k: int) -> str:
    dtype = "" if pos.dtype == torch.float32 else f"  ({str(pos.dtype).removeprefix('torch.')})"
    digits = _digits(pos, neg)
    return f"pos_scores={fmt(pos, digits)}, neg_scores={fmt(neg, digits)}, k={k}{dtype}"


# --------------------------------------------------------------------------------------------
# The common mistakes, in a learner's words, and the value each one produces.

# The texts go through str.format (say): "#{{neg >= pos}}" prints as "#{neg >= pos}".
MISTAKES = {
    "optimistic": say(
        "ties count in the held-out item's favour: rank = 1 + #{{neg > pos}} "
        "(optimistic), or a sort/topk put the held-out item first among equal scores; a "
        "negative with the same score must rank above it, rank = 1 + #{{neg >= pos}}",
        "同分时判成了对留出物品有利：rank = 1 + #{{neg > pos}}（乐观的排名），或者 sort/topk "
        "把留出物品排在了同分物品的前面；分数相同的负样本必须排在它前面，"
        "rank = 1 + #{{neg >= pos}}",
    ),
    "single_precision": say(
        "float64 scores that differ by about 1e-10 were treated as equal: are "
        "they cast to float32 (.float())? compare them in their own dtype",
        "相差约 1e-10 的 float64 分数被当成了相等：是不是把它们转成了 float32（.float()）？"
        "请在它们本来的 dtype 下比较",
    ),
    "float_tolerance": say(
        "scores that differ by about 1e-10 were treated as ties: the comparison "
        "allows a small tolerance (an epsilon, or torch.isclose); compare exactly, "
        "neg_scores >= pos_scores.unsqueeze(1)",
        "相差约 1e-10 的分数被当成了同分：比较时允许了一个小的容差（epsilon 或 "
        "torch.isclose）；请精确比较，neg_scores >= pos_scores.unsqueeze(1)",
    ),
    "low_precision": say(
        "scores that differ by about 1e-6 (relative) were treated as equal: are "
        "they cast to a lower precision (half, bfloat16)? compare them in their own dtype",
        "相对差约为 1e-6 的分数被当成了相等：是不是把它们转成了更低的精度（half、bfloat16）？"
        "请在它们本来的 dtype 下比较",
    ),
    "tolerance": say(
        "scores that differ by about 1e-6 (relative) were treated as ties: the "
        "comparison uses a tolerance (torch.isclose); compare exactly, "
        "neg_scores >= pos_scores.unsqueeze(1)",
        "相对差约为 1e-6 的分数被当成了同分：比较时用了容差（torch.isclose）；请精确比较，"
        "neg_scores >= pos_scores.unsqueeze(1)",
    ),
    "average_ties": say(
        "ties are split half and half (an average rank, as for AUC); here every "
        "tied negative ranks above the held-out item, rank = 1 + #{{neg >= pos}}",
        "同分被对半分了（像 AUC 那样取平均排名）；这里每个同分的负样本都排在留出物品前面，"
        "rank = 1 + #{{neg >= pos}}",
    ),
    "ascending": say(
        "lower scores are ranked first (rank = 1 + #{{neg <= pos}}); a higher score "
        "means a better item, rank = 1 + #{{neg >= pos}}",
        "分数低的排在了前面（rank = 1 + #{{neg <= pos}}）；分数越高表示物品越好，"
        "rank = 1 + #{{neg >= pos}}",
    ),
    "summed": say(
        "the metrics are summed over the users; average them (divide by U)",
        "指标在用户上求了和；应取平均（除以 U）",
    ),
    "over_m": say(
        "the sums are divided by M, the number of negatives; average over the U users",
        "总和除以的是负样本数 M；应在 U 个用户上取平均",
    ),
    "natural_log": say(
        "NDCG uses the natural log; the discount is 1/log2(rank + 1) (torch.log2), "
        "so a hit at rank 1 scores exactly 1",
        "NDCG 用了自然对数；折扣应为 1/log2(rank + 1)（torch.log2），这样排在第 1 位的命中"
        "正好得 1 分",
    ),
    "zero_based": say(
        "the rank is 0-based (no + 1): the top item gets rank 0 and the discount "
        "1/log2(0 + 1) = 1/0, and rank k + 1 counts as a hit; ranks start at 1, "
        "rank = 1 + #{{neg >= pos}}",
        "排名从 0 开始（没有 + 1）：排在最前面的物品排名为 0，折扣为 1/log2(0 + 1) = 1/0，"
        "而且排名 k + 1 也算成了命中；排名应从 1 开始，rank = 1 + #{{neg >= pos}}",
    ),
    "zero_based_hit": say(
        "the rank is 0-based (the number of negatives scoring >= the held-out "
        "item, without the + 1) but is compared with <= k, so rank k + 1 counts as a hit; "
        "ranks start at 1",
        "排名从 0 开始（即得分 >= 留出物品的负样本数，没有 + 1），却又用 <= k 来判断，"
        "于是排名 k + 1 也算成了命中；排名应从 1 开始",
    ),
    "log2_rank": say(
        "the discount is 1/log2(rank) (a 0-based rank fed to 1/log2(rank + 1)), which "
        "divides by log2(1) = 0 at the top; ranks start at 1 and the discount is "
        "1/log2(rank + 1)",
        "折扣用的是 1/log2(rank)（相当于把从 0 开始的排名代入 1/log2(rank + 1)），排在最前面"
        "时会除以 log2(1) = 0；排名应从 1 开始，折扣为 1/log2(rank + 1)",
    ),
    "log2_rank_plus_two": say(
        "the discount is 1/log2(rank + 2), the 0-based formula applied to a "
        "1-based rank; a hit at rank 1 must score 1/log2(2) = 1",
        "折扣用的是 1/log2(rank + 2)，即把针对从 0 开始的排名的公式用在了从 1 开始的排名上；"
        "排在第 1 位的命中必须得 1/log2(2) = 1 分",
    ),
    "reciprocal": say(
        "NDCG scores a hit 1/rank (the reciprocal rank of MRR); NDCG's discount is "
        "1/log2(rank + 1)",
        "NDCG 给命中记的是 1/rank 分（MRR 用的倒数排名）；NDCG 的折扣是 1/log2(rank + 1)",
    ),
    "strict_cutoff": say(
        "a held-out item at rank exactly k is counted as a miss (rank < k); it is a hit, rank <= k",
        "排名恰好为 k 的留出物品被算成了未命中（rank < k）；它应算命中，rank <= k",
    ),
    "ndcg_over_hits": say(
        "NDCG is averaged over the users with a hit only; average over all users, "
        "each miss scoring 0",
        "NDCG 只在有命中的用户上取了平均；应在所有用户上取平均，未命中的用户记 0 分",
    ),
    "no_cutoff": say(
        "NDCG is not cut off at k: a held-out item ranked below k must score 0, not "
        "1/log2(rank + 1)",
        "NDCG 没有在 k 处截断：排名在 k 之后的留出物品必须得 0 分，而不是 1/log2(rank + 1)",
    ),
    "broadcast": say(
        "each user's negatives are compared with other users' held-out scores: "
        "neg_scores >= pos_scores broadcasts pos_scores along the M columns; compare with "
        "pos_scores.unsqueeze(1) (or pos_scores[:, None])",
        "每个用户的负样本被拿去和其他用户的留出物品分数比较了：neg_scores >= pos_scores "
        "会把 pos_scores 沿 M 列广播；应和 pos_scores.unsqueeze(1)（或 pos_scores[:, None]）"
        "比较",
    ),
    "swapped": say(
        "the two results are swapped; return (HR@k, NDCG@k) in that order",
        "两个结果的顺序反了；应按 (HR@k, NDCG@k) 的顺序返回",
    ),
}


def _mistaken(pos: torch.Tensor, neg: torch.Tensor, k: int, mistake: str):
    """(HR@k, NDCG@k) with one common mistake, in float64; None where it cannot run."""
    pos, neg = pos.detach().double().cpu(), neg.detach().double().cpu()
    if mistake == "broadcast":  # neg_scores >= pos_scores: runs when M == U or M == 1
        try:
            beaten_by = (neg >= pos).sum(dim=1)
        except RuntimeError:
            return None
    elif mistake == "optimistic":
        beaten_by = (neg > pos.unsqueeze(1)).sum(dim=1)
    elif mistake == "low_precision":
        if max(pos.abs().max().item(), neg.abs().max().item()) > 6e4:
            return None  # half precision overflows: not a matter of nearly equal scores
        beaten_by = (neg.half() >= pos.half().unsqueeze(1)).sum(dim=1)
    elif mistake == "single_precision":
        beaten_by = (neg.float() >= pos.float().unsqueeze(1)).sum(dim=1)
    elif mistake == "float_tolerance":
        beaten_by = (neg >= pos.unsqueeze(1) - 1e-9 * (1 + pos.abs().unsqueeze(1))).sum(dim=1)
    elif mistake == "tolerance":
        p = pos.unsqueeze(1).expand_as(neg)
        beaten_by = ((neg > p) | torch.isclose(neg, p)).sum(dim=1)
    elif mistake == "average_ties":
        p = pos.unsqueeze(1)
        beaten_by = (neg > p).sum(dim=1) + 0.5 * (neg == p).sum(dim=1)
    elif mistake == "ascending":
        beaten_by = (neg <= pos.unsqueeze(1)).sum(dim=1)
    else:
        beaten_by = (neg >= pos.unsqueeze(1)).sum(dim=1)
    rank = (1 + beaten_by).double()
    if mistake == "strict_cutoff":
        hit = rank < k
    elif mistake in ("zero_based_hit", "zero_based"):
        hit = rank - 1 <= k
    else:
        hit = rank <= k
    discount = {
        "natural_log": lambda r: 1.0 / torch.log(r + 1),
        "log2_rank": lambda r: 1.0 / torch.log2(r),
        "zero_based": lambda r: 1.0 / torch.log2(r),
        "log2_rank_plus_two": lambda r: 1.0 / torch.log2(r + 2),
        "reciprocal": lambda r: 1.0 / r,
    }.get(mistake, lambda r: 1.0 / torch.log2(r + 1))(rank)
    gain = discount if mistake == "no_cutoff" else torch.where(hit, discount, 0.0)
    users = {"summed": 1, "over_m": neg.shape[1]}.get(mistake, pos.shape[0])
    hr = hit.double().sum().item() / users
    if mistake == "ndcg_over_hits":
        ndcg = gain.sum().item() / hit.sum().item() if hit.any() else 0.0
    else:
        ndcg = gain.sum().item() / users
    return (ndcg, hr) if mistake == "swapped" else (hr, ndcg)


def _reproduces(got: Sequence[float], mistake: Sequence[float], expected: Sequence[float]) -> bool:
    """True when a mistake's values explain `got`: equal within the check's tolerance, and
    nearer to `got` than the right values are."""
    if not is_close(list(got), list(mistake), RTOL, ATOL):
        return False
    gap = max(abs(g - m) for g, m in zip(got, mistake, strict=True))
    return gap < max(abs(g - e) for g, e in zip(got, expected, strict=True))


def _likely_mistake(pos, neg, k: int, got: tuple[float, float], first: str = "") -> str | Bilingual:
    """A "Likely mistake: ..." line naming the mistakes that reproduce `got`, or ""."""
    expected = _expected(pos, neg, k)
    order = [first] * bool(first) + [m for m in MISTAKES if m != first]
    values = {m: v for m in order if (v := _mistaken(pos, neg, k, m)) is not None}
    # A mistake matching both numbers wins; else, when the held-out items tie with negatives and
    # the result lies between the pessimistic and the optimistic one (as any order of the tied
    # items gives), an arbitrary tie order is the likely cause; else a mistake matching each
    # wrong number.
    found = [m for m, v in values.items() if _reproduces(got, v, expected)]
    optimistic = values["optimistic"]
    if (
        not found
        and not is_close(list(optimistic), list(expected), RTOL, ATOL)
        and all(
            lo - 1e-6 <= g <= hi + 1e-6 for g, lo, hi in zip(got, expected, optimistic, strict=True)
        )
    ):
        return say(
            "\n  Likely mistake: the held-out items tie with some of their negatives here, and "
            "your result matches neither rule: equal scores were put in an arbitrary order "
            "(torch.topk or argsort over the candidates does that); count instead, rank = "
            "1 + #{{neg >= pos}}.",
            "\n  可能的错误：这里留出物品与它的一些负样本同分，而你的结果两种规则都对不上："
            "同分的物品被排成了任意顺序（对候选物品做 torch.topk 或 argsort 就会这样）；"
            "请改为计数，rank = 1 + #{{neg >= pos}}。",
        )
    if not found:  # two mistakes at once: each one explains every number it changes
        found = [
            m
            for m, v in values.items()
            if any(not is_close(v[i], expected[i], RTOL, ATOL) for i in range(2))
            and all(
                is_close(v[i], expected[i], RTOL, ATOL) or _reproduces((got[i],), (v[i],), (e,))
                for i, e in enumerate(expected)
            )
        ]
    if not found:
        return ""
    return say(
        "\n  Likely mistake: {mistakes}.",
        "\n  可能的错误：{mistakes}。",
        mistakes=join([MISTAKES[m] for m in found[:2]], "; or: ", "；或者："),
    )


def _check_value(pos, neg, k: int, *, first: str = "", keywords: bool = False) -> None:
    """The learner's (HR@k, NDCG@k) must match the reference's."""
    call, got = _call(pos, neg, k, keywords)
    expected = _expected(pos, neg, k)
    wrong = [
        name
        for name, g, e in zip(("HR@k", "NDCG@k"), got, expected, strict=True)
        if not is_close(g, e, RTOL, ATOL)
    ]
    if not wrong:
        return
    raise CheckFailure(
        say(
            "{call} returned the wrong {wrong}.\n"
            "  inputs:   {inputs}\n"
            "  ranks:    {ranks}  (1 + the number of negatives scoring >= the held-out "
            "item)\n"
            "  expected: (HR@k, NDCG@k) = ({hr}, {ndcg})\n"
            "  got:      (HR@k, NDCG@k) = ({got_hr}, {got_ndcg})"
            "{likely}",
            "{call} 返回的 {wrong} 不对。\n"
            "  输入：{inputs}\n"
            "  排名：{ranks}（1 + 得分 >= 留出物品的负样本个数）\n"
            "  应为：(HR@k, NDCG@k) = ({hr}, {ndcg})\n"
            "  实际：(HR@k, NDCG@k) = ({got_hr}, {got_ndcg})"
            "{likely}",
            call=call, wrong=join(wrong, " and ", " 和 "), inputs=_show(pos, neg, k),
            ranks=_ranks(pos, neg), hr=fmt(expected[0]), ndcg=fmt(expected[1]),
            got_hr=fmt(got[0]), got_ndcg=fmt(got[1]),
            likely=_likely_mistake(pos, neg, k, got, first),
        )
    )  # fmt: skip


def _tensor(values, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype, device=DEVICE)


# --------------------------------------------------------------------------------------------
# Checks


def test_returns_two_python_floats() -> None:
    """Returns (HR@k, NDCG@k) as two Python floats
    zh: 以两个 Python float 的形式返回 (HR@k, NDCG@k)"""
    pos = _tensor([3.0, 1.0, 2.0])
    neg = _tensor([[1.0, 2.0], [1.0, 5.0], [2.0, 0.0]])
    _call(pos, neg, 2, keywords=True)


@DTYPES
def test_example_from_the_task(dtype: torch.dtype) -> None:
    """The task's example gives HR@2 = 2/3 and NDCG@2 ≈ 0.5436
    zh: 题目中的示例得到 HR@2 = 2/3、NDCG@2 ≈ 0.5436"""
    pos = _tensor([3.0, 1.0, 2.0], dtype)
    neg = _tensor([[1.0, 2.0], [1.0, 5.0], [2.0, 0.0]], dtype)
    _check_value(pos, neg, 2)


@DTYPES
def test_rank_one_scores_one(dtype: torch.dtype) -> None:
    """A held-out item above all its negatives has rank 1: HR@1 = NDCG@1 = 1
    zh: 得分高于所有负样本的留出物品排名为 1：HR@1 = NDCG@1 = 1"""
    pos = _tensor([2.0, 0.5], dtype)
    neg = _tensor([[1.0, -1.0, 0.0], [0.4, 0.1, -3.0]], dtype)
    _check_value(pos, neg, 1, first="natural_log")


@DTYPES
def test_ndcg_discount(dtype: torch.dtype) -> None:
    """A hit at rank r scores NDCG 1/log2(r + 1)
    zh: 排名为 r 的命中，NDCG 得分为 1/log2(r + 1)"""
    # Ranks 1, 2, 3, 4, all within k = 4; each row's negatives in a different order.
    pos = _tensor([3.0, 1.5, 0.5, -1.0], dtype)
    neg = _tensor([[0.0, 1.0, 2.0], [2.0, 0.0, 1.0], [1.0, 2.0, 0.0], [2.0, 1.0, 0.0]], dtype)
    _check_value(pos, neg, 4, first="natural_log")


def test_hit_at_rank_k() -> None:
    """HR@k counts rank k as a hit and rank k + 1 as a miss
    zh: HR@k 把排名 k 算作命中，把排名 k + 1 算作未命中"""
    # Ranks 3, 4, 2, 3 with k = 3.
    pos = _tensor([0.5, -0.5, 1.5, 0.2])
    neg = _tensor([[1.0, 2.0, 0.0], [1.0, 2.0, 0.0], [1.0, 2.0, 0.0], [2.0, 0.0, 1.0]])
    _check_value(pos, neg, 3, first="strict_cutoff")


def test_misses_count_as_zero() -> None:
    """NDCG averages over all users: a miss counts as 0
    zh: NDCG 在所有用户上取平均：未命中记为 0"""
    # Ranks 1, 5 and 6 with k = 2: one hit, two misses.
    pos = _tensor([9.0, 0.5, -2.0])
    neg = _tensor([[4.0, 3.0, 2.0, 1.0, 0.0]] * 3)
    _check_value(pos, neg, 2, first="ndcg_over_hits")


def _tie_inputs(dtype: torch.dtype) -> list[tuple[torch.Tensor, torch.Tensor, int]]:
    """Small hand-built ties, then many ties in long lists (where an unstable sort reorders)."""
    small = (
        _tensor([1.0, 0.5, 2.0], dtype),
        _tensor([[1.0, 0.0, 1.0, -1.0], [0.5, 0.5, 0.5, 0.5], [3.0, 2.0, 1.0, 2.0]], dtype),
        3,
    )
    g = seeded(41)
    neg = torch.randint(0, 5, (6, 40), generator=g).to(dtype)
    pos = torch.tensor([4.0, 4.0, 3.0, 4.0, 2.0, 4.0], dtype=dtype)
    return [small, (pos.to(DEVICE), neg.to(DEVICE), 12)]


@DTYPES
def test_ties_are_pessimistic(dtype: torch.dtype) -> None:
    """Ties count against the held-out item: rank = 1 + #{neg >= pos}
    zh: 同分时判为对留出物品不利：rank = 1 + #{neg >= pos}"""
    for pos, neg, k in _tie_inputs(dtype):
        _check_value(pos, neg, k, first="optimistic")


@DTYPES
def test_nearly_equal_scores_are_not_ties(dtype: torch.dtype) -> None:
    """Nearly equal scores are compared exactly, not treated as ties
    zh: 几乎相等的分数要精确比较，不能当作同分"""
    # Ranks 2 and 3 (k = 3): negatives just above and just below each held-out item, all
    # distinct in float32 (but equal in half precision, or within torch.isclose's tolerance).
    pos = _tensor([1.0, 1000.0], dtype)
    neg = _tensor(
        [
            [1.0 + 2**-20, 1.0 - 2**-20, 0.0, -1.0, -2.0],
            [1000.125, 999.875, 1000.0 - 2**-9, 2000.0, 0.0],
        ],
        dtype,
    )
    _check_value(pos, neg, 3, first="low_precision")


def test_constant_scorer_gets_no_hit() -> None:
    """A model that scores every item alike gets HR@k = 0 when M >= k
    zh: 给所有物品打相同分数的模型，在 M >= k 时得到 HR@k = 0"""
    for users, m, k, score in ((3, 1, 1, 0.0), (2, 5, 5, 0.5), (4, 10, 3, -1.25), (2, 99, 10, 7.0)):
        pos = torch.full((users,), score, device=DEVICE)
        neg = torch.full((users, m), score, device=DEVICE)
        call, (hr, ndcg) = _call(pos, neg, k)
        if hr != 0.0 or ndcg != 0.0:
            raise CheckFailure(
                say(
                    "A model that gives every item the score {score} got HR@{k} = {hr} and "
                    "NDCG@{k} = {ndcg} with M = {m} negatives per user; both should be 0.\n"
                    "  call:     {call}\n"
                    "  Every tied negative ranks above the held-out item, so its rank is M + 1 = "
                    "{m1} > k.{likely}",
                    "每个用户有 M = {m} 个负样本时，一个给所有物品都打 {score} 分的模型得到了 "
                    "HR@{k} = {hr}、NDCG@{k} = {ndcg}；两者都应为 0。\n"
                    "  调用：{call}\n"
                    "  每个同分的负样本都排在留出物品前面，所以它的排名是 M + 1 = {m1} > k。"
                    "{likely}",
                    score=f"{score:g}", k=k, hr=fmt(hr), ndcg=fmt(ndcg), m=m, call=call,
                    m1=m + 1, likely=_likely_mistake(pos, neg, k, (hr, ndcg), "optimistic"),
                )
            )  # fmt: skip
    # With k = M + 1 the same scorer hits at rank M + 1, the last position.
    pos, neg = torch.zeros(2, device=DEVICE), torch.zeros(2, 4, device=DEVICE)
    _check_value(pos, neg, 5, first="optimistic")


def test_each_user_own_negatives() -> None:
    """Each user's negatives are compared with that user's own held-out item
    zh: 每个用户的负样本只与该用户自己的留出物品比较"""
    # U = M = 3, so that comparing with the wrong user's item still runs.
    pos = _tensor([5.0, 0.0, -5.0])
    neg = _tensor([[6.0, 4.0, -9.0], [1.0, -1.0, -2.0], [-4.0, -6.0, -7.0]])
    _check_value(pos, neg, 2, first="broadcast")


def test_k_beyond_the_list() -> None:
    """k larger than the M + 1 candidates counts every user as a hit
    zh: k 大于 M + 1 个候选物品时，每个用户都算命中"""
    g = seeded(43)
    pos = torch.randn(4, generator=g).to(DEVICE)
    neg = torch.randn(4, 3, generator=g).to(DEVICE)
    _check_value(pos, neg, 3)
    for k in (4, 5, 10):
        try:
            _check_value(pos, neg, k)
        except (CheckFailure, NotImplementedError):
            raise
        except Exception as exc:  # noqa: BLE001 - explained to the learner below
            raise CheckFailure(
                say(
                    "{function}(pos_scores, neg_scores, {k}) with M = 3 negatives per user "
                    "raised {error}: {exc}\n  inputs:   {inputs}\n"
                    "  k may exceed the number of candidates M + 1; every rank is then <= k, so "
                    "every user is a hit. (torch.topk(k) needs k <= M + 1: use min(k, M + 1).)",
                    "每个用户有 M = 3 个负样本时，{function}(pos_scores, neg_scores, {k}) "
                    "抛出了 `{error}: {exc}`\n  输入：{inputs}\n"
                    "  k 可以超过候选物品数 M + 1；这时每个排名都 <= k，所以每个用户都算命中。"
                    "（torch.topk(k) 要求 k <= M + 1：请用 min(k, M + 1)。）",
                    function=FUNCTION, k=k, error=type(exc).__name__, exc=exc,
                    inputs=_show(pos, neg, k),
                )
            ) from None  # fmt: skip


@DTYPES
def test_single_user(dtype: torch.dtype) -> None:
    """A single user works
    zh: 只有一个用户时也能正常计算"""
    pos = _tensor([0.25], dtype)
    neg = _tensor([[1.0, -2.0, 0.3, 3.0, -0.5]], dtype)
    _check_value(pos, neg, 3)
    _check_value(pos, neg, 4, keywords=True)


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
@zh_name("在随机的形状、dtype、同分情况和 k 下，HR@k 和 NDCG@k 与参考实现一致")
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate], max_examples=40)
@given(
    users=st.integers(1, 6),
    negatives=st.integers(1, 12),
    extra_k=st.integers(-11, 3),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    ties=st.booleans(),
    scale=st.sampled_from([0.01, 1.0, 1e3, 1e5]),
    seed=st.integers(0, 2**16),
)
def test_matches_reference_on_random_inputs(
    users: int,
    negatives: int,
    extra_k: int,
    dtype: torch.dtype,
    ties: bool,
    scale: float,
    seed: int,
) -> None:
    """HR@k and NDCG@k match the reference on random shapes, dtypes, ties and k"""
    g = seeded(seed)
    if ties:  # few distinct values: many ties
        pos = torch.randint(-2, 3, (users,), generator=g).to(dtype) * scale
        neg = torch.randint(-2, 3, (users, negatives), generator=g).to(dtype) * scale
    else:
        pos = torch.randn(users, generator=g, dtype=dtype) * scale
        neg = torch.randn(users, negatives, generator=g, dtype=dtype) * scale
    k = max(1, negatives + 1 + extra_k)
    _check_value(pos.to(DEVICE), neg.to(DEVICE), k)


def test_inputs_are_not_modified() -> None:
    """The inputs are not modified in place
    zh: 不会原地修改输入"""
    fn = mine()
    g = seeded(44)
    pos = torch.randn(4, generator=g).to(DEVICE)
    neg = torch.randn(4, 6, generator=g).to(DEVICE)
    expect_unchanged({"pos_scores": pos, "neg_scores": neg}, lambda: fn(pos, neg, 3))


def test_invalid_arguments_raise_value_error() -> None:
    """k < 1 and mismatched shapes raise ValueError
    zh: k < 1 或形状不匹配时抛出 ValueError"""
    fn = mine()
    g = seeded(45)
    pos = torch.randn(3, generator=g).to(DEVICE)
    neg = torch.randn(3, 5, generator=g).to(DEVICE)
    # k is checked whatever the inputs: one user, one negative, ties, float64.
    k_cases = {
        say("", ""): (pos, neg),
        say(", one user and one negative", "只有一个用户和一个负样本时，"): (pos[:1], neg[:1, :1]),
        say(", every score tied", "所有分数都相同时，"): (
            torch.zeros(3, device=DEVICE),
            torch.zeros(3, 5, device=DEVICE),
        ),
        say(", float64 scores", "分数为 float64 时，"): (pos.double(), neg.double()),
    }
    for k in (0, -1):
        for described, (p, n) in k_cases.items():
            call = say(
                "{function}(pos_scores, neg_scores, k={k}){described}",
                "{described}{function}(pos_scores, neg_scores, k={k})",
                function=FUNCTION, k=k, described=described,
            )  # fmt: skip
            with expect_value_error(call, "k"):
                fn(p.clone(), n.clone(), k)
    # Shapes are checked whatever k is (also k beyond the list, where every user is a hit),
    # and shapes that broadcast are mismatched too: pos_scores must be (U,).
    bad_shapes = {
        say("pos_scores (4,) and neg_scores (3, 5)", "pos_scores 为 (4,)、neg_scores 为 (3, 5)"): (
            torch.cat([pos, pos[:1]]),
            neg,
        ),
        say("pos_scores (3,) and neg_scores (4, 5)", "pos_scores 为 (3,)、neg_scores 为 (4, 5)"): (
            pos,
            torch.cat([neg, neg[:1]]),
        ),
        say(
            "pos_scores (3, 1) and neg_scores (3, 5)", "pos_scores 为 (3, 1)、neg_scores 为 (3, 5)"
        ): (pos.unsqueeze(1), neg),
        say(
            "pos_scores (1, 3) and neg_scores (3, 5)", "pos_scores 为 (1, 3)、neg_scores 为 (3, 5)"
        ): (pos.unsqueeze(0), neg),
        say("pos_scores () and neg_scores (1, 5)", "pos_scores 为 ()、neg_scores 为 (1, 5)"): (
            pos[0],
            neg[:1],
        ),
        say("pos_scores (3,) and neg_scores (3,)", "pos_scores 为 (3,)、neg_scores 为 (3,)"): (
            pos,
            neg[:, 0],
        ),
        say(
            "pos_scores (3,) and neg_scores (3, 5, 1)",
            "pos_scores 为 (3,)、neg_scores 为 (3, 5, 1)",
        ): (pos, neg.unsqueeze(2)),
    }
    for described, (bad_pos, bad_neg) in bad_shapes.items():
        for k in (2, 1, 50):
            call = say(
                "{function} with {described}, k={k}",
                "{described}、k={k} 时，{function}",
                function=FUNCTION, described=described, k=k,
            )  # fmt: skip
            with expect_value_error(call, "shape"):
                fn(bad_pos.clone(), bad_neg.clone(), k)
    for k in (1, 6, 1000):  # the smallest cut-off, the whole list and beyond are valid
        try:
            fn(pos.clone(), neg.clone(), k)
        except ValueError as exc:
            raise CheckFailure(
                say(
                    "{function}(pos_scores, neg_scores, k={k}) raised ValueError({message}), but "
                    "any k >= 1 is valid (k beyond the M + 1 candidates counts every user as a "
                    "hit).",
                    "{function}(pos_scores, neg_scores, k={k}) 抛出了 ValueError({message})，"
                    "但任何 k >= 1 都是合法的（k 超过 M + 1 个候选物品时，每个用户都算命中）。",
                    function=FUNCTION, k=k, message=repr(str(exc)),
                )
            ) from None  # fmt: skip


def test_near_equal_float64_scores() -> None:
    """float64 scores that differ by 1e-10 are ranked exactly
    zh: 相差 1e-10 的 float64 分数也能精确排名"""
    # Each held-out item has negatives 1e-10 above and below it (equal in float32, or within an
    # epsilon), at magnitudes 1, 1000, 5 and 7: ranks 3, 2, 4 and 1.
    pos = _tensor([1.0, 1000.0, -5.0, 7.0], torch.float64)
    d = 1e-10
    neg = _tensor(
        [
            [1.0 + d, 1.0 - d, 1.0 + 3 * d, 0.5, 1.0 - 2 * d],
            [1000.0 - d, 1000.0 + d, 999.0, 1000.0 - 5 * d, -1000.0],
            [-5.0 + d, -5.0 - d, -5.0 + 2 * d, -5.0 + 4 * d, -6.0],
            [7.0 - d, 6.0, 5.0, 4.0, 3.0],
        ],
        torch.float64,
    )
    for k in (2, 3):
        _check_value(pos, neg, k, first="single_precision")


@DTYPES
def test_extreme_scores(dtype: torch.dtype) -> None:
    """Scores as large as ±1e5 are ranked like any others
    zh: 大到 ±1e5 的分数也能和其他分数一样正常排名"""
    # Ranks 2, 1, 4 and 3; no squashing (sigmoid, softmax) or fixed offset may tie them.
    pos = _tensor([1e5 - 1.0, -1e5 + 1.0, 5e4, 0.0], dtype)
    neg = _tensor(
        [
            [1e5, 99990.0, -1e5, 5e4],
            [-1e5, -1e5 + 0.5, -99999.5, -1e5],
            [1e5, 5e4, 99999.0, -1e5],
            [1e5, 1.0, -1e5, -1.0],
        ],
        dtype,
    )
    for k in (3, 1):
        _check_value(pos, neg, k)
    g = seeded(46)
    pos = torch.randn(5, generator=g, dtype=dtype) * 1e5
    neg = torch.randn(5, 30, generator=g, dtype=dtype) * 1e5
    _check_value(pos.to(DEVICE), neg.to(DEVICE), 10)


def test_scores_that_require_grad() -> None:
    """Scores that require grad (a model's output) work
    zh: 需要梯度的分数（模型的输出）也能正常处理"""
    g = seeded(47)
    for dtype in (torch.float32, torch.float64):
        pos = torch.randn(4, generator=g, dtype=dtype).to(DEVICE).requires_grad_()
        neg = torch.randn(4, 6, generator=g, dtype=dtype).to(DEVICE).requires_grad_()
        try:
            _check_value(pos, neg, 3)
        except (CheckFailure, NotImplementedError):
            raise
        except Exception as exc:  # noqa: BLE001 - explained to the learner below
            raise CheckFailure(
                say(
                    "{function}(pos_scores, neg_scores, 3) raised {error}: {exc}\n"
                    "{trace}\n  inputs:   scores straight from a model, with "
                    "requires_grad=True ({dtype})\n"
                    "  A metric must accept a model's scores as they are: call .detach() before "
                    ".numpy() (or compare the tensors directly).",
                    "{function}(pos_scores, neg_scores, 3) 抛出了 `{error}: {exc}`\n"
                    "{trace}\n  输入：直接来自模型、requires_grad=True 的分数（{dtype}）\n"
                    "  评估指标必须能直接接受模型输出的分数：在 .numpy() 之前先调用 .detach()"
                    "（或者直接比较张量）。",
                    function=FUNCTION, error=type(exc).__name__, exc=exc,
                    trace=learner_traceback(exc), dtype=str(dtype).removeprefix("torch."),
                )
            ) from None  # fmt: skip


def test_new_tensors_on_the_inputs_device() -> None:
    """Tensors your code creates live on the inputs' device
    zh: 你的代码新建的张量位于输入所在的设备上"""
    g = seeded(48)
    pos = torch.randn(4, generator=g).to(DEVICE)
    neg = torch.randn(4, 6, generator=g).to(DEVICE)
    expect_device_following(
        f"{FUNCTION}(pos_scores, neg_scores, 3)", lambda: mine()(pos.clone(), neg.clone(), 3)
    )
