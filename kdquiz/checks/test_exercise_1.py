"""Hidden checks for exercise_1: `kd_loss`, the distillation loss of Hinton et al. (2015).

Expected values come from the reference solution, computed in float64 and cast to the inputs'
dtype. Each common mistake of the curriculum is recomputed here (`_mistaken_kd_loss`) on the
same inputs, so that a wrong value is reported together with the mistake that produces it.
"""

from __future__ import annotations

import math

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
    expect_finite,
    expect_unchanged,
    expect_value_error,
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

SIGNATURE = "(student_logits, teacher_logits, labels, temperature=4.0, alpha=0.5)"


# --------------------------------------------------------------------------------------------
# The common mistakes, in a learner's words, and the value each one produces.

MISTAKES = {
    "no_t2": "the soft term is not scaled by T² (multiply the KL by temperature ** 2)",
    "t_not_t2": "the soft term is multiplied by T instead of T²",
    "div_t2": "the soft term is divided by T² instead of multiplied by it",
    "t2_whole": "T² multiplies the whole loss; it scales the soft (KL) term only, the hard "
    "cross-entropy keeps the weight 1 - alpha",
    "mean": 'the KL is averaged over every element: reduction="mean" divides by B·C; use '
    'reduction="batchmean" (sum over the classes, average over the batch)',
    "sum": 'the KL is summed over the batch (reduction="sum"); average it over the B rows '
    '(reduction="batchmean")',
    "batch_twice": 'the KL is divided by the batch size twice; reduction="batchmean" already '
    "averages over the batch",
    "mean_classes": "the KL is averaged over the classes and summed over the batch; sum it over "
    "the classes (dim=-1) and average it over the batch",
    "probs": "kl_div received probabilities as its input; it expects the student's "
    "log-probabilities, F.log_softmax(student_logits / T, dim=-1)",
    "log_target_probs": "kl_div was called with log_target=True but received the teacher's "
    "probabilities as its target; with log_target=True the target must be log-probabilities, "
    "F.log_softmax(teacher_logits / T, dim=-1) (or pass probabilities without log_target)",
    "no_log_target": "kl_div received the teacher's log-probabilities as its target without "
    "log_target=True, so it treats them as probabilities; pass log_target=True",
    "reverse": "the KL is reversed, KL(p_s ‖ p_t) instead of KL(p_t ‖ p_s): F.kl_div(input, "
    "target) computes KL(target ‖ input), so the student's log-probabilities are the input and "
    "the teacher's the target",
    "neg_kl": "the KL has the wrong sign: Σ p_t·(log p_s − log p_t) is −KL; the KL is "
    "Σ p_t·(log p_t − log p_s), never negative",
    "t_teacher_only": "only the teacher's logits are divided by T; the student's "
    "log-probabilities must be taken at the same temperature, F.log_softmax(student_logits / T, "
    "dim=-1)",
    "t_student_only": "only the student's logits are divided by T; the teacher's probabilities "
    "must be taken at the same temperature, softmax(teacher_logits / T, dim=-1)",
    "t_times": "the logits are multiplied by T instead of divided by it; soften them with "
    "logits / T",
    "hard_at_t": "the hard cross-entropy is computed on student_logits / T; the labels are "
    "matched at temperature 1, on the plain student_logits",
    "hard_teacher_argmax": "the hard cross-entropy uses the teacher's predicted classes "
    "(argmax) as targets; it uses the true labels",
    "dim0": "the softmax runs over dim 0 (the batch) instead of the classes (dim=-1)",
    "soft_ce": "the soft term is the soft cross-entropy −Σ p_t·log p_s instead of the KL; the "
    "two differ by the teacher's entropy, so the loss is not 0 when student and teacher agree",
    "swap_alpha": "alpha and 1 - alpha are swapped: alpha weighs the soft (teacher) term and "
    "1 - alpha the hard (label) term",
    "hard_unweighted": "the hard cross-entropy is not weighted by 1 - alpha (alpha·soft + hard "
    "instead of alpha·soft + (1 - alpha)·hard)",
    "soft_unweighted": "the soft term is not weighted by alpha (soft + (1 - alpha)·hard instead "
    "of alpha·soft + (1 - alpha)·hard)",
    "hard_sum": "the hard cross-entropy is summed over the batch instead of averaged",
    "soft_no_grad": "no gradient flows through the soft term: the student's log-probabilities "
    "are detached or computed under torch.no_grad(); only the teacher's side may be detached",
}
GRADIENT_ONLY = {"soft_no_grad"}
"""Mistakes that leave the value right and change only the gradient."""
NAN_VALUED = {"no_log_target"}
"""Mistakes whose value is nan (log of a negative number): named by `_check_not_nan`
(and by the stability check)."""


