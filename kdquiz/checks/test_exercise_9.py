"""Hidden checks for exercise_9: `relaxed_ranking_loss`, the relaxed ranking distillation of
DE-RRD (Kang et al., CIKM 2020).

Expected values come from the reference solution, computed in float64 and cast to the inputs'
dtype. Each common mistake of the curriculum is recomputed here (`_mistaken_loss`) on the same
inputs, so that a wrong value is reported together with the mistake that produces it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from kdquiz.checks.support import (
    DEVICE,
    DTYPES,
    CheckFailure,
    expect,
    expect_close,
    expect_finite,
    expect_unchanged,
    fmt,
    is_close,
    learner,
    named_mistakes,
    randn,
    reference,
    require_function,
    seeded,
    teacher_ignored,
    tolerances,
)

EXERCISE = "exercise_9"
FUNCTION = "relaxed_ranking_loss"


# --------------------------------------------------------------------------------------------
# Getting the function


def _function(module: object, where: str) -> Callable[..., torch.Tensor]:
    return require_function(module, FUNCTION, "(interesting, uninteresting)", where, None, None)


def mine() -> Callable[..., torch.Tensor]:
    return _function(learner(EXERCISE), f"exercises/{EXERCISE}.py")


def ref() -> Callable[..., torch.Tensor]:
    return _function(reference(EXERCISE), f"solutions/{EXERCISE}.py")


# --------------------------------------------------------------------------------------------
# The common mistakes, in a learner's words, and the value each one produces.

MISTAKES = {
    "full_softmax": "every step uses the full softmax denominator over all K interesting items "
    "(and the uninteresting ones); step k's denominator holds only the items not placed yet, "
    "s_k..s_K, plus the uninteresting items",
    "no_uninteresting": "the uninteresting items are left out of the denominators; each step's "
    "denominator is Σ_{i>=k} exp(s_i) + Σ_j exp(u_j), which is what pushes the interesting "
    "items above the uninteresting ones",
    "wrong_end": "the cumulative sum runs from the wrong end: step k's denominator holds items "
    "1..k (those ranked above it) instead of k..K (or the list is read in reverse order); flip "
    "before and after torch.logcumsumexp, or sum over interesting[:, k:]",
    "exclusive": "step k's denominator leaves out item k itself; it sums over i = k..K, item k "
    "included",
    "full_pl": "the uninteresting items are ranked too (a full Plackett–Luce over all K + L items "
    "in the given order); they only join each step's denominator as a set, their order must not "
    "matter",
    "uninteresting_once": "the uninteresting items join only the first step's denominator; they "
    "join every step's denominator",
    "sum_users": "the per-user losses are summed over the batch instead of averaged over the users",
    "mean_over_k": "the K steps of a user are averaged instead of summed; the negative "
    "log-likelihood of the permutation is the sum of its steps",
    "sign": "the sign is flipped: the loss is −Σ_k [s_k − log(...)], the negative "
    "log-likelihood (it is never negative)",
    "sorted_interesting": "the interesting scores are sorted (by the student's own scores) "
    "before use; their order is the teacher's and must be kept as given",
    "float32_inside": "the loss is computed in float32 for float64 inputs (a .float() cast or "
    "a float32 constant that pulls the computation down); compute in the inputs' dtype",
    "uninteresting_detached": "no gradient flows into the uninteresting scores; they are the "
    "student's scores too, and pushing them down is half of what the loss teaches",
}
GRADIENT_ONLY = {"uninteresting_detached", "float32_inside"}
ORDER_BLIND = ("full_softmax", "sorted_interesting")  # mistakes that ignore the teacher's order


def _mistaken_loss(s: torch.Tensor, u: torch.Tensor, mistake: str = "") -> torch.Tensor:
    """relaxed_ranking_loss with one common mistake (or none), in float64.

    Differentiable with respect to inputs that require grad.
    """
    if mistake == "float32_inside":
        return ref()(s.detach().float(), u.detach().float()).double()
    s, u = s.double(), u.double()
    if mistake == "uninteresting_detached":
        u = u.detach()
    if mistake == "sorted_interesting":
        s = s.sort(dim=-1, descending=True).values
    if mistake == "full_pl":
        x = torch.cat([s, u], dim=-1)
        log_den = torch.logcumsumexp(x.flip(-1), dim=-1).flip(-1)
        per_user = -(x - log_den).sum(-1)
    else:
        k = s.shape[-1]
        rest = torch.logsumexp(u, dim=-1, keepdim=True).expand(-1, k)
        if mistake == "uninteresting_once":
            rest = torch.cat([rest[:, :1], torch.full_like(rest[:, 1:], float("-inf"))], -1)
        if mistake == "no_uninteresting":
            rest = torch.full_like(rest, float("-inf"))
        if mistake == "full_softmax":
            remaining = torch.logsumexp(s, dim=-1, keepdim=True).expand(-1, k)
        elif mistake == "wrong_end":
            remaining = torch.logcumsumexp(s, dim=-1)
        elif mistake == "exclusive":
            tail = torch.logcumsumexp(s.flip(-1), dim=-1).flip(-1)
            remaining = torch.cat([tail[:, 1:], torch.full_like(tail[:, :1], float("-inf"))], -1)
        else:
            remaining = torch.logcumsumexp(s.flip(-1), dim=-1).flip(-1)
        terms = s - torch.logaddexp(remaining, rest)
        per_user = -(terms.mean(-1) if mistake == "mean_over_k" else terms.sum(-1))
    if mistake == "sign":
        per_user = -per_user
    return per_user.sum() if mistake == "sum_users" else per_user.mean()


def _named(
    values: dict[str, torch.Tensor], expected: torch.Tensor, first: str = ""
) -> dict[str, torch.Tensor]:
    """{description: value}, `first` first; mistakes that coincide on these inputs share a line,
    and a mistake that gives the right value here (or a non-finite one) is left out."""
    # Tight tolerances: a mistake as near the right value as float32 rounding stays a candidate
    # (expect_close names it only if it reproduces the learner's value better than the right one).
    return named_mistakes(values, MISTAKES, first, correct=expected, rtol=1e-12, atol=1e-15)


def _mistakes(s, u, first: str = "") -> dict[str, torch.Tensor]:
    """The value of every common mistake on these inputs, in the inputs' dtype."""
    with torch.no_grad():
        values = {
            m: _mistaken_loss(s, u, m).to(s.dtype)
            for m in ["", *MISTAKES]
            if m not in GRADIENT_ONLY
        }
        if s.dtype == torch.float64:
            values["float32_inside"] = _mistaken_loss(s, u, "float32_inside")
    return _named(values, values.pop(""), first)


