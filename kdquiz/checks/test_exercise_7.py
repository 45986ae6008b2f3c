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
from hypothesis import Phase, example, given, seed, settings
from hypothesis import strategies as st

from kdquiz.checker.bilingual import Bilingual
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
    say,
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

LABELS_FLOAT32 = say(
    "the labels are cast with labels.float() (which gives float32; use "
    "labels.to(student_logits.dtype)), so the label term is computed in float32",
    "标签是用 labels.float() 转换的（得到的是 float32；应使用 "
    "labels.to(student_logits.dtype)），所以标签项是在 float32 下计算的",
)
CTR_MISTAKES = {
    "no_t2": say(
        "the soft term is not scaled by T² (multiply it by temperature ** 2)",
        "软目标项没有乘以 T²（要乘以 temperature ** 2）",
    ),
    "t_not_t2": say(
        "the soft term is multiplied by T instead of T²",
        "软目标项乘的是 T，而不是 T²",
    ),
    "t2_whole": say(
        "T² multiplies the whole loss; it scales the soft term only",
        "T² 乘在了整个损失上；它只应缩放软目标项",
    ),
    "no_t_student": say(
        "the student's logits are not divided by T in the soft term: compare "
        "s / T with the teacher's σ(t / T), both at the same temperature",
        "软目标项里学生模型的 logits 没有除以 T：应在同一温度下比较 s / T 和教师模型的 σ(t / T)",
    ),
    "no_t_teacher": say(
        "the teacher's logits are not divided by T: the soft target is σ(t / T)",
        "教师模型的 logits 没有除以 T：软目标是 σ(t / T)",
    ),
    "t_times": say(
        "the logits are multiplied by T instead of divided by it",
        "logits 乘以了 T，而不是除以 T",
    ),
    "hard_teacher": say(
        "the teacher's probability is rounded to a hard 0/1 label; the soft target "
        "is the probability σ(t / T) itself",
        "教师模型的概率被四舍五入成了 0/1 硬标签；软目标就是概率 σ(t / T) 本身",
    ),
    "mse_probs": say(
        "the soft term is an MSE between the probabilities σ(s / T) and σ(t / T); it is "
        "the BCE of the student's logits s / T against the target σ(t / T)",
        "软目标项用的是概率 σ(s / T) 与 σ(t / T) 之间的 MSE；它应是学生模型的 logits s / T "
        "相对目标 σ(t / T) 的 BCE",
    ),
    "mse_logits": say(
        "the soft term is an MSE between the logits; it is the BCE of s / T against "
        "the target σ(t / T)",
        "软目标项用的是 logits 之间的 MSE；它应是 s / T 相对目标 σ(t / T) 的 BCE",
    ),
    "logit_target": say(
        "the teacher's logits are used as the target; the target is the probability σ(t / T)",
        "把教师模型的 logits 当成了目标；目标应是概率 σ(t / T)",
    ),
    "binary_kl": say(
        "the soft term is the binary KL divergence (the BCE minus the teacher's "
        "entropy); the task asks for the BCE itself, BCE(s / T, σ(t / T))",
        "软目标项用的是二元 KL 散度（BCE 减去教师模型的熵）；题目要求的是 BCE 本身，即 "
        "BCE(s / T, σ(t / T))",
    ),
    "bce_probs": say(
        "the BCE is computed from probabilities (torch.sigmoid, then "
        "F.binary_cross_entropy): at logits of 1e3 sigmoid rounds to exactly 0 or 1 and BCELoss "
        "clamps log(0) to −100; use F.binary_cross_entropy_with_logits on the logits",
        "BCE 是从概率算的（先 torch.sigmoid，再 F.binary_cross_entropy）：logits 为 1e3 时 "
        "sigmoid 会被舍入成恰好 0 或 1，而 BCELoss 会把 log(0) 截断为 −100；应直接对 logits "
        "使用 F.binary_cross_entropy_with_logits",
    ),
    "hard_at_t": say(
        "the label term is computed on s / T; it uses the plain logits s (temperature 1)",
        "标签项是在 s / T 上算的；它应使用原始的 logits s（温度为 1）",
    ),
    "hard_teacher_labels": say(
        "the label term uses the teacher's rounded predictions as labels; it uses the true labels",
        "标签项把教师模型四舍五入后的预测当成了标签；它应使用真实标签",
    ),
    "swap_alpha": say(
        "alpha and 1 - alpha are swapped: alpha weighs the soft (teacher) term and "
        "1 - alpha the label term",
        "alpha 和 1 - alpha 用反了：alpha 是软目标（教师模型）项的权重，1 - alpha 是标签项的权重",
    ),
    "hard_unweighted": say(
        "the label term is not weighted by 1 - alpha",
        "标签项没有乘以权重 1 - alpha",
    ),
    "soft_unweighted": say(
        "the soft term is not weighted by alpha",
        "软目标项没有乘以权重 alpha",
    ),
    "soft_sum": say(
        "the soft term is summed over the batch instead of averaged",
        "软目标项在批次上求了和，而不是取平均",
    ),
    "hard_sum": say(
        "the label term is summed over the batch instead of averaged",
        "标签项在批次上求了和，而不是取平均",
    ),
    "labels_float32": LABELS_FLOAT32,
    "soft_no_grad": say(
        "no gradient flows through the soft term: the student's logits are detached "
        "(or the term is computed under torch.no_grad()) there; only the teacher may be detached",
        "软目标项没有梯度流过：学生模型的 logits 在这一项里被 detach 了（或者这一项是在 "
        "torch.no_grad() 下计算的）；只有教师模型可以 detach",
    ),
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
    "teacher_not_detached": say(
        "the teacher is not detached in the distillation term, so "
        "λ·BCE(s, σ(t)) also pulls the teacher towards the student; use σ(t).detach() as the "
        "student's target",
        "蒸馏项里的教师模型没有 detach，所以 λ·BCE(s, σ(t)) 也会把教师模型拉向学生模型；应把 "
        "σ(t).detach() 作为学生模型的目标",
    ),
    "teacher_fully_detached": say(
        "the teacher receives no gradient at all: it is detached everywhere (or its "
        "BCE(t, y) term is computed under torch.no_grad()); in PFD the teacher is trained in the "
        "same step from its own BCE(t, y), only its target for the student is detached",
        "教师模型完全没有得到梯度：它在所有地方都被 detach 了（或者它的 BCE(t, y) 项是在 "
        "torch.no_grad() 下计算的）；在 PFD 中，教师模型在同一步里由它自己的 BCE(t, y) 训练，"
        "只有它给学生模型的目标需要 detach",
    ),
    "no_teacher_term": say(
        "the teacher's own term BCE(t, y) is missing; the joint loss trains the teacher too",
        "缺少教师模型自己的 BCE(t, y) 项；联合损失也要训练教师模型",
    ),
    "teacher_grads_swapped": say(
        "the teacher learns from the wrong term: σ(t) is not detached in "
        "the distillation term while its own BCE(t, y) is; detach σ(t) (the student's target) and "
        "let BCE(t, y) train the teacher",
        "教师模型从错误的项里学习：蒸馏项里的 σ(t) 没有 detach，它自己的 BCE(t, y) 反而 "
        "detach 了；应 detach σ(t)（学生模型的目标），让 BCE(t, y) 来训练教师模型",
    ),
    "teacher_term_lam": say(
        "the teacher's term is weighted by λ; it has weight 1",
        "教师模型的项乘了权重 λ；它的权重应为 1",
    ),
    "teacher_term_one_minus": say(
        "the teacher's term is weighted by 1 − λ; it has weight 1",
        "教师模型的项乘了权重 1 − λ；它的权重应为 1",
    ),
    "swap_lam": say(
        "λ and 1 − λ are swapped: λ weighs the distillation term BCE(s, σ(t)) and "
        "1 − λ the student's label term BCE(s, y)",
        "λ 和 1 − λ 用反了：λ 是蒸馏项 BCE(s, σ(t)) 的权重，1 − λ 是学生模型标签项 BCE(s, y) "
        "的权重",
    ),
    "no_one_minus": say(
        "the student's label term is not weighted by 1 − λ",
        "学生模型的标签项没有乘以权重 1 − λ",
    ),
    "hard_teacher": say(
        "the teacher's probability is rounded to a hard 0/1 label; the student's "
        "target is the probability σ(t) itself",
        "教师模型的概率被四舍五入成了 0/1 硬标签；学生模型的目标就是概率 σ(t) 本身",
    ),
    "mse_probs": say(
        "the distillation term is an MSE between σ(s) and σ(t); it is the BCE of the "
        "student's logits against the target σ(t)",
        "蒸馏项用的是 σ(s) 与 σ(t) 之间的 MSE；它应是学生模型的 logits 相对目标 σ(t) 的 BCE",
    ),
    "mse_logits": say(
        "the distillation term is an MSE between the logits; it is BCE(s, σ(t))",
        "蒸馏项用的是 logits 之间的 MSE；它应是 BCE(s, σ(t))",
    ),
    "reverse": say(
        "the distillation runs the wrong way: BCE(t, σ(s)) trains the teacher towards "
        "the student; it is BCE(s, σ(t)), the student towards the teacher",
        "蒸馏方向反了：BCE(t, σ(s)) 是让教师模型向学生模型靠拢；应是 BCE(s, σ(t))，让学生模型"
        "向教师模型靠拢",
    ),
    "bce_probs": say(
        "the BCEs are computed from probabilities (torch.sigmoid, then "
        "F.binary_cross_entropy): at logits of 1e3 sigmoid rounds to exactly 0 or 1 and BCELoss "
        "clamps log(0) to −100; use F.binary_cross_entropy_with_logits on the logits",
        "这些 BCE 是从概率算的（先 torch.sigmoid，再 F.binary_cross_entropy）：logits 为 1e3 "
        "时 sigmoid 会被舍入成恰好 0 或 1，而 BCELoss 会把 log(0) 截断为 −100；应直接对 logits "
        "使用 F.binary_cross_entropy_with_logits",
    ),
    "temperature": say(
        "the distillation term uses a temperature (s / T and σ(t / T)) or a T² "
        "factor; PFD's loss has none",
        "蒸馏项用了温度（s / T 和 σ(t / T)）或乘了 T²；PFD 的损失里没有这些",
    ),
    "labels_float32": LABELS_FLOAT32,
    "student_no_grad": say(
        "no gradient flows through the distillation term into the student: the "
        "student's logits are detached there",
        "蒸馏项没有梯度传回学生模型：学生模型的 logits 在这一项里被 detach 了",
    ),
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


FLOAT32_MISTAKE = say(
    "part of the computation runs in float32 for float64 inputs, e.g. labels.float() (which "
    "gives float32; use labels.to(student_logits.dtype)) or a new tensor created without the "
    "logits' dtype",
    "输入是 float64 时，有一部分计算是在 float32 下做的，例如 labels.float()（得到的是 "
    "float32；应使用 labels.to(student_logits.dtype)），或者新建张量时没有指定 logits 的 dtype",
)


def _in_float32(name: str, s, t, y, **params: float) -> Callable[[], torch.Tensor]:
    """The reference's value computed in float32, as float64."""

    def value() -> torch.Tensor:
        with torch.no_grad():
            return ref(name)(s.float(), t.float(), y.float(), **params).double()

    return value


# --------------------------------------------------------------------------------------------
# Does the teacher matter?

TEACHER_CHANGE = say(
    "the teacher's logits were scaled by 1.3 (the same signs, so the same hard 0/1 labels and the "
    "same order)",
    "把教师模型的 logits 乘以 1.3（符号不变，因此 0/1 硬标签和排序也都不变）",
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
                raise CheckFailure(
                    say(
                        "{name} should return a 0-dim tensor, got {loss}.",
                        "{name} 应返回 0 维张量，实际得到的是 {loss}。",
                        name=name, loss=fmt(loss),
                    )
                )  # fmt: skip
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
            what = say(
                "The gradient of {name}(..., lam=0.5) with respect to student_logits",
                "{name}(..., lam=0.5) 对 student_logits 的梯度 student_logits.grad",
                name=PFD,
            )
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
        say(
            "{name}'s result does not require grad, so the student cannot learn from it; do not "
            "compute the loss under torch.no_grad(), detach the student's logits, or build the "
            "result from Python numbers (.item()).",
            "{name} 的结果不需要梯度（requires_grad 为 False），学生模型无法从中学习；不要在 "
            "torch.no_grad() 下计算损失，不要 detach 学生模型的 logits，也不要用 Python 数值"
            "（.item()）拼出结果。",
            name=name,
        ),
    )
    assert isinstance(loss, torch.Tensor)
    expect(
        loss.dim() == 0,
        say(
            "{name} should return a 0-dim (scalar) tensor; got shape {shape}. Average "
            "over the batch.",
            "{name} 应返回 0 维（标量）张量，实际形状是 {shape}。请在批次上取平均。",
            name=name, shape=tuple(loss.shape),
        ),
    )  # fmt: skip
    loss.backward()
    expect(
        student.grad is not None,
        say(
            "student_logits.grad is None after {name}(...).backward(); the loss must depend on "
            "the student's logits through differentiable operations.",
            "{name}(...).backward() 之后 student_logits.grad 为 None；损失必须通过可微的运算依赖"
            "于学生模型的 logits。",
            name=name,
        ),
    )


# --------------------------------------------------------------------------------------------
# The checks: ctr_distillation_loss


def test_ctr_soft_term() -> None:
    """The soft term is T² · BCE(s / T, σ(t / T))
    zh: 软目标项为 T² · BCE(s / T, σ(t / T))"""
    s, t, y = _inputs(4, torch.float64, seed=1)
    _check_ctr(s, t, y, alpha=1.0, temperature=3.0, first="no_t2")


def test_ctr_alpha_and_label_term() -> None:
    """alpha weighs the soft term, 1 − alpha the label BCE at temperature 1
    zh: alpha 是软目标项的权重，1 − alpha 是温度为 1 时标签 BCE 的权重"""
    s, t, y = _inputs(5, torch.float64, seed=2)
    _check_ctr(s, t, y, alpha=0.25, temperature=2.5, first="swap_alpha")
    _check_ctr(s, t, y, alpha=0.0, temperature=4.0, first="hard_at_t")


@DTYPES
def test_ctr_gradients(dtype: torch.dtype) -> None:
    """The teacher receives no gradient; the student gets the right one
    zh: 教师模型不接收梯度，学生模型得到正确的梯度"""
    ctr = mine(CTR)
    s, t, y = _inputs(4, dtype, seed=3)
    alpha, temperature = 0.4, 2.5  # T² ≠ B, so that "T² on the whole loss" and sums differ
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)  # as if the teacher's graph were still attached
    loss = ctr(student, teacher, y.clone(), alpha=alpha, temperature=temperature)
    _backward(CTR, loss, student)
    expect(
        teacher.grad is None,
        say(
            "The teacher received a gradient: after loss.backward(), teacher_logits.grad is a "
            "tensor but should stay None.\n  Likely mistake: the teacher is not detached; use "
            "torch.sigmoid(teacher_logits.detach() / T) (or compute it under torch.no_grad()) as "
            "the soft target.",
            "教师模型收到了梯度：loss.backward() 之后 teacher_logits.grad 是一个张量，但它应保持为 "
            "None。\n  可能的错误：教师模型没有 detach；应使用 "
            "torch.sigmoid(teacher_logits.detach() / T)（或在 torch.no_grad() 下计算）作为软目标。",
        ),
    )
    ref_student = s.detach().double().requires_grad_(True)
    ref(CTR)(ref_student, t.double(), y.double(), alpha, temperature).backward()
    _expect_close_lazy(
        student.grad,
        ref_student.grad.to(dtype),
        lambda: _ctr_gradient_mistakes(s, t, y, alpha, temperature),
        what=say(
            "The gradient of {name} with respect to student_logits",
            "{name} 对 student_logits 的梯度 student_logits.grad",
            name=CTR,
        ),
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
        say(
            "The teacher model's parameters received gradients when {name} got its logits "
            "straight from teacher(inputs).\n  Likely mistake: the teacher is not detached; use "
            "teacher_logits.detach() so that gradients reach the student only.",
            "{name} 直接拿 teacher(inputs) 的输出作为教师模型的 logits 时，教师模型的参数收到了"
            "梯度。\n  可能的错误：教师模型没有 detach；应使用 teacher_logits.detach()，让梯度只"
            "传到学生模型。",
            name=CTR,
        ),
    )


