"""Hidden checks for exercise_11: `rkd_distance_loss`, distance-wise RKD (Park et al., 2019).

Expected values come from the reference solution, computed in float64 and cast to the inputs'
dtype. Each common mistake of the curriculum is recomputed here (`_mistaken_rkd_loss`) on the
same inputs, so that a wrong value is reported together with the mistake that produces it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from kdquiz.checks.support import (
    DEVICE,
    DTYPES,
    CheckFailure,
    expect,
    expect_close,
    expect_unchanged,
    fmt,
    learner,
    named_mistakes,
    randn,
    reference,
    seeded,
    teacher_ignored,
    tolerances,
)

EXERCISE = "exercise_11"

# --------------------------------------------------------------------------------------------
# The common mistakes, in a learner's words, and the value each one produces.

MISTAKES = {
    "no_norm": "the distances are not divided by their mean distance; each side's distances "
    "must be normalised by its own mean off-diagonal distance, so that the embeddings' scale "
    "does not matter",
    "teacher_mean": "both sides are divided by the teacher's mean distance; the student's "
    "distances are normalised by the student's own mean distance",
    "student_mean": "both sides are divided by the student's mean distance; the teacher's "
    "distances are normalised by the teacher's own mean distance",
    "squared": "squared distances ‖x_i − x_j‖² are used instead of the Euclidean distances "
    "‖x_i − x_j‖",
    "mse": "MSE (z²) instead of the Huber loss: smooth L1 with beta=1 is ½z² for |z| < 1 and "
    "|z| − ½ above",
    "mse_half": "½z² everywhere instead of the Huber loss: smooth L1 with beta=1 turns linear, "
    "|z| − ½, for |z| >= 1",
    "l1": "L1 (|z|) instead of the Huber loss: smooth L1 with beta=1 is ½z² for |z| < 1",
    "sum": "the Huber terms are summed over the pairs instead of averaged over the N(N−1) pairs",
    "half_pairs": "the sum over all N(N−1) ordered pairs is divided by the number of unordered "
    "pairs N(N−1)/2 (average over the pairs you sum)",
    "diag_loss": "the diagonal is included in the loss's average (N² entries instead of the "
    "N(N−1) off-diagonal pairs), as when smooth_l1_loss runs on the full N×N matrix",
    "diag_mean": "the diagonal is included in the mean distance (the mean runs over N² entries "
    "instead of the N(N−1) off-diagonal pairs)",
    "diag_both": "the diagonal is included in both the mean distance and the loss's average "
    "(N² entries instead of the N(N−1) off-diagonal pairs)",
    "triu_full_mean": "the pairs are taken from the upper triangle (torch.triu) but the loss "
    "is averaged over all N² entries, so the zeros below and on the diagonal count as pairs; "
    "average over the N(N−1)/2 upper pairs only (or over all N(N−1) off-diagonal pairs)",
    "positive_mean": "the mean distance skips zero distances (d[d > 0].mean()): a duplicate "
    "row's distance 0 is a pair like any other and counts in the mean",
    "paper_code": "the mean distance skips zero distances (d[d > 0].mean()) and the loss is "
    "averaged over all N² entries, diagonal included (as in the paper's released code); here "
    "the mean and the loss run over the N(N−1) off-diagonal pairs, zero distances included",
    "huber_signed": "the Huber loss's |z| is missing: torch.where(z < 1, ...) sends every "
    "negative gap, however large, to the quadratic branch; use |z| in the test and in the "
    "linear branch (|z| − ½)",
    "huber_linear_signed": "the Huber loss's linear branch uses z instead of |z| (z − ½), so a "
    "large negative gap gives a negative term; it is |z| − ½ for |z| >= 1",
    "eps_sqrt_1e-8": "an epsilon is added inside the square root (sqrt(d² + 1e-8)): it moves "
    "every distance, the small ones most; use torch.cdist (or clamp the squared distance at a "
    "tiny value, which leaves non-zero distances alone)",
    "eps_sqrt_1e-6": "an epsilon is added inside the square root (sqrt(d² + 1e-6)): it moves "
    "every distance, the small ones most; use torch.cdist (or clamp the squared distance at a "
    "tiny value, which leaves non-zero distances alone)",
    "eps_mean_1e-8": "an epsilon is added to the mean distance (d / (mean + 1e-8)): divide by "
    "the mean itself (it is 0 only when all rows are identical, which is not allowed)",
    "eps_mean_1e-6": "an epsilon is added to the mean distance (d / (mean + 1e-6)): divide by "
    "the mean itself (it is 0 only when all rows are identical, which is not allowed)",
    "mean_detached": "the student's mean distance is detached (or computed under no_grad): the "
    "value is right, but the gradient misses the part that flows through the mean; only the "
    "teacher's side is fixed",
}
FLOAT32 = (
    "the computation runs in float32 (e.g. a .float() or a float32 tensor created inside): the "
    "value is off in the 7th digit; for float64 inputs keep float64 throughout"
)
GRADIENT_ONLY = {"mean_detached"}
"""Mistakes that leave the value right and change only the gradient."""


def _mistaken_rkd_loss(s: torch.Tensor, t: torch.Tensor, mistake: str) -> torch.Tensor:
    """rkd_distance_loss with one common mistake (or none for mistake=""), in float64.

    Differentiable with respect to `s` when `s` requires grad (zero distances get gradient 0);
    the teacher is always detached.
    """
    s, t = s.double(), t.detach().double()
    n = s.shape[0]
    off = ~torch.eye(n, dtype=torch.bool, device=s.device)

    def normalised(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        d = torch.cdist(x, x, compute_mode="donot_use_mm_for_euclid_dist")
        if mistake.startswith("eps_sqrt"):
            d = (d * d + float(mistake.rsplit("_", 1)[1])).sqrt()
        if mistake == "squared":
            d = d * d
        pairs = d[off]
        if mistake in ("diag_mean", "diag_both"):
            mean = d.mean()
        elif mistake in ("positive_mean", "paper_code"):
            mean = pairs[pairs > 0].mean()
        else:
            mean = pairs.mean()
        if mistake == "no_norm":
            mean = torch.ones_like(mean)
        if mistake.startswith("eps_mean"):
            mean = mean + float(mistake.rsplit("_", 1)[1])
        return d, mean

    d_s, mean_s = normalised(s)
    d_t, mean_t = normalised(t)
    if mistake == "mean_detached":
        mean_s = mean_s.detach()
    elif mistake == "teacher_mean":
        mean_s = mean_t
    elif mistake == "student_mean":
        mean_t = mean_s.detach()
    psi_s, psi_t = d_s / mean_s, d_t / mean_t
    if mistake == "mse":
        terms = (psi_s - psi_t).pow(2)
    elif mistake == "mse_half":
        terms = 0.5 * (psi_s - psi_t).pow(2)
    elif mistake == "l1":
        terms = (psi_s - psi_t).abs()
    elif mistake in ("huber_signed", "huber_linear_signed"):
        z = psi_s - psi_t
        small = (z < 1) if mistake == "huber_signed" else (z.abs() < 1)
        terms = torch.where(small, 0.5 * z * z, z - 0.5)
    else:
        terms = F.smooth_l1_loss(psi_s, psi_t, reduction="none", beta=1.0)
    if mistake in ("diag_loss", "diag_both", "paper_code"):
        return terms.mean()
    pairs = terms[off]
    if mistake == "sum":
        return pairs.sum()
    if mistake == "triu_full_mean":
        return pairs.sum() / 2 / (n * n)
    if mistake == "half_pairs":
        return pairs.sum() / (n * (n - 1) / 2)
    return pairs.mean()


def _mistakes(s, t, first: str = "") -> dict[str, torch.Tensor]:
    """The value of every common mistake on these inputs, in the inputs' dtype."""
    with torch.no_grad():
        values = {
            m: _mistaken_rkd_loss(s, t, m).to(s.dtype)
            for m in ["", *MISTAKES]
            if m not in GRADIENT_ONLY
        }
        right = values.pop("")
        # In float64, mistakes are told apart (and from the right value) at the check's own
        # tolerance: an epsilon's 1e-8 still fails there, and two that agree within it share a line.
        tight = {"rtol": 1e-9, "atol": 1e-9} if s.dtype == torch.float64 else {}
        named = named_mistakes(values, MISTAKES, first, correct=right, **tight)
        if s.dtype == torch.float64:
            # Last, so that it names only a value within float32 rounding of the right one.
            low = reference(EXERCISE).rkd_distance_loss(s.float(), t.float())
            named[FLOAT32] = low.double()
    return named