def _mistaken_kd_loss(s, t, y, temperature: float, alpha: float, mistake: str) -> torch.Tensor:
    """kd_loss with one common mistake (or none for mistake=""), in float64.

    Differentiable with respect to `s` when `s` requires grad; the teacher is always detached.
    """
    s, t = s.double(), t.detach().double()
    dim = 0 if mistake == "dim0" else -1
    soft_s = {"t_teacher_only": s, "t_times": s * temperature}.get(mistake, s / temperature)
    soft_t = {"t_student_only": t, "t_times": t * temperature}.get(mistake, t / temperature)
    log_p_s = torch.log_softmax(soft_s, dim=dim)
    if mistake == "soft_no_grad":
        log_p_s = log_p_s.detach()
    log_p_t = torch.log_softmax(soft_t, dim=dim)
    p_s, p_t = log_p_s.exp(), log_p_t.exp()
    if mistake == "reverse":
        pointwise = p_s * (log_p_s - log_p_t)
    elif mistake == "probs":
        pointwise = p_t * (log_p_t - p_s)
    elif mistake == "log_target_probs":  # kl_div(log_p_s, p_t, log_target=True)
        pointwise = p_t.exp() * (p_t - log_p_s)
    elif mistake == "no_log_target":  # kl_div(log_p_s, log_p_t): xlogy of a negative is nan
        pointwise = torch.xlogy(log_p_t, log_p_t) - log_p_t * log_p_s
    elif mistake == "soft_ce":
        pointwise = -p_t * log_p_s
    elif mistake == "neg_kl":
        pointwise = p_t * (log_p_s - log_p_t)
    else:
        pointwise = p_t * (log_p_t - log_p_s)
    if mistake == "mean":
        soft = pointwise.mean()
    elif mistake == "sum":
        soft = pointwise.sum()
    elif mistake == "batch_twice":
        soft = pointwise.sum() / s.shape[0] ** 2
    elif mistake == "mean_classes":
        soft = pointwise.mean(dim=-1).sum()
    else:
        soft = pointwise.sum() / s.shape[0]
    scale = {
        "no_t2": 1.0,
        "t_not_t2": temperature,
        "div_t2": 1.0 / temperature**2,
        "t2_whole": 1.0,
    }.get(mistake, temperature**2)
    hard_logits = s / temperature if mistake == "hard_at_t" else s
    hard_labels = t.argmax(dim=-1) if mistake == "hard_teacher_argmax" else y
    hard = F.cross_entropy(
        hard_logits, hard_labels, reduction="sum" if mistake == "hard_sum" else "mean"
    )
    a_soft, a_hard = {
        "swap_alpha": (1.0 - alpha, alpha),
        "hard_unweighted": (alpha, 1.0),
        "soft_unweighted": (1.0, 1.0 - alpha),
    }.get(mistake, (alpha, 1.0 - alpha))
    loss = a_soft * scale * soft + a_hard * hard
    return loss * temperature**2 if mistake == "t2_whole" else loss


def _mistakes(
    s, t, y, temperature: float, alpha: float, first: str = ""
) -> dict[str, torch.Tensor]:
    """The value of every common mistake on these inputs, in the inputs' dtype."""
    values = {
        m: _mistaken_kd_loss(s.detach(), t, y, temperature, alpha, m).to(s.dtype)
        for m in MISTAKES
        if m not in GRADIENT_ONLY | NAN_VALUED
    }
    return named_mistakes(values, MISTAKES, first)


def _gradient_mistakes(s, t, y, temperature: float, alpha: float) -> dict[str, torch.Tensor]:
    """The gradient with respect to student_logits that each common mistake produces."""
    values = {}
    for mistake in MISTAKES:
        student = s.detach().double().requires_grad_(True)
        _mistaken_kd_loss(student, t, y, temperature, alpha, mistake).backward()
        values[mistake] = student.grad.to(s.dtype)
    return named_mistakes(values, MISTAKES)


# --------------------------------------------------------------------------------------------
# Inputs, expected values and tolerances


def _inputs(batch: int, classes: int, dtype: torch.dtype, seed: int, scale: float = 2.0):
    """Seeded (student_logits, teacher_logits, labels) on DEVICE."""
    g = seeded(seed)
    s = randn(batch, classes, dtype=dtype, scale=scale, generator=g)
    t = randn(batch, classes, dtype=dtype, scale=scale, generator=g)
    y = torch.randint(0, classes, (batch,), generator=g).to(DEVICE)
    return s, t, y