# Hypothesis seeds a derandomized check from a digest of its source, docstring included: the
# random checks keep the seeds they had before their docstrings gained a Chinese name, so that they
# draw the same examples as before.
CTR_RANDOM_SEED = int(
    "a4a4acca1426f47027979fd2dd18953d01bad2efd05511d0"
    "9109065711d7a6fd42442214d2d6602b35b12c71f79ea99e",
    16,
)
PFD_RANDOM_SEED = int(
    "e375e6de9e956092d6be56e10fa96b852b0169f199457a97"
    "45d2f3b87a5f646307daea4d8defdc6f58046364a8e946fc",
    16,
)


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
@seed(CTR_RANDOM_SEED)
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
    """ctr_distillation_loss matches the reference on random batches, dtypes, T and alpha
    zh: 在随机的批次、dtype、T 和 alpha 下，ctr_distillation_loss 与参考实现一致"""
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
        say(
            "{what} is not finite for logits of magnitude 1e3: got {value}.\n"
            "  inputs:   {inputs}\n  Likely mistake: torch.log(torch.sigmoid(x)) or "
            "torch.log(1 - torch.sigmoid(x)) gives log(0) = -inf (and 0·(-inf) = nan), or exp(x) "
            "overflows; work on the logits with F.binary_cross_entropy_with_logits (or "
            "F.logsigmoid).",
            "logits 的量级为 1e3 时，{what} 的结果不是有限值：得到 {value}。\n"
            "  输入：{inputs}\n  可能的错误：torch.log(torch.sigmoid(x)) 或 "
            "torch.log(1 - torch.sigmoid(x)) 会得到 log(0) = -inf（而 0·(-inf) = nan），或者 "
            "exp(x) 溢出了；应直接对 logits 使用 F.binary_cross_entropy_with_logits（或 "
            "F.logsigmoid）。",
            what=_what(name, **params),
            value=fmt(value),
            inputs=inputs,
        ),
    )
    _backward(name, loss, student)
    grads = {"student_logits": student.grad, "teacher_logits": teacher.grad}
    for which, grad in grads.items():
        if grad is None:  # the teacher of ctr_distillation_loss: no grad, checked elsewhere
            continue
        expect_finite(
            grad,
            say(
                "The gradient of {name} with respect to {which} is not finite for logits of "
                "magnitude 1e3: {grad}.\n  inputs:   {inputs}\n  Likely mistake: a log of a "
                "probability that rounds to 0; work on the logits with "
                "F.binary_cross_entropy_with_logits.",
                "logits 的量级为 1e3 时，{name} 对 {which} 的梯度不是有限值：{grad}。\n"
                "  输入：{inputs}\n  可能的错误：对一个被舍入成 0 的概率取了 log；应直接对 "
                "logits 使用 F.binary_cross_entropy_with_logits。",
                name=name, which=which, grad=fmt(grad), inputs=inputs,
            ),
        )  # fmt: skip
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
            clamped = say(
                "the probabilities are clamped or given an eps before the log, or "
                "F.binary_cross_entropy clamps log(0) to −100 (finite, but wrong for a large "
                "logit gap); work on the logits with F.binary_cross_entropy_with_logits",
                "取 log 之前把概率截断（clamp）了或加了 eps，或者 F.binary_cross_entropy 把 "
                "log(0) 截断成了 −100（结果有限，但 logits 相差很大时就不对了）；应直接对 logits "
                "使用 F.binary_cross_entropy_with_logits",
            )
            named[clamped] = value
        return named

    _expect_close_lazy(
        loss,
        expected,
        mistakes,
        teacher=(name, params.get("temperature", 1.0)),
        float32=_in_float32(name, s, t, y, **params),
        what=say(
            "{what} at logits of magnitude 1e3",
            "logits 的量级为 1e3 时的 {what}",
            what=_what(name, **params),
        ),
        inputs=inputs,
        **_tolerance(s, t, params.get("temperature", 1.0)),
    )


