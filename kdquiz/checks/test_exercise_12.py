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
    seeded,
    teacher_ignored,
)

EXAMPLE_STRAY = "torch.arange(1, K + 1)"
"""A tensor a learner may build without device= here (named when the result is off-device)."""

EXERCISE = "exercise_12"
DEFAULT_GAMMAS = (0.3, 0.5, 0.1)

# --------------------------------------------------------------------------------------------
# Part 1: the weights. Common mistakes, in a learner's words, and the value each one produces.

WEIGHT_MISTAKES = {
    "pos_increasing": "the position weights grow with the rank; they decay, w_p ∝ exp(−r / lam), "
    "so the teacher's first item weighs most",
    "pos_lam_times": "the position weights use exp(−r · lam); the rank is divided by lam, "
    "exp(−r / lam)",
    "pos_no_lam": "the position weights ignore lam (exp(−r) instead of exp(−r / lam))",
    "pos_uniform": "the position weights are uniform; they decay as exp(−r / lam)",
    "pos_unnormalised": "the position weights are not normalised over the K items before they "
    "are combined (divide exp(−r / lam) by its sum over r = 1..K)",
    "conf_sign": "the distance's sign is flipped: a lower distance means a more confident "
    "teacher, so w_c ∝ exp(−d), softmax(−d), not softmax(d)",
    "conf_distance": "the distance itself is used as the confidence; the confidence is "
    "exp(−d) normalised per user, softmax(−d, dim=-1)",
    "conf_dim0": "the confidence softmax runs over dim 0 (the users) instead of each user's K "
    "items (dim=-1)",
    "conf_unnormalised": "the confidence weights exp(−d) are not normalised per user before "
    "they are combined (use softmax(−d, dim=-1))",
    "conf_batch": "the confidence weights are normalised over the whole batch instead of per "
    "user (softmax(−d, dim=-1), each user's row summing to 1)",
    "cons_positional": "consistency compares positions (teacher_topk[b, r] == "
    "student_topk[b, r]); an item is consistent when it appears anywhere in the student's top-K",
    "cons_bottom": "the student's top-K is taken from its lowest scores (topk(largest=False) or "
    "an ascending argsort); take the K highest: student_scores.topk(K, dim=-1).indices",
    "cons_inverted": "the consistency weight is 1 for items NOT in the student's top-K; it is 1 "
    "for items the student also ranks in its top-K",
    "cons_any_user": "each user's teacher items are looked up in the top-K lists of the whole "
    "batch (torch.isin(teacher_topk, student_topk) flattens its second argument); compare them "
    "with that same user's top-K only",
    "cons_all_ones": "every teacher item gets consistency 1; it is 1 only for the items that "
    "are also in the student's own top-K (of student_scores)",
    "no_final_norm": "the combined weights are not normalised: divide each row by its sum so "
    "that every user's weights sum to 1",
    "final_norm_dim0": "the combined weights are normalised over the users (dim 0) instead of "
    "within each row",
    "cons_float32": "the student's scores are rounded (e.g. cast to float32 with .float()) "
    "before its top-K is taken, so scores closer than float32 can tell tie; rank "
    "student_scores as they are",
    "cons_eps_tiebreak": "the student's scores get an epsilon tie-break (scores − 1e-6·index) "
    "before its top-K is taken, which reorders scores closer than that; take "
    "student_scores.topk(K) as it is",
}
for _order in itertools.permutations(range(3)):
    if _order != (0, 1, 2):
        _terms = " + ".join(
            f"{g}·{('w_p', 'w_c', 'w_o')[j]}"
            for g, j in zip("γ_p γ_c γ_o".split(), _order, strict=True)
        )
        WEIGHT_MISTAKES[f"gammas_{''.join(map(str, _order))}"] = (
            f"the gammas are applied to the wrong weights ({_terms}); gammas = (γ_p, γ_c, γ_o) "
            "weigh position, confidence and consistency, in that order"
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


NUDGED_DISTANCES = "the teacher's distances were changed slightly (d·1.1 + 0.05, same order)"


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
    """Position weights decay as exp(−r / lam) over the teacher's list"""
    topk, dist, scores = _weight_inputs(2, 4, 9, torch.float64, seed=1)
    _check_weights(topk, dist, scores, lam=2.0, gammas=(1.0, 0.0, 0.0), first="pos_lam_times")


def test_confidence_weights() -> None:
    """Confidence weights are softmax(−distance) over each user's K items"""
    topk, dist, scores = _weight_inputs(3, 4, 9, torch.float64, seed=2, dist_scale=3.0)
    _check_weights(topk, dist, scores, lam=1.0, gammas=(0.0, 1.0, 0.0), first="conf_sign")


def test_consistency_weights() -> None:
    """Consistency is 1 for teacher items in the student's own top-K"""
    topk, dist, scores = _fixed_lists()
    _check_weights(topk, dist, scores, lam=1.0, gammas=(0.0, 0.0, 1.0), first="cons_positional")
    # Without position weights, float64 weights are held to the contract's 1e-9.
    _check_weights(topk, dist, scores, lam=1.0, gammas=(0.0, 0.7, 0.3))
    for dtype in (torch.float32, torch.float64):
        topk, dist, scores = _weight_inputs(3, 3, 7, dtype, seed=3)
        _check_weights(topk, dist, scores, lam=1.0, gammas=(0.1, 0.0, 1.0), first="cons_bottom")


def test_weights_combined_and_normalised() -> None:
    """The gammas combine position, confidence and consistency; each row sums to 1"""
    topk, dist, scores = _fixed_lists()
    # User 1's distances are larger: the per-user normalisation of the confidence matters.
    dist = dist * torch.tensor([[1.0], [2.0]], dtype=dist.dtype, device=DEVICE)
    _check_weights(topk, dist, scores, lam=1.0, gammas=DEFAULT_GAMMAS, first="conf_unnormalised")
    _check_weights(topk, dist, scores, lam=0.7, gammas=(0.6, 0.25, 0.15), first="gammas_102")
    got = _call_weights(topk, dist, scores, 1.0, DEFAULT_GAMMAS)
    sums = got.detach().sum(dim=-1)
    expect(
        is_close(sums, torch.ones_like(sums)),
        f"The rows of importance_aware_weights(...) sum to {fmt(sums)}, expected 1 for every "
        f"user.\n  Likely mistake: {WEIGHT_MISTAKES['no_final_norm']}.",
    )


def test_confidence_normalised_per_user() -> None:
    """Shifting one user's distances by a constant changes no weight"""
    fn = learner(EXERCISE).importance_aware_weights
    topk, dist, scores = _weight_inputs(3, 4, 10, torch.float64, seed=4)
    shifted = dist + torch.tensor([[2.0], [-0.5], [0.0]], dtype=dist.dtype, device=DEVICE)
    before = fn(topk.clone(), dist.clone(), scores.clone(), lam=1.0, gammas=DEFAULT_GAMMAS)
    after = fn(topk.clone(), shifted.clone(), scores.clone(), lam=1.0, gammas=DEFAULT_GAMMAS)
    expect(
        isinstance(before, torch.Tensor) and isinstance(after, torch.Tensor),
        "importance_aware_weights should return a torch.Tensor.",
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
            f"Likely mistake: {'; or: '.join(found)}."
            if found
            else "No common mistake reproduces these weights; compute the confidence as "
            "softmax(−d) over each user's K items (dim=-1)."
        )
        raise CheckFailure(
            "Adding a constant to one user's distances changed the weights, but softmax(−d) "
            "over that user's K items does not depend on such a shift.\n"
            f"  inputs:   {_show_weights(topk, dist, scores, 1.0, DEFAULT_GAMMAS)}\n"
            f"  shifted:  teacher_distance + [[2.0], [-0.5], [0.0]]\n"
            f"  before:   {fmt(before)}\n  after:    {fmt(after)}\n  {hint}"
        )
    _check_weights(topk, shifted, scores, 1.0, DEFAULT_GAMMAS)


@pytest.mark.parametrize(
    "dtypes",
    [(torch.float32, torch.float64), (torch.float64, torch.float32)],
    ids=["float32 scores", "float64 scores"],
)
def test_weights_detached_in_scores_dtype(dtypes) -> None:
    """The weights carry no gradient and have student_scores' dtype"""
    scores_dtype, dist_dtype = dtypes
    topk, dist, scores = _weight_inputs(2, 3, 8, torch.float64, seed=5)
    dist = dist.to(dist_dtype).requires_grad_(True)
    scores = scores.to(scores_dtype).requires_grad_(True)
    fn = learner(EXERCISE).importance_aware_weights
    got = fn(topk, dist, scores, lam=1.0, gammas=DEFAULT_GAMMAS)
    expect(isinstance(got, torch.Tensor), "importance_aware_weights should return a tensor.")
    expect(
        not got.requires_grad,
        "importance_aware_weights returned weights that require grad (teacher_distance and "
        "student_scores required grad).\n  Likely mistake: the weights are not detached; they "
        "are fixed targets, so compute them under torch.no_grad() or return w.detach().",
    )
    _judge_weights(
        got,
        topk,
        dist.detach(),
        scores.detach(),
        1.0,
        DEFAULT_GAMMAS,
        what=f"importance_aware_weights with {scores_dtype} scores and {dist_dtype} distances",
        # A float32 distance carries float32 rounding into a float64 result.
        rtol=1e-6,
        atol=1e-7,
    )


def test_invalid_gammas_raise_value_error() -> None:
    """Negative gammas, or gammas summing to 0, raise ValueError"""
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
                f"importance_aware_weights(..., gammas={gammas}) raised ValueError({str(exc)!r}), "
                "but a gamma may be 0 as long as none is negative and they do not all vanish."
            ) from None


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
    """Left out, lam is 1.0 and gammas are (0.3, 0.5, 0.1)"""
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
                    f"{what} returned the wrong weights, although the same call with "
                    f"lam={lam:g}, gammas=(0.3, 0.5, 0.1) written out returns the right ones."
                    f"\n  expected: {fmt(expected)}\n  got:      {fmt(got)}\n  Likely mistake: "
                    "the defaults in your signature are not the task's: lam: float = 1.0, "
                    "gammas = (0.3, 0.5, 0.1)."
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
    hint = ""
    if not bool(torch.isfinite(naive).all()):
        hint = f"\n  Likely mistake: {naive_words}."
    raise CheckFailure(f"{what} returned {fmt(value)}: not finite.\n  inputs:   {inputs}{hint}")


