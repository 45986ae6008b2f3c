"""Hidden checks for exercise_13: `listwise_distillation_loss` over padded candidate lists.

Expected values come from the reference solution computed in float64 and cast to the inputs'
dtype. Each common mistake is recomputed here (`_mistaken_loss`) on the same inputs, with
finite padding values so that the mistakes give finite, comparable values; separate checks then
put NaN and ±inf in the padding of both the student and the teacher.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
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

EXAMPLE_STRAY = "torch.ones(student_scores.shape, dtype=torch.bool) for mask=None"
"""A tensor a learner may build without device= here (named when the result is off-device)."""

EXERCISE = "exercise_13"
NAN, INF = float("nan"), float("inf")

# --------------------------------------------------------------------------------------------
# The common mistakes, in a learner's words, and the value each one produces.

MISTAKES = {
    "no_mask": "the padded positions are left in the softmax; fill them with -inf first "
    "(scores.masked_fill(~mask, float('-inf'))) so they get probability 0",
    "mask_zero": "the padded positions are filled with 0 instead of -inf, so exp(0) = 1 still "
    "gives them probability; fill them with float('-inf')",
    "no_mask_valid_sum": "the padded positions are left in the softmax (the KL is summed over "
    "the valid candidates, but their probabilities were normalised with the padding); fill the "
    "padding with -inf before the softmax",
    "mask_zero_valid_sum": "the padded positions are filled with 0 instead of -inf before the "
    "softmax, so exp(0) = 1 still takes probability from the valid candidates",
    "mask_teacher_only": "only the teacher's padding is masked; the student's softmax still "
    "spreads probability over the padded positions",
    "mask_inverted": "the mask is used the wrong way round: True marks a real candidate, False "
    "a padded one",
    "empty_counted": "the average runs over all B lists, including those without any valid "
    "candidate; divide by the number of lists that have at least one",
    "single_excluded": "lists with a single valid candidate are left out of the average; their "
    "KL is 0 but they count, like every list with at least one valid candidate",
    "mean_candidates": "each list's KL is averaged over its candidates; sum it over the valid "
    "candidates (then average over the lists)",
    "sum_lists": "the per-list KLs are summed; average them over the lists with a valid candidate",
    "no_t2": "the KL is not scaled by T² (multiply it by temperature ** 2)",
    "t_not_t2": "the KL is multiplied by T instead of T²",
    "reverse": "the KL is reversed, KL(p_s ‖ p_t) instead of KL(p_t ‖ p_s): weight the log-ratio "
    "by the teacher's probabilities, Σ p_t·(log p_t − log p_s)",
    "soft_ce": "the loss is the soft cross-entropy −Σ p_t·log p_s instead of the KL; the two "
    "differ by the teacher's entropy, so it is not 0 when student and teacher agree",
    "t_teacher_only": "only the teacher's scores are divided by T; the student's are softened by "
    "the same temperature",
    "t_student_only": "only the student's scores are divided by T; the teacher's are softened by "
    "the same temperature",
    "dim0": "the softmax runs over dim 0 (the lists) instead of each list's candidates (dim=-1)",
    "mask_finite_fill": "the padded positions are filled with a finite number (such as -1e4) "
    "instead of -inf: at a small temperature valid scores / T fall below it (-1e3 / 0.05 = "
    "-2e4), and the padding takes probability; fill with float('-inf')",
}
NON_FINITE_OK = {"mask_inverted"}
"""Mistakes that may give inf on ordinary inputs (an inverted mask selects the padding)."""


def _mistaken_loss(s, t, mask, temperature: float, mistake: str) -> torch.Tensor:
    """listwise_distillation_loss with one mistake (or none), in float64, for finite padding.

    Differentiable with respect to `s` when it requires grad; the teacher is always detached.
    """
    s, t = s.double(), t.detach().double()
    mask = torch.ones_like(s, dtype=torch.bool) if mask is None else mask
    if mistake == "mask_inverted":
        mask = ~mask
    has = mask.any(dim=-1)
    dim = 0 if mistake == "dim0" else -1
    soft_s = s if mistake == "t_teacher_only" else s / temperature
    soft_t = t if mistake == "t_student_only" else t / temperature

    def log_probs(x: torch.Tensor, masked: bool) -> torch.Tensor:
        if mistake in ("no_mask", "no_mask_valid_sum") or not masked:
            return torch.log_softmax(x, dim=dim)
        if mistake in ("mask_zero", "mask_zero_valid_sum"):
            return torch.log_softmax(x.masked_fill(~mask, 0.0), dim=dim)
        if mistake == "mask_finite_fill":
            return torch.log_softmax(x.masked_fill(~mask, -1e4), dim=dim)
        x = x.masked_fill(~mask, -INF).masked_fill(~has.unsqueeze(-1), 0.0)
        return torch.log_softmax(x, dim=dim)

    log_p_s = log_probs(soft_s, mistake != "mask_teacher_only")
    log_p_t = log_probs(soft_t, True)
    # Which positions the sum runs over: all of them when the padding is not masked out.
    keep = torch.ones_like(mask) if mistake in ("no_mask", "mask_zero") else mask
    log_p_s = log_p_s.masked_fill(~keep, 0.0)
    log_p_t = log_p_t.masked_fill(~keep, 0.0)
    p_t, p_s = log_p_t.exp() * keep, log_p_s.exp() * keep
    if mistake == "reverse":
        pointwise = p_s * (log_p_s - log_p_t)
    elif mistake == "soft_ce":
        pointwise = -p_t * log_p_s
    else:
        pointwise = p_t * (log_p_t - log_p_s)
    per_list = pointwise.sum(dim=-1)
    counted = keep.any(dim=-1)
    if mistake == "mean_candidates":
        per_list = per_list / keep.sum(dim=-1).clamp(min=1)
    if mistake == "single_excluded":
        counted = keep.sum(dim=-1) >= 2
    total = per_list[counted].sum()
    if mistake == "empty_counted":
        n = float(s.shape[0])
    elif mistake == "sum_lists":
        n = 1.0
    else:
        n = float(max(int(counted.sum()), 1))
    scale = {"no_t2": 1.0, "t_not_t2": temperature}.get(mistake, temperature**2)
    return scale * total / n


PADDING_DEPENDENT = {"no_mask", "no_mask_valid_sum", "mask_teacher_only", "mask_inverted"}
"""Mistakes whose value depends on what the padding holds (the others overwrite or skip it)."""


def _mistakes(s, t, mask, temperature: float, first: str = "") -> dict[str, torch.Tensor]:
    """The value of every common mistake on these inputs (finite padding), in s's dtype."""
    with torch.no_grad():
        values = {
            m: _mistaken_loss(s, t, mask, temperature, m).to(s.dtype) for m in ["", *MISTAKES]
        }
    correct = values.pop("")
    return named_mistakes(values, MISTAKES, first, correct=correct)