@DTYPES
def test_ctr_stable_for_large_logits(dtype: torch.dtype) -> None:
    """ctr_distillation_loss is right, with finite gradients, at logits of ±1e3
    zh: logits 为 ±1e3 时 ctr_distillation_loss 结果正确，梯度有限"""
    for temperature in (1.0, 4.0):
        _check_large_logits(CTR, dtype, alpha=0.3, temperature=temperature)


def test_ctr_invalid_arguments_raise_value_error() -> None:
    """Bad temperature or alpha raise ValueError, whatever the other arguments
    zh: temperature 或 alpha 不合法时抛出 ValueError，无论其他参数取何值"""
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
                say(
                    "{call} raised ValueError({message}), but alpha may be anywhere in [0, 1], "
                    "ends included, and any temperature > 0 is valid.",
                    "{call} 抛出了 ValueError({message})，但 alpha 可以取 [0, 1] 中的任意值（含"
                    "两端），任何大于 0 的 temperature 也都是合法的。",
                    call=f"{CTR}(..., alpha={alpha:g}, temperature={temperature:g})",
                    message=repr(str(exc)),
                )
            ) from None


def test_ctr_teacher_matters() -> None:
    """ctr_distillation_loss changes with the teacher's soft outputs
    zh: ctr_distillation_loss 随教师模型的软输出而变化"""
    for temperature in (1.0, 3.0, 0.05):
        _expect_teacher_used(CTR, temperature, strict=True)


