"""Hidden checks for exercise 7: `ctr_distillation_loss` (soft-label distillation of a binary CTR
model) and `pfd_joint_loss` (privileged features distillation, Xu et al., KDD 2020).

Expected values come from the reference solution, computed in float64 and cast to the inputs'
dtype. Each common mistake is recomputed here (`_mistaken_ctr`, `_mistaken_pfd`) on the same
inputs, so that a wrong value or gradient is reported together with the mistake that produces it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from functools import partial

import pytest
import torch
import torch.nn.functional as F
from hypothesis import Phase, example, given, settings
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

EXERCISE = "exercise_7"
CTR = "ctr_distillation_loss"
PFD = "pfd_joint_loss"
SIGNATURES = {
    CTR: "(student_logits, teacher_logits, labels, alpha=0.5, temperature=1.0)",
    PFD: "(student_logits, teacher_logits, labels, lam=0.5)",
}


# --------------------------------------------------------------------------------------------
# Getting the functions


def _function(module: object, name: str, where: str) -> Callable[..., torch.Tensor]:
    keywords = {"alpha": 0.5, "temperature": 1.0} if name == CTR else {"lam": 0.5}
    return require_function(
        module,
        name,
        SIGNATURES[name],
        where,
        student_logits=None,
        teacher_logits=None,
        labels=None,
        **keywords,
    )


def mine(name: str) -> Callable[..., torch.Tensor]:
    return _function(learner(EXERCISE), name, f"exercises/{EXERCISE}.py")


def ref(name: str) -> Callable[..., torch.Tensor]:
    return _function(reference(EXERCISE), name, f"solutions/{EXERCISE}.py")


@pytest.fixture(autouse=True)
def _grad_mode_restored() -> Iterator[None]:
    """A learner who switches autograd off globally must not break the following checks."""
    yield
    torch.set_grad_enabled(True)


# --------------------------------------------------------------------------------------------
# ctr_distillation_loss: the common mistakes, in a learner's words, and the value of each

LABELS_FLOAT32 = (
    "the labels are cast with labels.float() (which gives float32; use "
    "labels.to(student_logits.dtype)), so the label term is computed in float32"
)
CTR_MISTAKES = {
    "no_t2": "the soft term is not scaled by T² (multiply it by temperature ** 2)",
    "t_not_t2": "the soft term is multiplied by T instead of T²",
    "t2_whole": "T² multiplies the whole loss; it scales the soft term only",
    "no_t_student": "the student's logits are not divided by T in the soft term: compare "
    "s / T with the teacher's σ(t / T), both at the same temperature",
    "no_t_teacher": "the teacher's logits are not divided by T: the soft target is σ(t / T)",
    "t_times": "the logits are multiplied by T instead of divided by it",
    "hard_teacher": "the teacher's probability is rounded to a hard 0/1 label; the soft target "
    "is the probability σ(t / T) itself",
    "mse_probs": "the soft term is an MSE between the probabilities σ(s / T) and σ(t / T); it is "
    "the BCE of the student's logits s / T against the target σ(t / T)",
    "mse_logits": "the soft term is an MSE between the logits; it is the BCE of s / T against "
    "the target σ(t / T)",
    "logit_target": "the teacher's logits are used as the target; the target is the "
    "probability σ(t / T)",
    "binary_kl": "the soft term is the binary KL divergence (the BCE minus the teacher's "
    "entropy); the task asks for the BCE itself, BCE(s / T, σ(t / T))",
    "bce_probs": "the BCE is computed from probabilities (torch.sigmoid, then "
    "F.binary_cross_entropy): at logits of 1e3 sigmoid rounds to exactly 0 or 1 and BCELoss "
    "clamps log(0) to −100; use F.binary_cross_entropy_with_logits on the logits",
    "hard_at_t": "the label term is computed on s / T; it uses the plain logits s (temperature 1)",
    "hard_teacher_labels": "the label term uses the teacher's rounded predictions as labels; it "
    "uses the true labels",
    "swap_alpha": "alpha and 1 - alpha are swapped: alpha weighs the soft (teacher) term and "
    "1 - alpha the label term",
    "hard_unweighted": "the label term is not weighted by 1 - alpha",
    "soft_unweighted": "the soft term is not weighted by alpha",
    "soft_sum": "the soft term is summed over the batch instead of averaged",
    "hard_sum": "the label term is summed over the batch instead of averaged",
    "labels_float32": LABELS_FLOAT32,
    "soft_no_grad": "no gradient flows through the soft term: the student's logits are detached "
    "(or the term is computed under torch.no_grad()) there; only the teacher may be detached",
}
CTR_GRADIENT_ONLY = {"soft_no_grad"}


def _bce(logits: torch.Tensor, target: torch.Tensor, mistake: str, total: bool = False):
    """BCE of logits against targets, the right way, or from probabilities for `bce_probs`."""
    reduction = "sum" if total else "mean"
    if mistake == "bce_probs":
        return F.binary_cross_entropy(torch.sigmoid(logits), target, reduction=reduction)
    return F.binary_cross_entropy_with_logits(logits, target, reduction=reduction)


def _mistaken_ctr(s, t, y, alpha: float, temperature: float, mistake: str) -> torch.Tensor:
    """ctr_distillation_loss with one common mistake (or none for ""), in float64.

    Differentiable with respect to `s` when `s` requires grad; the teacher is always detached.
    """
    T = temperature
    s, t, y = s.double(), t.detach().double(), y.double()
    soft_s = {"no_t_student": s, "t_times": s * T}.get(mistake, s / T)
    soft_t = {"no_t_teacher": t, "t_times": t * T}.get(mistake, t / T)
    target = torch.sigmoid(soft_t)
    if mistake == "hard_teacher":
        target = (target > 0.5).double()
    student = soft_s.detach() if mistake == "soft_no_grad" else soft_s
    if mistake == "mse_probs":
        soft = F.mse_loss(torch.sigmoid(student), target)
    elif mistake == "mse_logits":
        soft = F.mse_loss(student, soft_t)
    elif mistake == "logit_target":
        soft = F.binary_cross_entropy_with_logits(student, soft_t)
    elif mistake == "binary_kl":
        soft = _bce(student, target, "") - F.binary_cross_entropy_with_logits(soft_t, target)
    else:
        soft = _bce(student, target, mistake, total=mistake == "soft_sum")
    scale = {"no_t2": 1.0, "t_not_t2": T, "t2_whole": 1.0}.get(mistake, T * T)
    hard_logits = s / T if mistake == "hard_at_t" else s
    labels = (t > 0).double() if mistake == "hard_teacher_labels" else y
    if mistake == "labels_float32":
        labels = y.float()
    hard = _bce(hard_logits, labels, mistake, total=mistake == "hard_sum")
    a_soft, a_hard = {
        "swap_alpha": (1.0 - alpha, alpha),
        "hard_unweighted": (alpha, 1.0),
        "soft_unweighted": (1.0, 1.0 - alpha),
    }.get(mistake, (alpha, 1.0 - alpha))
    loss = a_soft * scale * soft + a_hard * hard
    return loss * T * T if mistake == "t2_whole" else loss


def _ctr_mistakes(s, t, y, alpha: float, T: float, first: str = "") -> dict:
    right = _mistaken_ctr(s, t, y, alpha, T, "")
    values = {}
    for mistake in CTR_MISTAKES:
        if mistake in CTR_GRADIENT_ONLY:
            continue
        value = _mistaken_ctr(s, t, y, alpha, T, mistake)
        if bool(torch.isfinite(value)) and not is_close(value, right, rtol=1e-12, atol=1e-15):
            values[mistake] = value.to(s.dtype)
    return named_mistakes(values, CTR_MISTAKES, first)


def _ctr_gradient_mistakes(s, t, y, alpha: float, T: float) -> dict:
    values = {}
    for mistake in CTR_MISTAKES:
        student = s.detach().double().requires_grad_(True)
        _mistaken_ctr(student, t, y, alpha, T, mistake).backward()
        values[mistake] = student.grad.to(s.dtype)
    return named_mistakes(values, CTR_MISTAKES)


# --------------------------------------------------------------------------------------------
# pfd_joint_loss: the common mistakes and the value of each

PFD_MISTAKES = {
    "teacher_not_detached": "the teacher is not detached in the distillation term, so "
    "λ·BCE(s, σ(t)) also pulls the teacher towards the student; use σ(t).detach() as the "
    "student's target",
    "teacher_fully_detached": "the teacher receives no gradient at all: it is detached "
    "everywhere (or its BCE(t, y) term is computed under torch.no_grad()); in PFD the teacher is "
    "trained in the same step from its own BCE(t, y), only its target for the student is detached",
    "no_teacher_term": "the teacher's own term BCE(t, y) is missing; the joint loss trains the "
    "teacher too",
    "teacher_grads_swapped": "the teacher learns from the wrong term: σ(t) is not detached in "
    "the distillation term while its own BCE(t, y) is; detach σ(t) (the student's target) and "
    "let BCE(t, y) train the teacher",
    "teacher_term_lam": "the teacher's term is weighted by λ; it has weight 1",
    "teacher_term_one_minus": "the teacher's term is weighted by 1 − λ; it has weight 1",
    "swap_lam": "λ and 1 − λ are swapped: λ weighs the distillation term BCE(s, σ(t)) and "
    "1 − λ the student's label term BCE(s, y)",
    "no_one_minus": "the student's label term is not weighted by 1 − λ",
    "hard_teacher": "the teacher's probability is rounded to a hard 0/1 label; the student's "
    "target is the probability σ(t) itself",
    "mse_probs": "the distillation term is an MSE between σ(s) and σ(t); it is the BCE of the "
    "student's logits against the target σ(t)",
    "mse_logits": "the distillation term is an MSE between the logits; it is BCE(s, σ(t))",
    "reverse": "the distillation runs the wrong way: BCE(t, σ(s)) trains the teacher towards "
    "the student; it is BCE(s, σ(t)), the student towards the teacher",
    "bce_probs": "the BCEs are computed from probabilities (torch.sigmoid, then "
    "F.binary_cross_entropy): at logits of 1e3 sigmoid rounds to exactly 0 or 1 and BCELoss "
    "clamps log(0) to −100; use F.binary_cross_entropy_with_logits on the logits",
    "temperature": "the distillation term uses a temperature (s / T and σ(t / T)) or a T² "
    "factor; PFD's loss has none",
    "labels_float32": LABELS_FLOAT32,
    "student_no_grad": "no gradient flows through the distillation term into the student: the "
    "student's logits are detached there",
}
PFD_GRADIENT_ONLY = {
    "teacher_not_detached",
    "teacher_fully_detached",
    "teacher_grads_swapped",
    "student_no_grad",
}


def _mistaken_pfd(s, t, y, lam: float, mistake: str) -> torch.Tensor:
    """pfd_joint_loss with one common mistake (or none for ""), in float64; differentiable with
    respect to `s` and `t` when they require grad."""
    s, t, y = s.double(), t.double(), y.double()
    source = t if mistake in ("teacher_not_detached", "teacher_grads_swapped") else t.detach()
    if mistake == "temperature":
        # The nearest "temperature" mistake: T = 2 in the distillation term, with T².
        target = torch.sigmoid(source / 2)
        distill = 4 * F.binary_cross_entropy_with_logits(s / 2, target)
    else:
        target = torch.sigmoid(source)
        if mistake == "hard_teacher":
            target = (target > 0.5).double()
        student = s.detach() if mistake == "student_no_grad" else s
        if mistake == "mse_probs":
            distill = F.mse_loss(torch.sigmoid(student), target)
        elif mistake == "mse_logits":
            distill = F.mse_loss(student, source)
        elif mistake == "reverse":
            distill = F.binary_cross_entropy_with_logits(t, torch.sigmoid(s.detach()))
        else:
            distill = _bce(student, target, mistake)
    w_hard, w_distill = {"swap_lam": (lam, 1 - lam), "no_one_minus": (1.0, lam)}.get(
        mistake, (1 - lam, lam)
    )
    detached = mistake in ("teacher_fully_detached", "teacher_grads_swapped")
    teacher_logits = t.detach() if detached else t
    teacher = _bce(teacher_logits, y, mistake)
    w_teacher = {
        "no_teacher_term": 0.0,
        "teacher_term_lam": lam,
        "teacher_term_one_minus": 1 - lam,
    }.get(mistake, 1.0)
    student_labels = y.float() if mistake == "labels_float32" else y
    return w_hard * _bce(s, student_labels, mistake) + w_distill * distill + w_teacher * teacher


def _pfd_mistakes(s, t, y, lam: float, first: str = "") -> dict:
    right = _mistaken_pfd(s, t, y, lam, "")
    values = {}
    for mistake in PFD_MISTAKES:
        if mistake in PFD_GRADIENT_ONLY:
            continue
        value = _mistaken_pfd(s, t, y, lam, mistake)
        if bool(torch.isfinite(value)) and not is_close(value, right, rtol=1e-12, atol=1e-15):
            values[mistake] = value.to(s.dtype)
    return named_mistakes(values, PFD_MISTAKES, first)


def _pfd_gradient_mistakes(s, t, y, lam: float, wrt: str) -> dict:
    """The gradient with respect to the student's (wrt="s") or teacher's ("t") logits that each
    mistake produces; mistakes that leave no gradient there are skipped."""
    values = {}
    for mistake in PFD_MISTAKES:
        student = s.detach().double().requires_grad_(True)
        teacher = t.detach().double().requires_grad_(True)
        _mistaken_pfd(student, teacher, y, lam, mistake).backward()
        grad = student.grad if wrt == "s" else teacher.grad
        if grad is not None:
            values[mistake] = grad.to(s.dtype)
    return named_mistakes(values, PFD_MISTAKES)


# --------------------------------------------------------------------------------------------
# Inputs, expected values and tolerances


def _inputs(batch: int, dtype: torch.dtype, seed: int, scale: float = 2.0):
    """Seeded (student_logits, teacher_logits, labels as float 0/1 of the logits' dtype)."""
    g = seeded(seed)
    s = randn(batch, dtype=dtype, scale=scale, generator=g)
    t = randn(batch, dtype=dtype, scale=scale, generator=g)
    y = (torch.rand(batch, generator=g) < 0.5).to(dtype).to(DEVICE)
    return s, t, y


def _expected(name: str, s, t, y, **params: float) -> torch.Tensor:
    """The reference's value, computed in float64 and cast to the student's dtype."""
    with torch.no_grad():
        return ref(name)(s.double(), t.double(), y.double(), **params).to(s.dtype)


def _tolerance(s, t, temperature: float = 1.0) -> dict[str, float]:
    """The contract's tolerances, with float32's atol widened to what float32 can resolve.

    A float32 BCE of a logit z is softplus(z) − y·z: two terms of size |z| whose difference keeps
    ~1e-7 of |z|, multiplied by T² in the soft term; atol is 1e-5 of the size of those terms.
    """
    rtol, atol = tolerances(s.dtype)
    if s.dtype == torch.float64:
        return {"rtol": rtol, "atol": atol}
    size = float((s.detach().abs() + t.detach().abs()).double().mean()) + 1.0
    return {"rtol": rtol, "atol": max(atol, 1e-5 * size * max(1.0, temperature))}


def _show(s, t, y, **params: float) -> str:
    extra = "".join(f", {k}={v:g}" for k, v in params.items())
    return f"student_logits={fmt(s, 3)}, teacher_logits={fmt(t, 3)}, labels={fmt(y)}{extra}"


def _call(name: str, s, t, y, **params: float) -> torch.Tensor:
    """The learner's function on copies (so in-place edits cannot change the expected value)."""
    return mine(name)(s.clone(), t.clone(), y.clone(), **params)


def _what(name: str, **params: float) -> str:
    return f"{name}(..., " + ", ".join(f"{k}={v:g}" for k, v in params.items()) + ")"


def _expect_close_lazy(
    got: object,
    expected: torch.Tensor,
    mistakes: Callable[[], dict],
    *,
    teacher: tuple[str, float] | None = None,
    float32: Callable[[], torch.Tensor] | None = None,
    **kwargs: object,
) -> None:
    """expect_close, computing the (many) mistaken values only when the learner's value is off.

    `teacher` = (function name, temperature): when the value is off, first find out whether the
    learner's function ignores the teacher, and say so. `float32`: the value computed in float32
    (cast back), for float64 inputs; a float32 computation is defined only to float32's
    resolution (its last digits depend on the order of operations), so within a few float32
    steps of it the learner's value is that mistake's.
    """
    if not (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and got.dtype == expected.dtype
        and got.device == expected.device
    ):
        expect_close(got, expected, mistakes={}, **kwargs)  # type: ignore[arg-type]
        return
    if is_close(got, expected, rtol=kwargs["rtol"], atol=kwargs["atol"]):  # type: ignore[arg-type]
        return
    if teacher is not None:
        _expect_teacher_used(*teacher)
    named = mistakes()
    if float32 is not None and expected.dtype == torch.float64:
        value = float32()
        gap = float((got.detach() - value).abs().max())
        # Within float32's resolution of it, and much nearer to it than it is to the right value.
        if is_close(got, value, rtol=1e-6, atol=1e-7) and 4 * gap < float(
            (value - expected).abs().max()
        ):
            # First: a diagnosis from scaled-down inputs (at 1e3) cannot tell float32 from a clamp.
            named = {FLOAT32_MISTAKE: got.detach(), **named}
    expect_close(got, expected, mistakes=named, **kwargs)  # type: ignore[arg-type]


FLOAT32_MISTAKE = (
    "part of the computation runs in float32 for float64 inputs, e.g. labels.float() (which "
    "gives float32; use labels.to(student_logits.dtype)) or a new tensor created without the "
    "logits' dtype"
)


def _in_float32(name: str, s, t, y, **params: float) -> Callable[[], torch.Tensor]:
    """The reference's value computed in float32, as float64."""

    def value() -> torch.Tensor:
        with torch.no_grad():
            return ref(name)(s.float(), t.float(), y.float(), **params).double()

    return value


# --------------------------------------------------------------------------------------------
# Does the teacher matter?

TEACHER_CHANGE = (
    "the teacher's logits were scaled by 1.3 (the same signs, so the same hard 0/1 labels and the "
    "same order)"
)
PROBE_STUDENT = [1.5, 2.0, -1.0, 0.8, -2.2]
PROBE_TEACHER = [1.0, 2.5, -0.7, 0.4, -1.6]
PROBE_LABELS = [1.0, 0.0, 0.0, 1.0, 1.0]
"""Student and teacher logits of the same signs: moving the teacher's probabilities away from ½
moves every soft term the same way, so the changes cannot cancel out."""


def _teacher_ignored(name: str, temperature: float = 1.0, strict: bool = False) -> bool:
    """True when the learner's `name` gives the same result for the teacher's logits and for the
    same logits scaled by 1.3 (alpha = lam = 0.5; float64; logits scaled by T).

    ctr_distillation_loss: its value. pfd_joint_loss: the student's gradient, which depends on the
    teacher only through the distillation term (its value also holds the teacher's own BCE).
    False when the learner's code fails here (the other checks report that), unless `strict`:
    then its errors propagate and a result that cannot tell fails the check.
    """
    options = {"dtype": torch.float64, "device": DEVICE}
    scale = temperature if name == CTR else 1.0
    s = torch.tensor(PROBE_STUDENT, **options) * scale
    t = torch.tensor(PROBE_TEACHER, **options) * scale
    y = torch.tensor(PROBE_LABELS, **options)
    params = {"alpha": 0.5, "temperature": temperature} if name == CTR else {"lam": 0.5}
    results = []
    for teacher in (t, t * 1.3):
        student = s.clone().requires_grad_(name == PFD)
        try:
            loss = mine(name)(student, teacher.clone(), y.clone(), **params)
            if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
                raise CheckFailure(f"{name} should return a 0-dim tensor, got {fmt(loss)}.")
            if name == PFD:
                _backward(PFD, loss, student)
                assert student.grad is not None
                results.append(student.grad.detach())
            else:
                results.append(loss.detach())
        except Exception:  # noqa: BLE001 - only a diagnosis; the main checks report errors
            if strict:
                raise
            return False
    return bool(torch.equal(results[0], results[1])) or is_close(
        results[0], results[1], rtol=1e-12, atol=1e-15
    )


def _expect_teacher_used(name: str, temperature: float = 1.0, strict: bool = False) -> None:
    """Fail with the teacher-ignored message when the learner's `name` ignores the teacher."""
    if _teacher_ignored(name, temperature, strict):
        if name == CTR:
            what = f"{CTR}(..., alpha=0.5, temperature={temperature:g})"
        else:
            what = f"The gradient of {PFD}(..., lam=0.5) with respect to student_logits"
        raise teacher_ignored(what, TEACHER_CHANGE)


def _check_ctr(s, t, y, alpha: float, temperature: float, first: str = "") -> None:
    params = {"alpha": alpha, "temperature": temperature}
    _expect_close_lazy(
        _call(CTR, s, t, y, **params),
        _expected(CTR, s, t, y, **params),
        lambda: _ctr_mistakes(s, t, y, alpha, temperature, first),
        teacher=(CTR, temperature) if alpha > 0 else None,
        float32=_in_float32(CTR, s, t, y, **params),
        what=_what(CTR, **params),
        inputs=_show(s, t, y, **params),
        **_tolerance(s, t, temperature),
    )


def _check_pfd(s, t, y, lam: float, first: str = "") -> None:
    _expect_close_lazy(
        _call(PFD, s, t, y, lam=lam),
        _expected(PFD, s, t, y, lam=lam),
        lambda: _pfd_mistakes(s, t, y, lam, first),
        teacher=(PFD, 1.0) if lam > 0 else None,
        float32=_in_float32(PFD, s, t, y, lam=lam),
        what=_what(PFD, lam=lam),
        inputs=_show(s, t, y, lam=lam),
        **_tolerance(s, t),
    )


def _backward(name: str, loss: object, student: torch.Tensor) -> None:
    """loss.backward(), failing with a clear message when the student cannot get a gradient."""
    expect(
        isinstance(loss, torch.Tensor) and loss.requires_grad,
        f"{name}'s result does not require grad, so the student cannot learn from it; do not "
        "compute the loss under torch.no_grad(), detach the student's logits, or build the "
        "result from Python numbers (.item()).",
    )
    assert isinstance(loss, torch.Tensor)
    expect(
        loss.dim() == 0,
        f"{name} should return a 0-dim (scalar) tensor; got shape {tuple(loss.shape)}. Average "
        "over the batch.",
    )
    loss.backward()
    expect(
        student.grad is not None,
        f"student_logits.grad is None after {name}(...).backward(); the loss must depend on the "
        "student's logits through differentiable operations.",
    )


# --------------------------------------------------------------------------------------------
# The checks: ctr_distillation_loss


def test_ctr_soft_term() -> None:
    """The soft term is T² · BCE(s / T, σ(t / T))"""
    s, t, y = _inputs(4, torch.float64, seed=1)
    _check_ctr(s, t, y, alpha=1.0, temperature=3.0, first="no_t2")


def test_ctr_alpha_and_label_term() -> None:
    """alpha weighs the soft term, 1 − alpha the label BCE at temperature 1"""
    s, t, y = _inputs(5, torch.float64, seed=2)
    _check_ctr(s, t, y, alpha=0.25, temperature=2.5, first="swap_alpha")
    _check_ctr(s, t, y, alpha=0.0, temperature=4.0, first="hard_at_t")


@DTYPES
def test_ctr_gradients(dtype: torch.dtype) -> None:
    """The teacher receives no gradient; the student gets the right one"""
    ctr = mine(CTR)
    s, t, y = _inputs(4, dtype, seed=3)
    alpha, temperature = 0.4, 2.5  # T² ≠ B, so that "T² on the whole loss" and sums differ
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)  # as if the teacher's graph were still attached
    loss = ctr(student, teacher, y.clone(), alpha=alpha, temperature=temperature)
    _backward(CTR, loss, student)
    expect(
        teacher.grad is None,
        "The teacher received a gradient: after loss.backward(), teacher_logits.grad is a tensor "
        "but should stay None.\n  Likely mistake: the teacher is not detached; use "
        "torch.sigmoid(teacher_logits.detach() / T) (or compute it under torch.no_grad()) as the "
        "soft target.",
    )
    ref_student = s.detach().double().requires_grad_(True)
    ref(CTR)(ref_student, t.double(), y.double(), alpha, temperature).backward()
    _expect_close_lazy(
        student.grad,
        ref_student.grad.to(dtype),
        lambda: _ctr_gradient_mistakes(s, t, y, alpha, temperature),
        what=f"The gradient of {CTR} with respect to student_logits",
        inputs=_show(s, t, y, alpha=alpha, temperature=temperature),
        rtol=tolerances(dtype)[0],
        atol=1e-5 if dtype == torch.float32 else tolerances(dtype)[1],
    )

    # The same with a teacher model: none of its parameters may receive a gradient.
    g = seeded(4)
    model = torch.nn.Linear(3, 1, device=DEVICE, dtype=dtype)
    with torch.no_grad():  # seeded weights, so that every run sees the same teacher
        model.weight.copy_(randn(1, 3, dtype=dtype, generator=g))
        model.bias.copy_(randn(1, dtype=dtype, generator=g))
    features = randn(4, 3, dtype=dtype, generator=g)
    student = s.clone().requires_grad_(True)
    loss = ctr(
        student, model(features).squeeze(-1), y.clone(), alpha=alpha, temperature=temperature
    )
    _backward(CTR, loss, student)
    expect(
        all(p.grad is None for p in model.parameters()),
        f"The teacher model's parameters received gradients when {CTR} got its logits straight "
        "from teacher(inputs).\n  Likely mistake: the teacher is not detached; use "
        "teacher_logits.detach() so that gradients reach the student only.",
    )


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    batch=st.integers(1, 6),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    alpha=st.sampled_from([0.0, 0.3, 0.5, 0.9, 1.0]),
    temperature=st.sampled_from([0.5, 1.0, 2.0, 4.0]),
    scale=st.sampled_from([0.5, 2.0, 6.0]),
    seed=st.integers(0, 2**16),
)
@example(batch=1, dtype=torch.float32, alpha=0.5, temperature=2.0, scale=2.0, seed=0)
def test_ctr_matches_reference_on_random_inputs(
    batch: int, dtype: torch.dtype, alpha: float, temperature: float, scale: float, seed: int
) -> None:
    """ctr_distillation_loss matches the reference on random batches, dtypes, T and alpha"""
    s, t, y = _inputs(batch, dtype, seed, scale)
    _check_ctr(s, t, y, alpha, temperature)