def _mistakes_any_padding(s, t, mask, temperature: float) -> dict[str, torch.Tensor]:
    """The mistakes whose value does not depend on the padding, for NaN/inf padding."""
    zero_s, zero_t = _pad(s, mask, [0.0]), _pad(t, mask, [0.0])
    with torch.no_grad():
        values = {
            m: _mistaken_loss(zero_s, zero_t, mask, temperature, m).to(s.dtype)
            for m in ["", *MISTAKES]
            if m not in PADDING_DEPENDENT
        }
    correct = values.pop("")
    return named_mistakes(values, MISTAKES, correct=correct)


def _gradient_mistakes(s, t, mask, temperature: float) -> dict[str, torch.Tensor]:
    """The gradient with respect to student_scores that each mistake produces."""
    values = {}
    for mistake in ["", *MISTAKES]:
        student = s.detach().double().requires_grad_(True)
        _mistaken_loss(student, t, mask, temperature, mistake).backward()
        values[mistake] = student.grad.to(s.dtype)
    correct = values.pop("")
    return named_mistakes(values, MISTAKES, correct=correct)


def _nudged_teacher(t: torch.Tensor) -> torch.Tensor:
    """The teacher's scores changed slightly: each list's order (and best item) kept."""
    return t * 1.1


NUDGED_TEACHER = "the teacher's scores were changed slightly (t·1.1, same order in every list)"


def _same(a, b) -> bool:
    """True when two results of the learner's code are the same value."""
    return (
        isinstance(a, torch.Tensor)
        and isinstance(b, torch.Tensor)
        and a.shape == b.shape
        and is_close(a, b, rtol=1e-7, atol=1e-10)
    )


def _expect_close_naming(
    got, expected, mistakes: Callable[[], dict], teacher: tuple | None = None, **kwargs
) -> None:
    """expect_close, computing the mistakes' values only when the learner's value is wrong.

    `teacher` = (s, t, mask, temperature) of the call: when the value is wrong and does not
    change with the teacher's scores, the failure says that the teacher is ignored."""
    try:
        expect_close(got, expected, **kwargs)
    except CheckFailure:
        if teacher is not None:
            s, t, mask, temperature = teacher
            # Ignored teacher: the value moves with the student's scores, not the teacher's.
            if _same(_call(s, _nudged_teacher(t), mask, temperature), got) and not _same(
                _call(s * 1.1, t, mask, temperature), got
            ):
                raise teacher_ignored(kwargs["what"], NUDGED_TEACHER) from None
        expect_close(got, expected, mistakes=mistakes(), **kwargs)


# --------------------------------------------------------------------------------------------
# Inputs, expected values and calls


def _inputs(batch: int, length: int, dtype: torch.dtype, seed: int, scale: float = 2.0):
    """Seeded (student_scores, teacher_scores) on DEVICE."""
    g = seeded(seed)
    s = randn(batch, length, dtype=dtype, scale=scale, generator=g)
    t = randn(batch, length, dtype=dtype, scale=scale, generator=g)
    return s, t


def _mask(rows: list[list[int]]) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.bool, device=DEVICE)


def _pad(x: torch.Tensor, mask: torch.Tensor, values: list[float]) -> torch.Tensor:
    """x with its padded positions set to `values`, cycled."""
    x = x.clone()
    idx = (~mask).nonzero(as_tuple=False).tolist()
    for n, (b, i) in enumerate(idx):
        x[b, i] = values[n % len(values)]
    return x


