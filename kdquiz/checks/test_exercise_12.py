"""Hidden checks for exercise_12: DLLM2Rec's importance-aware ranking distillation.

`importance_aware_weights` (position, confidence and consistency weights of the teacher's top-K
items) and `importance_aware_rd_loss` (the weighted ranking-distillation loss). Expected values
come from the reference solution computed in float64 and cast to the inputs' dtype; each common
mistake is recomputed here on the same inputs so that a wrong value names its likely cause.
Student scores are built without ties, so the student's top-K is unambiguous.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from kdquiz.checker.bilingual import Bilingual, join
from kdquiz.checks.devices import expect_result_on_device
from kdquiz.checks.support import (
    DEVICE,
    DTYPES,
    CheckFailure,
    expect,
    expect_close,
    expect_finite,
    expect_unchanged,
    expect_value_error,
    fmt,
    is_close,
    learner,
    named_mistakes,
    randn,
    reference,
    say,
    seeded,
    teacher_ignored,
    zh_name,
)

EXAMPLE_STRAY = "torch.arange(1, K + 1)"
"""A tensor a learner may build without device= here (named when the result is off-device)."""

EXERCISE = "exercise_12"
DEFAULT_GAMMAS = (0.3, 0.5, 0.1)

# --------------------------------------------------------------------------------------------
# Part 1: the weights. Common mistakes, in a learner's words, and the value each one produces.

WEIGHT_MISTAKES = {
    "pos_increasing": say(
        "the position weights grow with the rank; they decay, w_p ∝ exp(−r / lam), so the "
        "teacher's first item weighs most",
        "位置权重随名次增大；它应当衰减，w_p ∝ exp(−r / lam)，使教师模型排在第一位的物品权重最大",
    ),
    "pos_lam_times": say(
        "the position weights use exp(−r · lam); the rank is divided by lam, exp(−r / lam)",
        "位置权重用了 exp(−r · lam)；名次应当除以 lam，即 exp(−r / lam)",
    ),
    "pos_no_lam": say(
        "the position weights ignore lam (exp(−r) instead of exp(−r / lam))",
        "位置权重忽略了 lam（用了 exp(−r)，而不是 exp(−r / lam)）",
    ),
    "pos_uniform": say(
        "the position weights are uniform; they decay as exp(−r / lam)",
        "位置权重是均匀的；它应当按 exp(−r / lam) 衰减",
    ),
    "pos_unnormalised": say(
        "the position weights are not normalised over the K items before they are combined "
        "(divide exp(−r / lam) by its sum over r = 1..K)",
        "位置权重在组合之前没有在 K 个物品上归一化（要把 exp(−r / lam) 除以它在 r = 1..K 上的和）",
    ),
    "conf_sign": say(
        "the distance's sign is flipped: a lower distance means a more confident teacher, so "
        "w_c ∝ exp(−d), softmax(−d), not softmax(d)",
        "距离的符号反了：距离越小，说明教师模型越有把握，所以 w_c ∝ exp(−d)，即 softmax(−d)，"
        "而不是 softmax(d)",
    ),
    "conf_distance": say(
        "the distance itself is used as the confidence; the confidence is exp(−d) normalised "
        "per user, softmax(−d, dim=-1)",
        "直接把距离当成了置信度；置信度是按用户归一化的 exp(−d)，即 softmax(−d, dim=-1)",
    ),
    "conf_dim0": say(
        "the confidence softmax runs over dim 0 (the users) instead of each user's K items "
        "(dim=-1)",
        "置信度的 softmax 是在第 0 维（用户）上做的，而不是在每个用户的 K 个物品上（dim=-1）",
    ),
    "conf_unnormalised": say(
        "the confidence weights exp(−d) are not normalised per user before they are combined "
        "(use softmax(−d, dim=-1))",
        "置信度权重 exp(−d) 在组合之前没有按用户归一化（请用 softmax(−d, dim=-1)）",
    ),
    "conf_batch": say(
        "the confidence weights are normalised over the whole batch instead of per user "
        "(softmax(−d, dim=-1), each user's row summing to 1)",
        "置信度权重是在整个批次上归一化的，而不是按用户归一化（softmax(−d, dim=-1)，每个用户"
        "那一行之和为 1）",
    ),
    "cons_positional": say(
        "consistency compares positions (teacher_topk[b, r] == student_topk[b, r]); an item is "
        "consistent when it appears anywhere in the student's top-K",
        "一致性比较的是位置（teacher_topk[b, r] == student_topk[b, r]）；只要物品出现在学生"
        "模型 top-K 中的任意位置，就算一致",
    ),
    "cons_bottom": say(
        "the student's top-K is taken from its lowest scores (topk(largest=False) or an "
        "ascending argsort); take the K highest: student_scores.topk(K, dim=-1).indices",
        "学生模型的 top-K 取的是分数最低的那些（topk(largest=False) 或升序的 argsort）；"
        "应取分数最高的 K 个：student_scores.topk(K, dim=-1).indices",
    ),
    "cons_inverted": say(
        "the consistency weight is 1 for items NOT in the student's top-K; it is 1 for items "
        "the student also ranks in its top-K",
        "不在学生模型 top-K 中的物品，一致性权重反而取了 1；应当是学生模型也排进自己 top-K "
        "的物品取 1",
    ),
    "cons_any_user": say(
        "each user's teacher items are looked up in the top-K lists of the whole batch "
        "(torch.isin(teacher_topk, student_topk) flattens its second argument); compare them "
        "with that same user's top-K only",
        "每个用户的教师物品是在整个批次的 top-K 列表里查找的（torch.isin(teacher_topk, "
        "student_topk) 会把第二个参数展平）；只能和同一个用户自己的 top-K 比较",
    ),
    "cons_all_ones": say(
        "every teacher item gets consistency 1; it is 1 only for the items that are also in "
        "the student's own top-K (of student_scores)",
        "每个教师物品的一致性都取了 1；只有同时出现在学生模型自己的 top-K（由 student_scores "
        "得出）中的物品才是 1",
    ),
    "no_final_norm": say(
        "the combined weights are not normalised: divide each row by its sum so that every "
        "user's weights sum to 1",
        "组合后的权重没有归一化：把每一行除以它的和，使每个用户的权重之和为 1",
    ),
    "final_norm_dim0": say(
        "the combined weights are normalised over the users (dim 0) instead of within each row",
        "组合后的权重是在用户上（第 0 维）归一化的，而不是在每一行内部",
    ),
    "cons_float32": say(
        "the student's scores are rounded (e.g. cast to float32 with .float()) before its "
        "top-K is taken, so scores closer than float32 can tell tie; rank student_scores as "
        "they are",
        "学生模型的分数在取 top-K 之前被舍入了（例如用 .float() 转成了 float32），于是相差"
        "小于 float32 精度的分数变成了并列；请直接对原始的 student_scores 排序",
    ),
    "cons_eps_tiebreak": say(
        "the student's scores get an epsilon tie-break (scores − 1e-6·index) before its top-K "
        "is taken, which reorders scores closer than that; take student_scores.topk(K) as it is",
        "学生模型的分数在取 top-K 之前加了一个 epsilon 来打破并列（scores − 1e-6·index），"
        "相差比它还小的分数会因此改变顺序；请直接对 student_scores 调用 topk(K)",
    ),
}
for _order in itertools.permutations(range(3)):
    if _order != (0, 1, 2):
        _terms = " + ".join(
            f"{g}·{('w_p', 'w_c', 'w_o')[j]}"
            for g, j in zip("γ_p γ_c γ_o".split(), _order, strict=True)
        )
        WEIGHT_MISTAKES[f"gammas_{''.join(map(str, _order))}"] = say(
            "the gammas are applied to the wrong weights ({terms}); gammas = (γ_p, γ_c, γ_o) "
            "weigh position, confidence and consistency, in that order",
            "gammas 乘错了权重（{terms}）；gammas = (γ_p, γ_c, γ_o) 依次是位置、置信度和一致性"
            "的系数",
            terms=_terms,
        )


def _mistaken_weights(topk, dist, scores, lam: float, gammas, mistake: str) -> torch.Tensor:
    """importance_aware_weights with one common mistake (or none for mistake=""), in float64."""
    dist, scores = dist.detach().double(), scores.detach().double()
    k = topk.shape[-1]
    r = torch.arange(1, k + 1, dtype=torch.float64, device=dist.device)
    raw_p = {
        "pos_increasing": torch.exp(r / lam),
        "pos_lam_times": torch.exp(-r * lam),
        "pos_no_lam": torch.exp(-r),
        "pos_uniform": torch.ones_like(r),
    }.get(mistake, torch.exp(-r / lam))
    w_p = raw_p if mistake == "pos_unnormalised" else raw_p / raw_p.sum()
    if mistake == "conf_sign":
        w_c = torch.softmax(dist, dim=-1)
    elif mistake == "conf_distance":
        w_c = dist / dist.sum(dim=-1, keepdim=True)
    elif mistake == "conf_dim0":
        w_c = torch.softmax(-dist, dim=0)
    elif mistake == "conf_unnormalised":
        w_c = torch.exp(-dist)
    elif mistake == "conf_batch":
        w_c = torch.exp(-dist) / torch.exp(-dist).sum()
    else:
        w_c = torch.softmax(-dist, dim=-1)
    ranked = scores
    if mistake == "cons_float32":
        ranked = scores.float()
    elif mistake == "cons_eps_tiebreak":
        ranked = scores - 1e-6 * torch.arange(scores.shape[-1], device=scores.device)
    student = ranked.topk(k, dim=-1, largest=mistake != "cons_bottom").indices
    if mistake == "cons_positional":
        w_o = (topk == student).double()
    elif mistake == "cons_any_user":
        w_o = torch.isin(topk, student).double()
    else:
        w_o = (topk.unsqueeze(-1) == student.unsqueeze(-2)).any(dim=-1).double()
    if mistake == "cons_inverted":
        w_o = 1.0 - w_o
    elif mistake == "cons_all_ones":
        w_o = torch.ones_like(w_o)
    parts = (w_p, w_c, w_o)
    order = (0, 1, 2)
    if mistake.startswith("gammas_"):
        order = tuple(int(c) for c in mistake.removeprefix("gammas_"))
    w = sum(float(gammas[i]) * parts[j] for i, j in enumerate(order))
    w = w * torch.ones_like(dist)  # the position weights alone broadcast to (B, K)
    if mistake == "no_final_norm":
        return w
    return w / w.sum(dim=0 if mistake == "final_norm_dim0" else -1, keepdim=True)


def _expect_close_naming(got, expected, mistakes: Callable[[], dict], **kwargs) -> None:
    """expect_close, computing the mistakes' values only when the learner's value is wrong."""
    try:
        expect_close(got, expected, **kwargs)
    except CheckFailure:
        expect_close(got, expected, mistakes=mistakes(), **kwargs)


def _weight_mistakes(topk, dist, scores, lam, gammas, first: str = ""):
    values = {
        m: _mistaken_weights(topk, dist, scores, lam, gammas, m).to(scores.dtype)
        for m in ["", *WEIGHT_MISTAKES]
    }
    correct = values.pop("")
    return named_mistakes(values, WEIGHT_MISTAKES, first, correct=correct)


def _distinct_scores(batch: int, items: int, dtype: torch.dtype, g: torch.Generator):
    """Student scores without ties: a shuffled ladder 0.3 apart plus noise below 0.1."""
    rows = [torch.randperm(items, generator=g) for _ in range(batch)]
    ladder = torch.stack(rows).to(torch.float64) * 0.3 - 0.15 * items
    noise = torch.rand(batch, items, generator=g, dtype=torch.float64) * 0.1
    return (ladder + noise).to(dtype).to(DEVICE)


def _topk_lists(batch: int, k: int, items: int, g: torch.Generator) -> torch.Tensor:
    """Each user's teacher list: k distinct item ids."""
    return torch.stack([torch.randperm(items, generator=g)[:k] for _ in range(batch)]).to(DEVICE)