def _expected(s, t, y, temperature: float, alpha: float) -> torch.Tensor:
    """The reference's value, computed in float64 and cast to the inputs' dtype."""
    ref = reference("exercise_1").kd_loss
    with torch.no_grad():
        return ref(s.double(), t.double(), y, temperature, alpha).to(s.dtype)


def _tolerance(s, t, y, temperature: float, alpha: float) -> dict[str, float]:
    """The contract's tolerances, with float32's atol widened to what float32 can resolve.

    A float32 KL is a sum of terms p_t·log p, each rounded to ~1e-7 of its size and then
    multiplied by T² (64 at T = 8): a correct float32 implementation can miss the float64 value
    by more than atol 1e-6. The absolute tolerance is therefore 1e-5 of the size of the terms
    the loss is built from (still far below what any common mistake changes).
    """
    rtol, atol = tolerances(s.dtype)
    if s.dtype == torch.float64:
        return {"rtol": rtol, "atol": atol}
    s64, t64 = s.detach().double(), t.detach().double()
    log_p_s = torch.log_softmax(s64 / temperature, dim=-1)
    log_p_t = torch.log_softmax(t64 / temperature, dim=-1)
    soft_terms = (log_p_t.exp() * (log_p_t.abs() + log_p_s.abs())).sum(dim=-1).mean()
    size = alpha * temperature**2 * soft_terms + (1 - alpha) * F.cross_entropy(s64, y)
    return {"rtol": rtol, "atol": max(atol, 1e-5 * float(size))}


def _backward(loss, student: torch.Tensor) -> None:
    """loss.backward(), failing with a clear message when the student cannot get a gradient."""
    expect(
        isinstance(loss, torch.Tensor) and loss.requires_grad,
        "kd_loss's result does not require grad, so the student cannot learn from it; do not "
        "compute the whole loss under torch.no_grad(), detach the student's logits, or build "
        "the result from Python numbers (.item()).",
    )
    loss.backward()
    expect(
        student.grad is not None,
        "student_logits.grad is None after loss.backward(); the loss must depend on the "
        "student's logits through differentiable operations.",
    )


def _kd_loss():
    """The learner's kd_loss, failing clearly when it is missing or has another signature."""
    return require_function(
        learner("exercise_1"),
        "kd_loss",
        SIGNATURE,
        "exercises/exercise_1.py",
        None,
        None,
        None,
        4.0,
        0.5,
    )


def _nudged(t: torch.Tensor) -> torch.Tensor:
    """The teacher's logits scaled by 1.05: every row keeps its order (so its argmax), but its
    softmax changes."""
    return t * 1.05


NUDGE = "the teacher's logits were scaled by 1.05 (same order, same argmax in every row)"


def _teacher_ignored(kd_loss, s, t, y, temperature: float, alpha: float, what: str):
    """The teacher-ignored failure when kd_loss gives the same value for a slightly changed
    teacher although the right loss moves clearly; None otherwise (or when it cannot tell).

    It probes ordinary logits of the size of T (never the check's own, possibly saturated,
    ones), so that only code that truly ignores the teacher's soft outputs is told so."""
    if alpha == 0:
        return None
    # alpha = 0.5 whatever the check's alpha: with alpha and 1 - alpha swapped, the teacher
    # counts there (and the value check names the swap), but not at alpha = 1.
    s, t, y = _inputs(4, 5, s.dtype, seed=99, scale=2.0 * temperature)
    alpha = 0.5
    ref_change = abs(
        float(_expected(s, _nudged(t), y, temperature, alpha))
        - float(_expected(s, t, y, temperature, alpha))
    )
    try:
        before = kd_loss(s.clone(), t.clone(), y.clone(), temperature=temperature, alpha=alpha)
        after = kd_loss(s.clone(), _nudged(t), y.clone(), temperature=temperature, alpha=alpha)
    except Exception:  # noqa: BLE001 - the checks report the learner's errors themselves
        return None
    values = []
    for value in (before, after):
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            return None
        values.append(float(value.detach().double().cpu().reshape(())))
    if not all(math.isfinite(v) for v in values) or ref_change < 1e-6:
        return None
    if abs(values[1] - values[0]) <= 1e-3 * ref_change:
        return teacher_ignored(what, NUDGE)
    return None


def _show(s, t, y, temperature: float, alpha: float) -> str:
    return (
        f"student_logits={fmt(s, 3)}, teacher_logits={fmt(t, 3)}, labels={fmt(y)}, "
        f"temperature={temperature:g}, alpha={alpha:g}"
    )