def _show(s, t, mask, temperature: float) -> str:
    shown = "None" if mask is None else fmt(mask.int())
    return (
        f"student_scores={fmt(s, 3)}, teacher_scores={fmt(t, 3)}, mask={shown}, "
        f"temperature={temperature:g}"
    )


def _expected(s, t, mask, temperature: float) -> torch.Tensor:
    """The reference's value, computed in float64 and cast to the inputs' dtype."""
    ref = reference(EXERCISE).listwise_distillation_loss
    with torch.no_grad():
        return ref(s.double(), t.double(), mask, temperature).to(s.dtype)


def _call(s, t, mask, temperature: float):
    fn = learner(EXERCISE).listwise_distillation_loss
    return fn(
        s.clone(),
        t.clone(),
        mask=None if mask is None else mask.clone(),
        temperature=temperature,
    )


def _tolerance(s, temperature: float, mask=None) -> dict[str, float]:
    """float32: rounding of the log-probabilities (~2e-7 of the largest valid |score| / T, at
    least 1), times T²."""
    if s.dtype == torch.float64:
        return {}
    valid = s.detach() if mask is None else s.detach()[mask]
    largest = float(valid.abs().max()) if valid.numel() else 0.0
    return {"atol": max(1e-6, 4e-7 * temperature**2 * max(1.0, largest / temperature))}


NON_FINITE_CAUSES = {
    "padded_terms": "at a padded position p_t·(log p_t − log p_s) is 0·(−inf − (−inf)) = NaN "
    "(and a list of only padding has NaN log-probabilities); make the padded terms exactly 0 "
    "with masked_fill or torch.where on the log-probabilities, not with a multiplication",
    "log_of_softmax": "torch.log(F.softmax(...)) underflows to log(0) = -inf (and 0 · -inf = "
    "NaN); take log-probabilities from F.log_softmax instead",
}


def _non_finite_variant(s, t, mask, temperature: float, cause: str) -> torch.Tensor:
    """The loss with one cause of NaN/inf, in s's dtype (finite padding)."""
    mask = torch.ones_like(s, dtype=torch.bool) if mask is None else mask
    with torch.no_grad():
        if cause == "padded_terms":
            log_p_s = torch.log_softmax((s / temperature).masked_fill(~mask, -INF), dim=-1)
            log_p_t = torch.log_softmax((t / temperature).masked_fill(~mask, -INF), dim=-1)
        else:
            log_p_s = torch.softmax((s / temperature).masked_fill(~mask, -INF), dim=-1).log()
            log_p_t = torch.softmax((t / temperature).masked_fill(~mask, -INF), dim=-1).log()
            log_p_s, log_p_t = log_p_s.masked_fill(~mask, 0.0), log_p_t.masked_fill(~mask, 0.0)
        kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=-1)
        return kl.sum() * temperature**2


def _non_finite_hint(s, t, mask, temperature: float) -> str:
    """A likely cause of a non-finite loss, named only when it gives NaN/inf here too."""
    for cause, words in NON_FINITE_CAUSES.items():
        if not bool(torch.isfinite(_non_finite_variant(s, t, mask, temperature, cause))):
            return f"\n  Likely mistake: {words}."
    return ""


def _check_value(s, t, mask, temperature: float, first: str = "") -> None:
    got = _call(s, t, mask, temperature)
    if isinstance(got, torch.Tensor) and not bool(torch.isfinite(got.detach()).all()):
        raise CheckFailure(
            f"listwise_distillation_loss(..., temperature={temperature:g}) returned "
            f"{fmt(got)}.\n  inputs:   {_show(s, t, mask, temperature)}"
            + _non_finite_hint(s, t, mask, temperature)
        )
    _expect_close_naming(
        got,
        _expected(s, t, mask, temperature),
        lambda: _mistakes(s, t, mask, temperature, first),
        teacher=(s, t, mask, temperature),
        what=f"listwise_distillation_loss(..., temperature={temperature:g})",
        inputs=_show(s, t, mask, temperature),
        **_tolerance(s, temperature, mask),
    )


def _backward(loss, student: torch.Tensor, context: str) -> None:
    """loss.backward(), failing with a learner's message when that is impossible."""
    if not isinstance(loss, torch.Tensor):
        raise CheckFailure(
            f"listwise_distillation_loss returned a {type(loss).__name__}; it should return a "
            f"0-dim tensor connected to student_scores ({context})."
        )
    if not loss.requires_grad:
        raise CheckFailure(
            "The loss cannot be back-propagated: it does not depend on student_scores "
            f"({context}); loss.backward() fails.\n  Likely mistake: a constant such as "
            "torch.tensor(0.0) is returned; compute the zero from the student's scores (e.g. a "
            "sum over zero lists) so that backward() still works and gives zero gradients."
        )
    loss.backward()
    expect(
        student.grad is not None,
        f"student_scores received no gradient ({context}): after loss.backward(), "
        "student_scores.grad is None.\n  Likely mistake: the loss is a new tensor that is not "
        "computed from student_scores (e.g. torch.zeros((), requires_grad=True) when no list has "
        "a valid candidate); build it from the scores (e.g. student_scores[mask].sum(), a sum "
        "over no candidate) so that the student gets zero gradients.",
    )