def _weight_inputs(batch, k, items, dtype, seed, dist_scale: float = 1.5):
    g = seeded(seed)
    topk = _topk_lists(batch, k, items, g)
    dist = (torch.rand(batch, k, generator=g, dtype=torch.float64) * dist_scale).to(dtype)
    return topk, dist.to(DEVICE), _distinct_scores(batch, items, dtype, g)


def _show_weights(topk, dist, scores, lam, gammas) -> str:
    return (
        f"teacher_topk={fmt(topk)}, teacher_distance={fmt(dist, 3)}, "
        f"student_scores={fmt(scores, 3)}, lam={lam:g}, gammas={fmt(tuple(gammas))}"
    )


def _expected_weights(topk, dist, scores, lam, gammas) -> torch.Tensor:
    ref = reference(EXERCISE).importance_aware_weights
    return ref(topk, dist.double(), scores.double(), lam, tuple(gammas)).to(scores.dtype)


def _weight_tolerance(dtype: torch.dtype, gammas=DEFAULT_GAMMAS) -> dict[str, float]:
    """Float64 weights within 1e-6 when the position weights count: built in float32 (as
    exercise 8's position_weights returns them) they are correct but carry float32 rounding
    (~1e-8). Without them (gamma_p = 0), the contract's float64 tolerance."""
    if dtype == torch.float64 and float(gammas[0]) != 0.0:
        return {"rtol": 1e-6, "atol": 1e-7}
    return {}


def _call_weights(topk, dist, scores, lam, gammas):
    fn = learner(EXERCISE).importance_aware_weights
    return fn(topk.clone(), dist.clone(), scores.clone(), lam=lam, gammas=tuple(gammas))


def _nudged_distances(dist: torch.Tensor) -> torch.Tensor:
    """The teacher's distances changed slightly, each user's order (and best item) kept."""
    return dist * 1.1 + 0.05


NUDGED_DISTANCES = say(
    "the teacher's distances were changed slightly (d·1.1 + 0.05, same order)",
    "把教师模型的距离稍作改变（d·1.1 + 0.05，顺序不变）",
)


def _same(a, b) -> bool:
    """True when two results of the learner's code are the same tensor value."""
    return (
        isinstance(a, torch.Tensor)
        and isinstance(b, torch.Tensor)
        and a.shape == b.shape
        and is_close(a, b, rtol=1e-7, atol=1e-10)
    )