@DTYPES
def test_ctr_small_temperatures(dtype: torch.dtype) -> None:
    """ctr_distillation_loss is right at small temperatures (down to 0.05)
    zh: 温度较小（低至 0.05）时 ctr_distillation_loss 结果正确"""
    s, t, y = _inputs(6, dtype, seed=13, scale=3.0)
    for alpha, temperature in ((0.7, 0.05), (1.0, 0.2)):
        _check_ctr(s, t, y, alpha, temperature)


# --------------------------------------------------------------------------------------------
# The checks: pfd_joint_loss


@seed(PFD_RANDOM_SEED)
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
    """pfd_joint_loss = (1 − λ)·BCE(s, y) + λ·BCE(s, σ(t)) + BCE(t, y) on random inputs
    zh: 在随机输入上 pfd_joint_loss = (1 − λ)·BCE(s, y) + λ·BCE(s, σ(t)) + BCE(t, y)"""
    s, t, y = _inputs(batch, dtype, seed, scale)
    _check_pfd(s, t, y, lam)


@DTYPES
def test_pfd_teacher_gradient(dtype: torch.dtype) -> None:
    """In PFD the teacher's gradient is that of its own BCE term alone
    zh: PFD 中教师模型的梯度只来自它自己的 BCE 项"""
    pfd = mine(PFD)
    s, t, y = _inputs(5, dtype, seed=8)
    lam = 0.7
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)
    _backward(PFD, pfd(student, teacher, y.clone(), lam=lam), student)
    expect(
        teacher.grad is not None,
        say(
            "teacher_logits.grad is None after loss.backward(): the teacher received no "
            "gradient.\n  Likely mistake: {fully_detached}; or: {no_term}.",
            "loss.backward() 之后 teacher_logits.grad 为 None：教师模型没有收到梯度。\n"
            "  可能的错误：{fully_detached}；或者：{no_term}。",
            fully_detached=PFD_MISTAKES["teacher_fully_detached"],
            no_term=PFD_MISTAKES["no_teacher_term"],
        ),
    )
    # What the teacher must get: the gradient of its own BCE term, by autograd.
    own = t.detach().clone().requires_grad_(True)
    F.binary_cross_entropy_with_logits(own, y).backward()
    assert own.grad is not None
    _expect_close_lazy(
        teacher.grad,
        own.grad,
        lambda: _pfd_gradient_mistakes(s, t, y, lam, wrt="t"),
        what=say(
            "The gradient of {name} with respect to teacher_logits (it should be the gradient "
            "of BCE(teacher_logits, labels) alone)",
            "{name} 对 teacher_logits 的梯度应当只是 BCE(teacher_logits, labels) 的梯度，而 "
            "teacher_logits.grad",
            name=PFD,
        ),
        inputs=_show(s, t, y, lam=lam),
        **dict(zip(("rtol", "atol"), tolerances(dtype), strict=True)),
    )