# A padding pattern used by several checks: lists of 4, 2, 3 and 1 valid candidates.
MASK_ROWS = [[1, 1, 1, 1, 0], [1, 1, 0, 0, 0], [0, 1, 1, 0, 1], [1, 0, 0, 0, 0]]


# --------------------------------------------------------------------------------------------
# Checks


def test_loss_without_padding() -> None:
    """Without a mask, the loss is T²·KL(teacher ‖ student) averaged over the lists"""
    s, t = _inputs(3, 5, torch.float64, seed=1)
    # T² = 9 differs from B = 3 and L = 5, so that each wrong divisor shows.
    _check_value(s, t, None, temperature=3.0, first="mean_candidates")


def test_kl_scaled_by_t_squared() -> None:
    """The KL is scaled by T²"""
    s, t = _inputs(2, 4, torch.float64, seed=2)
    _check_value(s, t, _mask(MASK_ROWS[:2])[:, :4], temperature=2.5, first="no_t2")


def test_kl_direction() -> None:
    """The KL runs from the teacher to the student, KL(p_t ‖ p_s)"""
    s, t = _inputs(3, 4, torch.float64, seed=3)
    t = t * 2.0  # a peaked teacher and a flatter student: the two directions differ clearly
    _check_value(s, t, None, temperature=1.5, first="reverse")


def test_zero_when_student_equals_teacher() -> None:
    """The loss is 0 when student and teacher agree on every valid candidate"""
    s, _ = _inputs(4, 5, torch.float64, seed=4)
    mask = _mask(MASK_ROWS)
    # Same valid scores, different padding: the padding must not matter.
    t = _pad(s, mask, [5.0, -3.0])
    _check_value(s, t, mask, temperature=2.0, first="soft_ce")


def test_padding_takes_no_part() -> None:
    """Padded candidates take no part in either softmax"""
    s, t = _inputs(4, 5, torch.float64, seed=5)
    mask = _mask(MASK_ROWS)
    s, t = _pad(s, mask, [3.0, -2.0, 0.5]), _pad(t, mask, [-1.0, 4.0])
    _check_value(s, t, mask, temperature=1.0, first="no_mask")
    _check_value(s, t, mask, temperature=2.0, first="mask_zero")
    # A single list.
    _check_value(s[:1], t[:1], mask[:1], temperature=1.5)


def test_mask_none_means_all_valid() -> None:
    """mask=None treats every candidate as valid"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(3, 4, torch.float64, seed=6)
    with_none = fn(s.clone(), t.clone(), temperature=2.0)
    all_true = fn(s.clone(), t.clone(), mask=torch.ones_like(s, dtype=torch.bool), temperature=2.0)
    expect(
        isinstance(with_none, torch.Tensor) and isinstance(all_true, torch.Tensor),
        "listwise_distillation_loss should return a 0-dim tensor.",
    )
    expect(
        is_close(with_none, all_true, rtol=1e-9, atol=1e-12),
        "listwise_distillation_loss gives different values with mask=None and with a mask that "
        f"is True everywhere: {fmt(with_none)} and {fmt(all_true)}.\n"
        f"  inputs:   {_show(s, t, None, 2.0)}\n"
        "  mask=None means that every candidate is valid.",
    )
    _check_value(s, t, None, temperature=2.0)


@DTYPES
def test_nan_and_inf_in_padding(dtype: torch.dtype) -> None:
    """NaN or ±inf in the padding leave the loss and its gradients finite and right"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(4, 5, dtype, seed=7)
    mask = _mask(MASK_ROWS)
    bad_s = _pad(s, mask, [NAN, INF, -INF])
    bad_t = _pad(t, mask, [INF, NAN, -INF, NAN])
    inputs = _show(bad_s, bad_t, mask, 2.0)
    student = bad_s.clone().requires_grad_(True)
    teacher = bad_t.clone().requires_grad_(True)
    loss = fn(student, teacher, mask=mask.clone(), temperature=2.0)
    value = loss.detach() if isinstance(loss, torch.Tensor) else torch.tensor(loss)
    expect_finite(
        value,
        f"listwise_distillation_loss is {fmt(value)} when the padded positions hold NaN or "
        f"±inf.\n  inputs:   {inputs}\n  Likely mistake: the padding still reaches the "
        "computation: multiplying by the mask keeps NaN (NaN · 0 = NaN) and ±inf; replace the "
        "padded scores with scores.masked_fill(~mask, float('-inf')) (or torch.where), and "
        "make the padded terms of the KL exactly 0 (0 · (−inf − (−inf)) is NaN too).",
    )
    _backward(loss, student, "NaN and ±inf in the padding")
    expect_finite(
        student.grad,
        f"The gradient of listwise_distillation_loss is not finite when the padded positions "
        f"hold NaN or ±inf: {fmt(student.grad)}.\n  inputs:   {inputs}\n  Likely mistake: a "
        "NaN or inf computed at the padding and removed afterwards (e.g. with torch.where) still "
        "sends NaN gradients back, and so does log(softmax(...)) where a probability is 0; "
        "replace the padded scores (masked_fill / torch.where) before any arithmetic on them, "
        "take F.log_softmax, and zero the padded terms before multiplying p_t by the log-ratio.",
    )
    expect(
        teacher.grad is None,
        "The teacher received a gradient: teacher_scores.grad should stay None.\n  Likely "
        "mistake: the teacher is not detached; use teacher_scores.detach().",
    )
    _expect_close_naming(
        value,
        _expected(bad_s, bad_t, mask, 2.0),
        lambda: _mistakes_any_padding(bad_s, bad_t, mask, 2.0),
        teacher=(bad_s, bad_t, mask, 2.0),
        what="listwise_distillation_loss with NaN and ±inf in the padding",
        inputs=inputs,
        **_tolerance(s, 2.0),
    )
    reference_student = bad_s.detach().double().requires_grad_(True)
    reference(EXERCISE).listwise_distillation_loss(
        reference_student, bad_t.double(), mask, 2.0
    ).backward()
    expect_close(
        student.grad,
        reference_student.grad.to(dtype),
        what="The gradient with NaN and ±inf in the padding (0 at every padded position)",
        inputs=inputs,
        atol=1e-5 if dtype == torch.float32 else None,
    )