NAIVE_CONFIDENCE = (
    "exp(−d) / Σ exp(−d) underflows to 0 / 0 = NaN when every distance is large (exp(−150) is 0 "
    "in float32, exp(−800) in float64); use torch.softmax(−d, dim=-1), which subtracts the "
    "row's largest value first"
)
NAIVE_POSITION = (
    "exp(−r / lam) / Σ exp(−r / lam) underflows to 0 / 0 = NaN for a small lam (exp(−1 / 0.005) "
    "is 0 in float32); use torch.softmax(−r / lam, dim=0)"
)


@DTYPES
def test_weights_extreme_distances_and_lam(dtype: torch.dtype) -> None:
    """Distances of 150 to 800, lam down to 0.001 and scores of ±1e5 give the right weights"""
    topk, dist, scores = _weight_inputs(3, 5, 11, dtype, seed=32, dist_scale=4.0)
    scores = scores * 6e4  # magnitude up to 1e5, still without ties
    for base in (150.0, 800.0):
        far = dist + base
        what = f"importance_aware_weights(..., gammas=(0, 1, 0)) for distances around {base:g}"
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
    """Student scores only 1e-10 apart are ranked exactly (float64)"""
    g = seeded(33)
    batch, k, items = 4, 4, 10
    topk = _topk_lists(batch, k, items, g)
    ladder = torch.stack([torch.randperm(items, generator=g) for _ in range(batch)])
    scores = (0.7 + 1e-10 * ladder.to(torch.float64)).to(DEVICE)
    dist = (torch.rand(batch, k, generator=g, dtype=torch.float64) * 2.0).to(DEVICE)
    _check_weights(topk, dist, scores, 1.0, (0.1, 0.0, 1.0), first="cons_float32")