def _judge_weights(
    got, topk, dist, scores, lam, gammas, first: str = "", what: str = "", **tolerance
) -> None:
    """Compare the learner's weights with the reference; when they are wrong and do not move
    with the teacher's distances (though gamma_c > 0), say that the teacher is ignored."""
    expected = _expected_weights(topk, dist, scores, lam, gammas)
    what = what or f"importance_aware_weights(..., lam={lam:g}, gammas={fmt(tuple(gammas))})"
    tolerance = tolerance or _weight_tolerance(scores.dtype, gammas)
    try:
        expect_close(got, expected, what=what, **tolerance)
    except CheckFailure:
        if float(gammas[1]) > 0:
            moved = _call_weights(topk, _nudged_distances(dist), scores, lam, gammas)
            if _same(moved, got):
                raise teacher_ignored(what, NUDGED_DISTANCES) from None
        expect_close(
            got,
            expected,
            what=what,
            inputs=_show_weights(topk, dist, scores, lam, gammas),
            mistakes=lambda: _weight_mistakes(topk, dist, scores, lam, gammas, first),
            **tolerance,
        )


def _check_weights(topk, dist, scores, lam, gammas, first: str = "", what: str = "") -> None:
    got = _call_weights(topk, dist, scores, lam, gammas)
    _judge_weights(got, topk, dist, scores, lam, gammas, first, what)


def _fixed_lists():
    """Two users, K = 3 of I = 8 items, chosen so that each consistency mistake shows.

    Student ranking, best first: user 0 [5, 2, 7, 1, 3, 6, 0, 4], user 1 [3, 6, 1, 0, 7, 2, 5, 4].
    """
    orders = [[5, 2, 7, 1, 3, 6, 0, 4], [3, 6, 1, 0, 7, 2, 5, 4]]
    scores = torch.zeros(2, 8, dtype=torch.float64)
    for b, order in enumerate(orders):
        for position, item in enumerate(order):
            scores[b, item] = 2.0 - 0.5 * position
    topk = torch.tensor([[5, 0, 2], [5, 6, 3]])
    dist = torch.tensor([[0.3, 1.2, 0.7], [2.5, 0.4, 1.1]], dtype=torch.float64)
    return topk.to(DEVICE), dist.to(DEVICE), scores.to(DEVICE)


# --------------------------------------------------------------------------------------------
# Checks of part 1


def test_position_weights() -> None:
    """Position weights decay as exp(−r / lam) over the teacher's list
    zh: 位置权重沿教师模型的列表按 exp(−r / lam) 衰减"""
    topk, dist, scores = _weight_inputs(2, 4, 9, torch.float64, seed=1)
    _check_weights(topk, dist, scores, lam=2.0, gammas=(1.0, 0.0, 0.0), first="pos_lam_times")


def test_confidence_weights() -> None:
    """Confidence weights are softmax(−distance) over each user's K items
    zh: 置信度权重是每个用户 K 个物品上的 softmax(−distance)"""
    topk, dist, scores = _weight_inputs(3, 4, 9, torch.float64, seed=2, dist_scale=3.0)
    _check_weights(topk, dist, scores, lam=1.0, gammas=(0.0, 1.0, 0.0), first="conf_sign")


def test_consistency_weights() -> None:
    """Consistency is 1 for teacher items in the student's own top-K
    zh: 教师物品出现在学生模型自己的 top-K 中时，一致性为 1"""
    topk, dist, scores = _fixed_lists()
    _check_weights(topk, dist, scores, lam=1.0, gammas=(0.0, 0.0, 1.0), first="cons_positional")
    # Without position weights, float64 weights are held to the contract's 1e-9.
    _check_weights(topk, dist, scores, lam=1.0, gammas=(0.0, 0.7, 0.3))
    for dtype in (torch.float32, torch.float64):
        topk, dist, scores = _weight_inputs(3, 3, 7, dtype, seed=3)
        _check_weights(topk, dist, scores, lam=1.0, gammas=(0.1, 0.0, 1.0), first="cons_bottom")


def test_weights_combined_and_normalised() -> None:
    """The gammas combine position, confidence and consistency; each row sums to 1
    zh: gammas 把位置、置信度和一致性三种权重组合起来；每一行之和为 1"""
    topk, dist, scores = _fixed_lists()
    # User 1's distances are larger: the per-user normalisation of the confidence matters.
    dist = dist * torch.tensor([[1.0], [2.0]], dtype=dist.dtype, device=DEVICE)
    _check_weights(topk, dist, scores, lam=1.0, gammas=DEFAULT_GAMMAS, first="conf_unnormalised")
    _check_weights(topk, dist, scores, lam=0.7, gammas=(0.6, 0.25, 0.15), first="gammas_102")
    got = _call_weights(topk, dist, scores, 1.0, DEFAULT_GAMMAS)
    sums = got.detach().sum(dim=-1)
    expect(
        is_close(sums, torch.ones_like(sums)),
        say(
            "The rows of importance_aware_weights(...) sum to {sums}, expected 1 for every "
            "user.\n  Likely mistake: {mistake}.",
            "importance_aware_weights(...) 各行之和为 {sums}，每个用户都应为 1。\n"
            "  可能的错误：{mistake}。",
            sums=fmt(sums),
            mistake=WEIGHT_MISTAKES["no_final_norm"],
        ),  # fmt: skip
    )


def test_confidence_normalised_per_user() -> None:
    """Shifting one user's distances by a constant changes no weight
    zh: 给某个用户的距离整体加上一个常数，不改变任何权重"""
    fn = learner(EXERCISE).importance_aware_weights
    topk, dist, scores = _weight_inputs(3, 4, 10, torch.float64, seed=4)
    shifted = dist + torch.tensor([[2.0], [-0.5], [0.0]], dtype=dist.dtype, device=DEVICE)
    before = fn(topk.clone(), dist.clone(), scores.clone(), lam=1.0, gammas=DEFAULT_GAMMAS)
    after = fn(topk.clone(), shifted.clone(), scores.clone(), lam=1.0, gammas=DEFAULT_GAMMAS)
    expect(
        isinstance(before, torch.Tensor) and isinstance(after, torch.Tensor),
        say(
            "importance_aware_weights should return a torch.Tensor.",
            "importance_aware_weights 应返回 torch.Tensor。",
        ),
    )
    if not is_close(after, before, rtol=1e-6, atol=1e-7):
        # Name a mistake only when it reproduces both results.
        found = [
            WEIGHT_MISTAKES[m]
            for m in ("conf_unnormalised", "conf_batch", "conf_distance", "conf_dim0")
            if is_close(before, _mistaken_weights(topk, dist, scores, 1.0, DEFAULT_GAMMAS, m))
            and is_close(after, _mistaken_weights(topk, shifted, scores, 1.0, DEFAULT_GAMMAS, m))
        ]
        hint = (
            say(
                "Likely mistake: {found}.",
                "可能的错误：{found}。",
                found=join(found, "; or: ", "；或者："),
            )
            if found
            else say(
                "No common mistake reproduces these weights; compute the confidence as "
                "softmax(−d) over each user's K items (dim=-1).",
                "没有哪个常见错误能得出这些权重；置信度应当在每个用户的 K 个物品上计算 "
                "softmax(−d)（dim=-1）。",
            )
        )
        raise CheckFailure(
            say(
                "Adding a constant to one user's distances changed the weights, but softmax(−d) "
                "over that user's K items does not depend on such a shift.\n"
                "  inputs:   {inputs}\n"
                "  shifted:  teacher_distance + [[2.0], [-0.5], [0.0]]\n"
                "  before:   {before}\n  after:    {after}\n  {hint}",
                "给某个用户的距离加上一个常数后，权重变了，但该用户 K 个物品上的 softmax(−d) "
                "并不受这种平移的影响。\n"
                "  输入：{inputs}\n"
                "  平移：teacher_distance + [[2.0], [-0.5], [0.0]]\n"
                "  平移前：{before}\n  平移后：{after}\n  {hint}",
                inputs=_show_weights(topk, dist, scores, 1.0, DEFAULT_GAMMAS),
                before=fmt(before),
                after=fmt(after),
                hint=hint,
            )
        )
    _check_weights(topk, shifted, scores, 1.0, DEFAULT_GAMMAS)