def _check_not_nan(got, what: str, s, t, y) -> None:
    """Name the likely cause when kd_loss returns nan for ordinary, small logits."""
    if isinstance(got, torch.Tensor) and got.numel() == 1 and bool(torch.isnan(got.detach())):
        raise CheckFailure(
            f"{what} returned nan for ordinary, small logits.\n  inputs:   "
            f"student_logits={fmt(s, 3)}, teacher_logits={fmt(t, 3)}, labels={fmt(y)}\n"
            f"  Likely mistake: the log of a negative number; {MISTAKES['no_log_target']}."
        )


def _right(got, expected: torch.Tensor, tolerance: dict[str, float]) -> bool:
    """True when `got` is a tensor like `expected` (shape, dtype, device) with close values."""
    return (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and got.dtype == expected.dtype
        and got.device == expected.device
        and is_close(got, expected, **tolerance)
    )


def _check_value(
    s, t, y, temperature: float, alpha: float, first: str = "", positional: bool = False
) -> None:
    """Call the learner's kd_loss on fresh copies and compare with the reference; when the
    value is wrong, first tell whether the teacher is ignored."""
    kd_loss = _kd_loss()
    if positional:
        what = f"kd_loss(student_logits, teacher_logits, labels, {temperature:g}, {alpha:g})"
        got = kd_loss(s.clone(), t.clone(), y.clone(), temperature, alpha)
    else:
        what = f"kd_loss(..., temperature={temperature:g}, alpha={alpha:g})"
        got = kd_loss(s.clone(), t.clone(), y.clone(), temperature=temperature, alpha=alpha)
    expected = _expected(s, t, y, temperature, alpha)
    tolerance = _tolerance(s, t, y, temperature, alpha)
    if _right(got, expected, tolerance):
        return  # right: no need to recompute every mistake
    ignored = _teacher_ignored(kd_loss, s, t, y, temperature, alpha, what)
    if ignored is not None:
        raise ignored
    _check_not_nan(got, what, s, t, y)
    expect_close(
        got,
        expected,
        what=what,
        inputs=_show(s, t, y, temperature, alpha),
        mistakes=lambda: _mistakes(s, t, y, temperature, alpha, first),
        **tolerance,
    )


# --------------------------------------------------------------------------------------------
# The checks


@DTYPES
def test_returns_a_scalar_of_the_inputs_dtype(dtype: torch.dtype) -> None:
    """kd_loss returns a scalar tensor in the inputs' dtype and device"""
    s, t, y = _inputs(3, 5, dtype, seed=1)
    got = _kd_loss()(s, t, y, temperature=2.0, alpha=0.5)
    expect(
        isinstance(got, torch.Tensor),
        f"kd_loss should return a torch.Tensor (so that loss.backward() works), "
        f"got {type(got).__name__}; do not call .item() on the result.",
    )
    expect(
        got.dim() == 0,
        f"kd_loss should return a 0-dim (scalar) tensor, like F.cross_entropy does; got shape "
        f"{tuple(got.shape)}. Reduce over the batch and the classes.",
    )
    expect(
        got.dtype == dtype,
        f"kd_loss returned dtype {got.dtype} for {dtype} inputs; the result must keep the "
        f"inputs' dtype.",
    )
    expect(
        got.device == s.device,
        f"kd_loss returned a tensor on {got.device} for inputs on {s.device}; create any new "
        f"tensor on the inputs' device.",
    )


def test_soft_term_is_scaled_by_t_squared() -> None:
    """The soft term is scaled by T²"""
    s, t, y = _inputs(3, 5, torch.float64, seed=2)
    _check_value(s, t, y, temperature=4.0, alpha=1.0, first="no_t2")


def test_kl_is_batchmean() -> None:
    """The KL is summed over the classes and averaged over the batch"""
    s, t, y = _inputs(4, 5, torch.float64, seed=3)
    # T² = 9 differs from B = 4 and C = 5, so that each wrong divisor shows.
    _check_value(s, t, y, temperature=3.0, alpha=1.0, first="mean")


def test_zero_when_student_equals_teacher() -> None:
    """The soft term is 0 when student and teacher agree (a KL, not a cross-entropy)"""
    s, _, y = _inputs(3, 5, torch.float64, seed=4)
    # Same values, separate tensors: a learner may not rely on `s is t`.
    _check_value(s, s.clone(), y, temperature=2.0, alpha=1.0, first="soft_ce")
    # A zero that back-propagates: the student gets a (zero) gradient, not None.
    student = s.clone().requires_grad_(True)
    _backward(_kd_loss()(student, s.clone(), y, temperature=2.0, alpha=1.0), student)
    expect(
        bool((student.grad.abs() < 1e-12).all()),
        "The gradient of kd_loss should be all zeros when student and teacher agree and "
        f"alpha=1, got {fmt(student.grad)}.",
    )