def test_lists_without_candidates_are_left_out() -> None:
    """Lists without any valid candidate are left out of the average"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(4, 4, torch.float64, seed=8)
    mask = _mask([[1, 1, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 1, 1]])
    for padding in ("finite", "NaN and ±inf"):
        if padding == "finite":
            pad_s, pad_t = _pad(s, mask, [1.0, -0.5]), _pad(t, mask, [2.0])
        else:
            pad_s, pad_t = _pad(s, mask, [NAN, -INF]), _pad(t, mask, [NAN, INF])
        inputs = _show(pad_s, pad_t, mask, 1.0)
        student = pad_s.clone().requires_grad_(True)
        loss = fn(student, pad_t.clone(), mask=mask.clone(), temperature=1.0)
        value = loss.detach() if isinstance(loss, torch.Tensor) else torch.tensor(loss)
        expect_finite(
            value,
            f"listwise_distillation_loss is {fmt(value)} when one list has no valid candidate "
            f"({padding} padding).\n  inputs:   {inputs}\n  Likely mistake: the log-softmax of "
            "a list of only -inf is NaN; make that list's terms exactly 0 (masked_fill or "
            "torch.where on the log-probabilities) and leave it out of the average.",
        )
        _expect_close_naming(
            value,
            _expected(pad_s, pad_t, mask, 1.0),
            lambda pad_s=pad_s, pad_t=pad_t, padding=padding: (
                _mistakes(pad_s, pad_t, mask, 1.0, "empty_counted")
                if padding == "finite"
                else _mistakes_any_padding(pad_s, pad_t, mask, 1.0)
            ),
            teacher=(pad_s, pad_t, mask, 1.0),
            what=f"listwise_distillation_loss with a list of only padding ({padding} padding)",
            inputs=inputs,
        )
        _backward(loss, student, "a list without valid candidates")
        expect_finite(
            student.grad,
            f"The gradient is not finite when one list has no valid candidate ({padding} "
            f"padding): {fmt(student.grad)}.\n  inputs:   {inputs}\n  Likely mistake: the "
            "padding is removed with arithmetic (scores + mask.log(), scores * mask), so "
            "gradients flow through it and the NaN log-probabilities of the all-padding list "
            "reach student_scores; replace the padded scores with masked_fill(~mask, "
            "float('-inf')) or torch.where, which send no gradient to them.",
        )


@pytest.mark.parametrize("padding", ["finite", "nan"], ids=["finite padding", "NaN padding"])
def test_no_valid_candidate_at_all(padding: str) -> None:
    """With no valid candidate at all, the loss is a zero that back-propagates"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(2, 3, torch.float64, seed=9)
    mask = torch.zeros_like(s, dtype=torch.bool)
    if padding == "nan":
        s, t = _pad(s, mask, [NAN, INF, -INF]), _pad(t, mask, [-INF, NAN])
    inputs = _show(s, t, mask, 2.0)
    student = s.clone().requires_grad_(True)
    loss = fn(student, t.clone(), mask=mask.clone(), temperature=2.0)
    expect(
        isinstance(loss, torch.Tensor),
        f"listwise_distillation_loss returned a {type(loss).__name__}; it should return a "
        "0-dim tensor.",
    )
    expect_finite(
        loss.detach(),
        f"listwise_distillation_loss returned {fmt(loss)} when no list has a valid candidate."
        f"\n  inputs:   {inputs}\n  Likely mistake: the average over the lists with a valid "
        "candidate divides 0 by 0 (e.g. .mean() of an empty selection), or the zero is built "
        "from every score (student_scores.sum() * 0 is NaN when the padding holds NaN); divide "
        "the sum by max(number of such lists, 1), or build the zero from the valid scores only "
        "(student_scores[mask].sum()).",
    )
    expect_close(
        loss.detach(),
        torch.zeros((), dtype=s.dtype, device=DEVICE),
        what="listwise_distillation_loss with no valid candidate",
        inputs=inputs,
    )
    _backward(loss, student, "no valid candidate in any list")
    expect_finite(
        student.grad,
        f"The gradient is not finite when no list has a valid candidate: {fmt(student.grad)}."
        f"\n  inputs:   {inputs}\n  Likely mistake: the padding is removed with arithmetic "
        "(scores + mask.log(), scores * mask), so the NaN log-probabilities of the all-padding "
        "lists reach student_scores; replace the padded scores with masked_fill or torch.where.",
    )
    expect_close(
        student.grad,
        torch.zeros_like(s),
        what="The gradient with no valid candidate (zeros, not NaN)",
        inputs=inputs,
    )


