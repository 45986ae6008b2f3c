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

from kdquiz.checker.bilingual import Bilingual
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

EXAMPLE_STRAY = say(
    "torch.ones(student_scores.shape, dtype=torch.bool) for mask=None",
    "mask=None 时的 torch.ones(student_scores.shape, dtype=torch.bool)",
)
"""A tensor a learner may build without device= here (named when the result is off-device)."""

EXERCISE = "exercise_13"
NAN, INF = float("nan"), float("inf")

# --------------------------------------------------------------------------------------------
# The common mistakes, in a learner's words, and the value each one produces.

MISTAKES = {
    "no_mask": say(
        "the padded positions are left in the softmax; fill them with -inf first "
        "(scores.masked_fill(~mask, float('-inf'))) so they get probability 0",
        "填充位置留在了 softmax 里；要先用 -inf 填充它们"
        "（scores.masked_fill(~mask, float('-inf'))），使它们的概率为 0",
    ),
    "mask_zero": say(
        "the padded positions are filled with 0 instead of -inf, so exp(0) = 1 still gives them "
        "probability; fill them with float('-inf')",
        "填充位置填的是 0 而不是 -inf，exp(0) = 1 仍会分给它们概率；请用 float('-inf') 填充",
    ),
    "no_mask_valid_sum": say(
        "the padded positions are left in the softmax (the KL is summed over the valid "
        "candidates, but their probabilities were normalised with the padding); fill the "
        "padding with -inf before the softmax",
        "填充位置留在了 softmax 里（KL 只在有效候选上求和，但这些候选的概率是连同填充位置一起"
        "归一化的）；请在 softmax 之前用 -inf 填充这些位置",
    ),
    "mask_zero_valid_sum": say(
        "the padded positions are filled with 0 instead of -inf before the softmax, so "
        "exp(0) = 1 still takes probability from the valid candidates",
        "softmax 之前填充位置填的是 0 而不是 -inf，exp(0) = 1 仍会从有效候选那里分走概率",
    ),
    "mask_teacher_only": say(
        "only the teacher's padding is masked; the student's softmax still spreads probability "
        "over the padded positions",
        "只对教师模型的填充位置做了掩码；学生模型的 softmax 仍会把概率分到填充位置上",
    ),
    "mask_inverted": say(
        "the mask is used the wrong way round: True marks a real candidate, False a padded one",
        "掩码用反了：True 表示真实的候选，False 表示填充位置",
    ),
    "empty_counted": say(
        "the average runs over all B lists, including those without any valid candidate; "
        "divide by the number of lists that have at least one",
        "平均是在全部 B 个列表上取的，包括没有任何有效候选的列表；应除以至少有一个有效候选的列表数",
    ),
    "single_excluded": say(
        "lists with a single valid candidate are left out of the average; their KL is 0 but "
        "they count, like every list with at least one valid candidate",
        "只有一个有效候选的列表被排除在平均之外；它们的 KL 是 0，但和每个至少有一个有效候选的"
        "列表一样，也要计入平均",
    ),
    "mean_candidates": say(
        "each list's KL is averaged over its candidates; sum it over the valid candidates (then "
        "average over the lists)",
        "每个列表的 KL 在候选上取了平均；应在有效候选上求和（再在列表上取平均）",
    ),
    "sum_lists": say(
        "the per-list KLs are summed; average them over the lists with a valid candidate",
        "各列表的 KL 被求了和；应在含有效候选的列表上取平均",
    ),
    "no_t2": say(
        "the KL is not scaled by T² (multiply it by temperature ** 2)",
        "KL 没有乘以 T²（要乘以 temperature ** 2）",
    ),
    "t_not_t2": say(
        "the KL is multiplied by T instead of T²",
        "KL 乘的是 T 而不是 T²",
    ),
    "reverse": say(
        "the KL is reversed, KL(p_s ‖ p_t) instead of KL(p_t ‖ p_s): weight the log-ratio by the "
        "teacher's probabilities, Σ p_t·(log p_t − log p_s)",
        "KL 的方向反了，算成了 KL(p_s ‖ p_t) 而不是 KL(p_t ‖ p_s)：对数比要用教师模型的概率"
        "加权，即 Σ p_t·(log p_t − log p_s)",
    ),
    "soft_ce": say(
        "the loss is the soft cross-entropy −Σ p_t·log p_s instead of the KL; the two differ by "
        "the teacher's entropy, so it is not 0 when student and teacher agree",
        "损失算成了软交叉熵 −Σ p_t·log p_s 而不是 KL；两者相差教师模型分布的熵，所以学生和"
        "教师模型一致时它不为 0",
    ),
    "t_teacher_only": say(
        "only the teacher's scores are divided by T; the student's are softened by the same "
        "temperature",
        "只有教师模型的分数除以了 T；学生模型的分数也要用同一个温度软化",
    ),
    "t_student_only": say(
        "only the student's scores are divided by T; the teacher's are softened by the same "
        "temperature",
        "只有学生模型的分数除以了 T；教师模型的分数也要用同一个温度软化",
    ),
    "dim0": say(
        "the softmax runs over dim 0 (the lists) instead of each list's candidates (dim=-1)",
        "softmax 是在第 0 维（列表）上做的，而不是在每个列表的候选上（dim=-1）",
    ),
    "mask_finite_fill": say(
        "the padded positions are filled with a finite number (such as -1e4) instead of -inf: "
        "at a small temperature valid scores / T fall below it (-1e3 / 0.05 = -2e4), and the "
        "padding takes probability; fill with float('-inf')",
        "填充位置填的是一个有限的数（例如 -1e4）而不是 -inf：温度较小时，有效分数 / T 会低于"
        "它（-1e3 / 0.05 = -2e4），填充位置就会分走概率；请用 float('-inf') 填充",
    ),
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


NUDGED_TEACHER = say(
    "the teacher's scores were changed slightly (t·1.1, same order in every list)",
    "把教师模型的分数稍作改变（t·1.1，每个列表内的顺序不变）",
)


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
    "padded_terms": say(
        "at a padded position p_t·(log p_t − log p_s) is 0·(−inf − (−inf)) = NaN (and a list of "
        "only padding has NaN log-probabilities); make the padded terms exactly 0 with "
        "masked_fill or torch.where on the log-probabilities, not with a multiplication",
        "在填充位置上，p_t·(log p_t − log p_s) 是 0·(−inf − (−inf)) = NaN（全是填充的列表，"
        "其对数概率也是 NaN）；要对对数概率用 masked_fill 或 torch.where 把填充位置的项置为"
        "精确的 0，而不是靠乘法",
    ),
    "log_of_softmax": say(
        "torch.log(F.softmax(...)) underflows to log(0) = -inf (and 0 · -inf = NaN); take "
        "log-probabilities from F.log_softmax instead",
        "torch.log(F.softmax(...)) 会下溢成 log(0) = -inf（而 0 · -inf = NaN）；请改用 "
        "F.log_softmax 得到对数概率",
    ),
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


def _non_finite_hint(s, t, mask, temperature: float) -> str | Bilingual:
    """A likely cause of a non-finite loss, named only when it gives NaN/inf here too."""
    for cause, words in NON_FINITE_CAUSES.items():
        if not bool(torch.isfinite(_non_finite_variant(s, t, mask, temperature, cause))):
            return say("\n  Likely mistake: {words}.", "\n  可能的错误：{words}。", words=words)
    return ""


def _check_value(s, t, mask, temperature: float, first: str = "") -> None:
    got = _call(s, t, mask, temperature)
    if isinstance(got, torch.Tensor) and not bool(torch.isfinite(got.detach()).all()):
        raise CheckFailure(
            say(
                "listwise_distillation_loss(..., temperature={t}) returned {got}.\n"
                "  inputs:   {inputs}{hint}",
                "listwise_distillation_loss(..., temperature={t}) 返回了 `{got}`。\n"
                "  输入：{inputs}{hint}",
                t=f"{temperature:g}",
                got=fmt(got),
                inputs=_show(s, t, mask, temperature),
                hint=_non_finite_hint(s, t, mask, temperature),
            )
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


def _backward(loss, student: torch.Tensor, context: str | Bilingual) -> None:
    """loss.backward(), failing with a learner's message when that is impossible."""
    if not isinstance(loss, torch.Tensor):
        raise CheckFailure(
            say(
                "listwise_distillation_loss returned a {kind}; it should return a 0-dim tensor "
                "connected to student_scores ({context}).",
                "listwise_distillation_loss 返回的是 {kind}；它应返回一个与 student_scores "
                "相连的 0 维张量（{context}）。",
                kind=type(loss).__name__,
                context=context,
            )
        )
    if not loss.requires_grad:
        raise CheckFailure(
            say(
                "The loss cannot be back-propagated: it does not depend on student_scores "
                "({context}); loss.backward() fails.\n  Likely mistake: a constant such as "
                "torch.tensor(0.0) is returned; compute the zero from the student's scores (e.g. "
                "a sum over zero lists) so that backward() still works and gives zero gradients.",
                "损失无法反向传播：它不依赖于 student_scores（{context}），loss.backward() 会"
                "失败。\n  可能的错误：返回了 torch.tensor(0.0) 这样的常量；请用学生模型的分数"
                "算出这个零（例如对零个列表求和），这样 backward() 仍然可用，并给出零梯度。",
                context=context,
            )
        )
    loss.backward()
    expect(
        student.grad is not None,
        say(
            "student_scores received no gradient ({context}): after loss.backward(), "
            "student_scores.grad is None.\n  Likely mistake: the loss is a new tensor that is "
            "not computed from student_scores (e.g. torch.zeros((), requires_grad=True) when no "
            "list has a valid candidate); build it from the scores (e.g. "
            "student_scores[mask].sum(), a sum over no candidate) so that the student gets zero "
            "gradients.",
            "student_scores 没有得到梯度（{context}）：loss.backward() 之后 student_scores.grad "
            "是 None。\n  可能的错误：损失是一个并非由 student_scores 算出的新张量（例如没有"
            "列表含有效候选时返回的 torch.zeros((), requires_grad=True)）；请用分数来构造它"
            "（例如 student_scores[mask].sum()，即对零个候选求和），这样学生模型会得到零梯度。",
            context=context,
        ),
    )


# A padding pattern used by several checks: lists of 4, 2, 3 and 1 valid candidates.
MASK_ROWS = [[1, 1, 1, 1, 0], [1, 1, 0, 0, 0], [0, 1, 1, 0, 1], [1, 0, 0, 0, 0]]


# --------------------------------------------------------------------------------------------
# Checks


def test_loss_without_padding() -> None:
    """Without a mask, the loss is T²·KL(teacher ‖ student) averaged over the lists
    zh: 没有掩码时，损失为 T²·KL(teacher ‖ student) 在各列表上的平均"""
    s, t = _inputs(3, 5, torch.float64, seed=1)
    # T² = 9 differs from B = 3 and L = 5, so that each wrong divisor shows.
    _check_value(s, t, None, temperature=3.0, first="mean_candidates")


def test_kl_scaled_by_t_squared() -> None:
    """The KL is scaled by T²
    zh: KL 要乘以 T²"""
    s, t = _inputs(2, 4, torch.float64, seed=2)
    _check_value(s, t, _mask(MASK_ROWS[:2])[:, :4], temperature=2.5, first="no_t2")


def test_kl_direction() -> None:
    """The KL runs from the teacher to the student, KL(p_t ‖ p_s)
    zh: KL 的方向是从教师模型到学生模型，即 KL(p_t ‖ p_s)"""
    s, t = _inputs(3, 4, torch.float64, seed=3)
    t = t * 2.0  # a peaked teacher and a flatter student: the two directions differ clearly
    _check_value(s, t, None, temperature=1.5, first="reverse")


def test_zero_when_student_equals_teacher() -> None:
    """The loss is 0 when student and teacher agree on every valid candidate
    zh: 学生和教师模型在每个有效候选上都一致时，损失为 0"""
    s, _ = _inputs(4, 5, torch.float64, seed=4)
    mask = _mask(MASK_ROWS)
    # Same valid scores, different padding: the padding must not matter.
    t = _pad(s, mask, [5.0, -3.0])
    _check_value(s, t, mask, temperature=2.0, first="soft_ce")


def test_padding_takes_no_part() -> None:
    """Padded candidates take no part in either softmax
    zh: 填充的候选不参与任何一个 softmax"""
    s, t = _inputs(4, 5, torch.float64, seed=5)
    mask = _mask(MASK_ROWS)
    s, t = _pad(s, mask, [3.0, -2.0, 0.5]), _pad(t, mask, [-1.0, 4.0])
    _check_value(s, t, mask, temperature=1.0, first="no_mask")
    _check_value(s, t, mask, temperature=2.0, first="mask_zero")
    # A single list.
    _check_value(s[:1], t[:1], mask[:1], temperature=1.5)


def test_mask_none_means_all_valid() -> None:
    """mask=None treats every candidate as valid
    zh: mask=None 时所有候选都有效"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(3, 4, torch.float64, seed=6)
    with_none = fn(s.clone(), t.clone(), temperature=2.0)
    all_true = fn(s.clone(), t.clone(), mask=torch.ones_like(s, dtype=torch.bool), temperature=2.0)
    expect(
        isinstance(with_none, torch.Tensor) and isinstance(all_true, torch.Tensor),
        say(
            "listwise_distillation_loss should return a 0-dim tensor.",
            "listwise_distillation_loss 应返回 0 维张量。",
        ),
    )
    expect(
        is_close(with_none, all_true, rtol=1e-9, atol=1e-12),
        say(
            "listwise_distillation_loss gives different values with mask=None and with a mask "
            "that is True everywhere: {a} and {b}.\n"
            "  inputs:   {inputs}\n"
            "  mask=None means that every candidate is valid.",
            "mask=None 和处处为 True 的掩码让 listwise_distillation_loss 给出了不同的值：{a} 和 "
            "{b}。\n"
            "  输入：{inputs}\n"
            "  mask=None 的意思是所有候选都有效。",
            a=fmt(with_none),
            b=fmt(all_true),
            inputs=_show(s, t, None, 2.0),
        ),
    )
    _check_value(s, t, None, temperature=2.0)


@DTYPES
def test_nan_and_inf_in_padding(dtype: torch.dtype) -> None:
    """NaN or ±inf in the padding leave the loss and its gradients finite and right
    zh: 填充位置为 NaN 或 ±inf 时，损失和梯度依然有限且正确"""
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
        say(
            "listwise_distillation_loss is {value} when the padded positions hold NaN or "
            "±inf.\n  inputs:   {inputs}\n  Likely mistake: the padding still reaches the "
            "computation: multiplying by the mask keeps NaN (NaN · 0 = NaN) and ±inf; replace "
            "the padded scores with scores.masked_fill(~mask, float('-inf')) (or torch.where), "
            "and make the padded terms of the KL exactly 0 (0 · (−inf − (−inf)) is NaN too).",
            "填充位置为 NaN 或 ±inf 时，listwise_distillation_loss 为 `{value}`。\n"
            "  输入：{inputs}\n  可能的错误：填充值仍然进入了计算：乘以掩码去不掉 NaN"
            "（NaN · 0 = NaN）和 ±inf；请用 scores.masked_fill(~mask, float('-inf'))（或 "
            "torch.where）替换填充位置的分数，并让 KL 在填充位置上的项精确为 0"
            "（0 · (−inf − (−inf)) 同样是 NaN）。",
            value=fmt(value),
            inputs=inputs,
        ),
    )
    _backward(loss, student, say("NaN and ±inf in the padding", "填充位置为 NaN 和 ±inf 时"))
    expect_finite(
        student.grad,
        say(
            "The gradient of listwise_distillation_loss is not finite when the padded positions "
            "hold NaN or ±inf: {grad}.\n  inputs:   {inputs}\n  Likely mistake: a NaN or inf "
            "computed at the padding and removed afterwards (e.g. with torch.where) still sends "
            "NaN gradients back, and so does log(softmax(...)) where a probability is 0; "
            "replace the padded scores (masked_fill / torch.where) before any arithmetic on "
            "them, take F.log_softmax, and zero the padded terms before multiplying p_t by the "
            "log-ratio.",
            "填充位置为 NaN 或 ±inf 时，listwise_distillation_loss 的梯度不是有限值：`{grad}`。\n"
            "  输入：{inputs}\n  可能的错误：在填充位置上算出的 NaN 或 inf 即使事后被去掉"
            "（例如用 torch.where），仍会反向传回 NaN 梯度；在概率为 0 的地方算 "
            "log(softmax(...)) 也一样。请在对填充位置的分数做任何运算之前先把它们替换掉"
            "（masked_fill / torch.where），用 F.log_softmax，并在 p_t 乘以对数比之前把填充"
            "位置的项置零。",
            grad=fmt(student.grad),
            inputs=inputs,
        ),
    )
    expect(
        teacher.grad is None,
        say(
            "The teacher received a gradient: teacher_scores.grad should stay None.\n  Likely "
            "mistake: the teacher is not detached; use teacher_scores.detach().",
            "教师模型收到了梯度：teacher_scores.grad 应当保持为 None。\n  可能的错误：教师"
            "模型没有 detach；请用 teacher_scores.detach()。",
        ),
    )
    _expect_close_naming(
        value,
        _expected(bad_s, bad_t, mask, 2.0),
        lambda: _mistakes_any_padding(bad_s, bad_t, mask, 2.0),
        teacher=(bad_s, bad_t, mask, 2.0),
        what=say(
            "listwise_distillation_loss with NaN and ±inf in the padding",
            "填充位置为 NaN 和 ±inf 时的 listwise_distillation_loss",
        ),
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
        what=say(
            "The gradient with NaN and ±inf in the padding (0 at every padded position)",
            "填充位置为 NaN 和 ±inf 时（每个填充位置上的梯度都应为 0），"
            "listwise_distillation_loss 反向传播得到的 student_scores.grad",
        ),
        inputs=inputs,
        atol=1e-5 if dtype == torch.float32 else None,
    )


def test_lists_without_candidates_are_left_out() -> None:
    """Lists without any valid candidate are left out of the average
    zh: 没有任何有效候选的列表不计入平均"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(4, 4, torch.float64, seed=8)
    mask = _mask([[1, 1, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 1, 1]])
    for padding in ("finite", "NaN and ±inf"):
        if padding == "finite":
            pad_s, pad_t = _pad(s, mask, [1.0, -0.5]), _pad(t, mask, [2.0])
        else:
            pad_s, pad_t = _pad(s, mask, [NAN, -INF]), _pad(t, mask, [NAN, INF])
        inputs = _show(pad_s, pad_t, mask, 1.0)
        shown = say(
            "{padding} padding",
            "{zh}",
            padding=padding,
            zh={"finite": "填充值为有限值", "NaN and ±inf": "填充值为 NaN 和 ±inf"}[padding],
        )
        student = pad_s.clone().requires_grad_(True)
        loss = fn(student, pad_t.clone(), mask=mask.clone(), temperature=1.0)
        value = loss.detach() if isinstance(loss, torch.Tensor) else torch.tensor(loss)
        expect_finite(
            value,
            say(
                "listwise_distillation_loss is {value} when one list has no valid candidate "
                "({shown}).\n  inputs:   {inputs}\n  Likely mistake: the log-softmax of a list "
                "of only -inf is NaN; make that list's terms exactly 0 (masked_fill or "
                "torch.where on the log-probabilities) and leave it out of the average.",
                "有一个列表没有有效候选时（{shown}），listwise_distillation_loss 为 `{value}`。\n"
                "  输入：{inputs}\n  可能的错误：全是 -inf 的列表，其 log-softmax 是 NaN；"
                "要让这个列表的项精确为 0（对对数概率用 masked_fill 或 torch.where），并且不把"
                "它计入平均。",
                value=fmt(value),
                shown=shown,
                inputs=inputs,
            ),
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
            what=say(
                "listwise_distillation_loss with a list of only padding ({shown})",
                "有一个列表全是填充时（{shown}）的 listwise_distillation_loss",
                shown=shown,
            ),
            inputs=inputs,
        )
        _backward(loss, student, say("a list without valid candidates", "有一个列表没有有效候选时"))
        expect_finite(
            student.grad,
            say(
                "The gradient is not finite when one list has no valid candidate ({shown}): "
                "{grad}.\n  inputs:   {inputs}\n  Likely mistake: the padding is removed with "
                "arithmetic (scores + mask.log(), scores * mask), so gradients flow through it "
                "and the NaN log-probabilities of the all-padding list reach student_scores; "
                "replace the padded scores with masked_fill(~mask, float('-inf')) or "
                "torch.where, which send no gradient to them.",
                "有一个列表没有有效候选时（{shown}），梯度不是有限值：`{grad}`。\n"
                "  输入：{inputs}\n  可能的错误：填充位置是用算术运算去掉的"
                "（scores + mask.log()、scores * mask），梯度会流经这些运算，全是填充的列表的 "
                "NaN 对数概率就传到了 student_scores；请用 masked_fill(~mask, float('-inf')) 或 "
                "torch.where 替换填充位置的分数，它们不会向填充位置传梯度。",
                shown=shown,
                grad=fmt(student.grad),
                inputs=inputs,
            ),
        )


@pytest.mark.parametrize("padding", ["finite", "nan"], ids=["finite padding", "NaN padding"])
def test_no_valid_candidate_at_all(padding: str) -> None:
    """With no valid candidate at all, the loss is a zero that back-propagates
    zh: 完全没有有效候选时，损失是一个可以反向传播的零"""
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
        say(
            "listwise_distillation_loss returned a {kind}; it should return a 0-dim tensor.",
            "listwise_distillation_loss 返回的是 {kind}；它应返回 0 维张量。",
            kind=type(loss).__name__,
        ),
    )
    expect_finite(
        loss.detach(),
        say(
            "listwise_distillation_loss returned {value} when no list has a valid candidate."
            "\n  inputs:   {inputs}\n  Likely mistake: the average over the lists with a valid "
            "candidate divides 0 by 0 (e.g. .mean() of an empty selection), or the zero is "
            "built from every score (student_scores.sum() * 0 is NaN when the padding holds "
            "NaN); divide the sum by max(number of such lists, 1), or build the zero from the "
            "valid scores only (student_scores[mask].sum()).",
            "没有任何列表含有效候选时，listwise_distillation_loss 返回了 `{value}`。\n"
            "  输入：{inputs}\n  可能的错误：在含有效候选的列表上取平均时出现了 0 除以 0"
            "（例如对空的选取结果调用 .mean()），或者这个零是用所有分数构造的（填充位置为 NaN "
            "时，student_scores.sum() * 0 是 NaN）；请把总和除以 max(这类列表的个数, 1)，或者"
            "只用有效分数构造这个零（student_scores[mask].sum()）。",
            value=fmt(loss),
            inputs=inputs,
        ),
    )
    expect_close(
        loss.detach(),
        torch.zeros((), dtype=s.dtype, device=DEVICE),
        what=say(
            "listwise_distillation_loss with no valid candidate",
            "没有任何有效候选时的 listwise_distillation_loss",
        ),
        inputs=inputs,
    )
    _backward(loss, student, say("no valid candidate in any list", "所有列表都没有有效候选时"))
    expect_finite(
        student.grad,
        say(
            "The gradient is not finite when no list has a valid candidate: {grad}."
            "\n  inputs:   {inputs}\n  Likely mistake: the padding is removed with arithmetic "
            "(scores + mask.log(), scores * mask), so the NaN log-probabilities of the "
            "all-padding lists reach student_scores; replace the padded scores with masked_fill "
            "or torch.where.",
            "没有任何列表含有效候选时，梯度不是有限值：`{grad}`。\n  输入：{inputs}\n"
            "  可能的错误：填充位置是用算术运算去掉的（scores + mask.log()、scores * mask），"
            "全是填充的列表的 NaN 对数概率因此传到了 student_scores；请用 masked_fill 或 "
            "torch.where 替换填充位置的分数。",
            grad=fmt(student.grad),
            inputs=inputs,
        ),
    )
    expect_close(
        student.grad,
        torch.zeros_like(s),
        what=say(
            "The gradient with no valid candidate (zeros, not NaN)",
            "没有任何有效候选时（应为全零，而不是 NaN），listwise_distillation_loss 反向传播"
            "得到的 student_scores.grad",
        ),
        inputs=inputs,
    )


@DTYPES
def test_gradients_reach_the_student_only(dtype: torch.dtype) -> None:
    """The student gets the right gradient and the teacher none
    zh: 学生模型得到正确的梯度，教师模型得不到梯度"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(4, 5, dtype, seed=10)
    mask = _mask(MASK_ROWS)
    s, t = _pad(s, mask, [2.0, -1.0]), _pad(t, mask, [1.5])
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)  # as if the teacher's graph were still attached
    _backward(
        fn(student, teacher, mask=mask.clone(), temperature=1.5),
        student,
        say("a padded batch", "输入为带填充的批次时"),
    )
    expect(
        teacher.grad is None,
        say(
            "The teacher received a gradient: after loss.backward(), teacher_scores.grad is a "
            "tensor but should stay None.\n  Likely mistake: the teacher is not detached; use "
            "teacher_scores.detach() so that gradients reach the student only.",
            "教师模型收到了梯度：loss.backward() 之后 teacher_scores.grad 是一个张量，但它应当"
            "保持为 None。\n  可能的错误：教师模型没有 detach；请用 teacher_scores.detach()，"
            "让梯度只传到学生模型。",
        ),
    )
    reference_student = s.detach().double().requires_grad_(True)
    reference(EXERCISE).listwise_distillation_loss(
        reference_student, t.double(), mask, 1.5
    ).backward()
    what = say(
        "The gradient of listwise_distillation_loss with respect to student_scores",
        "listwise_distillation_loss 反向传播得到的 student_scores.grad",
    )
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
    """Scores of magnitude 1e3 give a finite loss and finite gradients
    zh: 分数量级为 1e3 时，损失和梯度都是有限值"""
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
            say(
                "listwise_distillation_loss is not finite for scores of magnitude 1e3: got "
                "{value}.\n  inputs:   {inputs}\n  Likely mistake: torch.log(F.softmax(...)) "
                "underflows to log(0) = -inf (and 0 · -inf = NaN); take log-probabilities from "
                "F.log_softmax instead.",
                "分数量级为 1e3 时，listwise_distillation_loss 不是有限值：得到的是 `{value}`。\n"
                "  输入：{inputs}\n  可能的错误：torch.log(F.softmax(...)) 会下溢成 "
                "log(0) = -inf（而 0 · -inf = NaN）；请改用 F.log_softmax 得到对数概率。",
                value=fmt(value),
                inputs=inputs,
            ),
        )
        _backward(loss, student, say("scores of magnitude 1e3", "分数量级为 1e3 时"))
        expect_finite(
            student.grad,
            say(
                "The gradient of listwise_distillation_loss is not finite for scores of "
                "magnitude 1e3: {grad}.\n  inputs:   {inputs}\n  Likely mistake: a log of a "
                "probability that underflows to 0; work with F.log_softmax throughout.",
                "分数量级为 1e3 时，listwise_distillation_loss 的梯度不是有限值：`{grad}`。\n"
                "  输入：{inputs}\n  可能的错误：对下溢成 0 的概率取了 log；请全程使用 "
                "F.log_softmax。",
                grad=fmt(student.grad),
                inputs=inputs,
            ),
        )
        _expect_close_naming(
            value,
            _expected(s, t, mask, temperature),
            lambda temperature=temperature: _mistakes(s, t, mask, temperature),
            teacher=(s, t, mask, temperature),
            what=say(
                "listwise_distillation_loss(..., temperature={t}) at scores of magnitude 1e3",
                "分数量级为 1e3 时的 listwise_distillation_loss(..., temperature={t})",
                t=f"{temperature:g}",
            ),
            inputs=inputs,
        )


def test_invalid_temperature_raises_value_error() -> None:
    """A temperature <= 0 raises ValueError
    zh: 温度 <= 0 时抛出 ValueError"""
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
            say(
                "listwise_distillation_loss(..., temperature=0.1) raised ValueError({message}), "
                "but any temperature > 0 is valid.",
                "listwise_distillation_loss(..., temperature=0.1) 抛出了 "
                "`ValueError({message})`，但任何 > 0 的温度都是合法的。",
                message=repr(str(exc)),
            )
        ) from None


def test_defaults() -> None:
    """Left out, mask is None and the temperature is 1.0
    zh: 省略时，mask 为 None，温度为 1.0"""
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
                    say(
                        "{what} returned the wrong value, although the same call with "
                        "mask={mask} and temperature={t} written out returns the right one.\n"
                        "  expected: {expected}\n  got:      {got}\n  Likely mistake: the "
                        "defaults in your signature are not the task's: mask: Tensor | None = "
                        "None, temperature: float = 1.0.",
                        "{what} 返回的值不对，而把 mask={mask}、temperature={t} 显式写出来的"
                        "同一调用却返回了正确的值。\n  应为：{expected}\n  实际：{got}\n"
                        "  可能的错误：你的函数签名里的默认值与题目不符：应为 mask: Tensor | "
                        "None = None，temperature: float = 1.0。",
                        what=what,
                        mask="None" if used_mask is None else "mask",
                        t=f"{temperature:g}",
                        expected=fmt(expected),
                        got=fmt(got),
                    )
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
    """Temperatures down to 0.05, scores of ±1e3 and huge padding give the right loss
    zh: 温度小到 0.05、分数达到 ±1e3、填充值极大时，损失依然正确"""
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
                say(
                    "{what} is {value} for scores of magnitude 1e3 with padding {padding}.\n"
                    "  inputs:   {inputs}",
                    "分数量级为 1e3、填充值为 {padding} 时，{what} 为 `{value}`。\n"
                    "  输入：{inputs}",
                    what=what,
                    value=fmt(value),
                    padding=fmt(padding),
                    inputs=inputs,
                ),  # fmt: skip
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
            _backward(
                loss,
                student,
                say(
                    "scores of magnitude 1e3 at temperature {t}",
                    "分数量级为 1e3、温度为 {t} 时",
                    t=f"{temperature:g}",
                ),
            )
            expect_finite(
                student.grad,
                say(
                    "The gradient of {what} is not finite for scores of magnitude 1e3 with "
                    "padding {padding}: {grad}.\n  inputs:   {inputs}",
                    "分数量级为 1e3、填充值为 {padding} 时，{what} 的梯度不是有限值：`{grad}`。\n"
                    "  输入：{inputs}",
                    what=what,
                    padding=fmt(padding),
                    grad=fmt(student.grad),
                    inputs=inputs,
                ),  # fmt: skip
            )
    if dtype == torch.float64:
        # One list far below the others (softmax does not change when a list is shifted):
        # a finite fill such as -1e4 is no longer below its scores.
        far_s, far_t = s.clone(), t.clone()
        far_s[1] -= 4e4
        far_t[1] -= 4e4
        _check_value(far_s, far_t, mask, 1.0, first="mask_finite_fill")


def test_loss_follows_the_teacher() -> None:
    """The loss changes when the teacher's scores change slightly
    zh: 教师模型的分数稍有变化时，损失随之变化"""
    s, t = _inputs(3, 5, torch.float64, seed=23)
    mask = _mask(MASK_ROWS[:3])
    before = _call(s, t, mask, 2.0)
    after = _call(s, _nudged_teacher(t), mask, 2.0)
    if _same(before, after):
        raise teacher_ignored("listwise_distillation_loss(..., temperature=2)", NUDGED_TEACHER)
    _check_value(s, _nudged_teacher(t), mask, 2.0)


def test_lists_with_a_single_candidate_count() -> None:
    """Lists with a single valid candidate count in the average (their KL is 0)
    zh: 只有一个有效候选的列表也计入平均（它们的 KL 为 0）"""
    s, t = _inputs(4, 4, torch.float64, seed=24)
    mask = _mask([[1, 1, 1, 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 1, 0]])
    _check_value(_pad(s, mask, [4.0]), _pad(t, mask, [-2.0]), mask, 1.5, first="single_excluded")
    one = _mask([[0, 1, 0]])
    s1, t1 = _inputs(1, 3, torch.float32, seed=25)
    _check_value(_pad(s1, one, [3.0]), _pad(t1, one, [1.0]), one, 0.5)


def _call_with(temperature: float, label: Bilingual) -> Bilingual:
    """A call at `temperature` with the mask that `label` describes, as a failure names it."""
    return say(
        "listwise_distillation_loss(..., temperature={t}) with {label}",
        "{label}，listwise_distillation_loss(..., temperature={t})",
        t=f"{temperature:g}",
        label=label,
    )


def test_temperature_rejected_whatever_the_mask() -> None:
    """A temperature <= 0 raises ValueError with any mask; any temperature > 0 is accepted
    zh: 无论掩码如何，温度 <= 0 都抛出 ValueError；任何 > 0 的温度都被接受"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(2, 3, torch.float64, seed=26)
    masks = {
        say("mask=None", "mask=None 时"): None,
        say("a mask with padding", "掩码含填充位置时"): _mask([[1, 1, 0], [0, 1, 1]]),
        say("a mask that is all False", "掩码全为 False 时"): torch.zeros(
            2, 3, dtype=torch.bool, device=DEVICE
        ),
        say("one list of one padded candidate", "只有一个列表、其唯一的候选是填充时"): torch.zeros(
            1, 1, dtype=torch.bool, device=DEVICE
        ),
    }
    for label, mask in masks.items():
        rows = slice(None) if mask is None or mask.shape[0] == 2 else slice(0, 1)
        cols = slice(None) if mask is None or mask.shape[1] == 3 else slice(0, 1)
        ms, mt = s[rows, cols], t[rows, cols]
        if mask is not None:
            ms, mt = _pad(ms, mask, [NAN]), _pad(mt, mask, [INF])
        for temperature in (0.0, -1.0, -1e-9):
            with expect_value_error(_call_with(temperature, label), "temperature"):
                fn(ms.clone(), mt.clone(), mask, temperature)
        for temperature in (0.05, 50.0):
            try:
                got = fn(ms.clone(), mt.clone(), mask, temperature)
            except ValueError as exc:
                raise CheckFailure(
                    say(
                        "{call} raised ValueError({message}), but any temperature > 0 is valid.",
                        "{call} 抛出了 `ValueError({message})`，但任何 > 0 的温度都是合法的。",
                        call=_call_with(temperature, label),
                        message=repr(str(exc)),
                    )
                ) from None
            _expect_close_naming(
                got,
                _expected(ms, mt, mask, temperature),
                lambda: {},
                what=_call_with(temperature, label),
                inputs=_show(ms, mt, mask, temperature),
            )


def test_result_on_the_inputs_device() -> None:
    """The result is created on the inputs' device, also with mask=None
    zh: 结果创建在输入所在的设备上，mask=None 时也一样"""
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
@zh_name("在随机的形状、掩码、dtype 和温度上，损失与参考实现一致")
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
    """The inputs are not modified in place
    zh: 不原地修改输入"""
    fn = learner(EXERCISE).listwise_distillation_loss
    s, t = _inputs(4, 5, torch.float32, seed=12)
    mask = _mask(MASK_ROWS)
    # Finite padding: NaN never compares equal to itself, so it cannot show "unchanged".
    s, t = _pad(s, mask, [7.0, -3.0]), _pad(t, mask, [5.0])
    expect_unchanged(
        {"student_scores": s, "teacher_scores": t, "mask": mask},
        lambda: fn(s, t, mask=mask, temperature=2.0),
    )