def _scaled_down(name: str, s, t, y, **params: float):
    """(learner's value, reference value) on the same logits scaled down to magnitude ~3; the
    learner's value is None when it raises or returns no scalar tensor."""
    small_s, small_t = s * 3e-3, t * 3e-3
    expected = _expected(name, small_s, small_t, y, **params)
    try:
        got = _call(name, small_s, small_t, y, **params)
    except Exception:  # noqa: BLE001 - the other checks report the learner's errors
        return None, expected
    if not isinstance(got, torch.Tensor) or got.numel() != 1:
        return None, expected
    return got.detach(), expected


def _check_large_logits(name: str, dtype: torch.dtype, **params: float) -> None:
    """Finite value and gradients at logits of ±1e3, and the right value there."""
    s = torch.tensor([1e3, -1e3, 5e2, -2.0, 1e3], dtype=dtype, device=DEVICE)
    t = torch.tensor([-1e3, 1e3, 3.0, 1e3, 1e3], dtype=dtype, device=DEVICE)
    y = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0], dtype=dtype, device=DEVICE)
    inputs = _show(s, t, y, **params)
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(name == PFD)
    loss = mine(name)(student, teacher, y.clone(), **params)
    value = loss.detach() if isinstance(loss, torch.Tensor) else torch.tensor(float(loss))
    expect_finite(
        value,
        f"{_what(name, **params)} is not finite for logits of magnitude 1e3: got {fmt(value)}.\n"
        f"  inputs:   {inputs}\n  Likely mistake: torch.log(torch.sigmoid(x)) or "
        "torch.log(1 - torch.sigmoid(x)) gives log(0) = -inf (and 0·(-inf) = nan), or exp(x) "
        "overflows; work on the logits with F.binary_cross_entropy_with_logits (or F.logsigmoid).",
    )
    _backward(name, loss, student)
    grads = {"student_logits": student.grad, "teacher_logits": teacher.grad}
    for which, grad in grads.items():
        if grad is None:  # the teacher of ctr_distillation_loss: no grad, checked elsewhere
            continue
        expect_finite(
            grad,
            f"The gradient of {name} with respect to {which} is not finite for logits of "
            f"magnitude 1e3: {fmt(grad)}.\n  inputs:   {inputs}\n  Likely mistake: a log of a "
            "probability that rounds to 0; work on the logits with "
            "F.binary_cross_entropy_with_logits.",
        )
    expected = _expected(name, s, t, y, **params)

    def mistakes() -> dict:
        if name == CTR:
            alpha, temperature = params["alpha"], params["temperature"]
            named = _ctr_mistakes(s, t, y, alpha, temperature, first="bce_probs")
        else:
            named = _pfd_mistakes(s, t, y, params["lam"], first="bce_probs")
        small, small_expected = _scaled_down(name, s, t, y, **params)
        if small is not None and is_close(small, small_expected, rtol=1e-3, atol=1e-5):
            # Right for ordinary logits, wrong at 1e3: a clamp or an eps somewhere in the logs.
            named[
                "the probabilities are clamped or given an eps before the log, or "
                "F.binary_cross_entropy clamps log(0) to −100 (finite, but wrong for a large "
                "logit gap); work on the logits with F.binary_cross_entropy_with_logits"
            ] = value
        return named

    _expect_close_lazy(
        loss,
        expected,
        mistakes,
        teacher=(name, params.get("temperature", 1.0)),
        float32=_in_float32(name, s, t, y, **params),
        what=f"{_what(name, **params)} at logits of magnitude 1e3",
        inputs=inputs,
        **_tolerance(s, t, params.get("temperature", 1.0)),
    )


