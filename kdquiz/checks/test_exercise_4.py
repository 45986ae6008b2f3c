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
    seeded,
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
            f"{call} raised RuntimeError: {exc}\n{learner_traceback(exc)}\n"
            f"  inputs:   pos_scores of shape {tuple(pos.shape)}, neg_scores of shape "
            f"{tuple(neg.shape)}\n  Likely mistake: {MISTAKES['broadcast']}."
        ) from None
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

MISTAKES = {
    "optimistic": "ties count in the held-out item's favour: rank = 1 + #{neg > pos} "
    "(optimistic), or a sort/topk put the held-out item first among equal scores; a negative "
    "with the same score must rank above it, rank = 1 + #{neg >= pos}",
    "single_precision": "float64 scores that differ by about 1e-10 were treated as equal: are "
    "they cast to float32 (.float())? compare them in their own dtype",
    "float_tolerance": "scores that differ by about 1e-10 were treated as ties: the comparison "
    "allows a small tolerance (an epsilon, or torch.isclose); compare exactly, "
    "neg_scores >= pos_scores.unsqueeze(1)",
    "low_precision": "scores that differ by about 1e-6 (relative) were treated as equal: are "
    "they cast to a lower precision (half, bfloat16)? compare them in their own dtype",
    "tolerance": "scores that differ by about 1e-6 (relative) were treated as ties: the "
    "comparison uses a tolerance (torch.isclose); compare exactly, "
    "neg_scores >= pos_scores.unsqueeze(1)",
    "average_ties": "ties are split half and half (an average rank, as for AUC); here every "
    "tied negative ranks above the held-out item, rank = 1 + #{neg >= pos}",
    "ascending": "lower scores are ranked first (rank = 1 + #{neg <= pos}); a higher score "
    "means a better item, rank = 1 + #{neg >= pos}",
    "summed": "the metrics are summed over the users; average them (divide by U)",
    "over_m": "the sums are divided by M, the number of negatives; average over the U users",
    "natural_log": "NDCG uses the natural log; the discount is 1/log2(rank + 1) (torch.log2), "
    "so a hit at rank 1 scores exactly 1",
    "zero_based": "the rank is 0-based (no + 1): the top item gets rank 0 and the discount "
    "1/log2(0 + 1) = 1/0, and rank k + 1 counts as a hit; ranks start at 1, "
    "rank = 1 + #{neg >= pos}",
    "zero_based_hit": "the rank is 0-based (the number of negatives scoring >= the held-out "
    "item, without the + 1) but is compared with <= k, so rank k + 1 counts as a hit; ranks "
    "start at 1",
    "log2_rank": "the discount is 1/log2(rank) (a 0-based rank fed to 1/log2(rank + 1)), which "
    "divides by log2(1) = 0 at the top; ranks start at 1 and the discount is 1/log2(rank + 1)",
    "log2_rank_plus_two": "the discount is 1/log2(rank + 2), the 0-based formula applied to a "
    "1-based rank; a hit at rank 1 must score 1/log2(2) = 1",
    "reciprocal": "NDCG scores a hit 1/rank (the reciprocal rank of MRR); NDCG's discount is "
    "1/log2(rank + 1)",
    "strict_cutoff": "a held-out item at rank exactly k is counted as a miss (rank < k); it is a "
    "hit, rank <= k",
    "ndcg_over_hits": "NDCG is averaged over the users with a hit only; average over all users, "
    "each miss scoring 0",
    "no_cutoff": "NDCG is not cut off at k: a held-out item ranked below k must score 0, not "
    "1/log2(rank + 1)",
    "broadcast": "each user's negatives are compared with other users' held-out scores: "
    "neg_scores >= pos_scores broadcasts pos_scores along the M columns; compare with "
    "pos_scores.unsqueeze(1) (or pos_scores[:, None])",
    "swapped": "the two results are swapped; return (HR@k, NDCG@k) in that order",
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


def _likely_mistake(pos, neg, k: int, got: tuple[float, float], first: str = "") -> str:
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
        return (
            "\n  Likely mistake: the held-out items tie with some of their negatives here, and "
            "your result matches neither rule: equal scores were put in an arbitrary order "
            "(torch.topk or argsort over the candidates does that); count instead, rank = "
            "1 + #{neg >= pos}."
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
    return "\n  Likely mistake: " + "; or: ".join(MISTAKES[m] for m in found[:2]) + "."


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
        f"{call} returned the wrong {' and '.join(wrong)}.\n"
        f"  inputs:   {_show(pos, neg, k)}\n"
        f"  ranks:    {_ranks(pos, neg)}  (1 + the number of negatives scoring >= the held-out "
        "item)\n"
        f"  expected: (HR@k, NDCG@k) = ({fmt(expected[0])}, {fmt(expected[1])})\n"
        f"  got:      (HR@k, NDCG@k) = ({fmt(got[0])}, {fmt(got[1])})"
        f"{_likely_mistake(pos, neg, k, got, first)}"
    )


def _tensor(values, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype, device=DEVICE)


# --------------------------------------------------------------------------------------------
# Checks


def test_returns_two_python_floats() -> None:
    """Returns (HR@k, NDCG@k) as two Python floats"""
    pos = _tensor([3.0, 1.0, 2.0])
    neg = _tensor([[1.0, 2.0], [1.0, 5.0], [2.0, 0.0]])
    _call(pos, neg, 2, keywords=True)


@DTYPES
def test_example_from_the_task(dtype: torch.dtype) -> None:
    """The task's example gives HR@2 = 2/3 and NDCG@2 ≈ 0.5436"""
    pos = _tensor([3.0, 1.0, 2.0], dtype)
    neg = _tensor([[1.0, 2.0], [1.0, 5.0], [2.0, 0.0]], dtype)
    _check_value(pos, neg, 2)


@DTYPES
def test_rank_one_scores_one(dtype: torch.dtype) -> None:
    """A held-out item above all its negatives has rank 1: HR@1 = NDCG@1 = 1"""
    pos = _tensor([2.0, 0.5], dtype)
    neg = _tensor([[1.0, -1.0, 0.0], [0.4, 0.1, -3.0]], dtype)
    _check_value(pos, neg, 1, first="natural_log")


@DTYPES
def test_ndcg_discount(dtype: torch.dtype) -> None:
    """A hit at rank r scores NDCG 1/log2(r + 1)"""
    # Ranks 1, 2, 3, 4, all within k = 4; each row's negatives in a different order.
    pos = _tensor([3.0, 1.5, 0.5, -1.0], dtype)
    neg = _tensor([[0.0, 1.0, 2.0], [2.0, 0.0, 1.0], [1.0, 2.0, 0.0], [2.0, 1.0, 0.0]], dtype)
    _check_value(pos, neg, 4, first="natural_log")


def test_hit_at_rank_k() -> None:
    """HR@k counts rank k as a hit and rank k + 1 as a miss"""
    # Ranks 3, 4, 2, 3 with k = 3.
    pos = _tensor([0.5, -0.5, 1.5, 0.2])
    neg = _tensor([[1.0, 2.0, 0.0], [1.0, 2.0, 0.0], [1.0, 2.0, 0.0], [2.0, 0.0, 1.0]])
    _check_value(pos, neg, 3, first="strict_cutoff")


def test_misses_count_as_zero() -> None:
    """NDCG averages over all users: a miss counts as 0"""
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
    """Ties count against the held-out item: rank = 1 + #{neg >= pos}"""
    for pos, neg, k in _tie_inputs(dtype):
        _check_value(pos, neg, k, first="optimistic")


@DTYPES
def test_nearly_equal_scores_are_not_ties(dtype: torch.dtype) -> None:
    """Nearly equal scores are compared exactly, not treated as ties"""
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
    """A model that scores every item alike gets HR@k = 0 when M >= k"""
    for users, m, k, score in ((3, 1, 1, 0.0), (2, 5, 5, 0.5), (4, 10, 3, -1.25), (2, 99, 10, 7.0)):
        pos = torch.full((users,), score, device=DEVICE)
        neg = torch.full((users, m), score, device=DEVICE)
        call, (hr, ndcg) = _call(pos, neg, k)
        if hr != 0.0 or ndcg != 0.0:
            raise CheckFailure(
                f"A model that gives every item the score {score:g} got HR@{k} = {fmt(hr)} and "
                f"NDCG@{k} = {fmt(ndcg)} with M = {m} negatives per user; both should be 0.\n"
                f"  call:     {call}\n"
                f"  Every tied negative ranks above the held-out item, so its rank is M + 1 = "
                f"{m + 1} > k.{_likely_mistake(pos, neg, k, (hr, ndcg), 'optimistic')}"
            )
    # With k = M + 1 the same scorer hits at rank M + 1, the last position.
    pos, neg = torch.zeros(2, device=DEVICE), torch.zeros(2, 4, device=DEVICE)
    _check_value(pos, neg, 5, first="optimistic")


def test_each_user_own_negatives() -> None:
    """Each user's negatives are compared with that user's own held-out item"""
    # U = M = 3, so that comparing with the wrong user's item still runs.
    pos = _tensor([5.0, 0.0, -5.0])
    neg = _tensor([[6.0, 4.0, -9.0], [1.0, -1.0, -2.0], [-4.0, -6.0, -7.0]])
    _check_value(pos, neg, 2, first="broadcast")


def test_k_beyond_the_list() -> None:
    """k larger than the M + 1 candidates counts every user as a hit"""
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
                f"{FUNCTION}(pos_scores, neg_scores, {k}) with M = 3 negatives per user raised "
                f"{type(exc).__name__}: {exc}\n  inputs:   {_show(pos, neg, k)}\n"
                "  k may exceed the number of candidates M + 1; every rank is then <= k, so "
                "every user is a hit. (torch.topk(k) needs k <= M + 1: use min(k, M + 1).)"
            ) from None