def test_kl_direction() -> None:
    """The soft term is KL(teacher ‖ student), not KL(student ‖ teacher)"""
    s, t, y = _inputs(3, 4, torch.float64, seed=5)
    t = t * 2.0  # a peaked teacher and a flatter student: the two directions differ clearly
    _check_value(s, t, y, temperature=1.5, alpha=1.0, first="reverse")


def test_softmax_over_classes() -> None:
    """The softmax runs over the classes (the last dim)"""
    s, t, y = _inputs(3, 5, torch.float64, seed=6)
    _check_value(s, t, y, temperature=2.0, alpha=1.0, first="dim0")


def test_hard_term_at_temperature_one() -> None:
    """The hard term is the ordinary cross-entropy, at temperature 1"""
    s, t, y = _inputs(4, 5, torch.float64, seed=7)
    _check_value(s, t, y, temperature=4.0, alpha=0.0, first="hard_at_t")


def test_alpha_weighs_soft_and_hard_terms() -> None:
    """alpha weighs the soft term and 1 - alpha the hard term"""
    s, t, y = _inputs(3, 5, torch.float64, seed=8)
    _check_value(s, t, y, temperature=2.5, alpha=0.25, first="swap_alpha")


@DTYPES
def test_gradients_reach_the_student_only(dtype: torch.dtype) -> None:
    """The student gets the right gradient and the teacher none"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(3, 5, dtype, seed=9)
    temperature, alpha = 2.5, 0.4
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)  # as if the teacher's graph were still attached
    _backward(kd_loss(student, teacher, y, temperature=temperature, alpha=alpha), student)
    expect(
        teacher.grad is None,
        "The teacher received a gradient: after loss.backward(), teacher_logits.grad is a "
        "tensor but should stay None.\n  Likely mistake: the teacher is not detached; use "
        "teacher_logits.detach() (or compute its probabilities under torch.no_grad()) so that "
        "gradients reach the student only.",
    )
    ref_student = s.detach().to(torch.float64, copy=True).requires_grad_(True)
    reference("exercise_1").kd_loss(ref_student, t.double(), y, temperature, alpha).backward()
    # float32 gradients of size ~0.1 carry rounding errors of ~1e-7 of the T-scaled terms.
    grad_atol = 1e-5 if dtype == torch.float32 else 1e-9
    if not is_close(student.grad, ref_student.grad.to(dtype), tolerances(dtype)[0], grad_atol):
        ignored = _teacher_ignored(kd_loss, s, t, y, temperature, alpha, "kd_loss(...)")
        if ignored is not None:
            raise ignored
        expect_close(
            student.grad,
            ref_student.grad.to(dtype),
            what="The gradient of kd_loss with respect to student_logits",
            inputs=_show(s, t, y, temperature, alpha),
            mistakes=_gradient_mistakes(s, t, y, temperature, alpha),
            atol=grad_atol,
        )

    # The same with a teacher model: none of its parameters may receive a gradient.
    g = seeded(10)
    teacher_model = torch.nn.utils.skip_init(torch.nn.Linear, 4, 5, device=DEVICE, dtype=dtype)
    with torch.no_grad():  # seeded weights instead of the global RNG: the same run every time
        teacher_model.weight.copy_(randn(5, 4, dtype=dtype, generator=g))
        teacher_model.bias.copy_(randn(5, dtype=dtype, generator=g))
    features = randn(3, 4, dtype=dtype, generator=g)
    student = s.clone().requires_grad_(True)
    _backward(kd_loss(student, teacher_model(features), y, temperature, alpha), student)
    expect(
        all(p.grad is None for p in teacher_model.parameters()),
        "The teacher model's parameters received gradients when kd_loss got its logits straight "
        "from teacher(inputs).\n  Likely mistake: the teacher is not detached; use "
        "teacher_logits.detach() so that gradients reach the student only.",
    )


def _scaled_down_value(kd_loss, s, t, y, temperature: float, alpha: float):
    """The learner's value on the same logits scaled down to magnitude 3; None when it raises
    or returns no scalar tensor."""
    try:
        got = kd_loss((s * 3e-3).clone(), (t * 3e-3).clone(), y.clone(), temperature, alpha)
    except Exception:  # noqa: BLE001 - the other checks report the learner's errors
        return None
    if not isinstance(got, torch.Tensor) or got.numel() != 1:
        return None
    return got.detach()


EPS_BEFORE_LOG = (
    "the probabilities are clamped or given an eps before the log (torch.log(p + eps), "
    "p.clamp(min=eps).log()): finite, but log p of a large logit gap lies far below log(eps); "
    "get log-probabilities from F.log_softmax instead"
)


def _eps_mistake(got, s, t, y, temperature: float, alpha: float) -> dict[str, torch.Tensor]:
    """{EPS_BEFORE_LOG: value} for the eps-before-the-log variant (eps, clamp or add, on the
    student only, both sides, or the hard term too) nearest to the learner's value, in the
    inputs' dtype (expect_close names it only if it reproduces the value)."""
    if not isinstance(got, torch.Tensor) or got.numel() != 1:
        return {}
    target = float(got.detach().double().cpu().reshape(()))
    best, best_gap = None, math.inf
    for eps in (1e-4, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15, 1e-20, 1e-30):
        for clamp in (False, True):

            def log_of(logits: torch.Tensor, eps=eps, clamp=clamp) -> torch.Tensor:
                p = torch.softmax(logits, dim=-1)
                return (p.clamp(min=eps) if clamp else p + eps).log()

            for where in ("student", "both", "all"):
                log_p_s = log_of(s / temperature)
                exact_t = torch.log_softmax(t / temperature, dim=-1)
                log_p_t = exact_t if where == "student" else log_of(t / temperature)
                soft = (exact_t.exp() * (log_p_t - log_p_s)).sum() / s.shape[0]
                if where == "all":
                    hard = -log_of(s).gather(-1, y[:, None]).mean()
                else:
                    hard = F.cross_entropy(s, y)
                value = alpha * temperature**2 * soft + (1 - alpha) * hard
                gap = abs(float(value.double()) - target)
                if gap < best_gap:
                    best, best_gap = value, gap
    return {EPS_BEFORE_LOG: best} if best is not None else {}