@DTYPES
def test_ctr_stable_for_large_logits(dtype: torch.dtype) -> None:
    """ctr_distillation_loss is right, with finite gradients, at logits of ±1e3"""
    for temperature in (1.0, 4.0):
        _check_large_logits(CTR, dtype, alpha=0.3, temperature=temperature)


def test_ctr_invalid_arguments_raise_value_error() -> None:
    """Bad temperature or alpha raise ValueError, whatever the other arguments"""
    ctr = mine(CTR)
    s, t, y = _inputs(3, torch.float32, seed=5)
    # Each bad value under the other parameter's corners: alpha 0 and 1 (a term drops out), the
    # default (omitted), a tiny or a large temperature.
    bad_temperatures = [(0.0, {"alpha": 0.5}), (-1.0, {"alpha": 0.5}), (0.0, {"alpha": 0.0})]
    bad_temperatures += [(-1e-9, {"alpha": 1.0}), (-2.0, {"alpha": 0.0}), (0.0, {})]
    for temperature, others in bad_temperatures:
        shown = "".join(f", {k}={v:g}" for k, v in others.items())
        with expect_value_error(f"{CTR}(...{shown}, temperature={temperature:g})", "temperature"):
            ctr(s, t, y, temperature=temperature, **others)
    bad_alphas = [(-0.1, {"temperature": 2.0}), (1.5, {"temperature": 2.0})]
    bad_alphas += [(-1e-9, {"temperature": 0.05}), (1.0 + 1e-9, {}), (2.0, {"temperature": 1.0})]
    for alpha, others in bad_alphas:
        shown = "".join(f", {k}={v:g}" for k, v in others.items())
        with expect_value_error(f"{CTR}(..., alpha={alpha:.10g}{shown})", "alpha"):
            ctr(s, t, y, alpha=alpha, **others)
    for temperature, alpha in ((0.5, 0.0), (0.5, 1.0), (0.05, 1.0), (0.05, 0.0), (1e-3, 0.5)):
        try:
            ctr(s, t, y, alpha=alpha, temperature=temperature)
        except ValueError as exc:
            raise CheckFailure(
                f"{CTR}(..., alpha={alpha:g}, temperature={temperature:g}) raised "
                f"ValueError({str(exc)!r}), but alpha may be anywhere in [0, 1], ends included, "
                "and any temperature > 0 is valid."
            ) from None


