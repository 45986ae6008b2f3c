"""Hidden checks for exercise_5: `recall_ndcg_at_k`, full-ranking Recall@K and NDCG@K.

Expected values come from the reference solution on float64 copies of the scores (exact: the
metrics depend on the order of the scores only, which widening to float64 keeps). Each common
mistake is replayed here by a plain-Python ranking (`_mistaken`) on the same inputs, so that a
wrong value is reported together with the mistake that produces it; every message shows the
top-k list the learner should get.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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

EXERCISE = "exercise_5"
FUNCTION = "recall_ndcg_at_k"
SIGNATURE = "(scores, relevant, k, exclude=None)"
_BIND = {"scores": None, "relevant": None, "k": 1, "exclude": None}
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


def _call(scores, relevant, k: int, exclude=None, style: str = "positional"):
    """(the call as text, the learner's (Recall@k, NDCG@k)).

    style: "positional" passes exclude positionally (or not at all when it is None), "keywords"
    passes every argument by name.
    """
    fn = mine()
    # Copies: a learner who modifies the inputs in place is told so by its own check, and the
    # expected values here are still computed from the original inputs.
    scores, relevant = scores.clone(), relevant.clone()
    exclude = None if exclude is None else exclude.clone()
    if style == "keywords":
        call = f"{FUNCTION}(scores=..., relevant=..., k={k}, exclude=...)"
        result = fn(scores=scores, relevant=relevant, k=k, exclude=exclude)
    elif exclude is None:
        call = f"{FUNCTION}(scores, relevant, {k})"
        result = fn(scores, relevant, k)
    else:
        call = f"{FUNCTION}(scores, relevant, {k}, exclude)"
        result = fn(scores, relevant, k, exclude)
    return call, as_metrics(result, call, ("Recall@k", "NDCG@k"))


def _expected(scores, relevant, k: int, exclude=None) -> tuple[float, float]:
    """The reference's value on float64 copies (exact for float32 inputs too)."""
    exclude = None if exclude is None else exclude.clone()
    recall, ndcg = ref()(scores.detach().double().clone(), relevant.clone(), k, exclude)
    return float(recall), float(ndcg)


def _rows(t: torch.Tensor) -> list[list[Any]]:
    return t.detach().cpu().tolist()


def _ranking(scores, exclude, user: int) -> list[int]:
    """The user's ranked items: excluded ones removed, score descending, index ascending."""
    s = _rows(scores.double())[user]
    e = _rows(exclude)[user] if exclude is not None else [False] * len(s)
    return sorted((i for i in range(len(s)) if not e[i]), key=lambda i: (-s[i], i))


def _top_k_lines(scores, relevant, k: int, exclude) -> Bilingual:
    """Per user (at most 6): the expected top-k items, relevant ones starred."""
    rel = _rows(relevant.bool())
    lines = []
    for u in range(min(len(rel), 6)):
        top = _ranking(scores, exclude, u)[: min(k, len(rel[u]))]
        shown = ", ".join(f"{i}*" if rel[u][i] else str(i) for i in top)
        none = "" if any(rel[u]) else say("  (no relevant item)", "（没有相关物品）")
        lines.append(
            say(
                "user {u}: [{shown}]{none}",
                "用户 {u}：[{shown}]{none}",
                u=u,
                shown=shown,
                none=none,
            )
        )
    more = "" if len(rel) <= 6 else say("  … ({n} users)", "…（共 {n} 个用户）", n=len(rel))
    return join(lines, "; ", "；") + more


def _digits(t: torch.Tensor) -> int:
    """4 significant digits, or 10 where 4 would show distinct scores as equal."""
    values = set(t.detach().double().cpu().reshape(-1).tolist())
    return 4 if len({fmt(v) for v in values}) == len(values) else 10


def _show(scores, relevant, k: int, exclude) -> str:
    dtype = (
        "" if scores.dtype == torch.float32 else f"  ({str(scores.dtype).removeprefix('torch.')})"
    )
    shown = f"scores={fmt(scores, _digits(scores))}, relevant={fmt(relevant.int())}, k={k}"
    if exclude is not None:
        shown += f", exclude={fmt(exclude.int())}"
    return shown + dtype


# --------------------------------------------------------------------------------------------
# The common mistakes, in a learner's words, and the value each one produces.

MISTAKES = {
    "idcg_k": say(
        "IDCG sums k discounts, but a user with fewer than k relevant items can fill only "
        "|R_u| of the top k slots: IDCG runs over min(k, |R_u|) positions (otherwise even a "
        "perfect ranking scores NDCG < 1)",
        "IDCG 累加了 k 个折扣，但相关物品少于 k 个的用户只能填满前 k 个位置中的 |R_u| 个："
        "IDCG 应只累加 min(k, |R_u|) 个位置（否则即使是完美排序，NDCG 也会小于 1）",
    ),
    "idcg_all": say(
        "IDCG sums a discount for every relevant item even when |R_u| > k; only "
        "min(k, |R_u|) of them fit in the top k",
        "即使 |R_u| > k，IDCG 也为每个相关物品都累加了一个折扣；前 k 个位置只放得下其中的 "
        "min(k, |R_u|) 个",
    ),
    "recall_k": say(
        "Recall@k is divided by k (that is precision@k); divide the hits by the user's "
        "number of relevant items |R_u|",
        "Recall@k 除以了 k（那是 precision@k）；应该用命中数除以该用户的相关物品数 |R_u|",
    ),
    "recall_min": say(
        "Recall@k is divided by min(k, |R_u|) (a truncated recall); divide the hits by "
        "the user's number of relevant items |R_u|",
        "Recall@k 除以了 min(k, |R_u|)（这是截断召回率）；应该用命中数除以该用户的相关物品数 |R_u|",
    ),
    "micro": say(
        "recall is pooled over users (all hits / all relevant items); compute it per user, "
        "then average over the users",
        "召回率是把所有用户合在一起算的（总命中数 / 总相关物品数）；应先为每个用户单独计算，"
        "再对用户取平均",
    ),
    "zero_users": say(
        "users without relevant items are counted as 0; leave them out of both averages",
        "没有相关物品的用户被记为 0；应把这些用户排除在两个平均值之外",
    ),
    "exclude_ignored": say(
        "exclude is ignored: excluded items stay in the ranking and take places "
        "in the top k; mask them out, e.g. scores.masked_fill(exclude, float('-inf'))",
        "忽略了 exclude：被排除的物品仍留在排序里，占据了前 k 个位置；应把它们屏蔽掉，"
        "例如 scores.masked_fill(exclude, float('-inf'))",
    ),
    "exclude_zero": say(
        "excluded items get the score 0 instead of leaving the ranking; 0 still ranks "
        "them above every negative score; use float('-inf') (masked_fill) instead",
        "被排除的物品被赋了 0 分，而不是移出排序；0 分仍会让它们排在所有负分物品之前；"
        "应改用 float('-inf')（masked_fill）",
    ),
    "reversed_ties": say(
        "ties are broken by item index, highest first; among equal scores the lower "
        "item index comes first (a stable descending sort: torch.sort(scores, dim=1, "
        "descending=True, stable=True))",
        "得分相同时按物品索引从大到小排列了；得分相同的物品中，索引小的应排在前面（用稳定的"
        "降序排序：torch.sort(scores, dim=1, descending=True, stable=True)）",
    ),
    "ascending": say(
        "items are ranked lowest score first; rank by score descending",
        "物品按得分从低到高排序了；应按得分从高到低排序",
    ),
    "single_precision": say(
        "float64 scores that differ by about 1e-10 were treated as equal (and "
        "ordered by item index): are they cast to float32 (.float())? rank them in their own "
        "dtype",
        "相差约 1e-10 的 float64 得分被当成了相等（并按物品索引排序）：是不是把它们转成了 "
        "float32（.float()）？应在得分原本的 dtype 下排序",
    ),
    "exclude_finite": say(
        "excluded items get a large negative score (such as -1e4) instead of "
        "leaving the ranking, and real scores can be lower still: use float('-inf') "
        "(scores.masked_fill(exclude, float('-inf'))) or drop the excluded items",
        "被排除的物品被赋了一个很大的负分（如 -1e4），而不是移出排序，而真实得分可能比它"
        "还低：应使用 float('-inf')（scores.masked_fill(exclude, float('-inf'))），或直接去掉"
        "被排除的物品",
    ),
    "exclude_finite_far": say(
        "excluded items get a large negative score (such as -1e9) instead of "
        "leaving the ranking, and real scores can be lower still: use float('-inf') "
        "(scores.masked_fill(exclude, float('-inf'))) or drop the excluded items",
        "被排除的物品被赋了一个很大的负分（如 -1e9），而不是移出排序，而真实得分可能比它"
        "还低：应使用 float('-inf')（scores.masked_fill(exclude, float('-inf'))），或直接去掉"
        "被排除的物品",
    ),
    "idcg_from_hits": say(
        "IDCG is computed from the retrieved list (its hits moved to the top); "
        "the ideal ranking puts min(k, |R_u|) of all the user's relevant items at the top, "
        "retrieved or not",
        "IDCG 是根据检索出的列表算的（把其中的命中物品移到最前面）；理想排序应把该用户全部"
        "相关物品中的 min(k, |R_u|) 个放在最前面，不管它们有没有被检索到",
    ),
    "ndcg_over_hit_users": say(
        "NDCG is averaged over the users with a hit in the top k only; "
        "average over every user with a relevant item, a user without a hit scoring 0",
        "NDCG 只对前 k 个中有命中的用户取了平均；应对每个有相关物品的用户取平均，没有命中的"
        "用户记为 0",
    ),
    "micro_ndcg": say(
        "NDCG is pooled over users (sum of the DCGs / sum of the IDCGs); compute it "
        "per user, then average over the users",
        "NDCG 是把所有用户合在一起算的（DCG 之和 / IDCG 之和）；应先为每个用户单独计算，"
        "再对用户取平均",
    ),
    "cutoff_plus_one": say(
        "k + 1 items are scored (an off-by-one in the cut-off); the top k holds exactly k items",
        "计入了 k + 1 个物品（截断位置差了一位）；前 k 个恰好只有 k 个物品",
    ),
    "discount_plus_two": say(
        "position j is discounted by 1/log2(j + 2), the 0-based formula applied "
        "to 1-based positions; the top position's discount is 1/log2(2) = 1",
        "位置 j 的折扣用了 1/log2(j + 2)，即把从 0 开始计数的公式用在了从 1 开始计数的位置上；"
        "第一个位置的折扣是 1/log2(2) = 1",
    ),
    "swapped": say(
        "the two results are swapped; return (Recall@k, NDCG@k) in that order",
        "两个结果的顺序反了；应按 (Recall@k, NDCG@k) 的顺序返回",
    ),
}


def _mistaken(scores, relevant, k: int, exclude, mistake: str) -> tuple[float, float]:
    """(Recall@k, NDCG@k) with one common mistake, by a plain-Python ranking in float64."""
    s_rows, r_rows = _rows(scores.double()), _rows(relevant.bool())
    e_rows = _rows(exclude.bool()) if exclude is not None else None
    n_items = len(s_rows[0])
    cut = min(k + (mistake == "cutoff_plus_one"), n_items)

    def discount(j: int) -> float:  # j = 1, 2, ...
        return 1.0 / math.log2(j + (2 if mistake == "discount_plus_two" else 1))

    recalls, ndcgs, total_hits, total_relevant, dcgs, idcgs = [], [], 0, 0, [], []
    for u, (s, rel) in enumerate(zip(s_rows, r_rows, strict=True)):
        items = list(range(n_items))
        if mistake == "single_precision":
            s = _rows(scores.float().double())[u]
        if e_rows is not None:
            if mistake == "exclude_zero":
                s = [0.0 if e_rows[u][i] else s[i] for i in items]
            elif mistake in ("exclude_finite", "exclude_finite_far"):
                fill = -1e4 if mistake == "exclude_finite" else -1e9
                s = [fill if e_rows[u][i] else s[i] for i in items]
            elif mistake != "exclude_ignored":
                items = [i for i in items if not e_rows[u][i]]
        if mistake == "reversed_ties":
            items.sort(key=lambda i: (-s[i], -i))
        elif mistake in ("ties_best", "ties_worst"):  # relevant items first / last among ties
            items.sort(key=lambda i: (-s[i], rel[i] == (mistake == "ties_worst"), i))
        elif mistake == "ascending":
            items.sort(key=lambda i: (s[i], i))
        else:
            items.sort(key=lambda i: (-s[i], i))
        gains = [rel[i] for i in items[:cut]]
        n = sum(rel)
        if n == 0:
            if mistake == "zero_users":
                recalls.append(0.0)
                ndcgs.append(0.0)
            continue
        hits = sum(gains)
        dcg = sum(discount(j) for j, g in enumerate(gains, 1) if g)
        n_ideal = {"idcg_k": cut, "idcg_all": n, "idcg_from_hits": hits}.get(mistake, min(cut, n))
        idcg = sum(discount(j) for j in range(1, n_ideal + 1))
        recalls.append(hits / {"recall_k": k, "recall_min": min(k, n)}.get(mistake, n))
        if mistake != "ndcg_over_hit_users" or hits:
            ndcgs.append(dcg / idcg if idcg else 0.0)
        total_hits += hits
        total_relevant += n
        dcgs.append(dcg)
        idcgs.append(idcg)
    recall = total_hits / total_relevant if mistake == "micro" else sum(recalls) / len(recalls)
    ndcg = sum(ndcgs) / len(ndcgs) if ndcgs else 0.0
    if mistake == "micro_ndcg":
        ndcg = sum(dcgs) / sum(idcgs)
    return (ndcg, recall) if mistake == "swapped" else (recall, ndcg)


def _has_ties(scores, exclude) -> bool:
    """True when some user has two ranked (not excluded) items with the same score."""
    s = _rows(scores.double())
    e = _rows(exclude.bool()) if exclude is not None else [[False] * len(s[0])] * len(s)
    return any(
        len(kept := [v for v, x in zip(row, ex, strict=True) if not x]) != len(set(kept))
        for row, ex in zip(s, e, strict=True)
    )


def _finite_without_empty_users(scores, relevant, k: int, exclude) -> bool:
    """True when some users have no relevant item and the learner's result on the other users
    alone is finite: then those users are what makes it NaN or infinite."""
    keep = relevant.bool().any(dim=1)
    if bool(keep.all()):
        return False
    try:
        _, got = _call(scores[keep], relevant[keep], k, None if exclude is None else exclude[keep])
    except Exception:  # noqa: BLE001 - only a diagnosis; the check itself reports the failure
        return False
    return all(math.isfinite(v) for v in got)


def _top_hit_not_finite(dtype: torch.dtype) -> bool:
    """True when the learner's NDCG of a single relevant item ranked first (k = 1) is not
    finite: the top position's discount is then what breaks."""
    try:
        _, got = _call(_tensor([[1.0, 0.0]], dtype), _mask([[1, 0]]), 1)
    except Exception:  # noqa: BLE001 - only a diagnosis; the check itself reports the failure
        return False
    return not math.isfinite(got[1])


def _reproduces(got: Sequence[float], mistake: Sequence[float], expected: Sequence[float]) -> bool:
    """True when a mistake's values explain `got`: equal within the check's tolerance, and
    nearer to `got` than the right values are."""
    if not is_close(list(got), list(mistake), RTOL, ATOL):
        return False
    gap = max(abs(g - m) for g, m in zip(got, mistake, strict=True))
    return gap < max(abs(g - e) for g, e in zip(got, expected, strict=True))


def _likely_mistake(scores, relevant, k: int, exclude, got, first: str = "") -> str:
    """A "Likely mistake: ..." line naming the mistakes that reproduce `got`, or ""."""
    if not all(math.isfinite(v) for v in got):
        if _finite_without_empty_users(scores, relevant, k, exclude):
            cause = say(
                "a user without relevant items gives 0/0; leave such users out of both averages",
                "没有相关物品的用户得到了 0/0；应把这些用户排除在两个平均值之外",
            )
        elif _top_hit_not_finite(scores.dtype):
            cause = say(
                "a discount divides by log2(1) = 0: positions start at 1, and position j is "
                "discounted by 1/log2(j + 1)",
                "折扣除以了 log2(1) = 0：位置从 1 开始计数，位置 j 的折扣是 1/log2(j + 1)",
            )
        else:
            return say(
                "\n  Your result is not a finite number: look for a division by zero or a "
                "log of 0, and compare your code with the formulas in the task.",
                "\n  你的结果不是有限数：检查代码里有没有除以 0 或对 0 取 log，并对照题目里的"
                "公式检查你的代码。",
            )
        return say("\n  Likely mistake: {cause}.", "\n  可能的错误：{cause}。", cause=cause)
    expected = _expected(scores, relevant, k, exclude)
    order = [first] * bool(first) + [m for m in MISTAKES if m != first]
    values = {m: _mistaken(scores, relevant, k, exclude, m) for m in order}
    # A mistake matching both numbers wins; else, with tied scores and a result between those of
    # the worst and the best order of the tied items (as any tie order gives), an arbitrary tie
    # order is the likely cause; else a mistake matching each wrong number.
    found = [m for m, v in values.items() if _reproduces(got, v, expected)]
    worst = _mistaken(scores, relevant, k, exclude, "ties_worst")
    best = _mistaken(scores, relevant, k, exclude, "ties_best")
    if (
        not found
        and _has_ties(scores, exclude)
        and all(lo - 1e-6 <= g <= hi + 1e-6 for g, lo, hi in zip(got, worst, best, strict=True))
    ):
        return say(
            "\n  Likely mistake: some items tie here, and your result matches neither the "
            "required tie order nor a known mistake: equal scores were put in an arbitrary "
            "order (torch.topk, or argsort without stable=True, does that); use "
            "torch.sort(scores, dim=1, descending=True, stable=True), which keeps the lower "
            "item index first.",
            "\n  可能的错误：这里有得分相同的物品，而你的结果既不符合要求的并列顺序，也对不上"
            "任何已知错误：得分相同的物品被排成了任意顺序（torch.topk 或不带 stable=True 的 "
            "argsort 都会这样）；请用 torch.sort(scores, dim=1, descending=True, stable=True)，"
            "它会让索引小的物品排在前面。",
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


def _check_value(
    scores, relevant, k: int, exclude=None, *, first: str = "", style: str = "positional"
) -> None:
    """The learner's (Recall@k, NDCG@k) must match the reference's."""
    call, got = _call(scores, relevant, k, exclude, style)
    expected = _expected(scores, relevant, k, exclude)
    wrong = [
        name
        for name, g, e in zip(("Recall@k", "NDCG@k"), got, expected, strict=True)
        if not is_close(g, e, RTOL, ATOL)
    ]
    if not wrong:
        return
    raise CheckFailure(
        say(
            "{call} returned the wrong {wrong}.\n"
            "  inputs:   {inputs}\n"
            "  top k:    {top}  (* = relevant)\n"
            "  expected: (Recall@k, NDCG@k) = ({e0}, {e1})\n"
            "  got:      (Recall@k, NDCG@k) = ({g0}, {g1})"
            "{hint}",
            "{call} 返回的 {wrong} 不对。\n"
            "  输入：{inputs}\n"
            "  前 k 个：{top}（* 表示相关物品）\n"
            "  应为：(Recall@k, NDCG@k) = ({e0}, {e1})\n"
            "  实际：(Recall@k, NDCG@k) = ({g0}, {g1})"
            "{hint}",
            call=call,
            wrong=join(wrong, " and ", " 和 "),
            inputs=_show(scores, relevant, k, exclude),
            top=_top_k_lines(scores, relevant, k, exclude),
            e0=fmt(expected[0]),
            e1=fmt(expected[1]),
            g0=fmt(got[0]),
            g1=fmt(got[1]),
            hint=_likely_mistake(scores, relevant, k, exclude, got, first),
        )
    )


def _tensor(values, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype, device=DEVICE)


def _mask(rows: Sequence[Sequence[int]]) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.bool, device=DEVICE)


# --------------------------------------------------------------------------------------------
# Checks


def test_returns_two_python_floats() -> None:
    """Returns (Recall@k, NDCG@k) as two Python floats
    zh: 以两个 Python float 的形式返回 (Recall@k, NDCG@k)"""
    scores = _tensor([[0.9, 0.1, 0.5, 0.5]])
    _call(scores, _mask([[0, 1, 0, 1]]), 3, None, style="keywords")


@DTYPES
def test_example_from_the_task(dtype: torch.dtype) -> None:
    """The task's example: Recall@3 = 1/2 and NDCG@3 ≈ 0.3066, Recall@2 = NDCG@2 = 0
    zh: 题目中的示例：Recall@3 = 1/2，NDCG@3 ≈ 0.3066；Recall@2 = NDCG@2 = 0"""
    scores = _tensor([[0.9, 0.1, 0.5, 0.5]], dtype)
    relevant = _mask([[0, 1, 0, 1]])
    _check_value(scores, relevant, 3)
    _check_value(scores, relevant, 2, first="reversed_ties")


@DTYPES
def test_perfect_ranking_scores_one(dtype: torch.dtype) -> None:
    """A perfect ranking scores Recall@k = NDCG@k = 1, with fewer relevant items than k
    zh: 相关物品少于 k 个时，完美排序的 Recall@k = NDCG@k = 1"""
    # The relevant items hold the top scores: user 0 has 2 relevant items, user 1 has 3, k = 3.
    scores = _tensor([[0.1, 0.8, -0.3, 0.9, 0.2], [0.7, 0.6, -1.0, 0.0, 0.5]], dtype)
    relevant = _mask([[0, 1, 0, 1, 0], [1, 1, 0, 0, 1]])
    _check_value(scores, relevant, 3, first="idcg_k")


def test_recall_divides_by_relevant_count() -> None:
    """Recall@k divides each user's hits by that user's number of relevant items
    zh: Recall@k 用每个用户的命中数除以该用户的相关物品数"""
    # User 0: 4 relevant items, 2 of them in the top 2 (recall 1/2); user 1: 1 relevant item,
    # found (recall 1). Per-user average 3/4.
    scores = _tensor([[0.9, 0.8, 0.1, 0.2, 0.3, 0.0], [0.1, 0.9, 0.3, 0.2, 0.0, 0.4]])
    relevant = _mask([[1, 1, 1, 1, 0, 0], [0, 1, 0, 0, 0, 0]])
    _check_value(scores, relevant, 2, first="recall_k")


def test_idcg_over_min_k_relevant() -> None:
    """IDCG counts min(k, |R_u|) ideal hits
    zh: IDCG 按 min(k, |R_u|) 个理想命中计算"""
    # k = 3. User 0: 1 relevant item, at position 2 (IDCG over 1 position); user 1: 5 relevant
    # items, 2 of them in the top 3 (IDCG over 3 positions, not 5).
    scores = _tensor([[0.5, 0.9, 0.4, 0.1, 0.0], [0.9, 0.8, 0.7, 0.1, 0.2]])
    relevant = _mask([[1, 0, 0, 0, 0], [1, 0, 1, 1, 1]])
    _check_value(scores, relevant, 3, first="idcg_k")
    # Only one position fits in the top 1 for a user with 3 relevant items.
    _check_value(scores[1:], relevant[1:], 1, first="idcg_all")


@DTYPES
def test_position_discount(dtype: torch.dtype) -> None:
    """Position j is discounted by 1/log2(j + 1), with j = 1 at the top
    zh: 位置 j 的折扣为 1/log2(j + 1)，最靠前的位置 j = 1"""
    # Relevant items at positions 2 and 4 of the top 4.
    scores = _tensor([[0.2, 0.9, 0.4, 0.8, 0.7, 0.1]], dtype)
    relevant = _mask([[0, 0, 1, 1, 0, 0]])
    _check_value(scores, relevant, 4, first="discount_plus_two")


def _tie_inputs(dtype: torch.dtype):
    """Small hand-built ties, then many ties in long rows (where an unstable sort reorders)."""
    small = (_tensor([[1.0, 2.0, 2.0, 2.0, 0.0], [0.5, 0.5, 0.5, 0.5, 0.5]], dtype),)
    small += (_mask([[0, 0, 0, 1, 0], [1, 0, 0, 0, 1]]), 3)
    g = seeded(51)
    scores = torch.randint(0, 4, (4, 40), generator=g).to(dtype)
    relevant = torch.rand(4, 40, generator=g) < 0.25
    return [small, (scores.to(DEVICE), relevant.to(DEVICE), 10)]


@DTYPES
def test_ties_broken_by_item_index(dtype: torch.dtype) -> None:
    """Equal scores are ordered by item index, lowest first
    zh: 得分相同时按物品索引从小到大排列"""
    for scores, relevant, k in _tie_inputs(dtype):
        _check_value(scores, relevant, k, first="reversed_ties")


def test_excluded_items_leave_the_ranking() -> None:
    """Excluded items are removed from the ranking
    zh: 被排除的物品会移出排序"""
    # Item 0 (excluded) has the top score: it must not take a place in the top 2.
    scores = _tensor([[3.0, 1.0, -1.0, 2.0, 0.5]])
    relevant = _mask([[0, 1, 0, 1, 0]])
    exclude = _mask([[1, 0, 0, 0, 0]])
    _check_value(scores, relevant, 2, exclude, first="exclude_ignored")
    # All scores negative: an excluded item must not climb to the top either.
    scores = _tensor([[-1.0, -2.0, -3.0, -4.0, -5.0]])
    relevant = _mask([[1, 1, 0, 0, 0]])
    exclude = _mask([[0, 0, 0, 0, 1]])
    _check_value(scores, relevant, 2, exclude, first="exclude_zero")
    # Excluded items in several users, and exclude passed by keyword.
    g = seeded(52)
    scores = torch.randn(3, 8, generator=g).to(DEVICE)
    relevant = _mask([[1, 0, 0, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 1, 0], [0] * 7 + [1]])
    exclude = (torch.rand(3, 8, generator=g).to(DEVICE) < 0.4) & ~relevant
    _check_value(scores, relevant, 3, exclude, style="keywords")


def test_users_without_relevant_items_are_skipped() -> None:
    """Users without relevant items are left out of the average; users without a hit count 0
    zh: 没有相关物品的用户不参与平均；没有命中的用户记为 0"""
    scores = _tensor([[0.9, 0.1, 0.4, 0.3], [0.2, 0.8, 0.5, 0.1], [0.3, 0.2, 0.9, 0.4]])
    relevant = _mask([[1, 0, 0, 1], [0, 0, 0, 0], [0, 0, 1, 0]])
    _check_value(scores, relevant, 2, first="zero_users")
    # User 1 has a relevant item but no hit in the top 2: it counts, with recall and NDCG 0.
    relevant = _mask([[1, 0, 0, 1], [1, 0, 0, 0], [0, 0, 1, 0]])
    _check_value(scores, relevant, 2, first="ndcg_over_hit_users")


def test_k_beyond_the_catalogue() -> None:
    """k larger than the number of items behaves as k = I
    zh: k 大于物品数时等同于 k = I"""
    g = seeded(53)
    scores = torch.randn(3, 4, generator=g).to(DEVICE)
    relevant = _mask([[1, 0, 0, 1], [0, 1, 0, 0], [1, 1, 1, 0]])
    exclude = _mask([[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]])
    _check_value(scores, relevant, 4, exclude)
    for k in (5, 9):
        try:
            _check_value(scores, relevant, k, exclude)
        except (CheckFailure, NotImplementedError):
            raise
        except Exception as exc:  # noqa: BLE001 - explained to the learner below
            raise CheckFailure(
                say(
                    "{fn}(scores, relevant, {k}, exclude) with I = 4 items raised "
                    "{error}: {exc}\n"
                    "  inputs:   {inputs}\n"
                    "  k larger than the number of items must behave as k = I: the top k is "
                    "then the whole ranking. (torch.topk(k) needs k <= I, and discounts for k "
                    "positions do not fit I columns: use min(k, I).)",
                    "{fn}(scores, relevant, {k}, exclude) 在只有 I = 4 个物品时抛出了 "
                    "{error}：{exc}\n"
                    "  输入：{inputs}\n"
                    "  k 大于物品数时必须等同于 k = I：此时前 k 个就是整个排序。"
                    "（torch.topk(k) 要求 k <= I，k 个位置的折扣也放不进 I 列：请用 "
                    "min(k, I)。）",
                    fn=FUNCTION,
                    k=k,
                    error=type(exc).__name__,
                    exc=exc,
                    inputs=_show(scores, relevant, k, exclude),
                )
            ) from None


@DTYPES
def test_single_user(dtype: torch.dtype) -> None:
    """A single user works
    zh: 只有一个用户时也能正确计算"""
    scores = _tensor([[0.3, -0.2, 0.8, 0.1, 0.6]], dtype)
    relevant = _mask([[1, 0, 0, 1, 1]])
    _check_value(scores, relevant, 2)
    _check_value(scores, relevant, 3, _mask([[0, 0, 1, 0, 0]]))


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
@zh_name("在随机的形状、dtype、并列得分、排除项和 k 下，Recall@k 与 NDCG@k 都与参考实现一致")
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate], max_examples=40)
@given(
    users=st.integers(1, 6),
    items=st.integers(1, 12),
    extra_k=st.integers(-11, 2),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    ties=st.booleans(),
    with_exclude=st.booleans(),
    relevant_share=st.sampled_from([0.15, 0.4, 0.8]),
    seed=st.integers(0, 2**16),
)
def test_matches_reference_on_random_inputs(
    users: int,
    items: int,
    extra_k: int,
    dtype: torch.dtype,
    ties: bool,
    with_exclude: bool,
    relevant_share: float,
    seed: int,
) -> None:
    """Recall@k and NDCG@k match the reference on random shapes, dtypes, ties, exclusions and k"""
    g = seeded(seed)
    if ties:  # few distinct values: many ties
        scores = torch.randint(-2, 3, (users, items), generator=g).to(dtype)
    else:
        scores = torch.randn(users, items, generator=g, dtype=dtype)
    relevant = torch.rand(users, items, generator=g) < relevant_share
    relevant[int(torch.randint(0, users, (1,), generator=g))] |= torch.arange(items) == 0
    exclude = None
    if with_exclude:
        exclude = (torch.rand(users, items, generator=g) < 0.3) & ~relevant
    k = max(1, items + extra_k)
    _check_value(
        scores.to(DEVICE),
        relevant.to(DEVICE),
        k,
        None if exclude is None else exclude.to(DEVICE),
    )