def test_weights_follow_the_teacher() -> None:
    """The weights change when the teacher's distances change slightly"""
    topk, dist, scores = _weight_inputs(3, 4, 9, torch.float64, seed=34, dist_scale=3.0)
    before = _call_weights(topk, dist, scores, 1.0, DEFAULT_GAMMAS)
    after = _call_weights(topk, _nudged_distances(dist), scores, 1.0, DEFAULT_GAMMAS)
    if _same(before, after):
        raise teacher_ignored(
            "importance_aware_weights(..., gammas=(0.3, 0.5, 0.1))", NUDGED_DISTANCES
        )
    _check_weights(topk, _nudged_distances(dist), scores, 1.0, DEFAULT_GAMMAS)


def test_invalid_gammas_rejected_whatever_the_inputs() -> None:
    """Bad gammas raise ValueError for any inputs; any other gammas are accepted"""
    fn = learner(EXERCISE).importance_aware_weights
    one = _weight_inputs(1, 1, 1, torch.float32, seed=35)
    full = _weight_inputs(2, 3, 3, torch.float64, seed=36)  # every item in the student's top-K
    far = (full[0], full[1] + 150.0, full[2] * 1e5)
    corners = [("one user, K = I = 1", one, 1.0), ("K = I", full, 0.005), ("far", far, 0.001)]
    for label, (topk, dist, scores), lam in corners:
        for gammas in ((-0.1, 0.5, 0.1), (0.0, 0.0, 0.0), (0.5, -0.5, 0.0), (1.0, 1.0, -1e-9)):
            with expect_value_error(
                f"importance_aware_weights(..., lam={lam:g}, gammas={gammas}) ({label})", "gammas"
            ):
                fn(topk.clone(), dist.clone(), scores.clone(), lam, gammas)
        for gammas in ((2.0, 3.0, 5.0), (0.0, 0.0, 1e-3), (1e-9, 0.0, 0.0), (0.0, 4.0, 0.0)):
            call = f"importance_aware_weights(..., lam={lam:g}, gammas={gammas}) ({label})"
            try:
                got = fn(topk.clone(), dist.clone(), scores.clone(), lam, gammas)
            except ValueError as exc:
                raise CheckFailure(
                    f"{call} raised ValueError({str(exc)!r}), but gammas that are all >= 0 with "
                    "a positive sum are valid (they need not sum to 1)."
                ) from None
            _judge_weights(got, topk, dist, scores, lam, gammas, what=call)