def test_ctr_teacher_matters() -> None:
    """ctr_distillation_loss changes with the teacher's soft outputs"""
    for temperature in (1.0, 3.0, 0.05):
        _expect_teacher_used(CTR, temperature, strict=True)


@DTYPES
def test_ctr_small_temperatures(dtype: torch.dtype) -> None:
    """ctr_distillation_loss is right at small temperatures (down to 0.05)"""
    s, t, y = _inputs(6, dtype, seed=13, scale=3.0)
    for alpha, temperature in ((0.7, 0.05), (1.0, 0.2)):
        _check_ctr(s, t, y, alpha, temperature)


# --------------------------------------------------------------------------------------------
# The checks: pfd_joint_loss


@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    batch=st.integers(1, 6),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    lam=st.sampled_from([0.0, 0.2, 0.5, 0.9, 1.0]),
    scale=st.sampled_from([0.5, 2.0, 6.0]),
    seed=st.integers(0, 2**16),
)
@example(batch=4, dtype=torch.float64, lam=0.3, scale=2.0, seed=6)
@example(batch=1, dtype=torch.float32, lam=0.5, scale=2.0, seed=7)
def test_pfd_matches_reference_on_random_inputs(
    batch: int, dtype: torch.dtype, lam: float, scale: float, seed: int
) -> None:
    """pfd_joint_loss = (1 − λ)·BCE(s, y) + λ·BCE(s, σ(t)) + BCE(t, y) on random inputs"""
    s, t, y = _inputs(batch, dtype, seed, scale)
    _check_pfd(s, t, y, lam)