@pytest.mark.parametrize(
    "dtypes",
    [(torch.float32, torch.float64), (torch.float64, torch.float32)],
    ids=["float32 scores", "float64 scores"],
)
def test_weights_detached_in_scores_dtype(dtypes) -> None:
    """The weights carry no gradient and have student_scores' dtype
    zh: 权重不带梯度，dtype 与 student_scores 相同"""
    scores_dtype, dist_dtype = dtypes
    topk, dist, scores = _weight_inputs(2, 3, 8, torch.float64, seed=5)
    dist = dist.to(dist_dtype).requires_grad_(True)
    scores = scores.to(scores_dtype).requires_grad_(True)
    fn = learner(EXERCISE).importance_aware_weights
    got = fn(topk, dist, scores, lam=1.0, gammas=DEFAULT_GAMMAS)
    expect(
        isinstance(got, torch.Tensor),
        say(
            "importance_aware_weights should return a tensor.",
            "importance_aware_weights 应返回一个张量。",
        ),
    )
    expect(
        not got.requires_grad,
        say(
            "importance_aware_weights returned weights that require grad (teacher_distance and "
            "student_scores required grad).\n  Likely mistake: the weights are not detached; "
            "they are fixed targets, so compute them under torch.no_grad() or return "
            "w.detach().",
            "teacher_distance 和 student_scores 需要梯度时，importance_aware_weights 返回的权重"
            "也需要梯度。\n  可能的错误：权重没有 detach；它们是固定的目标，所以要在 "
            "torch.no_grad() 下计算，或者返回 w.detach()。",
        ),
    )
    _judge_weights(
        got,
        topk,
        dist.detach(),
        scores.detach(),
        1.0,
        DEFAULT_GAMMAS,
        what=say(
            "importance_aware_weights with {scores} scores and {dist} distances",
            "分数为 {scores}、距离为 {dist} 时的 importance_aware_weights",
            scores=scores_dtype,
            dist=dist_dtype,
        ),
        # A float32 distance carries float32 rounding into a float64 result.
        rtol=1e-6,
        atol=1e-7,
    )


def test_invalid_gammas_raise_value_error() -> None:
    """Negative gammas, or gammas summing to 0, raise ValueError
    zh: gammas 有负数或总和为 0 时抛出 ValueError"""
    fn = learner(EXERCISE).importance_aware_weights
    topk, dist, scores = _fixed_lists()
    for gammas in ((-0.1, 0.5, 0.1), (0.3, -0.5, 0.1), (0.3, 0.5, -0.1), (0.0, 0.0, 0.0)):
        with expect_value_error(f"importance_aware_weights(..., gammas={gammas})", "gammas"):
            fn(topk, dist, scores, lam=1.0, gammas=gammas)
    for gammas in ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (0.0, 0.5, 0.5)):
        try:
            fn(topk, dist, scores, lam=1.0, gammas=gammas)
        except ValueError as exc:
            raise CheckFailure(
                say(
                    "importance_aware_weights(..., gammas={gammas}) raised ValueError({message}), "
                    "but a gamma may be 0 as long as none is negative and they do not all vanish.",
                    "importance_aware_weights(..., gammas={gammas}) 抛出了 "
                    "`ValueError({message})`，但只要没有负数、也不全为 0，单个 gamma 可以为 0。",
                    gammas=gammas,
                    message=repr(str(exc)),
                )
            ) from None


@zh_name("在随机的形状、dtype、lam 和 gammas 上，权重与参考实现一致")
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate], max_examples=20)
@given(
    batch=st.integers(1, 4),
    k=st.integers(1, 5),
    extra=st.integers(0, 6),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    lam=st.sampled_from([0.5, 1.0, 2.0, 5.0]),
    gammas=st.sampled_from([DEFAULT_GAMMAS, (1.0, 1.0, 1.0), (0.2, 0.0, 0.8), (0.0, 0.7, 0.3)]),
    dist_scale=st.sampled_from([0.5, 3.0]),
    seed=st.integers(0, 2**16),
)
def test_weights_match_reference_on_random_inputs(
    batch, k, extra, dtype, lam, gammas, dist_scale, seed
) -> None:
    """The weights match the reference on random shapes, dtypes, lam and gammas"""
    topk, dist, scores = _weight_inputs(batch, k, k + extra, dtype, seed, dist_scale)
    fn = learner(EXERCISE).importance_aware_weights
    got = fn(topk.clone(), dist.clone(), scores.clone(), lam, gammas)  # positional on purpose
    _judge_weights(got, topk, dist, scores, lam, gammas)


def test_weights_defaults() -> None:
    """Left out, lam is 1.0 and gammas are (0.3, 0.5, 0.1)
    zh: 省略时，lam 为 1.0，gammas 为 (0.3, 0.5, 0.1)"""
    fn = learner(EXERCISE).importance_aware_weights
    topk, dist, scores = _weight_inputs(3, 4, 9, torch.float64, seed=31, dist_scale=3.0)
    calls = [
        ("importance_aware_weights(teacher_topk, teacher_distance, student_scores)", 1.0, ()),
        (
            "importance_aware_weights(teacher_topk, teacher_distance, student_scores, 2.0)",
            2.0,
            (2.0,),
        ),
    ]
    for what, lam, extra in calls:
        got = fn(topk.clone(), dist.clone(), scores.clone(), *extra)
        expected = _expected_weights(topk, dist, scores, lam, DEFAULT_GAMMAS)
        try:
            expect_close(got, expected, what=what, **_weight_tolerance(torch.float64))
        except CheckFailure:
            explicit = _call_weights(topk, dist, scores, lam, DEFAULT_GAMMAS)
            if isinstance(explicit, torch.Tensor) and is_close(explicit, expected, 1e-6, 1e-7):
                raise CheckFailure(
                    say(
                        "{what} returned the wrong weights, although the same call with "
                        "lam={lam}, gammas=(0.3, 0.5, 0.1) written out returns the right ones."
                        "\n  expected: {expected}\n  got:      {got}\n  Likely mistake: "
                        "the defaults in your signature are not the task's: lam: float = 1.0, "
                        "gammas = (0.3, 0.5, 0.1).",
                        "{what} 返回的权重不对，而把 lam={lam}、gammas=(0.3, 0.5, 0.1) 显式写出来"
                        "的同一调用却返回了正确的权重。\n  应为：{expected}\n  实际：{got}"
                        "\n  可能的错误：你的函数签名里的默认值与题目不符：应为 lam: float = "
                        "1.0，gammas = (0.3, 0.5, 0.1)。",
                        what=what,
                        lam=f"{lam:g}",
                        expected=fmt(expected),
                        got=fmt(got),
                    )
                ) from None
            _judge_weights(got, topk, dist, scores, lam, DEFAULT_GAMMAS, what=what)