@DTYPES
def test_gradients_reach_the_student_only(dtype: torch.dtype) -> None:
    """The student gets the right gradient and the teacher none"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(4, 5, dtype, seed=10)
    mask = _mask(MASK_ROWS)
    s, t = _pad(s, mask, [2.0, -1.0]), _pad(t, mask, [1.5])
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)  # as if the teacher's graph were still attached
    _backward(fn(student, teacher, mask=mask.clone(), temperature=1.5), student, "a padded batch")
    expect(
        teacher.grad is None,
        "The teacher received a gradient: after loss.backward(), teacher_scores.grad is a "
        "tensor but should stay None.\n  Likely mistake: the teacher is not detached; use "
        "teacher_scores.detach() so that gradients reach the student only.",
    )
    reference_student = s.detach().double().requires_grad_(True)
    reference(EXERCISE).listwise_distillation_loss(
        reference_student, t.double(), mask, 1.5
    ).backward()
    what = "The gradient of listwise_distillation_loss with respect to student_scores"
    atol = 1e-5 if dtype == torch.float32 else None
    try:
        expect_close(student.grad, reference_student.grad.to(dtype), what=what, atol=atol)
    except CheckFailure:
        moved = s.clone().requires_grad_(True)
        fn(moved, _nudged_teacher(t), mask=mask.clone(), temperature=1.5).backward()
        if _same(moved.grad, student.grad):
            raise teacher_ignored(what, NUDGED_TEACHER) from None
        expect_close(
            student.grad,
            reference_student.grad.to(dtype),
            mistakes=_gradient_mistakes(s, t, mask, 1.5),
            what=what,
            inputs=_show(s, t, mask, 1.5),
            atol=atol,
        )


@DTYPES
def test_stable_for_large_scores(dtype: torch.dtype) -> None:
    """Scores of magnitude 1e3 give a finite loss and finite gradients"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s = torch.tensor(
        [[1e3, -1e3, 0.0, 5e2], [-1e3, 1e3, 2e2, -7e2], [1e3, 0.0, -1e3, 0.0]],
        dtype=dtype,
        device=DEVICE,
    )
    t = torch.tensor(
        [[-1e3, 1e3, 0.0, -5e2], [1e3, -1e3, -2e2, 9e2], [0.0, 1e3, -1e3, 1e3]],
        dtype=dtype,
        device=DEVICE,
    )
    mask = _mask([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0]])
    for temperature in (1.0, 4.0):
        inputs = _show(s, t, mask, temperature)
        student = s.clone().requires_grad_(True)
        loss = fn(student, t.clone(), mask=mask.clone(), temperature=temperature)
        value = loss.detach() if isinstance(loss, torch.Tensor) else torch.tensor(loss)
        expect_finite(
            value,
            f"listwise_distillation_loss is not finite for scores of magnitude 1e3: got "
            f"{fmt(value)}.\n  inputs:   {inputs}\n  Likely mistake: torch.log(F.softmax(...)) "
            "underflows to log(0) = -inf (and 0 · -inf = NaN); take log-probabilities from "
            "F.log_softmax instead.",
        )
        _backward(loss, student, "scores of magnitude 1e3")
        expect_finite(
            student.grad,
            f"The gradient of listwise_distillation_loss is not finite for scores of magnitude "
            f"1e3: {fmt(student.grad)}.\n  inputs:   {inputs}\n  Likely mistake: a log of a "
            "probability that underflows to 0; work with F.log_softmax throughout.",
        )
        _expect_close_naming(
            value,
            _expected(s, t, mask, temperature),
            lambda temperature=temperature: _mistakes(s, t, mask, temperature),
            teacher=(s, t, mask, temperature),
            what=f"listwise_distillation_loss(..., temperature={temperature:g}) at scores of "
            "magnitude 1e3",
            inputs=inputs,
        )