@DTYPES
def test_pfd_teacher_gradient(dtype: torch.dtype) -> None:
    """In PFD the teacher's gradient is that of its own BCE term alone"""
    pfd = mine(PFD)
    s, t, y = _inputs(5, dtype, seed=8)
    lam = 0.7
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)
    _backward(PFD, pfd(student, teacher, y.clone(), lam=lam), student)
    expect(
        teacher.grad is not None,
        "teacher_logits.grad is None after loss.backward(): the teacher received no gradient.\n"
        f"  Likely mistake: {PFD_MISTAKES['teacher_fully_detached']}; or: "
        f"{PFD_MISTAKES['no_teacher_term']}.",
    )
    # What the teacher must get: the gradient of its own BCE term, by autograd.
    own = t.detach().clone().requires_grad_(True)
    F.binary_cross_entropy_with_logits(own, y).backward()
    assert own.grad is not None
    _expect_close_lazy(
        teacher.grad,
        own.grad,
        lambda: _pfd_gradient_mistakes(s, t, y, lam, wrt="t"),
        what=f"The gradient of {PFD} with respect to teacher_logits (it should be the gradient "
        "of BCE(teacher_logits, labels) alone)",
        inputs=_show(s, t, y, lam=lam),
        **dict(zip(("rtol", "atol"), tolerances(dtype), strict=True)),
    )