def _gradient_mistakes(s, t) -> dict[str, torch.Tensor]:
    """The gradient with respect to student_emb that each common mistake produces."""
    values = {}
    for mistake in ["", *MISTAKES]:
        student = s.detach().double().requires_grad_(True)
        _mistaken_rkd_loss(student, t, mistake).backward()
        values[mistake] = student.grad.to(s.dtype)
    right = values.pop("")
    return named_mistakes(values, MISTAKES, correct=right)


# --------------------------------------------------------------------------------------------
# Inputs, expected values and tolerances


def _inputs(n: int, d_s: int, d_t: int, dtype: torch.dtype, seed: int, scale: float = 1.0):
    """Seeded (student_emb, teacher_emb) on DEVICE."""
    g = seeded(seed)
    return (
        randn(n, d_s, dtype=dtype, scale=scale, generator=g),
        randn(n, d_t, dtype=dtype, generator=g),
    )


def _expected(s, t) -> torch.Tensor:
    """The reference's value, computed in float64 and cast to the inputs' dtype."""
    with torch.no_grad():
        return reference(EXERCISE).rkd_distance_loss(s.double(), t.double()).to(s.dtype)


def _tolerance(dtype: torch.dtype, loose: bool = False) -> dict[str, float]:
    """The contract's tolerances. `loose` accepts distances computed with a clamp or an eps
    before the sqrt (sqrt(1e-12) = 1e-6 for a duplicate pair, more in float32 with the
    |a|² + |b|² − 2ab shortcut), which the contract allows for duplicate rows."""
    rtol, atol = tolerances(dtype)
    if loose:
        return {"rtol": max(rtol, 1e-3), "atol": 1e-4}
    if dtype == torch.float32:
        # Distances carry float32 rounding of ~1e-7 of the embeddings' size, more when computed
        # as |a|² + |b|² − 2ab; 1e-5 stays far below what any common mistake changes.
        atol = 1e-5
    return {"rtol": rtol, "atol": atol}