def test_invalid_temperature_raises_value_error() -> None:
    """A temperature <= 0 raises ValueError"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(2, 3, torch.float32, seed=11)
    for temperature in (0.0, -1.0):
        with expect_value_error(
            f"listwise_distillation_loss(..., temperature={temperature:g})", "temperature"
        ):
            fn(s, t, mask=None, temperature=temperature)
    try:
        fn(s, t, mask=None, temperature=0.1)
    except ValueError as exc:
        raise CheckFailure(
            f"listwise_distillation_loss(..., temperature=0.1) raised ValueError({str(exc)!r}), "
            "but any temperature > 0 is valid."
        ) from None


def test_defaults() -> None:
    """Left out, mask is None and the temperature is 1.0"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(3, 4, torch.float64, seed=21, scale=3.0)
    mask = _mask([[1, 1, 1, 0], [1, 1, 1, 1], [0, 1, 1, 1]])
    calls = [
        ("listwise_distillation_loss(student_scores, teacher_scores)", (), None, 1.0),
        ("listwise_distillation_loss(student_scores, teacher_scores, mask)", (mask,), mask, 1.0),
        (
            "listwise_distillation_loss(student_scores, teacher_scores, mask, 2.0)",
            (mask, 2.0),
            mask,
            2.0,
        ),
    ]
    for what, extra, used_mask, temperature in calls:
        got = fn(s.clone(), t.clone(), *[e.clone() if torch.is_tensor(e) else e for e in extra])
        expected = _expected(s, t, used_mask, temperature)
        try:
            expect_close(got, expected, what=what)
        except CheckFailure:
            explicit = _call(s, t, used_mask, temperature)
            if isinstance(explicit, torch.Tensor) and is_close(explicit, expected, 1e-9, 1e-9):
                raise CheckFailure(
                    f"{what} returned the wrong value, although the same call with "
                    f"mask={'None' if used_mask is None else 'mask'} and "
                    f"temperature={temperature:g} written out returns the right one.\n"
                    f"  expected: {fmt(expected)}\n  got:      {fmt(got)}\n  Likely mistake: "
                    "the defaults in your signature are not the task's: mask: Tensor | None = "
                    "None, temperature: float = 1.0."
                ) from None
            _expect_close_naming(
                got,
                expected,
                lambda used_mask=used_mask, temperature=temperature: _mistakes(
                    s, t, used_mask, temperature
                ),
                teacher=(s, t, used_mask, temperature),
                what=what,
                inputs=_show(s, t, used_mask, temperature),
            )


@DTYPES
def test_small_temperatures_and_extreme_values(dtype: torch.dtype) -> None:
    """Temperatures down to 0.05, scores of ±1e3 and huge padding give the right loss"""
    fn = learner(EXERCISE).listwise_distillation_loss
    g = seeded(22)
    base = torch.tensor([[0.0], [-1e3], [1e3], [-990.0]], dtype=torch.float64)
    s = (base + torch.rand(4, 5, generator=g, dtype=torch.float64) * 20.0).to(dtype).to(DEVICE)
    t = (base + torch.rand(4, 5, generator=g, dtype=torch.float64) * 20.0).to(dtype).to(DEVICE)
    mask = _mask(MASK_ROWS)
    for padding in ([1e30, -1e30, 5e3], [NAN, INF, -INF]):
        pad_s, pad_t = _pad(s, mask, padding), _pad(t, mask, padding[::-1])
        for temperature in (0.05, 0.3):
            inputs = _show(pad_s, pad_t, mask, temperature)
            what = f"listwise_distillation_loss(..., temperature={temperature:g})"
            student = pad_s.clone().requires_grad_(True)
            loss = fn(student, pad_t.clone(), mask=mask.clone(), temperature=temperature)
            value = loss.detach() if isinstance(loss, torch.Tensor) else torch.tensor(loss)
            expect_finite(
                value,
                f"{what} is {fmt(value)} for scores of magnitude 1e3 with padding "
                f"{fmt(padding)}.\n  inputs:   {inputs}",
            )
            _expect_close_naming(
                loss,
                _expected(pad_s, pad_t, mask, temperature),
                lambda pad_s=pad_s, pad_t=pad_t, temperature=temperature: _mistakes_any_padding(
                    pad_s, pad_t, mask, temperature
                ),
                teacher=(pad_s, pad_t, mask, temperature),
                what=what,
                inputs=inputs,
                **_tolerance(pad_s, temperature, mask),
            )
            _backward(loss, student, f"scores of magnitude 1e3 at temperature {temperature:g}")
            expect_finite(
                student.grad,
                f"The gradient of {what} is not finite for scores of magnitude 1e3 with padding "
                f"{fmt(padding)}: {fmt(student.grad)}.\n  inputs:   {inputs}",
            )
    if dtype == torch.float64:
        # One list far below the others (softmax does not change when a list is shifted):
        # a finite fill such as -1e4 is no longer below its scores.
        far_s, far_t = s.clone(), t.clone()
        far_s[1] -= 4e4
        far_t[1] -= 4e4
        _check_value(far_s, far_t, mask, 1.0, first="mask_finite_fill")


def test_loss_follows_the_teacher() -> None:
    """The loss changes when the teacher's scores change slightly"""
    s, t = _inputs(3, 5, torch.float64, seed=23)
    mask = _mask(MASK_ROWS[:3])
    before = _call(s, t, mask, 2.0)
    after = _call(s, _nudged_teacher(t), mask, 2.0)
    if _same(before, after):
        raise teacher_ignored("listwise_distillation_loss(..., temperature=2)", NUDGED_TEACHER)
    _check_value(s, _nudged_teacher(t), mask, 2.0)