@DTYPES
def test_pfd_student_gradient(dtype: torch.dtype) -> None:
    """In PFD the student learns from the labels and the teacher's fixed prediction"""
    s, t, y = _inputs(5, dtype, seed=9)
    lam = 0.7
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)
    _backward(PFD, mine(PFD)(student, teacher, y.clone(), lam=lam), student)
    ref_student = s.detach().double().requires_grad_(True)
    ref(PFD)(ref_student, t.double(), y.double(), lam).backward()
    _expect_close_lazy(
        student.grad,
        ref_student.grad.to(dtype),
        lambda: _pfd_gradient_mistakes(s, t, y, lam, wrt="s"),
        what=f"The gradient of {PFD} with respect to student_logits",
        inputs=_show(s, t, y, lam=lam),
        **dict(zip(("rtol", "atol"), tolerances(dtype), strict=True)),
    )


@DTYPES
def test_pfd_stable_for_large_logits(dtype: torch.dtype) -> None:
    """pfd_joint_loss is right, with finite gradients, at logits of ±1e3"""
    _check_large_logits(PFD, dtype, lam=0.3)


def test_pfd_teacher_matters() -> None:
    """In PFD the student learns from the teacher's soft prediction"""
    _expect_teacher_used(PFD, strict=True)


@pytest.mark.parametrize("lam", [0.0, 1.0], ids=["lam=0", "lam=1"])
def test_pfd_gradients_at_the_ends_of_lam(lam: float) -> None:
    """At lam = 0 and 1 the teacher still learns from its own BCE only"""
    s, t, y = _inputs(5, torch.float64, seed=14)
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)
    loss = mine(PFD)(student, teacher, y.clone(), lam=lam)
    _backward(PFD, loss, student)
    for which, got in (("student", student), ("teacher", teacher)):
        mine_grad = got.grad
        expect(
            mine_grad is not None,
            f"{which}_logits.grad is None after {PFD}(..., lam={lam:g}).backward().\n  Likely "
            f"mistake: {PFD_MISTAKES['teacher_fully_detached']}."
            if which == "teacher"
            else f"student_logits.grad is None after {PFD}(..., lam={lam:g}).backward().",
        )
        ref_s = s.detach().clone().requires_grad_(True)
        ref_t = t.detach().clone().requires_grad_(True)
        ref(PFD)(ref_s, ref_t, y, lam).backward()
        expected = ref_s.grad if which == "student" else ref_t.grad
        _expect_close_lazy(
            mine_grad,
            expected,
            lambda which=which: _pfd_gradient_mistakes(s, t, y, lam, wrt=which[0]),
            what=f"The gradient of {PFD}(..., lam={lam:g}) with respect to {which}_logits",
            inputs=_show(s, t, y, lam=lam),
            rtol=1e-9,
            atol=1e-9,
        )