def _show(s, t) -> str:
    return f"student_emb={fmt(s, 3)}, teacher_emb={fmt(t, 3)}"


def _check_not_nan(got, s, t) -> None:
    """Name the likely cause when the loss is NaN for ordinary inputs."""
    if isinstance(got, torch.Tensor) and got.numel() == 1 and bool(torch.isnan(got.detach())):
        raise CheckFailure(
            f"rkd_distance_loss(student_emb, teacher_emb) returned nan.\n  inputs:   {_show(s, t)}"
            "\n  Likely mistake: a mean over an empty selection or a division by a zero mean "
            "distance (is the diagonal excluded correctly?), or the sqrt of a negative squared "
            "distance from the |a|² + |b|² − 2ab shortcut (clamp it at 0 or use torch.cdist)."
        )


def _call(s, t):
    return learner(EXERCISE).rkd_distance_loss(s.clone(), t.clone())


def _nudged(t: torch.Tensor, seed: int = 99) -> torch.Tensor:
    """teacher_emb moved by about 0.01 % of its size, every pair keeping its rank by distance
    (so a teacher reduced to the order of its distances gives the same result)."""
    noise = torch.rand(t.shape, dtype=torch.float64, generator=seeded(seed)).to(t.device)
    size = float(t.detach().double().abs().mean()) or 1.0
    for step in (1e-4, 1e-6):
        nudged = (t.detach().double() + step * size * noise).to(t.dtype)
        before = (
            torch.cdist(t.detach().double(), t.detach().double()).flatten().argsort(stable=True)
        )
        after = torch.cdist(nudged.double(), nudged.double()).flatten().argsort(stable=True)
        if torch.equal(before, after):
            break
    return nudged


NUDGED = "teacher_emb was moved slightly (about 0.01 %, every pair keeping its rank by distance)"


def _ignores_teacher(s, t) -> bool:
    """True when the learner's loss is exactly the same for a slightly moved teacher."""
    if s.shape[0] < 3:
        return False  # one pair: its normalised distance is 1 whatever the teacher
    first, second = _call(s, t), _call(s, _nudged(t))
    if not (isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor)):
        return False
    return bool(torch.equal(first.detach(), second.detach()))