def _gradient_mistakes(s, u) -> dict[str, torch.Tensor]:
    """The concatenated gradient (interesting, uninteresting) each mistake produces."""
    values = {}
    for mistake in ["", *MISTAKES]:
        if mistake == "float32_inside":
            continue
        leaves = [x.detach().double().requires_grad_(True) for x in (s, u)]
        loss = _mistaken_loss(*leaves, mistake)
        grads = torch.autograd.grad(loss, leaves, allow_unused=True)
        flat = [
            (torch.zeros_like(x) if g is None else g).reshape(-1)
            for g, x in zip(grads, leaves, strict=True)
        ]
        values[mistake] = torch.cat(flat).to(s.dtype)
    return _named(values, values.pop(""))


# --------------------------------------------------------------------------------------------
# Inputs, expected values and tolerances


def _inputs(batch: int, k: int, n_u: int, dtype: torch.dtype, seed: int, scale: float = 2.0):
    """Seeded (interesting, uninteresting) on DEVICE."""
    g = seeded(seed)
    s = randn(batch, k, dtype=dtype, scale=scale, generator=g)
    u = randn(batch, n_u, dtype=dtype, scale=scale, generator=g)
    return s, u


def _tensor(rows, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.tensor(rows, dtype=dtype, device=DEVICE)


def _expected(s, u) -> torch.Tensor:
    """The reference's value, computed in float64 and cast to the inputs' dtype."""
    with torch.no_grad():
        return ref()(s.double(), u.double()).to(s.dtype)


def _tolerance(s, u) -> dict[str, float]:
    """Contract tolerances; atol grows with the size of the terms that are summed (float32
    rounds a score of 1e3 to about 6e-5)."""
    rtol, atol = tolerances(s.dtype)
    s64, u64 = s.double(), u.double()
    log_den = torch.logaddexp(
        torch.logcumsumexp(s64.flip(-1), -1).flip(-1), torch.logsumexp(u64, -1, keepdim=True)
    )
    size = float((s64.abs() + log_den.abs()).sum(-1).mean())
    scale = 1e-6 if s.dtype == torch.float32 else 1e-12
    return {"rtol": rtol, "atol": max(atol, scale * size)}


def _show(s, u) -> str:
    return f"interesting={fmt(s, 3)}, uninteresting={fmt(u, 3)}"


def _call(s, u):
    """The learner's loss on fresh copies."""
    return mine()(s.clone(), u.clone())


def _swapped(s: torch.Tensor) -> torch.Tensor | None:
    """`s` with two neighbouring interesting items swapped in every row (the first pair whose
    scores differ in all rows), or None when there is no such pair."""
    for k in range(s.shape[-1] - 1):
        if bool((s[:, k] != s[:, k + 1]).all()):
            order = list(range(s.shape[-1]))
            order[k], order[k + 1] = k + 1, k
            return s[:, torch.tensor(order, device=s.device)]
    return None


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when two scalars agree to float64 rounding: nothing they depend on has changed."""
    x, y = float(a.detach().double()), float(b.detach().double())
    return x == y or (math.isfinite(x) and abs(x - y) <= 1e-12 * max(1.0, abs(y)))


def _expect_teacher_order_matters(s, u, got, what: str) -> None:
    """Fail with the teacher-ignored message when swapping two interesting items (changing the
    teacher's order) leaves the learner's loss unchanged."""
    swapped = _swapped(s)
    if swapped is None or not isinstance(got, torch.Tensor) or got.numel() != 1:
        return
    try:
        other = _call(swapped, u)
    except Exception:  # noqa: BLE001 - the other checks report the learner's errors
        return
    if not (isinstance(other, torch.Tensor) and other.numel() == 1 and _same(other, got)):
        return
    failure = teacher_ignored(
        what,
        "two neighbouring interesting items were swapped (the teacher's order changed: "
        f"interesting={fmt(s, 3)} became {fmt(swapped, 3)}, uninteresting={fmt(u, 3)}); the "
        "order of the interesting items is the teacher's ranking and the loss must follow it",
    )
    for mistake in ORDER_BLIND:
        if is_close(got, _mistaken_loss(s, u, mistake).to(s.dtype), **_tolerance(s, u)):
            raise CheckFailure(f"{failure}\n  Your value matches this: {MISTAKES[mistake]}.")
    raise failure


def _check_value(s, u, first: str = "", what: str = f"{FUNCTION}(interesting, uninteresting)"):
    """Compare the learner's loss with the reference, naming the likely mistake."""
    got = _call(s, u)
    expected = _expected(s, u)
    tolerance = _tolerance(s, u)
    try:
        expect_close(got, expected, what=what, **tolerance)
    except CheckFailure:
        pass  # the mistakes are only worth computing when the value is wrong
    else:
        return got
    # The teacher's order must matter: that diagnosis comes before any numeric one.
    _expect_teacher_order_matters(s, u, got, what)
    expect_close(
        got,
        expected,
        what=what,
        inputs=_show(s, u),
        mistakes=_mistakes(s, u, first),
        **tolerance,
    )
    return got


def _backward(loss, leaves, names) -> None:
    """loss.backward(), failing with a clear message when an input gets no gradient."""
    expect(
        isinstance(loss, torch.Tensor) and loss.requires_grad,
        f"{FUNCTION}'s result does not require grad, so the student cannot learn from it; do "
        "not detach the scores, compute under torch.no_grad(), or build the result from Python "
        "numbers (.item()).",
    )
    loss.backward()
    for name, leaf in zip(names, leaves, strict=True):
        if leaf.grad is None and leaf.numel() > 0:
            hint = (
                f"\n  Likely mistake: {MISTAKES['uninteresting_detached']}."
                if name == "uninteresting"
                else ""
            )
            raise CheckFailure(f"{name}.grad is None after loss.backward().{hint}")


# --------------------------------------------------------------------------------------------
# The checks


@DTYPES
def test_returns_a_scalar_of_the_inputs_dtype(dtype: torch.dtype) -> None:
    """relaxed_ranking_loss returns a scalar in the inputs' dtype and device"""
    s, u = _inputs(3, 4, 5, dtype, seed=1)
    got = _call(s, u)
    expect(
        isinstance(got, torch.Tensor),
        f"{FUNCTION} should return a torch.Tensor (so that loss.backward() works), got "
        f"{type(got).__name__}; do not call .item() on the result.",
    )
    expect(
        got.dim() == 0,
        f"{FUNCTION} should return a 0-dim (scalar) tensor, got shape {tuple(got.shape)}. Sum "
        "over the K steps of each user and average over the users.",
    )
    expect(
        got.dtype == dtype,
        f"{FUNCTION} returned dtype {got.dtype} for {dtype} inputs; the result must keep the "
        "inputs' dtype.",
    )
    expect(
        got.device == s.device,
        f"{FUNCTION} returned a tensor on {got.device} for inputs on {s.device}; create any new "
        "tensor on the inputs' device.",
    )
    _check_value(s, u)


def test_task_example() -> None:
    """The task's example: interesting [[2, 1]], uninteresting [[0]] gives about 0.721"""
    _check_value(_tensor([[2.0, 1.0]]), _tensor([[0.0]]), first="wrong_end")


def test_each_step_competes_with_the_items_below_it() -> None:
    """Step k's denominator holds the interesting items k..K, not all K"""
    s, u = _inputs(2, 5, 3, torch.float64, seed=2)
    _check_value(s, u, first="full_softmax")


def test_cumulative_sum_runs_from_the_end_of_the_list() -> None:
    """Step k's denominator holds the items ranked at or below k (k..K), not above it"""
    # Scores that disagree with the teacher's order, so that both ends differ clearly.
    s = _tensor([[0.5, 2.0, -1.0, 1.0], [-0.3, 0.8, 1.5, 0.1]])
    u = _tensor([[0.2, -0.7], [1.1, -1.4]])
    _check_value(s, u, first="wrong_end")


def test_uninteresting_items_join_every_step() -> None:
    """The uninteresting items join every step's denominator"""
    s, u = _inputs(2, 3, 4, torch.float64, seed=3)
    u = u + 1.0  # competitive uninteresting items: leaving them out changes the value clearly
    _check_value(s, u, first="no_uninteresting")


def test_uninteresting_order_does_not_matter() -> None:
    """The order of the uninteresting items does not matter"""
    fn = mine()
    s, u = _inputs(2, 3, 5, torch.float64, seed=4)
    permuted = u[:, torch.tensor([3, 0, 4, 2, 1], device=DEVICE)]
    first = fn(s.clone(), u.clone())
    second = fn(s.clone(), permuted.clone())
    if isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor):
        if first.numel() == 1 and second.numel() == 1:
            if not is_close(second, first, **_tolerance(s, u)):
                hint = ""
                full_pl = _mistaken_loss(s, u, "full_pl")
                if is_close(first, full_pl, **_tolerance(s, u)):
                    hint = f"\n  Likely mistake: {MISTAKES['full_pl']}."
                raise CheckFailure(
                    f"{FUNCTION} changes when the uninteresting items of each user are permuted: "
                    f"{fmt(first)} for uninteresting={fmt(u, 3)}, {fmt(second)} for the same "
                    f"items in another order {fmt(permuted, 3)} (interesting={fmt(s, 3)}). The "
                    f"uninteresting items are a set, not a ranking.{hint}"
                )
    _check_value(s, u, first="full_pl")
    _check_value(s, permuted, first="full_pl")


def test_interesting_items_keep_the_teachers_order() -> None:
    """The interesting items are used in the order given (the teacher's), not re-sorted"""
    s = _tensor([[-1.0, 0.5, 2.0], [1.0, 3.0, -2.0]])
    u = _tensor([[0.0, 0.3], [-0.5, 0.2]])
    _check_value(s, u, first="sorted_interesting")


def test_steps_summed_and_users_averaged() -> None:
    """Each user's K steps are summed, and the users are averaged"""
    s, u = _inputs(3, 4, 2, torch.float64, seed=5)
    _check_value(s, u, first="mean_over_k")
    _check_value(s, u, first="sum_users")


@DTYPES
def test_no_uninteresting_items(dtype: torch.dtype) -> None:
    """Works with no uninteresting items (L = 0): only the interesting order counts"""
    fn = mine()
    s, _ = _inputs(2, 4, 0, dtype, seed=6)
    u = torch.zeros(2, 0, dtype=dtype, device=DEVICE)
    what = f"{FUNCTION}(interesting, uninteresting of shape (2, 0))"
    got = _check_value(s, u, what=what)
    expect_finite(got, f"{what} is not finite: {fmt(got)}.")
    # One interesting item and nothing to compete with: probability 1, loss 0.
    one = s[:, :1]
    _check_value(one, u, what=f"{FUNCTION}(interesting of shape (2, 1), uninteresting (2, 0))")
    leaves = [s.clone().requires_grad_(True), u.clone().requires_grad_(True)]
    _backward(fn(*leaves), leaves, ("interesting", "uninteresting"))
    expect_finite(
        leaves[0].grad,
        f"The gradient with respect to interesting is not finite when L = 0: "
        f"{fmt(leaves[0].grad)}.\n  Likely mistake: a log of an empty sum, log(0) = -inf; "
        "torch.logsumexp over an empty dim gives -inf, and torch.logaddexp(x, -inf) = x.",
    )


def test_teacher_order_matters() -> None:
    """The order of the interesting items (the teacher's ranking) changes the loss"""
    s, u = _inputs(3, 4, 3, torch.float64, seed=11)
    what = f"{FUNCTION}(interesting, uninteresting)"
    got = _call(s, u)
    expect(
        isinstance(got, torch.Tensor) and got.numel() == 1,
        f"{what} should return a 0-dim tensor, got {fmt(got)}.",
    )
    _expect_teacher_order_matters(s, u, got, what)
    # Scores already in the teacher's order and scores against it: both must be right.
    ordered = s.sort(dim=-1, descending=True).values
    _check_value(ordered, u, first="sorted_interesting")
    _check_value(ordered.flip(-1), u, first="sorted_interesting")


def test_square_inputs() -> None:
    """Batches as large as K and L (B = K = L) sum over each user's own items"""
    s, u = _inputs(3, 3, 3, torch.float64, seed=12)
    _check_value(s, u)
    s, u = _inputs(4, 4, 1, torch.float32, seed=13)
    _check_value(s, u)


# No device-following check on the meta device: the first operation on a meta tensor imports
# torch._dynamo (its meta registrations), which takes seconds, far over this suite's budget.
# Under KDQUIZ_DEVICE=cuda every check runs on the GPU and checks the result's device.


def _scaled_down(s, u):
    """(learner's value or None, reference value) on the same scores scaled to magnitude 3."""
    small_s, small_u = s * 3e-3, u * 3e-3
    expected = _expected(small_s, small_u)
    try:
        got = _call(small_s, small_u)
    except Exception:  # noqa: BLE001 - the other checks report the learner's errors
        return None, expected
    if not isinstance(got, torch.Tensor) or got.numel() != 1:
        return None, expected
    return got.detach(), expected


@DTYPES
def test_stable_for_scores_of_1e3(dtype: torch.dtype) -> None:
    """Scores of ±1e3 give a finite loss, the right value and finite gradients"""
    fn = mine()
    big = 1e3
    s = _tensor(
        [[big, big, big], [big, -big, -big], [-big, 500.0, big]],
        dtype,
    )
    u = _tensor([[big, -big], [-big, -big], [0.0, big]], dtype)
    inputs = _show(s, u)
    leaves = [s.clone().requires_grad_(True), u.clone().requires_grad_(True)]
    loss = fn(*leaves)
    value = loss.detach() if isinstance(loss, torch.Tensor) else torch.tensor(loss)
    if not bool(torch.isfinite(value).all()):
        # Only an unstable formula when the same code is right on the same scores scaled down.
        small, small_expected = _scaled_down(s, u)
        if small is None or not is_close(small, small_expected, rtol=1e-3, atol=1e-5):
            raise CheckFailure(
                f"{FUNCTION} is not finite for scores of ±1e3: got {fmt(value)}.\n  inputs:   "
                f"{inputs}"
            )
        raise CheckFailure(
            f"{FUNCTION} is not finite for scores of ±1e3: got {fmt(value)}.\n  inputs:   "
            f"{inputs}\n  Likely mistake: exp of the raw scores, "
            "torch.log(torch.exp(x).cumsum(...)) (exp(1000) = inf), or one maximum "
            "subtracted for the whole row (exp(-2000) = 0 and log(0) = -inf at a step whose "
            "remaining items all lie far below it); stay in log-space with "
            "torch.logcumsumexp, torch.logsumexp and torch.logaddexp."
        )
    expected = _expected(s, u)
    tolerance = _tolerance(s, u)
    if not is_close(value, expected, **tolerance):
        _expect_teacher_order_matters(s, u, value, f"{FUNCTION}(...) for scores of ±1e3")
        small, small_expected = _scaled_down(s, u)
        # Not a clamp or an eps when float32 rounding (float64 inputs computed in float32)
        # explains the value; the mistakes below then say so.
        far_off = s.dtype != torch.float64 or not is_close(
            value, _mistaken_loss(s, u, "float32_inside"), **tolerance
        )
        if far_off and small is not None and is_close(small, small_expected, rtol=1e-3, atol=1e-5):
            raise CheckFailure(
                f"{FUNCTION} is right for small scores but wrong for scores of ±1e3.\n  inputs:   "
                f"{inputs}\n  expected: {fmt(expected)}\n  got:      {fmt(value)}\n  Likely "
                "mistake: an eps inside a log, clamped scores, or one maximum subtracted for the "
                "whole row before exp (exp(-2000) underflows to 0, so a step whose remaining "
                "items all lie far below the row's maximum loses them): finite, but wrong; stay "
                "in log-space with torch.logcumsumexp, torch.logsumexp and torch.logaddexp."
            )
    expect_close(
        value,
        expected,
        what=f"{FUNCTION}(...) for scores of ±1e3",
        inputs=inputs,
        mistakes=_mistakes(s, u),
        **tolerance,
    )
    _backward(loss, leaves, ("interesting", "uninteresting"))
    for name, leaf in zip(("interesting", "uninteresting"), leaves, strict=True):
        expect_finite(
            leaf.grad,
            f"The gradient with respect to {name} is not finite for scores of ±1e3: "
            f"{fmt(leaf.grad)}.\n  inputs:   {inputs}\n  Likely mistake: an exp that overflows "
            "or a log of 0 somewhere in the graph; stay in log-space.",
        )
    ref_leaves = [x.detach().double().requires_grad_(True) for x in (s, u)]
    ref()(*ref_leaves).backward()
    expect_close(
        torch.cat([leaf.grad.reshape(-1) for leaf in leaves]),
        torch.cat([leaf.grad.reshape(-1) for leaf in ref_leaves]).to(dtype),
        what=f"The gradient of {FUNCTION} for scores of ±1e3 with respect to (interesting, "
        "uninteresting), flattened and concatenated",
        inputs=inputs,
        # float32 rounds 1e3 to about 6e-5, and each softmax weight inherits that error.
        atol=1e-3 if dtype == torch.float32 else None,
    )


@DTYPES
def test_gradients_reach_both_inputs(dtype: torch.dtype) -> None:
    """Both inputs get the right gradients"""
    fn = mine()
    s, u = _inputs(3, 4, 3, dtype, seed=7)
    leaves = [s.clone().requires_grad_(True), u.clone().requires_grad_(True)]
    _backward(fn(*leaves), leaves, ("interesting", "uninteresting"))
    ref_leaves = [x.detach().double().requires_grad_(True) for x in (s, u)]
    ref()(*ref_leaves).backward()
    expect_close(
        torch.cat([leaf.grad.reshape(-1) for leaf in leaves]),
        torch.cat([leaf.grad.reshape(-1) for leaf in ref_leaves]).to(dtype),
        what=f"The gradient of {FUNCTION} with respect to (interesting, uninteresting), "
        "flattened and concatenated",
        inputs=_show(s, u),
        mistakes=_gradient_mistakes(s, u),
    )


def test_batch_of_one() -> None:
    """One user with one interesting and one uninteresting item works"""
    s, u = _inputs(1, 1, 1, torch.float32, seed=8)
    _check_value(s, u)


def test_inputs_are_not_modified() -> None:
    """The inputs are not modified in place"""
    fn = mine()
    s, u = _inputs(2, 4, 3, torch.float32, seed=9)
    expect_unchanged({"interesting": s, "uninteresting": u}, lambda: fn(s, u))


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
@settings(max_examples=25, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    batch=st.integers(1, 4),
    k=st.integers(1, 6),
    n_u=st.integers(0, 6),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    scale=st.sampled_from([0.5, 2.0, 8.0, 60.0]),
    seed=st.integers(0, 2**16),
)
def test_matches_reference_on_random_inputs(
    batch: int,
    k: int,
    n_u: int,
    dtype: torch.dtype,
    scale: float,
    seed: int,
) -> None:
    """Matches the reference on random shapes (L = 0 included), dtypes and scales"""
    s, u = _inputs(batch, k, n_u, dtype, seed, scale)
    _check_value(s, u)