def test_lists_with_a_single_candidate_count() -> None:
    """Lists with a single valid candidate count in the average (their KL is 0)"""
    s, t = _inputs(4, 4, torch.float64, seed=24)
    mask = _mask([[1, 1, 1, 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 1, 0]])
    _check_value(_pad(s, mask, [4.0]), _pad(t, mask, [-2.0]), mask, 1.5, first="single_excluded")
    one = _mask([[0, 1, 0]])
    s1, t1 = _inputs(1, 3, torch.float32, seed=25)
    _check_value(_pad(s1, one, [3.0]), _pad(t1, one, [1.0]), one, 0.5)


def test_temperature_rejected_whatever_the_mask() -> None:
    """A temperature <= 0 raises ValueError with any mask; any temperature > 0 is accepted"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(2, 3, torch.float64, seed=26)
    masks = {
        "mask=None": None,
        "a mask with padding": _mask([[1, 1, 0], [0, 1, 1]]),
        "a mask that is all False": torch.zeros(2, 3, dtype=torch.bool, device=DEVICE),
        "one list of one padded candidate": torch.zeros(1, 1, dtype=torch.bool, device=DEVICE),
    }
    for label, mask in masks.items():
        rows = slice(None) if mask is None or mask.shape[0] == 2 else slice(0, 1)
        cols = slice(None) if mask is None or mask.shape[1] == 3 else slice(0, 1)
        ms, mt = s[rows, cols], t[rows, cols]
        if mask is not None:
            ms, mt = _pad(ms, mask, [NAN]), _pad(mt, mask, [INF])
        for temperature in (0.0, -1.0, -1e-9):
            with expect_value_error(
                f"listwise_distillation_loss(..., temperature={temperature:g}) with {label}",
                "temperature",
            ):
                fn(ms.clone(), mt.clone(), mask, temperature)
        for temperature in (0.05, 50.0):
            try:
                got = fn(ms.clone(), mt.clone(), mask, temperature)
            except ValueError as exc:
                raise CheckFailure(
                    f"listwise_distillation_loss(..., temperature={temperature:g}) with {label} "
                    f"raised ValueError({str(exc)!r}), but any temperature > 0 is valid."
                ) from None
            _expect_close_naming(
                got,
                _expected(ms, mt, mask, temperature),
                lambda: {},
                what=f"listwise_distillation_loss(..., temperature={temperature:g}) with {label}",
                inputs=_show(ms, mt, mask, temperature),
            )


def test_result_on_the_inputs_device() -> None:
    """The result is created on the inputs' device, also with mask=None"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(2, 4, torch.float64, seed=27)
    mask = _mask([[1, 1, 0, 1], [0, 1, 1, 1]])
    what = "listwise_distillation_loss(student_scores, teacher_scores)"
    expect_result_on_device(lambda: fn(s.clone(), t.clone()), what, s.device, EXAMPLE_STRAY)
    what = "listwise_distillation_loss(..., mask, 2.0)"
    expect_result_on_device(
        lambda: fn(s.clone(), t.clone(), mask.clone(), 2.0), what, s.device, EXAMPLE_STRAY
    )


# No shrinking: the inputs are already small enough to read.
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    batch=st.integers(1, 4),
    length=st.integers(1, 6),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    temperature=st.sampled_from([0.05, 0.5, 1.0, 2.0, 4.0]),
    density=st.sampled_from([None, 0.3, 0.7]),
    padding=st.sampled_from(["random", "nan"]),
    scale=st.sampled_from([0.5, 2.0, 6.0]),
    seed=st.integers(0, 2**16),
)
def test_matches_reference_on_random_inputs(
    batch: int,
    length: int,
    dtype: torch.dtype,
    temperature: float,
    density: float | None,
    padding: str,
    scale: float,
    seed: int,
) -> None:
    """The loss matches the reference on random shapes, masks, dtypes and temperatures"""
    s, t = _inputs(batch, length, dtype, seed, scale)
    mask = None
    if density is not None:
        g = seeded(seed + 1)
        mask = (torch.rand(batch, length, generator=g) < density).to(DEVICE)
        if padding == "nan":
            s, t = _pad(s, mask, [NAN, INF]), _pad(t, mask, [-INF, NAN])
    fn = learner(EXERCISE).listwise_distillation_loss
    got = fn(s.clone(), t.clone(), None if mask is None else mask.clone(), temperature)
    _expect_close_naming(
        got,
        _expected(s, t, mask, temperature),
        lambda: (
            _mistakes(s, t, mask, temperature)
            if padding == "random" or mask is None
            else _mistakes_any_padding(s, t, mask, temperature)
        ),
        teacher=(s, t, mask, temperature),
        what=f"listwise_distillation_loss(..., temperature={temperature:g})",
        inputs=_show(s, t, mask, temperature),
        **_tolerance(s, temperature, mask),
    )


def test_inputs_are_not_modified() -> None:
    """The inputs are not modified in place"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(4, 5, torch.float32, seed=12)
    mask = _mask(MASK_ROWS)
    # Finite padding: NaN never compares equal to itself, so it cannot show "unchanged".
    s, t = _pad(s, mask, [7.0, -3.0]), _pad(t, mask, [5.0])
    expect_unchanged(
        {"student_scores": s, "teacher_scores": t, "mask": mask},
        lambda: fn(s, t, mask=mask, temperature=2.0),
    )