# --------------------------------------------------------------------------------------------
# Part 2: the loss

LOSS_MISTAKES = {
    "neg_one_minus": "the negatives use log σ(1 − s); a negative's term is −log σ(−s) = "
    "−log(1 − σ(s)), so use F.logsigmoid(-s)",
    "neg_sign": "the negatives are treated as positives (−log σ(s) for them); their term is "
    "−log σ(−s)",
    "neg_omitted": "the sampled negatives are left out; each teacher item k adds "
    "−log σ(−s[neg_items[b, k]]) as well",
    "neg_unweighted": "only the positive terms are weighted; w_k multiplies both the teacher "
    "item's term and its negative's term",
    "unweighted_sum": "the loss ignores the weights (a plain sum over k); multiply each item's "
    "terms by its weight w[b, k]",
    "unweighted_mean": "the loss ignores the weights (a plain mean over k); multiply each item's "
    "terms by its weight w[b, k] and sum over k",
    "mean_k": "the weighted terms are averaged over k instead of summed (the weights already "
    "sum to 1 per user): sum over k, then average over the users",
    "sum_users": "the loss is summed over the users; average it over the B users",
    "mean_all_terms": "the loss is averaged over all 2·B·K terms (e.g. BCE with reduction="
    '"mean"); sum the weighted terms over k and average over the users',
}
LOSS_GRADIENT_ONLY = {"no_grad_pos"}
LOSS_MISTAKES["no_grad_pos"] = (
    "no gradient flows through the teacher items' scores (they are detached or gathered under "
    "torch.no_grad())"
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


NUDGED_WEIGHTS = "the weights were changed slightly (same order in each row, rows summing to 1)"


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
            raise teacher_ignored(
                what, "the teacher's items and weights were changed (other items, nudged weights)"
            ) from None
        expect_close(
            got,
            expected,
            what=what,
            inputs=_show_loss(s, topk, w, neg),
            mistakes=lambda: _loss_mistakes(s, topk, w, neg, first),
            **tolerance,
        )


def test_loss_value() -> None:
    """The loss is Σ_k w_k·(−log σ(s_pos) − log σ(−s_neg)), averaged over users"""
    s, topk, w, neg = _loss_inputs(3, 4, 10, torch.float64, seed=11)
    _check_loss(s, topk, w, neg, first="mean_k")


def test_loss_negative_term() -> None:
    """Each sampled negative adds −log σ(−s), not −log σ(1 − s)"""
    s, topk, w, neg = _loss_inputs(2, 3, 8, torch.float64, seed=12)
    _check_loss(s, topk, w, neg, first="neg_one_minus")


def test_loss_is_weighted() -> None:
    """Each teacher item's pair of terms is weighted by its weight"""
    s, topk, w, neg = _loss_inputs(2, 4, 9, torch.float64, seed=13)
    w = torch.tensor([[0.7, 0.2, 0.06, 0.04], [0.1, 0.1, 0.5, 0.3]], dtype=s.dtype, device=DEVICE)
    _check_loss(s, topk, w, neg, first="unweighted_sum")


@DTYPES
def test_loss_gradients(dtype: torch.dtype) -> None:
    """The student gets the right gradient and the weights none"""
    fn = learner(EXERCISE).importance_aware_rd_loss
    s, topk, w, neg = _loss_inputs(3, 3, 8, dtype, seed=14)
    student = s.clone().requires_grad_(True)
    weights = w.clone().requires_grad_(True)  # as if the weights still carried a graph
    loss = fn(student, topk, weights, neg)
    expect(
        isinstance(loss, torch.Tensor) and loss.requires_grad,
        "importance_aware_rd_loss returned a value without a gradient path to student_scores; "
        "the student must learn from it.",
    )
    loss.backward()
    expect(
        weights.grad is None,
        "The loss back-propagated into the weights: after loss.backward(), weights.grad is a "
        "tensor but should stay None.\n  Likely mistake: the weights are not detached; use "
        "weights.detach() in the loss, so the student cannot lower the loss by changing them.",
    )
    expect(
        student.grad is not None,
        "student_scores received no gradient from importance_aware_rd_loss.",
    )
    reference_student = s.detach().double().requires_grad_(True)
    reference(EXERCISE).importance_aware_rd_loss(
        reference_student, topk, w.double(), neg
    ).backward()
    _expect_close_naming(
        student.grad,
        reference_student.grad.to(dtype),
        what="The gradient of importance_aware_rd_loss with respect to student_scores",
        inputs=_show_loss(s, topk, w, neg),
        mistakes=lambda: _loss_gradient_mistakes(s, topk, w, neg),
    )


@DTYPES
def test_loss_stable_for_large_scores(dtype: torch.dtype) -> None:
    """Scores of magnitude 1e3 give a finite loss and finite gradients"""
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
        f"importance_aware_rd_loss is not finite for scores of magnitude 1e3: got {fmt(value)}."
        f"\n  inputs:   {inputs}\n  Likely mistake: torch.log(torch.sigmoid(x)) underflows to "
        "log(0) = -inf for x = -1e3; use F.logsigmoid(x) (and F.logsigmoid(-s) for negatives).",
    )
    loss.backward()
    expect_finite(
        student.grad,
        f"The gradient of importance_aware_rd_loss is not finite for scores of magnitude 1e3: "
        f"{fmt(student.grad)}.\n  inputs:   {inputs}\n  Likely mistake: a log of a sigmoid that "
        "underflows to 0; use F.logsigmoid.",
    )
    expected = _expected_loss(s, topk, w, neg)
    if not is_close(loss, expected):
        small = s * 3e-3  # magnitude 3: where eps or clamping makes no visible difference
        small_loss = fn(small.clone(), topk, w, neg)
        if is_close(small_loss, _expected_loss(small, topk, w, neg), rtol=1e-4, atol=1e-6):
            raise CheckFailure(
                "importance_aware_rd_loss is right for small scores but wrong for scores of "
                f"magnitude 1e3.\n  inputs:   {inputs}\n  expected: {fmt(expected)}\n"
                f"  got:      {fmt(loss)}\n  Likely mistake: the sigmoid is clamped or given "
                "an eps before the log (torch.log(torch.sigmoid(x) + eps)): finite, but "
                "log σ(x) for x = -1e3 is about -1e3, far below log(eps); use F.logsigmoid."
            )
    _expect_close_naming(
        loss,
        expected,
        what="importance_aware_rd_loss(...) at scores of magnitude 1e3",
        inputs=inputs,
        mistakes=lambda: _loss_mistakes(s, topk, w, neg),
    )


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
    """The loss changes when the teacher's items or weights change"""
    fn = learner(EXERCISE).importance_aware_rd_loss
    s, topk, w, neg = _loss_inputs(3, 4, 10, torch.float64, seed=37)
    what = "importance_aware_rd_loss(...)"
    base = fn(s.clone(), topk.clone(), w.clone(), neg.clone())
    items = fn(s.clone(), _other_items(topk, s.shape[-1]), w.clone(), neg.clone())
    if _same(base, items):
        raise teacher_ignored(what, "the teacher's items were replaced by other items")
    nudged = fn(s.clone(), topk.clone(), _nudged_weights(w), neg.clone())
    if _same(base, nudged):
        raise teacher_ignored(what, NUDGED_WEIGHTS)


def test_results_on_the_inputs_device() -> None:
    """Results are created on the inputs' device"""
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
    """The inputs of both functions are not modified in place"""
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