def _expect_finite_weights(got, what: str, inputs: str, naive, naive_words: str) -> None:
    """Fail unless the learner's weights are finite; name the naive formula only when it
    gives non-finite weights on these inputs too."""
    if not isinstance(got, torch.Tensor):
        return  # expect_close says what is wrong with the type
    value = got.detach()
    if bool(torch.isfinite(value).all()):
        return
    hint: str = ""
    if not bool(torch.isfinite(naive).all()):
        hint = say("\n  Likely mistake: {words}.", "\n  可能的错误：{words}。", words=naive_words)
    raise CheckFailure(
        say(
            "{what} returned {value}: not finite.\n  inputs:   {inputs}{hint}",
            "{what} 返回了 `{value}`：不是有限值。\n  输入：{inputs}{hint}",
            what=what, value=fmt(value), inputs=inputs, hint=hint,
        )
    )  # fmt: skip


NAIVE_CONFIDENCE = say(
    "exp(−d) / Σ exp(−d) underflows to 0 / 0 = NaN when every distance is large (exp(−150) is 0 "
    "in float32, exp(−800) in float64); use torch.softmax(−d, dim=-1), which subtracts the "
    "row's largest value first",
    "所有距离都很大时，exp(−d) / Σ exp(−d) 会下溢成 0 / 0 = NaN（exp(−150) 在 float32 中为 "
    "0，exp(−800) 在 float64 中为 0）；请用 torch.softmax(−d, dim=-1)，它会先减去该行的最大值",
)
NAIVE_POSITION = say(
    "exp(−r / lam) / Σ exp(−r / lam) underflows to 0 / 0 = NaN for a small lam (exp(−1 / 0.005) "
    "is 0 in float32); use torch.softmax(−r / lam, dim=0)",
    "lam 很小时，exp(−r / lam) / Σ exp(−r / lam) 会下溢成 0 / 0 = NaN（exp(−1 / 0.005) 在 "
    "float32 中为 0）；请用 torch.softmax(−r / lam, dim=0)",
)


@DTYPES
def test_weights_extreme_distances_and_lam(dtype: torch.dtype) -> None:
    """Distances of 150 to 800, lam down to 0.001 and scores of ±1e5 give the right weights
    zh: 距离为 150 到 800、lam 小到 0.001、分数达到 ±1e5 时，权重依然正确"""
    topk, dist, scores = _weight_inputs(3, 5, 11, dtype, seed=32, dist_scale=4.0)
    scores = scores * 6e4  # magnitude up to 1e5, still without ties
    for base in (150.0, 800.0):
        far = dist + base
        what = say(
            "importance_aware_weights(..., gammas=(0, 1, 0)) for distances around {base}",
            "距离在 {base} 左右时，importance_aware_weights(..., gammas=(0, 1, 0))",
            base=f"{base:g}",
        )
        got = _call_weights(topk, far, scores, 1.0, (0.0, 1.0, 0.0))
        naive = torch.exp(-far) / torch.exp(-far).sum(dim=-1, keepdim=True)
        inputs = _show_weights(topk, far, scores, 1.0, (0.0, 1.0, 0.0))
        _expect_finite_weights(got, what, inputs, naive, NAIVE_CONFIDENCE)
        _judge_weights(got, topk, far, scores, 1.0, (0.0, 1.0, 0.0), "conf_sign", what)
    k = topk.shape[-1]
    for lam in (0.005, 0.001):
        what = f"importance_aware_weights(..., lam={lam:g}, gammas=(1, 0, 0))"
        got = _call_weights(topk, dist, scores, lam, (1.0, 0.0, 0.0))
        ranks = torch.arange(1, k + 1, dtype=dtype, device=DEVICE)
        naive = torch.exp(-ranks / lam) / torch.exp(-ranks / lam).sum()
        inputs = _show_weights(topk, dist, scores, lam, (1.0, 0.0, 0.0))
        _expect_finite_weights(got, what, inputs, naive, NAIVE_POSITION)
        _judge_weights(got, topk, dist, scores, lam, (1.0, 0.0, 0.0), "pos_lam_times", what)
    _check_weights(topk, dist + 150.0, scores, 0.005, DEFAULT_GAMMAS)


def test_consistency_exact_for_near_equal_scores() -> None:
    """Student scores only 1e-10 apart are ranked exactly (float64)
    zh: 学生模型的分数只相差 1e-10 时也能精确排序（float64）"""
    g = seeded(33)
    batch, k, items = 4, 4, 10
    topk = _topk_lists(batch, k, items, g)
    ladder = torch.stack([torch.randperm(items, generator=g) for _ in range(batch)])
    scores = (0.7 + 1e-10 * ladder.to(torch.float64)).to(DEVICE)
    dist = (torch.rand(batch, k, generator=g, dtype=torch.float64) * 2.0).to(DEVICE)
    _check_weights(topk, dist, scores, 1.0, (0.1, 0.0, 1.0), first="cons_float32")


def test_weights_follow_the_teacher() -> None:
    """The weights change when the teacher's distances change slightly
    zh: 教师模型的距离稍有变化时，权重随之变化"""
    topk, dist, scores = _weight_inputs(3, 4, 9, torch.float64, seed=34, dist_scale=3.0)
    before = _call_weights(topk, dist, scores, 1.0, DEFAULT_GAMMAS)
    after = _call_weights(topk, _nudged_distances(dist), scores, 1.0, DEFAULT_GAMMAS)
    if _same(before, after):
        raise teacher_ignored(
            "importance_aware_weights(..., gammas=(0.3, 0.5, 0.1))", NUDGED_DISTANCES
        )
    _check_weights(topk, _nudged_distances(dist), scores, 1.0, DEFAULT_GAMMAS)


def _corner_call(lam: float, gammas, label: Bilingual) -> Bilingual:
    """The call of one corner case, as a failure names it."""
    return say(
        "importance_aware_weights(..., lam={lam}, gammas={gammas}) ({label})",
        "{label}，importance_aware_weights(..., lam={lam}, gammas={gammas})",
        lam=f"{lam:g}", gammas=gammas, label=label,
    )  # fmt: skip