@DTYPES
def test_stable_for_large_logits(dtype: torch.dtype) -> None:
    """Logits of magnitude 1e3 give a finite loss and finite gradients"""
    kd_loss = _kd_loss()
    s = torch.tensor([[1e3, -1e3, 0.0], [-1e3, 1e3, 5e2]], dtype=dtype, device=DEVICE)
    t = torch.tensor([[-1e3, 1e3, 0.0], [1e3, -1e3, -5e2]], dtype=dtype, device=DEVICE)
    y = torch.tensor([1, 2], device=DEVICE)
    # alpha = 0.3, not 0.5: with B = 2 and equal weights, "KL summed over the batch" and other
    # factor-2 mistakes would give the same value as each other. T = 0.05: logits / T of 2e4.
    alpha = 0.3
    for temperature in (1.0, 4.0, 0.05):
        student = s.clone().requires_grad_(True)
        loss = kd_loss(student, t.clone(), y, temperature=temperature, alpha=alpha)
        what = f"kd_loss(..., temperature={temperature:g}, alpha={alpha:g})"
        inputs = _show(s, t, y, temperature, alpha)
        value = loss.detach() if isinstance(loss, torch.Tensor) else torch.tensor(loss)
        if not all(bool(v) for v in torch.isfinite(value).reshape(-1).cpu()):
            small = _scaled_down_value(kd_loss, s, t, y, temperature, alpha)
            if small is not None and not bool(torch.isfinite(small)):
                cause = (
                    "  It is not finite for small logits either: the log of a negative number? "
                    f"Check: {MISTAKES['no_log_target']}."
                )
            else:
                cause = (
                    "  Common causes: torch.log(F.softmax(...)) underflows to log(0) = -inf "
                    "(and 0 * -inf = nan); torch.distributions' kl_divergence likewise returns "
                    "inf where a student probability underflows to 0; get log-probabilities "
                    "from F.log_softmax instead."
                )
            raise CheckFailure(
                f"kd_loss is not finite for logits of magnitude 1e3: got {fmt(loss)}.\n"
                f"  inputs:   {inputs}\n{cause}"
            )
        _backward(loss, student)
        expect_finite(
            student.grad,
            f"The gradient of kd_loss is not finite for logits of magnitude 1e3: "
            f"{fmt(student.grad)}.\n  inputs:   {inputs}\n  A common cause: a log of a "
            "probability that underflows to 0; work with F.log_softmax throughout.",
        )
        expected = _expected(s, t, y, temperature, alpha)
        tolerance = _tolerance(s, t, y, temperature, alpha)
        if _right(loss, expected, tolerance):
            continue
        ignored = _teacher_ignored(kd_loss, s, t, y, temperature, alpha, what)
        if ignored is not None:
            raise ignored
        expect_close(
            loss,
            expected,
            what=what,
            inputs=inputs,
            mistakes={
                **_eps_mistake(loss, s, t, y, temperature, alpha),
                **_mistakes(s, t, y, temperature, alpha),
            },
            **tolerance,
        )