def _check_value(s, t, first: str = "", loose: bool = False) -> None:
    """Call the learner's rkd_distance_loss on copies and compare with the reference; a loss
    blind to the teacher is the mistake to name first, whatever its value looks like."""
    got = _call(s, t)
    _check_not_nan(got, s, t)
    what = "rkd_distance_loss(student_emb, teacher_emb)"
    try:
        expect_close(
            got.detach() if isinstance(got, torch.Tensor) else got,
            _expected(s, t),
            what=what,
            inputs=_show(s, t),
            mistakes=lambda: _mistakes(s, t, first),
            **_tolerance(s.dtype, loose),
        )
    except CheckFailure:
        if _ignores_teacher(s, t):
            raise teacher_ignored(what, NUDGED) from None
        raise


def _backward_student_grad(s, t, teacher_requires_grad: bool = False):
    """The learner's loss, backward, and (student.grad, teacher.grad)."""
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(teacher_requires_grad)
    loss = learner(EXERCISE).rkd_distance_loss(student, teacher)
    expect(
        isinstance(loss, torch.Tensor) and loss.requires_grad,
        "rkd_distance_loss's result does not require grad, so the student cannot learn from it; "
        "do not compute the student's distances under torch.no_grad(), detach student_emb, or "
        "build the result from Python numbers (.item()).",
    )
    loss.backward()
    expect(
        student.grad is not None,
        "student_emb.grad is None after loss.backward(); the loss must depend on the student's "
        "embeddings through differentiable operations.",
    )
    return student.grad, teacher.grad


SQRT_AT_ZERO = (
    "the sqrt of a squared distance that is 0: d/dx sqrt(x) is infinite at 0, so the gradient "
    "is 0 · ∞ = NaN on the diagonal and for duplicate rows, even when those entries are dropped "
    "afterwards. Use torch.cdist (or F.pdist, torch.linalg.vector_norm), whose backward treats a "
    "zero distance as gradient 0, or clamp the squared distance before the sqrt "
    "(d2.clamp(min=1e-12).sqrt())"
)


def _check_gradient(s, t, what: str, loose: bool = False) -> None:
    """The learner's gradient with respect to student_emb is finite and matches the reference;
    `loose` as in `_tolerance`: a clamped sqrt moves a duplicate pair's distance off 0."""
    dtype = s.dtype
    grad, _ = _backward_student_grad(s, t)
    if not bool(torch.isfinite(grad).all()):
        raise CheckFailure(
            f"The gradient of rkd_distance_loss with respect to student_emb is not finite"
            f"{' ' + what if what else ''}: {fmt(grad, 3)}.\n  inputs:   {_show(s, t)}\n"
            "  Likely mistake: "
            f"{SQRT_AT_ZERO}."
        )
    ref_student = s.detach().double().requires_grad_(True)
    reference(EXERCISE).rkd_distance_loss(ref_student, t.double()).backward()
    expected = ref_student.grad.to(dtype)
    rtol, atol = tolerances(dtype)
    if loose:
        rtol, atol = 1e-3, 1e-3 * float(expected.abs().max())
    elif dtype == torch.float32:
        atol = max(atol, 1e-4 * float(expected.abs().max()))
    expect_close(
        grad,
        expected,
        what=f"The gradient of rkd_distance_loss with respect to student_emb {what}".rstrip(),
        inputs=_show(s, t),
        mistakes=_gradient_mistakes(s, t),
        rtol=rtol,
        atol=atol,
    )


@contextmanager
def _expect_value_error(call: str) -> Iterator[None]:
    """The block must raise ValueError (any message: 'N' has no natural name to require)."""
    try:
        yield
    except ValueError:
        return
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise CheckFailure(
            f"{call} should raise ValueError (N < 2: there is no pair to compare), but raised "
            f"{type(exc).__name__}: {exc}"
        ) from None
    raise CheckFailure(
        f"{call} should raise ValueError (N < 2: there is no pair to compare), but returned "
        "normally."
    )


def _random_rotation(d: int, seed: int, dtype: torch.dtype) -> torch.Tensor:
    """A seeded random orthogonal (d, d) matrix."""
    q, r = torch.linalg.qr(torch.randn(d, d, dtype=torch.float64, generator=seeded(seed)))
    return (q * torch.sign(torch.diagonal(r))).to(dtype).to(DEVICE)


# --------------------------------------------------------------------------------------------
# The checks