def test_invalid_gammas_rejected_whatever_the_inputs() -> None:
    """Bad gammas raise ValueError for any inputs; any other gammas are accepted
    zh: 无论输入如何，不合法的 gammas 都抛出 ValueError；其余的 gammas 都被接受"""
    fn = learner(EXERCISE).importance_aware_weights
    one = _weight_inputs(1, 1, 1, torch.float32, seed=35)
    full = _weight_inputs(2, 3, 3, torch.float64, seed=36)  # every item in the student's top-K
    far = (full[0], full[1] + 150.0, full[2] * 1e5)
    corners = [
        (say("one user, K = I = 1", "只有一个用户且 K = I = 1 时"), one, 1.0),
        (say("K = I", "K = I 时"), full, 0.005),
        (say("far", "距离和分数都很大时"), far, 0.001),
    ]
    for label, (topk, dist, scores), lam in corners:
        for gammas in ((-0.1, 0.5, 0.1), (0.0, 0.0, 0.0), (0.5, -0.5, 0.0), (1.0, 1.0, -1e-9)):
            with expect_value_error(_corner_call(lam, gammas, label), "gammas"):
                fn(topk.clone(), dist.clone(), scores.clone(), lam, gammas)
        for gammas in ((2.0, 3.0, 5.0), (0.0, 0.0, 1e-3), (1e-9, 0.0, 0.0), (0.0, 4.0, 0.0)):
            call = _corner_call(lam, gammas, label)
            try:
                got = fn(topk.clone(), dist.clone(), scores.clone(), lam, gammas)
            except ValueError as exc:
                raise CheckFailure(
                    say(
                        "{call} raised ValueError({message}), but gammas that are all >= 0 with "
                        "a positive sum are valid (they need not sum to 1).",
                        "{call} 抛出了 `ValueError({message})`，但只要 gammas 都 >= 0 且总和为"
                        "正，就是合法的（总和不必为 1）。",
                        call=call,
                        message=repr(str(exc)),
                    )
                ) from None
            _judge_weights(got, topk, dist, scores, lam, gammas, what=call)


# --------------------------------------------------------------------------------------------
# Part 2: the loss

LOSS_MISTAKES = {
    "neg_one_minus": say(
        "the negatives use log σ(1 − s); a negative's term is −log σ(−s) = −log(1 − σ(s)), so "
        "use F.logsigmoid(-s)",
        "负样本用了 log σ(1 − s)；负样本的项是 −log σ(−s) = −log(1 − σ(s))，所以要用 "
        "F.logsigmoid(-s)",
    ),
    "neg_sign": say(
        "the negatives are treated as positives (−log σ(s) for them); their term is −log σ(−s)",
        "把负样本当成了正样本（对它们用了 −log σ(s)）；负样本的项是 −log σ(−s)",
    ),
    "neg_omitted": say(
        "the sampled negatives are left out; each teacher item k adds "
        "−log σ(−s[neg_items[b, k]]) as well",
        "漏掉了采样的负样本；每个教师物品 k 还要加上 −log σ(−s[neg_items[b, k]])",
    ),
    "neg_unweighted": say(
        "only the positive terms are weighted; w_k multiplies both the teacher item's term and "
        "its negative's term",
        "只有正样本的项乘了权重；w_k 要同时乘以教师物品的项和它对应的负样本的项",
    ),
    "unweighted_sum": say(
        "the loss ignores the weights (a plain sum over k); multiply each item's terms by its "
        "weight w[b, k]",
        "损失忽略了权重（直接对 k 求和）；每个物品的项都要乘以它的权重 w[b, k]",
    ),
    "unweighted_mean": say(
        "the loss ignores the weights (a plain mean over k); multiply each item's terms by its "
        "weight w[b, k] and sum over k",
        "损失忽略了权重（直接对 k 取平均）；每个物品的项都要乘以它的权重 w[b, k]，再对 k 求和",
    ),
    "mean_k": say(
        "the weighted terms are averaged over k instead of summed (the weights already sum to 1 "
        "per user): sum over k, then average over the users",
        "加权后的项在 k 上取了平均，而不是求和（每个用户的权重之和已经是 1）：先对 k 求和，"
        "再在用户上取平均",
    ),
    "sum_users": say(
        "the loss is summed over the users; average it over the B users",
        "损失在用户上求了和；应在 B 个用户上取平均",
    ),
    "mean_all_terms": say(
        'the loss is averaged over all 2·B·K terms (e.g. BCE with reduction="mean"); sum the '
        "weighted terms over k and average over the users",
        '损失在全部 2·B·K 个项上取了平均（例如用了 reduction="mean" 的 BCE）；应对加权后的项'
        "在 k 上求和，再在用户上取平均",
    ),
}
LOSS_GRADIENT_ONLY = {"no_grad_pos"}
LOSS_MISTAKES["no_grad_pos"] = say(
    "no gradient flows through the teacher items' scores (they are detached or gathered under "
    "torch.no_grad())",
    "梯度没有经过教师物品的分数传回（这些分数被 detach 了，或者是在 torch.no_grad() 下 "
    "gather 出来的）",
)


def _mistaken_loss(s, topk, w, neg, mistake: str) -> torch.Tensor:
    """importance_aware_rd_loss with one common mistake (or none), in float64."""
    s, w = s.double(), w.detach().double()
    pos_s, neg_s = s.gather(-1, topk), s.gather(-1, neg)
    if mistake == "no_grad_pos":
        pos_s = pos_s.detach()
    pos_term = -F.logsigmoid(pos_s)
    neg_term = {
        "neg_one_minus": -F.logsigmoid(1.0 - neg_s),
        "neg_sign": -F.logsigmoid(neg_s),
        "neg_omitted": torch.zeros_like(neg_s),
    }.get(mistake, -F.logsigmoid(-neg_s))
    if mistake == "neg_unweighted":
        per_user = (w * pos_term).sum(-1) + neg_term.sum(-1)
    elif mistake == "unweighted_sum":
        per_user = (pos_term + neg_term).sum(-1)
    elif mistake == "unweighted_mean":
        per_user = (pos_term + neg_term).mean(-1)
    elif mistake == "mean_k":
        per_user = (w * (pos_term + neg_term)).mean(-1)
    elif mistake == "mean_all_terms":
        per_user = (w * (pos_term + neg_term)).sum(-1) / (2 * w.shape[-1])
    else:
        per_user = (w * (pos_term + neg_term)).sum(-1)
    return per_user.sum() if mistake == "sum_users" else per_user.mean()


def _loss_mistakes(s, topk, w, neg, first: str = ""):
    values = {
        m: _mistaken_loss(s.detach(), topk, w, neg, m).to(s.dtype)
        for m in ["", *LOSS_MISTAKES]
        if m not in LOSS_GRADIENT_ONLY
    }
    correct = values.pop("")
    return named_mistakes(values, LOSS_MISTAKES, first, correct=correct)


def _loss_gradient_mistakes(s, topk, w, neg):
    values = {}
    for mistake in ["", *LOSS_MISTAKES]:
        student = s.detach().double().requires_grad_(True)
        _mistaken_loss(student, topk, w, neg, mistake).backward()
        values[mistake] = student.grad.to(s.dtype)
    correct = values.pop("")
    return named_mistakes(values, LOSS_MISTAKES, correct=correct)