@DTYPES
def test_pfd_student_gradient(dtype: torch.dtype) -> None:
    """In PFD the student learns from the labels and the teacher's fixed prediction
    zh: PFD 中学生模型从标签和教师模型固定不变的预测中学习"""
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
        what=say(
            "The gradient of {name} with respect to student_logits",
            "{name} 对 student_logits 的梯度 student_logits.grad",
            name=PFD,
        ),
        inputs=_show(s, t, y, lam=lam),
        **dict(zip(("rtol", "atol"), tolerances(dtype), strict=True)),
    )


@DTYPES
def test_pfd_stable_for_large_logits(dtype: torch.dtype) -> None:
    """pfd_joint_loss is right, with finite gradients, at logits of ±1e3
    zh: logits 为 ±1e3 时 pfd_joint_loss 结果正确，梯度有限"""
    _check_large_logits(PFD, dtype, lam=0.3)


def test_pfd_teacher_matters() -> None:
    """In PFD the student learns from the teacher's soft prediction
    zh: PFD 中学生模型从教师模型的软预测中学习"""
    _expect_teacher_used(PFD, strict=True)


@pytest.mark.parametrize("lam", [0.0, 1.0], ids=["lam=0", "lam=1"])
def test_pfd_gradients_at_the_ends_of_lam(lam: float) -> None:
    """At lam = 0 and 1 the teacher still learns from its own BCE only
    zh: lam = 0 和 1 时，教师模型仍然只从它自己的 BCE 中学习"""
    s, t, y = _inputs(5, torch.float64, seed=14)
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)
    loss = mine(PFD)(student, teacher, y.clone(), lam=lam)
    _backward(PFD, loss, student)
    for which, got in (("student", student), ("teacher", teacher)):
        mine_grad = got.grad
        call = f"{PFD}(..., lam={lam:g}).backward()"
        expect(
            mine_grad is not None,
            say(
                "{which}_logits.grad is None after {call}.\n  Likely mistake: {mistake}.",
                "{call} 之后 {which}_logits.grad 为 None。\n  可能的错误：{mistake}。",
                which=which, call=call, mistake=PFD_MISTAKES["teacher_fully_detached"],
            )
            if which == "teacher"
            else say(
                "student_logits.grad is None after {call}.",
                "{call} 之后 student_logits.grad 为 None。",
                call=call,
            ),
        )  # fmt: skip
        ref_s = s.detach().clone().requires_grad_(True)
        ref_t = t.detach().clone().requires_grad_(True)
        ref(PFD)(ref_s, ref_t, y, lam).backward()
        expected = ref_s.grad if which == "student" else ref_t.grad
        _expect_close_lazy(
            mine_grad,
            expected,
            lambda which=which: _pfd_gradient_mistakes(s, t, y, lam, wrt=which[0]),
            what=say(
                "The gradient of {name}(..., lam={lam}) with respect to {which}_logits",
                "{name}(..., lam={lam}) 对 {which}_logits 的梯度 {which}_logits.grad",
                name=PFD,
                lam=f"{lam:g}",
                which=which,
            ),  # fmt: skip
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
    """Labels of any numeric dtype work; the result has the student's dtype
    zh: 任何数值 dtype 的标签都能用；结果的 dtype 与学生模型的一致"""
    for dtype in (torch.float32, torch.float64):
        s, t, y = _inputs(4, dtype, seed=10)
        for name, params in ((CTR, {"alpha": 0.5, "temperature": 2.0}), (PFD, {"lam": 0.4})):
            # Labels of the logits' own dtype first: an error there is not about the labels.
            same = _call(name, s, t, y, **params)
            for label_dtype in LABEL_DTYPES:
                labels = y.to(label_dtype)
                call = say(
                    "{what} with {dtype} logits and {label_dtype} labels",
                    "logits 为 {dtype}、标签为 {label_dtype} 时的 {what}",
                    what=_what(name, **params), dtype=dtype, label_dtype=label_dtype,
                )  # fmt: skip
                try:
                    got = mine(name)(s.clone(), t.clone(), labels.clone(), **params)
                except (NotImplementedError, CheckFailure):
                    raise
                except Exception as exc:  # noqa: BLE001
                    raise CheckFailure(
                        say(
                            "{call} raised {error}: {exc}\n  It works with labels of the logits' "
                            "dtype ({dtype}).\n  Likely mistake: the labels are not cast; convert "
                            "them with labels.to(student_logits.dtype) before the BCE.",
                            "{call} 抛出了 `{error}: {exc}`\n  标签与 logits 的 dtype（{dtype}）"
                            "相同时它能正常运行。\n  可能的错误：标签没有做类型转换；在计算 BCE "
                            "之前用 labels.to(student_logits.dtype) 转换标签。",
                            call=call, error=type(exc).__name__, exc=exc, dtype=dtype,
                        )
                    ) from None  # fmt: skip
                if not (isinstance(got, torch.Tensor) and got.dtype == dtype):
                    shown = f"dtype {got.dtype}" if isinstance(got, torch.Tensor) else repr(got)
                    hint: str = ""
                    if isinstance(same, torch.Tensor) and same.dtype == dtype:
                        hint = say(
                            " It has it with labels of the logits' dtype.\n  Likely mistake: "
                            "the labels are not cast to the logits' dtype (labels.float() gives "
                            "float32; use labels.to(student_logits.dtype)), so PyTorch promotes "
                            "or demotes the result.",
                            "标签与 logits 的 dtype 相同时结果的 dtype 是对的。\n  可能的错误："
                            "标签没有转换成 logits 的 dtype（labels.float() 得到的是 float32；"
                            "应使用 labels.to(student_logits.dtype)），所以 PyTorch 把结果的精度"
                            "提升或降低了。",
                        )
                    raise CheckFailure(
                        say(
                            "{call} returned {shown}; the result must have the student logits' "
                            "dtype, {dtype}.{hint}",
                            "{call} 返回了 {shown}；结果的 dtype 必须与学生模型的 logits 相同，即 "
                            "{dtype}。{hint}",
                            call=call, shown=shown, dtype=dtype, hint=hint,
                        )
                    )  # fmt: skip
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
    """The inputs are not modified in place
    zh: 不原地修改输入"""
    s, t, y = _inputs(4, torch.float64, seed=11)
    tensors = {"student_logits": s, "teacher_logits": t, "labels": y}
    expect_unchanged(tensors, lambda: mine(CTR)(s, t, y, alpha=0.5, temperature=2.0))
    expect_unchanged(tensors, lambda: mine(PFD)(s, t, y, lam=0.5))


def test_positional_arguments_and_defaults() -> None:
    """Arguments follow the task's order and defaults
    zh: 参数的顺序和默认值与题目一致"""
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
        advice = say(
            "\n  The task's signature is {task}; yours is {signature}: keep "
            "the parameters in that order, with those defaults.",
            "\n  题目给出的签名是 {task}，你的是 {signature}：请保持这个参数顺序和这些默认值。",
            task=f"{name}{SIGNATURES[name]}", signature=signature,
        )  # fmt: skip
        # Each pair must agree: (positional, keyword) checks the order, (omitted, the task's
        # defaults by keyword) checks the defaults. The values themselves are checked elsewhere.
        shown_args = ", ".join(f"{a:g}" for a in args)
        shown_keywords = ", ".join(f"{k}={v:g}" for k, v in by_keyword.items())
        shown_defaults = ", ".join(f"{k}={v:g}" for k, v in defaults.items())
        pairs: list[tuple[str, tuple[float, ...], str, dict[str, float], Bilingual]] = [
            (
                f"{name}(s, t, y, {shown_args})",
                args,
                f"{name}(s, t, y, {shown_keywords})",
                by_keyword,
                say("the parameters are not in the task's order", "参数顺序与题目不一致"),
            ),
            (
                f"{name}(s, t, y)",
                (),
                f"{name}(s, t, y, {shown_defaults})",
                defaults,
                say("the defaults differ from the task's", "默认值与题目不一致"),
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
                        say(
                            "{call} raised {error}: {exc}.{advice}",
                            "{call} 抛出了 `{error}: {exc}`。{advice}",
                            call=call, error=type(exc).__name__, exc=exc, advice=advice,
                        )
                    ) from None  # fmt: skip
            a, b = values
            if not (
                isinstance(a, torch.Tensor)
                and isinstance(b, torch.Tensor)
                and is_close(a, b, rtol=1e-9, atol=1e-12)
            ):
                raise CheckFailure(
                    say(
                        "{first} returned {a} but {second} returned {b}: {problem}.{advice}",
                        "{first} 返回 {a}，而 {second} 返回 {b}：{problem}。{advice}",
                        first=first, a=fmt(a), second=second, b=fmt(b), problem=problem,
                        advice=advice,
                    )
                )  # fmt: skip
        # And the values with the defaults omitted are the task's.
        _expect_close_lazy(
            fn(s.clone(), t.clone(), y.clone()),
            _expected(name, s, t, y, **defaults),
            partial(_mistakes, name, s, t, y, **defaults),
            teacher=(name, 1.0),
            float32=_in_float32(name, s, t, y, **defaults),
            what=say("{call} with the defaults", "使用默认参数的 {call}", call=f"{name}(s, t, y)"),
            inputs=_show(s, t, y),
            **_tolerance(s, t),
        )


# No device check here: the meta device (shapes without data) could stand in for a GPU, but the
# first operation on it costs ~1.7 s of CPU (torch loads its meta kernels), most of this suite's
# time budget; and neither function builds a tensor from scratch that the contract asks for.