@DTYPES
def test_returns_a_scalar_of_the_inputs_dtype(dtype: torch.dtype) -> None:
    """rkd_distance_loss returns a scalar tensor in the inputs' dtype and device"""
    s, t = _inputs(4, 3, 5, dtype, seed=1)
    got = learner(EXERCISE).rkd_distance_loss(s, t)
    expect(
        isinstance(got, torch.Tensor),
        f"rkd_distance_loss should return a torch.Tensor (so that loss.backward() works), got "
        f"{type(got).__name__}; do not call .item() on the result.",
    )
    expect(
        got.dim() == 0,
        f"rkd_distance_loss should return a 0-dim (scalar) tensor, got shape "
        f"{tuple(got.shape)}; average the Huber terms over the N(N−1) pairs.",
    )
    expect(
        got.dtype == dtype,
        f"rkd_distance_loss returned dtype {got.dtype} for {dtype} inputs; the result must keep "
        "the inputs' dtype.",
    )
    expect(
        got.device == s.device,
        f"rkd_distance_loss returned a tensor on {got.device} for inputs on {s.device}; create "
        "any new tensor (a mask, an eye) on the inputs' device.",
    )


def test_each_side_normalised_by_its_own_mean() -> None:
    """Each side's distances are divided by its own mean distance"""
    # A student three times the teacher's scale: unnormalised distances differ a lot.
    s, t = _inputs(4, 3, 3, torch.float64, seed=2, scale=3.0)
    _check_value(s, t, first="no_norm")
    s, t = _inputs(5, 2, 4, torch.float64, seed=3, scale=0.4)
    _check_value(s, t, first="teacher_mean")


def test_distances_are_euclidean() -> None:
    """The distances are Euclidean, not squared"""
    s, t = _inputs(5, 3, 4, torch.float64, seed=4)
    _check_value(s, t, first="squared")


def test_huber_loss_with_beta_one() -> None:
    """The Huber loss (smooth L1, beta 1) is quadratic below 1 and linear above"""
    # One student row shifted far away: its pairs' normalised distances differ from the
    # teacher's by more than 1 (the linear part), the others by less (the quadratic part).
    t = randn(5, 3, dtype=torch.float64, generator=seeded(3))
    s = t.clone()
    s[0] = s[0] + 10.0
    _check_value(s, t, first="mse")


def test_diagonal_takes_no_part() -> None:
    """The diagonal (i = j) takes no part in the mean distance or the loss"""
    # N = 3: the diagonal's share (N of N² entries) is large.
    s, t = _inputs(3, 2, 3, torch.float64, seed=5)
    _check_value(s, t, first="diag_loss")
    s, t = _inputs(4, 3, 2, torch.float64, seed=6)
    _check_value(s, t, first="diag_mean")


@DTYPES
def test_zero_for_a_similar_copy_of_the_teacher(dtype: torch.dtype) -> None:
    """A scaled, rotated or shifted copy of the teacher gives 0"""
    rkd = learner(EXERCISE).rkd_distance_loss
    t = randn(6, 3, dtype=dtype, generator=seeded(7))
    rotation = _random_rotation(3, seed=8, dtype=dtype)
    embedding = _random_rotation(5, seed=9, dtype=dtype)[:3]  # an isometry from 3 to 5 dims
    shift = randn(3, dtype=dtype, scale=2.0, generator=seeded(10))
    copies = {
        "3 · teacher_emb": t * 3.0,
        "0.2 · teacher_emb": t * 0.2,
        "teacher_emb rotated": t @ rotation,
        "teacher_emb + a shift": t + shift,
        "2.5 · teacher_emb rotated and shifted": (t @ rotation) * 2.5 + shift,
        "teacher_emb mapped isometrically into 5 dims (a student of another width)": t @ embedding,
    }
    rtol, atol = tolerances(dtype)
    for described, s in copies.items():
        got = rkd(s.clone(), t.clone())
        _check_not_nan(got, s, t)
        what = f"rkd_distance_loss(student_emb, teacher_emb) with student_emb = {described}"
        try:
            expect_close(
                got.detach() if isinstance(got, torch.Tensor) else got,
                torch.zeros((), dtype=dtype, device=DEVICE),
                what=what,
                inputs=_show(s, t),
                mistakes=lambda s=s, t=t: _mistakes(s, t),
                rtol=rtol,
                atol=1e-6 if dtype == torch.float32 else atol,
            )
        except CheckFailure:
            if _ignores_teacher(s, t):
                raise teacher_ignored(what, NUDGED) from None
            raise