def test_inputs_are_not_modified() -> None:
    """The inputs are not modified in place
    zh: 不会原地修改输入"""
    fn = mine()
    g = seeded(54)
    scores = torch.randn(3, 6, generator=g).to(DEVICE)
    relevant = _mask([[1, 0, 0, 1, 0, 0], [0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    exclude = _mask([[0, 1, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0]])
    expect_unchanged(
        {"scores": scores, "relevant": relevant, "exclude": exclude},
        lambda: fn(scores, relevant, 3, exclude),
    )


def test_invalid_k_or_shapes_raise_value_error() -> None:
    """k < 1 and mismatched shapes raise ValueError
    zh: k < 1 或形状不匹配时抛出 ValueError"""
    fn = mine()
    g = seeded(55)
    scores = torch.randn(3, 5, generator=g).to(DEVICE)
    relevant = _mask([[1, 0, 0, 0, 1], [0, 1, 0, 0, 0], [0, 0, 0, 1, 0]])
    exclude = _mask([[0, 1, 0, 0, 0], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]])
    # k is checked whatever the other arguments: exclude given or not, float64, one item.
    k_cases = [
        (("", ""), (scores, relevant, None)),
        (("", ""), (scores, relevant, exclude)),
        ((", float64 scores", "scores 为 float64 时，"), (scores.double(), relevant, None)),
        (
            (", one user and one item", "只有一个用户和一个物品时，"),
            (scores[:1, :1], _mask([[1]]), None),
        ),
    ]
    for k in (0, -2):
        for (described, described_zh), (s, r, e) in k_cases:
            call = f"{FUNCTION}(scores, relevant, k={k}{', exclude' if e is not None else ''})"
            with expect_value_error(Bilingual(call + described, described_zh + call), "k"):
                fn(s.clone(), r.clone(), k, e)
    # Shapes are checked whatever k is and with exclude given or not; shapes that broadcast
    # are mismatched too: relevant and exclude must be exactly (U, I).
    zeros = torch.zeros(3, 5, dtype=torch.bool, device=DEVICE)
    bad_shapes = {
        say("scores (3, 5) and relevant (3, 4)", "scores 形状为 (3, 5)、relevant 形状为 (3, 4)"): (
            scores,
            relevant[:, :4],
            None,
        ),
        say("scores (3, 5) and relevant (2, 5)", "scores 形状为 (3, 5)、relevant 形状为 (2, 5)"): (
            scores,
            relevant[:2],
            None,
        ),
        say("scores (3, 5) and relevant (1, 5)", "scores 形状为 (3, 5)、relevant 形状为 (1, 5)"): (
            scores,
            relevant[:1],
            None,
        ),
        say("scores (3, 5) and relevant (3, 1)", "scores 形状为 (3, 5)、relevant 形状为 (3, 1)"): (
            scores,
            relevant[:, :1],
            None,
        ),
        say(
            "scores (3, 5) and relevant (3, 5, 1)",
            "scores 形状为 (3, 5)、relevant 形状为 (3, 5, 1)",
        ): (scores, relevant.unsqueeze(2), None),
        say("scores (1, 5) and relevant (5,)", "scores 形状为 (1, 5)、relevant 形状为 (5,)"): (
            scores[:1],
            relevant[0],
            None,
        ),
        say(
            "scores (3, 5), relevant (3, 4) and exclude (3, 5)",
            "scores 形状为 (3, 5)、relevant 形状为 (3, 4)、exclude 形状为 (3, 5)",
        ): (scores, relevant[:, :4], zeros),
        say("scores (3, 5) and exclude (3, 4)", "scores 形状为 (3, 5)、exclude 形状为 (3, 4)"): (
            scores,
            relevant,
            zeros[:, :4],
        ),
        say("scores (3, 5) and exclude (4, 5)", "scores 形状为 (3, 5)、exclude 形状为 (4, 5)"): (
            scores,
            relevant,
            torch.zeros(4, 5, dtype=torch.bool, device=DEVICE),
        ),
        say("scores (3, 5) and exclude (1, 5)", "scores 形状为 (3, 5)、exclude 形状为 (1, 5)"): (
            scores,
            relevant,
            zeros[:1],
        ),
        say("scores (3, 5) and exclude (3, 1)", "scores 形状为 (3, 5)、exclude 形状为 (3, 1)"): (
            scores,
            relevant,
            zeros[:, :1],
        ),
        say("scores (1, 5) and exclude (5,)", "scores 形状为 (1, 5)、exclude 形状为 (5,)"): (
            scores[:1],
            relevant[:1],
            zeros[0],
        ),
    }
    for described, (bad_scores, bad_relevant, bad_exclude) in bad_shapes.items():
        for k in (2, 1, 50):
            call = say(
                "{fn} with {described}, k={k}",
                "{described}、k={k} 时，{fn}",
                fn=FUNCTION,
                described=described,
                k=k,
            )
            with expect_value_error(call, "shape"):
                fn(
                    bad_scores.clone(),
                    bad_relevant.clone(),
                    k,
                    None if bad_exclude is None else bad_exclude.clone(),
                )
    # The valid ends: k = 1, k = I and beyond; an all-False exclude.
    for k, e in ((1, None), (1, exclude), (5, None), (50, exclude), (3, zeros)):
        try:
            fn(scores.clone(), relevant.clone(), k, None if e is None else e.clone())
        except ValueError as exc:
            raise CheckFailure(
                say(
                    "{fn}(scores, relevant, k={k}{exclude}) raised ValueError({message}), but "
                    "any k >= 1 is valid (k > I behaves as k = I) and any exclude that spares "
                    "the relevant items is valid.",
                    "{fn}(scores, relevant, k={k}{exclude}) 抛出了 ValueError({message})，但任何 "
                    "k >= 1 都是合法的（k > I 时等同于 k = I），任何不含相关物品的 exclude "
                    "也都是合法的。",
                    fn=FUNCTION,
                    k=k,
                    exclude=", exclude" if e is not None else "",
                    message=repr(str(exc)),
                )
            ) from None


@contextmanager
def _expect_value_error_naming(call: str | Bilingual, names: tuple[str, ...]) -> Iterator[None]:
    """Like expect_value_error, accepting a message that names any one of `names`."""
    try:
        yield
    except ValueError as exc:
        if not any(name in str(exc).lower() for name in names):
            raise CheckFailure(
                say(
                    "{call} raised ValueError({message}); its message should name "
                    "{names} so the caller knows what is wrong.",
                    "{call} 抛出了 ValueError({message})；消息里应写明 {names}，调用者才知道"
                    "哪里错了。",
                    call=call,
                    message=repr(str(exc)),
                    names=join([repr(n) for n in names], " or ", " 或 "),
                )
            ) from None
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise CheckFailure(
            say(
                "{call} should raise ValueError, but raised {error}: {exc}",
                "{call} 应抛出 ValueError，实际抛出的是 `{error}: {exc}`",
                call=call,
                error=type(exc).__name__,
                exc=exc,
            )
        ) from None
    else:
        raise CheckFailure(
            say(
                "{call} should raise ValueError, but returned normally.\n  Likely mistake: "
                "the relevant and excluded items are not checked against each other.",
                "{call} 应抛出 ValueError，实际却正常返回了。\n  可能的错误：没有检查相关物品"
                "和被排除的物品是否重叠。",
                call=call,
            )
        )


def test_undefined_relevance_raises_value_error() -> None:
    """No relevant item at all, or a relevant excluded item, raises ValueError
    zh: 完全没有相关物品，或有相关物品被排除时，抛出 ValueError"""
    fn = mine()
    scores = _tensor([[0.9, 0.1, 0.5], [0.2, 0.3, 0.4]])
    nothing = _mask([[0, 0, 0], [0, 0, 0]])
    no_relevant = say(
        "{fn} with no relevant item in any user", "所有用户都没有相关物品时，{fn}", fn=FUNCTION
    )
    with expect_value_error(no_relevant, "relevant"):
        fn(scores, nothing, 2)
    with expect_value_error(
        say(
            "{fn} with no relevant item in any user (exclude given)",
            "所有用户都没有相关物品（且传入了 exclude）时，{fn}",
            fn=FUNCTION,
        ),
        "relevant",
    ):
        fn(scores, nothing, 2, _mask([[1, 0, 0], [0, 0, 0]]))
    with expect_value_error(
        say(
            "{fn} with no relevant item in any user (k = 5 > I = 3)",
            "所有用户都没有相关物品（k = 5 > I = 3）时，{fn}",
            fn=FUNCTION,
        ),
        "relevant",
    ):
        fn(scores, nothing, 5)
    relevant = _mask([[1, 0, 0], [0, 0, 1]])
    with _expect_value_error_naming(
        say(
            "{fn} with item 2 of user 1 both relevant and excluded",
            "用户 1 的物品 2 既是相关物品又被排除时，{fn}",
            fn=FUNCTION,
        ),
        ("exclude", "relevant"),
    ):
        fn(scores, relevant, 2, _mask([[0, 1, 0], [0, 0, 1]]))
    # Whatever k, and wherever the item would rank (item 1 of user 0 has its lowest score).
    for k in (1, 3, 10):
        with _expect_value_error_naming(
            say(
                "{fn} with item 1 of user 0 both relevant and excluded, k={k}",
                "k={k} 且用户 0 的物品 1 既是相关物品又被排除时，{fn}",
                fn=FUNCTION,
                k=k,
            ),
            ("exclude", "relevant"),
        ):
            fn(scores, _mask([[1, 1, 0], [0, 0, 1]]), k, _mask([[0, 1, 0], [0, 0, 0]]))
    # One user with a relevant item is enough.
    try:
        fn(scores, _mask([[0, 0, 0], [0, 1, 0]]), 2)
    except ValueError as exc:
        raise CheckFailure(
            say(
                "{fn} raised ValueError({message}) when only some users have relevant "
                "items; those without are simply left out of the average.",
                "只有部分用户有相关物品时，{fn} 抛出了 ValueError({message})；没有相关物品的"
                "用户只需排除在平均值之外即可。",
                fn=FUNCTION,
                message=repr(str(exc)),
            )
        ) from None


def test_exclude_defaults_to_none() -> None:
    """exclude is optional: leaving it out removes nothing
    zh: exclude 是可选参数：省略时不去掉任何物品"""
    g = seeded(56)
    scores = torch.randn(3, 7, generator=g).to(DEVICE)
    relevant = _mask([[1, 0, 0, 1, 0, 0, 1], [0, 1, 0, 0, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0]])
    fn = mine()
    for k in (1, 3, 7):
        _check_value(scores, relevant, k)  # positional, exclude left out
        call = f"{FUNCTION}(scores=..., relevant=..., k={k})"
        got = as_metrics(
            fn(scores=scores.clone(), relevant=relevant.clone(), k=k),
            call,
            ("Recall@k", "NDCG@k"),
        )
        expected = _expected(scores, relevant, k)
        if not is_close(list(got), list(expected), RTOL, ATOL):
            raise CheckFailure(
                say(
                    "{call} (exclude left out) returned the wrong value.\n"
                    "  inputs:   {inputs}\n"
                    "  expected: (Recall@k, NDCG@k) = ({e0}, {e1})\n"
                    "  got:      (Recall@k, NDCG@k) = ({g0}, {g1})\n"
                    "  Without exclude nothing is removed from the ranking (exclude=None).",
                    "{call}（省略 exclude）返回的值不对。\n"
                    "  输入：{inputs}\n"
                    "  应为：(Recall@k, NDCG@k) = ({e0}, {e1})\n"
                    "  实际：(Recall@k, NDCG@k) = ({g0}, {g1})\n"
                    "  不传 exclude 时，不应从排序中去掉任何物品（exclude=None）。",
                    call=call,
                    inputs=_show(scores, relevant, k, None),
                    e0=fmt(expected[0]),
                    e1=fmt(expected[1]),
                    g0=fmt(got[0]),
                    g1=fmt(got[1]),
                )
            )


@DTYPES
def test_excluded_items_sink_below_extreme_scores(dtype: torch.dtype) -> None:
    """Excluded items leave the ranking even when every score is as low as -1e5
    zh: 即使所有得分都低至 -1e5，被排除的物品也会移出排序"""
    # Real scores between -1e5 and 1e5: an excluded item filled with a large finite negative
    # value (-1e4) would still rank above the items scored -1e5 .. -5e4.
    scores = _tensor(
        [
            [-5000.0, -99999.5, -5e4, -99999.0, 3e4, -1e5],
            [-1e5, -99990.0, -99995.0, 0.0, -5e4, -6e4],
        ],
        dtype,
    )
    relevant = _mask([[1, 0, 0, 1, 0, 0], [1, 0, 0, 0, 0, 1]])
    exclude = _mask([[0, 1, 0, 0, 1, 0], [0, 0, 0, 1, 0, 0]])
    for k in (1, 2, 3):
        _check_value(scores, relevant, k, exclude, first="exclude_finite")
    # Scores far below any "large" constant: -1e12 .. -1e10.
    far = _tensor([[-1e10, -3e10, -1e12, -2e10, -5e11]], dtype)
    for k in (1, 2):
        _check_value(
            far, _mask([[0, 1, 0, 0, 1]]), k, _mask([[1, 0, 0, 1, 0]]), first="exclude_finite_far"
        )


@DTYPES
def test_extreme_scores(dtype: torch.dtype) -> None:
    """Scores as large as ±1e5 are ranked like any others
    zh: 高达 ±1e5 的得分也能和其他得分一样正确排序"""
    # No squashing (sigmoid, softmax) may tie them: 1e5 - 1 ranks below 1e5.
    scores = _tensor([[1e5 - 1.0, 1e5, -1e5, 99990.0, -99999.0, 5e4]], dtype)
    relevant = _mask([[1, 0, 0, 0, 1, 0]])
    for k in (1, 2, 5):
        _check_value(scores, relevant, k)
    g = seeded(57)
    scores = torch.randn(4, 30, generator=g, dtype=dtype) * 1e5
    relevant = torch.rand(4, 30, generator=g) < 0.2
    relevant[:, 0] = True
    exclude = (torch.rand(4, 30, generator=g) < 0.3) & ~relevant
    _check_value(scores.to(DEVICE), relevant.to(DEVICE), 8, exclude.to(DEVICE))


def test_near_equal_float64_scores() -> None:
    """float64 scores that differ by 1e-10 are ranked exactly
    zh: 相差 1e-10 的 float64 得分也能精确排序"""
    # Relevant items score 1e-10 above their neighbours with a lower index: equal in float32
    # (where the lower index would win the tie), and swapped by an epsilon tie-break.
    # User 2's relevant item is 1e-10 below item 1 (it wins the tie in float32).
    d = 1e-10
    scores = _tensor(
        [
            [0.5, 0.5 + d, 0.5 - d, 0.5 + 3 * d, 0.25, 0.5 + 2 * d],
            [1000.0, 1000.0 - d, 1000.0 + d, 999.0, 1000.0 + 2 * d, -1000.0],
            [2.0 - d, 2.0, 1.0, 0.0, -1.0, -2.0],
        ],
        torch.float64,
    )
    relevant = _mask([[0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0], [1, 0, 0, 0, 0, 0]])
    for k in (1, 2, 3):
        _check_value(scores, relevant, k, first="single_precision")
    exclude = _mask([[0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]])
    _check_value(scores, relevant, 2, exclude)


def test_scores_that_require_grad() -> None:
    """Scores that require grad (a model's output) work
    zh: requires_grad 的得分（模型的输出）也能正确处理"""
    g = seeded(58)
    relevant = _mask([[1, 0, 0, 1, 0, 0], [0, 0, 1, 0, 0, 0], [0, 1, 0, 0, 0, 1]])
    exclude = _mask([[0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0]])
    for dtype in (torch.float32, torch.float64):
        scores = torch.randn(3, 6, generator=g, dtype=dtype).to(DEVICE).requires_grad_()
        for e in (None, exclude):
            try:
                _check_value(scores, relevant, 3, e)
            except (CheckFailure, NotImplementedError):
                raise
            except Exception as exc:  # noqa: BLE001 - explained to the learner below
                raise CheckFailure(
                    say(
                        "{fn}(scores, relevant, 3{exclude}) "
                        "raised {error}: {exc}\n{trace}\n"
                        "  inputs:   scores straight from a model, with requires_grad=True "
                        "({dtype})\n"
                        "  A metric must accept a model's scores as they are: call .detach() "
                        "before .numpy() (or rank the tensors directly).",
                        "{fn}(scores, relevant, 3{exclude}) 抛出了 `{error}: {exc}`\n{trace}\n"
                        "  输入：直接来自模型、requires_grad=True 的 scores（{dtype}）\n"
                        "  指标函数必须能直接接受模型输出的得分：先调用 .detach() 再调用 "
                        ".numpy()（或直接对张量排序）。",
                        fn=FUNCTION,
                        exclude=", exclude" if e is not None else "",
                        error=type(exc).__name__,
                        exc=exc,
                        trace=learner_traceback(exc),
                        dtype=str(dtype).removeprefix("torch."),
                    )
                ) from None


def test_new_tensors_on_the_inputs_device() -> None:
    """Tensors your code creates live on the inputs' device
    zh: 你的代码新建的张量位于输入所在的设备上"""
    g = seeded(59)
    scores = torch.randn(3, 6, generator=g).to(DEVICE)
    relevant = _mask([[1, 0, 0, 1, 0, 0], [0, 0, 1, 0, 0, 0], [0, 1, 0, 0, 0, 1]])
    exclude = _mask([[0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0]])
    fn = mine()
    expect_device_following(
        f"{FUNCTION}(scores, relevant, 3)", lambda: fn(scores.clone(), relevant.clone(), 3)
    )
    expect_device_following(
        f"{FUNCTION}(scores, relevant, 3, exclude)",
        lambda: fn(scores.clone(), relevant.clone(), 3, exclude.clone()),
    )