def _loss_inputs(batch, k, items, dtype, seed, scale: float = 1.5):
    """(student_scores, teacher_topk, weights, neg_items): weights far from uniform, rows
    summing to 1, and negatives drawn outside each user's teacher list."""
    g = seeded(seed)
    s = randn(batch, items, dtype=dtype, scale=scale, generator=g)
    perms = [torch.randperm(items, generator=g) for _ in range(batch)]
    topk = torch.stack([p[:k] for p in perms])
    neg = torch.stack(
        [p[k:][torch.randint(0, items - k, (k,), generator=g)] for p in perms]
    )  # one sampled negative per teacher item
    raw = torch.rand(batch, k, generator=g, dtype=torch.float64) ** 2 + 0.05
    w = (raw / raw.sum(-1, keepdim=True)).to(dtype)
    return s, topk.to(DEVICE), w.to(DEVICE), neg.to(DEVICE)


def _show_loss(s, topk, w, neg) -> str:
    return (
        f"student_scores={fmt(s, 3)}, teacher_topk={fmt(topk)}, weights={fmt(w, 3)}, "
        f"neg_items={fmt(neg)}"
    )


def _expected_loss(s, topk, w, neg) -> torch.Tensor:
    ref = reference(EXERCISE).importance_aware_rd_loss
    with torch.no_grad():
        return ref(s.double(), topk, w.double(), neg).to(s.dtype)


def _other_items(topk: torch.Tensor, items: int) -> torch.Tensor:
    """The teacher's lists with every item replaced by the next item id (mod I)."""
    return (topk + 1) % items


def _nudged_weights(w: torch.Tensor) -> torch.Tensor:
    """Weights changed slightly, each row's order kept, rows still summing to 1."""
    moved = w.detach() ** 1.2
    return moved / moved.sum(dim=-1, keepdim=True)


NUDGED_WEIGHTS = say(
    "the weights were changed slightly (same order in each row, rows summing to 1)",
    "把权重稍作改变（每行顺序不变，各行之和仍为 1）",
)


def _check_loss(s, topk, w, neg, first: str = "", what: str = "", **tolerance) -> None:
    fn = learner(EXERCISE).importance_aware_rd_loss
    got = fn(s.clone(), topk.clone(), w.clone(), neg.clone())
    expected = _expected_loss(s, topk, w, neg)
    what = what or "importance_aware_rd_loss(...)"
    try:
        expect_close(got, expected, what=what, **tolerance)
    except CheckFailure:
        moved = fn(s.clone(), _other_items(topk, s.shape[-1]), _nudged_weights(w), neg.clone())
        # Ignored teacher: the value moves with the student's scores, not the teacher's.
        if _same(moved, got) and not _same(fn(s * 1.1, topk.clone(), w.clone(), neg.clone()), got):
            changed = say(
                "the teacher's items and weights were changed (other items, nudged weights)",
                "把教师模型的物品和权重都改掉（换成别的物品，并微调权重）",
            )
            raise teacher_ignored(what, changed) from None
        expect_close(
            got,
            expected,
            what=what,
            inputs=_show_loss(s, topk, w, neg),
            mistakes=lambda: _loss_mistakes(s, topk, w, neg, first),
            **tolerance,
        )


def test_loss_value() -> None:
    """The loss is Σ_k w_k·(−log σ(s_pos) − log σ(−s_neg)), averaged over users
    zh: 损失为 Σ_k w_k·(−log σ(s_pos) − log σ(−s_neg))，再在用户上取平均"""
    s, topk, w, neg = _loss_inputs(3, 4, 10, torch.float64, seed=11)
    _check_loss(s, topk, w, neg, first="mean_k")


def test_loss_negative_term() -> None:
    """Each sampled negative adds −log σ(−s), not −log σ(1 − s)
    zh: 每个采样的负样本贡献 −log σ(−s)，而不是 −log σ(1 − s)"""
    s, topk, w, neg = _loss_inputs(2, 3, 8, torch.float64, seed=12)
    _check_loss(s, topk, w, neg, first="neg_one_minus")


def test_loss_is_weighted() -> None:
    """Each teacher item's pair of terms is weighted by its weight
    zh: 每个教师物品的那一对项都乘以该物品的权重"""
    s, topk, w, neg = _loss_inputs(2, 4, 9, torch.float64, seed=13)
    w = torch.tensor([[0.7, 0.2, 0.06, 0.04], [0.1, 0.1, 0.5, 0.3]], dtype=s.dtype, device=DEVICE)
    _check_loss(s, topk, w, neg, first="unweighted_sum")


@DTYPES
def test_loss_gradients(dtype: torch.dtype) -> None:
    """The student gets the right gradient and the weights none
    zh: 学生模型得到正确的梯度，权重得不到梯度"""
    fn = learner(EXERCISE).importance_aware_rd_loss
    s, topk, w, neg = _loss_inputs(3, 3, 8, dtype, seed=14)
    student = s.clone().requires_grad_(True)
    weights = w.clone().requires_grad_(True)  # as if the weights still carried a graph
    loss = fn(student, topk, weights, neg)
    expect(
        isinstance(loss, torch.Tensor) and loss.requires_grad,
        say(
            "importance_aware_rd_loss returned a value without a gradient path to "
            "student_scores; the student must learn from it.",
            "importance_aware_rd_loss 返回的值没有通向 student_scores 的梯度路径；学生模型必须"
            "能从中学习。",
        ),
    )
    loss.backward()
    expect(
        weights.grad is None,
        say(
            "The loss back-propagated into the weights: after loss.backward(), weights.grad is a "
            "tensor but should stay None.\n  Likely mistake: the weights are not detached; use "
            "weights.detach() in the loss, so the student cannot lower the loss by changing "
            "them.",
            "损失反向传播到了权重上：loss.backward() 之后 weights.grad 是一个张量，但它应当保持"
            "为 None。\n  可能的错误：权重没有 detach；在损失里使用 weights.detach()，这样学生"
            "模型就无法通过改变权重来降低损失。",
        ),
    )
    expect(
        student.grad is not None,
        say(
            "student_scores received no gradient from importance_aware_rd_loss.",
            "student_scores 没有从 importance_aware_rd_loss 得到梯度。",
        ),
    )
    reference_student = s.detach().double().requires_grad_(True)
    reference(EXERCISE).importance_aware_rd_loss(
        reference_student, topk, w.double(), neg
    ).backward()
    _expect_close_naming(
        student.grad,
        reference_student.grad.to(dtype),
        what=say(
            "The gradient of importance_aware_rd_loss with respect to student_scores",
            "importance_aware_rd_loss 反向传播得到的 student_scores.grad",
        ),
        inputs=_show_loss(s, topk, w, neg),
        mistakes=lambda: _loss_gradient_mistakes(s, topk, w, neg),
    )