@DTYPES
def test_duplicate_rows(dtype: torch.dtype) -> None:
    """Duplicate rows count as pairs at distance 0, with finite gradients"""
    s, t = _inputs(5, 3, 4, dtype, seed=11)
    s[3] = s[1]  # the student places rows 1 and 3 on the same point
    t[4] = t[0]  # the teacher places rows 0 and 4 on the same point
    _check_value(s, t, first="positive_mean", loose=True)
    _check_gradient(s, t, "when two rows are identical", loose=True)


@DTYPES
def test_gradients_reach_the_student_only(dtype: torch.dtype) -> None:
    """The student gets the right gradient and the teacher none"""
    s, t = _inputs(4, 3, 2, dtype, seed=12)
    _check_gradient(s, t, "")
    _, teacher_grad = _backward_student_grad(s, t, teacher_requires_grad=True)
    expect(
        teacher_grad is None,
        "The teacher received a gradient: after loss.backward(), teacher_emb.grad is a tensor "
        "but should stay None.\n  Likely mistake: the teacher is not detached; compute its "
        "distances and their mean from teacher_emb.detach() (or under torch.no_grad()).",
    )
    g = seeded(13)
    teacher_model = torch.nn.Linear(3, 2, dtype=dtype)
    with torch.no_grad():  # seeded weights instead of the global RNG: the same run every time
        for parameter in teacher_model.parameters():
            parameter.copy_(torch.randn(parameter.shape, dtype=dtype, generator=g))
    teacher_model.to(DEVICE)
    features = randn(4, 3, dtype=dtype, generator=g)
    student = s.clone().requires_grad_(True)
    learner(EXERCISE).rkd_distance_loss(student, teacher_model(features)).backward()
    expect(
        all(p.grad is None for p in teacher_model.parameters()),
        "The teacher model's parameters received gradients when rkd_distance_loss got its "
        "embeddings straight from teacher(inputs).\n  Likely mistake: the teacher is not "
        "detached; use teacher_emb.detach() so that gradients reach the student only.",
    )


def test_widths_may_differ() -> None:
    """Student and teacher embeddings may have different widths"""
    s, t = _inputs(4, 2, 7, torch.float64, seed=14)
    _check_value(s, t)
    s, t = _inputs(3, 6, 1, torch.float32, seed=15)
    _check_value(s, t)
    s, t = _inputs(5, 1, 4, torch.float64, seed=18)  # a one-dimensional student
    _check_value(s, t)


@DTYPES
def test_the_teacher_matters(dtype: torch.dtype) -> None:
    """The loss changes when the teacher's embeddings move"""
    s, t = _inputs(5, 3, 4, dtype, seed=19)
    if _ignores_teacher(s, t):
        raise teacher_ignored("rkd_distance_loss(student_emb, teacher_emb)", NUDGED)


@DTYPES
def test_two_rows(dtype: torch.dtype) -> None:
    """Two rows (one pair, N = 2) are allowed and give 0"""
    # With one pair each side's normalised distance is 1, so the loss and its gradient are 0.
    s, t = _inputs(2, 3, 1, dtype, seed=20)
    try:
        got = _call(s, t)
    except ValueError as exc:
        raise CheckFailure(
            f"rkd_distance_loss on 2 rows raised ValueError({str(exc)!r}); N = 2 is allowed "
            "(one pair, in both orders): only N < 2 has no pair to compare."
        ) from None
    _check_not_nan(got, s, t)
    _check_value(s, t)
    _check_gradient(s, t, "for two rows")


# Six rows whose normalised gaps z = psi_s - psi_t fall on both sides of ±1: about -2.0, -1.2,
# -0.8 ... 0.5, 1.5, 1.8 (none within 0.02 of the bend at |z| = 1).
HUBER_TEACHER = [[6, 0], [0, 0], [0, -2], [-1, -3], [-3, 0], [-1, -2]]
HUBER_STUDENT = [[2, 1], [1, -3], [2, -3], [-1, -1], [3, 1], [2, 7]]


@DTYPES
def test_huber_on_both_sides_of_one(dtype: torch.dtype) -> None:
    """Gaps on both sides of ±1 take the Huber loss's right branch"""
    t = torch.tensor(HUBER_TEACHER, dtype=dtype, device=DEVICE)
    s = torch.tensor(HUBER_STUDENT, dtype=dtype, device=DEVICE)
    _check_value(s, t, first="huber_signed")
    _check_gradient(s, t, "when the gaps lie on both sides of ±1")
    _check_value(t * 0.5, s)  # the same gaps with the opposite signs