@DTYPES
def test_batch_of_one(dtype: torch.dtype) -> None:
    """A batch of one sample works"""
    s, t, y = _inputs(1, 4, dtype, seed=11)
    _check_value(s, t, y, temperature=3.0, alpha=0.5)


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    batch=st.integers(1, 4),
    classes=st.integers(2, 6),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    temperature=st.sampled_from([0.05, 0.5, 1.0, 2.0, 3.5, 8.0]),
    alpha=st.sampled_from([0.0, 0.3, 0.5, 0.9, 1.0]),
    scale=st.sampled_from([0.3, 1.0, 3.0]),
    seed=st.integers(0, 2**16),
)
def test_matches_reference_on_random_inputs(
    batch: int,
    classes: int,
    dtype: torch.dtype,
    temperature: float,
    alpha: float,
    scale: float,
    seed: int,
) -> None:
    """kd_loss matches the reference on random shapes, dtypes, T and alpha"""
    s, t, y = _inputs(batch, classes, dtype, seed, scale)
    _check_value(s, t, y, temperature, alpha)


def test_inputs_are_not_modified() -> None:
    """The inputs are not modified in place"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(3, 5, torch.float32, seed=12)
    expect_unchanged(
        {"student_logits": s, "teacher_logits": t, "labels": y},
        lambda: kd_loss(s, t, y, temperature=4.0, alpha=0.5),
    )


def test_teacher_matters() -> None:
    """The loss changes when the teacher's soft outputs change"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(4, 5, torch.float64, seed=14)
    for temperature, alpha in ((2.0, 0.5), (4.0, 1.0)):
        what = f"kd_loss(..., temperature={temperature:g}, alpha={alpha:g})"
        ignored = _teacher_ignored(kd_loss, s, t, y, temperature, alpha, what)
        if ignored is not None:
            raise ignored
        _check_value(s, _nudged(t), y, temperature, alpha)


def test_default_arguments() -> None:
    """The defaults are temperature=4.0 and alpha=0.5"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(3, 5, torch.float64, seed=15)
    y = y % 3  # labels that leave out the last classes: F.one_hot(labels) would be too narrow
    # Positional arguments in the task's order first: the defaults are compared with them.
    _check_value(s, t, y, temperature=4.0, alpha=0.5, positional=True)
    calls = {
        "kd_loss(student_logits, teacher_logits, labels)": ({}, None, None),
        "kd_loss(student_logits, teacher_logits, labels, alpha=0.5)": (
            {"alpha": 0.5},
            "temperature",
            None,
        ),
        "kd_loss(student_logits, teacher_logits, labels, 4.0)": (
            {"temperature": 4.0},
            "alpha",
            4.0,
        ),
    }
    for what, (passed, varied, positional_t) in calls.items():
        if positional_t is not None:
            got = kd_loss(s.clone(), t.clone(), y.clone(), positional_t)
        else:
            got = kd_loss(s.clone(), t.clone(), y.clone(), **passed)
        wrong = {}
        for temperature in (1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 20.0):
            if varied in (None, "temperature"):
                wrong[f"the default temperature is {temperature:g}; the task's is 4.0"] = _expected(
                    s, t, y, temperature, passed.get("alpha", 0.5)
                )
        for alpha in (0.0, 0.1, 0.25, 0.3, 0.7, 0.9, 0.95, 0.99, 1.0):
            if varied in (None, "alpha"):
                wrong[f"the default alpha is {alpha:g}; the task's is 0.5"] = _expected(
                    s, t, y, passed.get("temperature", 4.0), alpha
                )
        expect_close(
            got,
            _expected(s, t, y, 4.0, 0.5),
            what=what + " (default arguments left out)",
            inputs=_show(s, t, y, 4.0, 0.5) + " (the task's defaults)",
            mistakes=wrong,
            **_tolerance(s, t, y, 4.0, 0.5),
        )


def _expect_accepted(kd_loss, s, t, y, temperature: float, alpha: float) -> None:
    try:
        kd_loss(s, t, y, temperature=temperature, alpha=alpha)
    except ValueError as exc:
        raise CheckFailure(
            f"kd_loss(..., temperature={temperature:g}, alpha={alpha:g}) raised "
            f"ValueError({str(exc)!r}), but alpha may be anywhere in [0, 1], ends included, "
            "and any temperature > 0 is valid."
        ) from None


def test_invalid_temperature_raises_value_error() -> None:
    """temperature <= 0 raises ValueError, whatever alpha is"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(3, 5, torch.float32, seed=13)
    for alpha in (0.5, 0.0, 1.0):
        for temperature in (0.0, -1.0, -1e-3):
            with expect_value_error(
                f"kd_loss(..., temperature={temperature:g}, alpha={alpha:g})", "temperature"
            ):
                kd_loss(s, t, y, temperature=temperature, alpha=alpha)
    with expect_value_error("kd_loss(..., temperature=0) with alpha left out", "temperature"):
        kd_loss(s, t, y, temperature=0.0)
    for temperature in (0.05, 1e-3, 100.0):
        for alpha in (0.0, 1.0, 0.5):
            _expect_accepted(kd_loss, s, t, y, temperature, alpha)