@DTYPES
def test_loss_stable_for_large_scores(dtype: torch.dtype) -> None:
    """Scores of magnitude 1e3 give a finite loss and finite gradients
    zh: 分数量级为 1e3 时，损失和梯度都是有限值"""
    fn = learner(EXERCISE).importance_aware_rd_loss
    s = torch.tensor(
        [[1e3, -1e3, 5e2, -5e2, 0.0], [-1e3, 1e3, 0.0, 2e2, -2e2]], dtype=dtype, device=DEVICE
    )
    topk = torch.tensor([[0, 1], [0, 3]], device=DEVICE)
    neg = torch.tensor([[2, 3], [1, 4]], device=DEVICE)
    w = torch.tensor([[0.7, 0.3], [0.4, 0.6]], dtype=dtype, device=DEVICE)
    inputs = _show_loss(s, topk, w, neg)
    student = s.clone().requires_grad_(True)
    loss = fn(student, topk, w, neg)
    value = loss.detach() if isinstance(loss, torch.Tensor) else torch.tensor(loss)
    expect_finite(
        value,
        say(
            "importance_aware_rd_loss is not finite for scores of magnitude 1e3: got {value}."
            "\n  inputs:   {inputs}\n  Likely mistake: torch.log(torch.sigmoid(x)) underflows "
            "to log(0) = -inf for x = -1e3; use F.logsigmoid(x) (and F.logsigmoid(-s) for "
            "negatives).",
            "分数量级为 1e3 时，importance_aware_rd_loss 不是有限值：得到的是 `{value}`。"
            "\n  输入：{inputs}\n  可能的错误：x = -1e3 时，torch.log(torch.sigmoid(x)) "
            "会下溢成 log(0) = -inf；请用 F.logsigmoid(x)（负样本用 F.logsigmoid(-s)）。",
            value=fmt(value),
            inputs=inputs,
        ),
    )
    loss.backward()
    expect_finite(
        student.grad,
        say(
            "The gradient of importance_aware_rd_loss is not finite for scores of magnitude "
            "1e3: {grad}.\n  inputs:   {inputs}\n  Likely mistake: a log of a sigmoid that "
            "underflows to 0; use F.logsigmoid.",
            "分数量级为 1e3 时，importance_aware_rd_loss 的梯度不是有限值：`{grad}`。\n"
            "  输入：{inputs}\n  可能的错误：对下溢成 0 的 sigmoid 取了 log；请用 "
            "F.logsigmoid。",
            grad=fmt(student.grad),
            inputs=inputs,
        ),
    )
    expected = _expected_loss(s, topk, w, neg)
    if not is_close(loss, expected):
        small = s * 3e-3  # magnitude 3: where eps or clamping makes no visible difference
        small_loss = fn(small.clone(), topk, w, neg)
        if is_close(small_loss, _expected_loss(small, topk, w, neg), rtol=1e-4, atol=1e-6):
            raise CheckFailure(
                say(
                    "importance_aware_rd_loss is right for small scores but wrong for scores of "
                    "magnitude 1e3.\n  inputs:   {inputs}\n  expected: {expected}\n"
                    "  got:      {got}\n  Likely mistake: the sigmoid is clamped or given "
                    "an eps before the log (torch.log(torch.sigmoid(x) + eps)): finite, but "
                    "log σ(x) for x = -1e3 is about -1e3, far below log(eps); use F.logsigmoid.",
                    "importance_aware_rd_loss 对较小的分数是对的，但分数量级为 1e3 时就错了。"
                    "\n  输入：{inputs}\n  应为：{expected}\n  实际：{got}\n"
                    "  可能的错误：取 log 之前对 sigmoid 做了 clamp 或加了 eps"
                    "（torch.log(torch.sigmoid(x) + eps)）：结果虽然有限，但 x = -1e3 时 "
                    "log σ(x) 约为 -1e3，远低于 log(eps)；请用 F.logsigmoid。",
                    inputs=inputs,
                    expected=fmt(expected),
                    got=fmt(loss),
                )
            )
    _expect_close_naming(
        loss,
        expected,
        what=say(
            "importance_aware_rd_loss(...) at scores of magnitude 1e3",
            "分数量级为 1e3 时的 importance_aware_rd_loss(...)",
        ),
        inputs=inputs,
        mistakes=lambda: _loss_mistakes(s, topk, w, neg),
    )


@zh_name("在随机的形状和 dtype 上，损失与参考实现一致，dtype 与 student_scores 相同")
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate], max_examples=20)
@given(
    batch=st.integers(1, 4),
    k=st.integers(1, 5),
    extra=st.integers(1, 5),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    weights_dtype=st.sampled_from([None, torch.float32, torch.float64]),
    scale=st.sampled_from([0.3, 2.0, 8.0]),
    seed=st.integers(0, 2**16),
)
def test_loss_matches_reference_on_random_inputs(
    batch, k, extra, dtype, weights_dtype, scale, seed
) -> None:
    """The loss matches the reference on random shapes and dtypes, in student_scores' dtype"""
    s, topk, w, neg = _loss_inputs(batch, k, k + extra, dtype, seed, scale)
    if weights_dtype is not None:
        w = w.to(weights_dtype)  # the weights may come in another dtype
    _check_loss(s, topk, w, neg)


def test_loss_follows_the_teacher() -> None:
    """The loss changes when the teacher's items or weights change
    zh: 教师模型的物品或权重变化时，损失随之变化"""
    fn = learner(EXERCISE).importance_aware_rd_loss
    s, topk, w, neg = _loss_inputs(3, 4, 10, torch.float64, seed=37)
    what = "importance_aware_rd_loss(...)"
    base = fn(s.clone(), topk.clone(), w.clone(), neg.clone())
    items = fn(s.clone(), _other_items(topk, s.shape[-1]), w.clone(), neg.clone())
    if _same(base, items):
        raise teacher_ignored(
            what,
            say(
                "the teacher's items were replaced by other items",
                "把教师模型的物品换成别的物品",
            ),
        )
    nudged = fn(s.clone(), topk.clone(), _nudged_weights(w), neg.clone())
    if _same(base, nudged):
        raise teacher_ignored(what, NUDGED_WEIGHTS)


def test_results_on_the_inputs_device() -> None:
    """Results are created on the inputs' device
    zh: 结果创建在输入所在的设备上"""
    module = learner(EXERCISE)
    topk, dist, scores = _weight_inputs(2, 3, 8, torch.float64, seed=38)
    expect_result_on_device(
        lambda: module.importance_aware_weights(topk, dist, scores),
        "importance_aware_weights(...)",
        scores.device,
        EXAMPLE_STRAY,
    )
    s, topk, w, neg = _loss_inputs(2, 3, 8, torch.float64, seed=39)
    expect_result_on_device(
        lambda: module.importance_aware_rd_loss(s, topk, w, neg),
        "importance_aware_rd_loss(...)",
        s.device,
        EXAMPLE_STRAY,
    )


def test_inputs_are_not_modified() -> None:
    """The inputs of both functions are not modified in place
    zh: 两个函数都不原地修改输入"""
    module = learner(EXERCISE)
    topk, dist, scores = _weight_inputs(2, 3, 8, torch.float32, seed=21)
    expect_unchanged(
        {"teacher_topk": topk, "teacher_distance": dist, "student_scores": scores},
        lambda: module.importance_aware_weights(topk, dist, scores, 1.0, DEFAULT_GAMMAS),
    )
    s, topk, w, neg = _loss_inputs(2, 3, 8, torch.float32, seed=22)
    expect_unchanged(
        {"student_scores": s, "teacher_topk": topk, "weights": w, "neg_items": neg},
        lambda: module.importance_aware_rd_loss(s, topk, w, neg),
    )