@DTYPES
def test_large_and_small_embeddings(dtype: torch.dtype) -> None:
    """Embeddings of size about 1e3 or 0.05 give the right value"""
    for scale_s, scale_t, seed in ((1e3, 1e2, 21), (0.05, 1e3, 22), (1e3, 0.05, 23)):
        g = seeded(seed)
        s = randn(5, 3, dtype=dtype, scale=scale_s, generator=g)
        t = randn(5, 4, dtype=dtype, scale=scale_t, generator=g)
        _check_value(s, t)


# PyTorch's first operation on the "meta" device imports torch._dynamo (about 1.5 s): pay it
# once while the suite is collected, not inside one check's time limit.
(torch.empty(1, device="meta") + 0).sum()


def _device_mismatch(text: str) -> bool:
    text = text.lower()
    return "device" in text and ("expected" in text or "same device" in text)


def test_new_tensors_follow_the_inputs_device() -> None:
    """Any tensor made inside (a mask, an eye) is on the inputs' device"""
    # No GPU needed: inputs on PyTorch's "meta" device (shapes, no data) stand in for a GPU. A
    # tensor made without device= (e.g. torch.eye(n)) lands on the CPU and then clashes with
    # the inputs, or carries the result to the CPU. Operations that need the data (.item(),
    # boolean indexing with a mask on the inputs' device, as the reference does) cannot run on
    # "meta": they give no verdict here.
    rkd = learner(EXERCISE).rkd_distance_loss
    meta = torch.device("meta")
    s = torch.empty(5, 3, dtype=torch.float64, device=meta)
    t = torch.empty(5, 4, dtype=torch.float64, device=meta)
    what = "rkd_distance_loss(student_emb, teacher_emb) on embeddings on a GPU"
    fix = (
        "make any new tensor on the inputs' device (torch.eye(n, dtype=torch.bool, "
        "device=student_emb.device), torch.ones_like(...))"
    )
    try:
        got = rkd(s, t)
    except (RuntimeError, NotImplementedError, TypeError) as exc:
        if _device_mismatch(str(exc)):
            raise CheckFailure(
                f"{what} mixed the inputs with a tensor made on the CPU: {exc}\n"
                f"  Likely mistake: a tensor created without device= (e.g. torch.eye(n) for "
                f"the diagonal); {fix}."
            ) from None
        if "meta" in str(exc).lower():
            return  # an operation that needs the data: no verdict on this device
        raise
    expect(
        isinstance(got, torch.Tensor) and got.device == meta,
        f"{what} returned a result on "
        f"{got.device if isinstance(got, torch.Tensor) else type(got).__name__}, not on the "
        f"inputs' device.\n  Likely mistake: a tensor created without device= moved the result "
        f"to the CPU; {fix}.",
    )


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    n=st.integers(2, 7),
    d_s=st.integers(1, 6),
    d_t=st.integers(1, 6),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    scale=st.sampled_from([0.1, 1.0, 5.0]),
    seed=st.integers(0, 2**16),
)
def test_matches_reference_on_random_inputs(
    n: int, d_s: int, d_t: int, dtype: torch.dtype, scale: float, seed: int
) -> None:
    """rkd_distance_loss matches the reference on random sizes, widths and dtypes"""
    s, t = _inputs(n, d_s, d_t, dtype, seed, scale)
    _check_value(s, t)


def test_inputs_are_not_modified() -> None:
    """The inputs are not modified in place"""
    rkd = learner(EXERCISE).rkd_distance_loss
    s, t = _inputs(4, 3, 2, torch.float32, seed=16)
    expect_unchanged({"student_emb": s, "teacher_emb": t}, lambda: rkd(s, t))


def test_fewer_than_two_rows_raise_value_error() -> None:
    """Fewer than two rows (no pair) raise ValueError"""
    rkd = learner(EXERCISE).rkd_distance_loss
    for n, d_s, d_t, dtype in [
        (1, 3, 2, torch.float32),
        (0, 3, 2, torch.float32),
        (1, 1, 1, torch.float64),
        (1, 2, 5, torch.float64),
    ]:
        s, t = _inputs(n, d_s, d_t, dtype, seed=17)
        with _expect_value_error(f"rkd_distance_loss on {n} row{'s' * (n != 1)} (N = {n})"):
            rkd(s, t)