# --------------------------------------------------------------------------------------------
# The checks: both


LABEL_DTYPES = (
    torch.int64,
    torch.int32,
    torch.int16,
    torch.int8,
    torch.uint8,
    torch.float16,
    torch.float32,
    torch.float64,
)


def test_labels_of_any_dtype() -> None:
    """Labels of any numeric dtype work; the result has the student's dtype"""
    for dtype in (torch.float32, torch.float64):
        s, t, y = _inputs(4, dtype, seed=10)
        for name, params in ((CTR, {"alpha": 0.5, "temperature": 2.0}), (PFD, {"lam": 0.4})):
            # Labels of the logits' own dtype first: an error there is not about the labels.
            same = _call(name, s, t, y, **params)
            for label_dtype in LABEL_DTYPES:
                labels = y.to(label_dtype)
                call = f"{_what(name, **params)} with {dtype} logits and {label_dtype} labels"
                try:
                    got = mine(name)(s.clone(), t.clone(), labels.clone(), **params)
                except (NotImplementedError, CheckFailure):
                    raise
                except Exception as exc:  # noqa: BLE001
                    raise CheckFailure(
                        f"{call} raised {type(exc).__name__}: {exc}\n  It works with labels of "
                        f"the logits' dtype ({dtype}).\n  Likely mistake: the labels are not "
                        "cast; convert them with labels.to(student_logits.dtype) before the BCE."
                    ) from None
                if not (isinstance(got, torch.Tensor) and got.dtype == dtype):
                    shown = f"dtype {got.dtype}" if isinstance(got, torch.Tensor) else repr(got)
                    hint = ""
                    if isinstance(same, torch.Tensor) and same.dtype == dtype:
                        hint = (
                            " It has it with labels of the logits' dtype.\n  Likely mistake: "
                            "the labels are not cast to the logits' dtype (labels.float() gives "
                            "float32; use labels.to(student_logits.dtype)), so PyTorch promotes "
                            "or demotes the result."
                        )
                    raise CheckFailure(
                        f"{call} returned {shown}; the result must have the student logits' "
                        f"dtype, {dtype}.{hint}"
                    )
                _expect_close_lazy(
                    got,
                    _expected(name, s, t, y, **params),
                    partial(_mistakes, name, s, t, y, **params),
                    teacher=(name, params.get("temperature", 1.0)),
                    float32=_in_float32(name, s, t, y, **params),
                    what=call,
                    inputs=_show(s, t, labels, **params),
                    **_tolerance(s, t, params.get("temperature", 1.0)),
                )