@DTYPES
def test_single_user(dtype: torch.dtype) -> None:
    """A single user works"""
    pos = _tensor([0.25], dtype)
    neg = _tensor([[1.0, -2.0, 0.3, 3.0, -0.5]], dtype)
    _check_value(pos, neg, 3)
    _check_value(pos, neg, 4, keywords=True)


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
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
    """The inputs are not modified in place"""
    fn = mine()
    g = seeded(44)
    pos = torch.randn(4, generator=g).to(DEVICE)
    neg = torch.randn(4, 6, generator=g).to(DEVICE)
    expect_unchanged({"pos_scores": pos, "neg_scores": neg}, lambda: fn(pos, neg, 3))


def test_invalid_arguments_raise_value_error() -> None:
    """k < 1 and mismatched shapes raise ValueError"""
    fn = mine()
    g = seeded(45)
    pos = torch.randn(3, generator=g).to(DEVICE)
    neg = torch.randn(3, 5, generator=g).to(DEVICE)
    # k is checked whatever the inputs: one user, one negative, ties, float64.
    k_cases = {
        "": (pos, neg),
        ", one user and one negative": (pos[:1], neg[:1, :1]),
        ", every score tied": (torch.zeros(3, device=DEVICE), torch.zeros(3, 5, device=DEVICE)),
        ", float64 scores": (pos.double(), neg.double()),
    }
    for k in (0, -1):
        for described, (p, n) in k_cases.items():
            with expect_value_error(f"{FUNCTION}(pos_scores, neg_scores, k={k}){described}", "k"):
                fn(p.clone(), n.clone(), k)
    # Shapes are checked whatever k is (also k beyond the list, where every user is a hit),
    # and shapes that broadcast are mismatched too: pos_scores must be (U,).
    bad_shapes = {
        "pos_scores (4,) and neg_scores (3, 5)": (torch.cat([pos, pos[:1]]), neg),
        "pos_scores (3,) and neg_scores (4, 5)": (pos, torch.cat([neg, neg[:1]])),
        "pos_scores (3, 1) and neg_scores (3, 5)": (pos.unsqueeze(1), neg),
        "pos_scores (1, 3) and neg_scores (3, 5)": (pos.unsqueeze(0), neg),
        "pos_scores () and neg_scores (1, 5)": (pos[0], neg[:1]),
        "pos_scores (3,) and neg_scores (3,)": (pos, neg[:, 0]),
        "pos_scores (3,) and neg_scores (3, 5, 1)": (pos, neg.unsqueeze(2)),
    }
    for described, (bad_pos, bad_neg) in bad_shapes.items():
        for k in (2, 1, 50):
            with expect_value_error(f"{FUNCTION} with {described}, k={k}", "shape"):
                fn(bad_pos.clone(), bad_neg.clone(), k)
    for k in (1, 6, 1000):  # the smallest cut-off, the whole list and beyond are valid
        try:
            fn(pos.clone(), neg.clone(), k)
        except ValueError as exc:
            raise CheckFailure(
                f"{FUNCTION}(pos_scores, neg_scores, k={k}) raised ValueError({str(exc)!r}), but "
                "any k >= 1 is valid (k beyond the M + 1 candidates counts every user as a hit)."
            ) from None


def test_near_equal_float64_scores() -> None:
    """float64 scores that differ by 1e-10 are ranked exactly"""
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
    """Scores as large as ±1e5 are ranked like any others"""
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
    """Scores that require grad (a model's output) work"""
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
                f"{FUNCTION}(pos_scores, neg_scores, 3) raised {type(exc).__name__}: {exc}\n"
                f"{learner_traceback(exc)}\n  inputs:   scores straight from a model, with "
                f"requires_grad=True ({str(dtype).removeprefix('torch.')})\n"
                "  A metric must accept a model's scores as they are: call .detach() before "
                ".numpy() (or compare the tensors directly)."
            ) from None


def test_new_tensors_on_the_inputs_device() -> None:
    """Tensors your code creates live on the inputs' device"""
    g = seeded(48)
    pos = torch.randn(4, generator=g).to(DEVICE)
    neg = torch.randn(4, 6, generator=g).to(DEVICE)
    expect_device_following(
        f"{FUNCTION}(pos_scores, neg_scores, 3)", lambda: mine()(pos.clone(), neg.clone(), 3)
    )