def test_invalid_alpha_raises_value_error() -> None:
    """alpha outside [0, 1] raises ValueError, whatever the temperature is"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(3, 5, torch.float32, seed=16)
    for temperature in (2.0, 1.0, 0.05):
        for alpha in (-0.1, 1.5, -1e-6, 1.0 + 1e-6):
            with expect_value_error(
                f"kd_loss(..., temperature={temperature:g}, alpha={alpha:g})", "alpha"
            ):
                kd_loss(s, t, y, temperature=temperature, alpha=alpha)
    with expect_value_error("kd_loss(..., alpha=1.5) with temperature left out", "alpha"):
        kd_loss(s, t, y, alpha=1.5)
    for alpha in (0.0, 1.0):
        _expect_accepted(kd_loss, s, t, y, 4.0, alpha)


def test_mismatched_shapes_raise_value_error() -> None:
    """Mismatched shapes raise ValueError, whatever alpha is"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(3, 5, torch.float32, seed=13)
    bad_shapes = {
        "student_logits (3, 5) and teacher_logits (3, 4)": (s, t[:, :4], y),
        "student_logits (3, 5) and teacher_logits (1, 5)": (s, t[:1], y),
        "student_logits (3, 5) and teacher_logits (1, 3, 5)": (s, t[None], y),
        "labels (4,) for a batch of 3": (s, t, torch.cat([y, y[:1]])),
        "labels (3, 1) instead of (3,)": (s, t, y[:, None]),
    }
    for alpha in (0.5, 0.0, 1.0):
        for described, (bad_s, bad_t, bad_y) in bad_shapes.items():
            with expect_value_error(f"kd_loss with {described}, alpha={alpha:g}", "shape"):
                kd_loss(bad_s, bad_t, bad_y, temperature=2.0, alpha=alpha)


# The exact device-mismatch errors of torch; any other error on meta tensors (e.g. reading a
# value with .item(), which has no data to read there) says nothing about devices.
DEVICE_ERRORS = (
    "is not on the expected device",
    "same device",
    "at least two devices",
    "device type tensor to numpy",
)


def test_new_tensors_follow_the_inputs_device() -> None:
    """Tensors the loss creates live on the inputs' device"""
    kd_loss = _kd_loss()
    # The meta device has shapes but no data: a tensor created without device= lands on the
    # CPU and mixing it in fails, as it would on a GPU (which this machine may not have).
    s = torch.empty(3, 5, device="meta")
    y = torch.zeros(3, dtype=torch.int64, device="meta")
    for alpha in (0.5, 0.0, 1.0):
        call = f"kd_loss(...) on inputs on the 'meta' device, alpha={alpha:g}"
        try:
            got = kd_loss(s, s.clone(), y, temperature=2.0, alpha=alpha)
        except NotImplementedError as exc:
            if "meta" not in str(exc):
                raise  # not implemented yet
            continue  # it copies data out of the meta tensors (e.g. .cpu()): cannot tell here
        except Exception as exc:  # noqa: BLE001 - only device errors count here
            if any(text in str(exc) for text in DEVICE_ERRORS):
                raise CheckFailure(
                    f"{call} raised {type(exc).__name__}: {str(exc).strip().splitlines()[0]}\n"
                    "  Your code uses a tensor that is not on the inputs' device (one created "
                    "without device= lands on the CPU; .numpy() needs a CPU tensor): create new "
                    "tensors with device=student_logits.device (or torch.zeros_like, "
                    "F.one_hot(labels, C), ...) and stay in torch."
                ) from None
            continue
        expect(
            not isinstance(got, torch.Tensor) or got.device.type == "meta",
            f"{call} returned a tensor on {getattr(got, 'device', '?')}; results live on the "
            "inputs' device: create new tensors with device=student_logits.device.",
        )