def _mistakes(name: str, s, t, y, **params: float) -> dict:
    if name == CTR:
        return _ctr_mistakes(s, t, y, params["alpha"], params["temperature"])
    return _pfd_mistakes(s, t, y, params["lam"])


def test_inputs_are_not_modified() -> None:
    """The inputs are not modified in place"""
    s, t, y = _inputs(4, torch.float64, seed=11)
    tensors = {"student_logits": s, "teacher_logits": t, "labels": y}
    expect_unchanged(tensors, lambda: mine(CTR)(s, t, y, alpha=0.5, temperature=2.0))
    expect_unchanged(tensors, lambda: mine(PFD)(s, t, y, lam=0.5))


def test_positional_arguments_and_defaults() -> None:
    """Arguments follow the task's order and defaults"""
    s, t, y = _inputs(4, torch.float64, seed=12)
    cases = [
        (CTR, (0.3, 2.0), {"alpha": 0.3, "temperature": 2.0}, {"alpha": 0.5, "temperature": 1.0}),
        (PFD, (0.3,), {"lam": 0.3}, {"lam": 0.5}),
    ]
    for name, args, by_keyword, defaults in cases:
        fn = mine(name)
        try:
            signature = f"{name}{inspect.signature(fn)}"
        except ValueError:
            signature = name
        advice = (
            f"\n  The task's signature is {name}{SIGNATURES[name]}; yours is {signature}: keep "
            "the parameters in that order, with those defaults."
        )
        # Each pair must agree: (positional, keyword) checks the order, (omitted, the task's
        # defaults by keyword) checks the defaults. The values themselves are checked elsewhere.
        shown_args = ", ".join(f"{a:g}" for a in args)
        shown_keywords = ", ".join(f"{k}={v:g}" for k, v in by_keyword.items())
        shown_defaults = ", ".join(f"{k}={v:g}" for k, v in defaults.items())
        pairs: list[tuple[str, tuple[float, ...], str, dict[str, float], str]] = [
            (
                f"{name}(s, t, y, {shown_args})",
                args,
                f"{name}(s, t, y, {shown_keywords})",
                by_keyword,
                "the parameters are not in the task's order",
            ),
            (
                f"{name}(s, t, y)",
                (),
                f"{name}(s, t, y, {shown_defaults})",
                defaults,
                "the defaults differ from the task's",
            ),
        ]
        for first, positional, second, keywords, problem in pairs:
            values = []
            for call, call_args, call_keywords in ((first, positional, {}), (second, (), keywords)):
                try:
                    values.append(fn(s.clone(), t.clone(), y.clone(), *call_args, **call_keywords))
                except (NotImplementedError, CheckFailure):
                    raise
                except Exception as exc:  # noqa: BLE001
                    raise CheckFailure(
                        f"{call} raised {type(exc).__name__}: {exc}.{advice}"
                    ) from None
            a, b = values
            if not (
                isinstance(a, torch.Tensor)
                and isinstance(b, torch.Tensor)
                and is_close(a, b, rtol=1e-9, atol=1e-12)
            ):
                raise CheckFailure(
                    f"{first} returned {fmt(a)} but {second} returned {fmt(b)}: {problem}.{advice}"
                )
        # And the values with the defaults omitted are the task's.
        _expect_close_lazy(
            fn(s.clone(), t.clone(), y.clone()),
            _expected(name, s, t, y, **defaults),
            partial(_mistakes, name, s, t, y, **defaults),
            teacher=(name, 1.0),
            float32=_in_float32(name, s, t, y, **defaults),
            what=f"{name}(s, t, y) with the defaults",
            inputs=_show(s, t, y),
            **_tolerance(s, t),
        )


# No device check here: the meta device (shapes without data) could stand in for a GPU, but the
# first operation on it costs ~1.7 s of CPU (torch loads its meta kernels), most of this suite's
# time budget; and neither function builds a tensor from scratch that the contract asks for.
