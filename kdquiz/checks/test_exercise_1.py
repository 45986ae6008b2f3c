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
    say,
    seeded,
    teacher_ignored,
    tolerances,
    zh_name,
)

SIGNATURE = "(student_logits, teacher_logits, labels, temperature=4.0, alpha=0.5)"


# --------------------------------------------------------------------------------------------
# The common mistakes, in a learner's words, and the value each one produces.

MISTAKES = {
    "no_t2": say(
        "the soft term is not scaled by T² (multiply the KL by temperature ** 2)",
        "软目标项没有乘以 T²（要把 KL 乘以 temperature ** 2）",
    ),
    "t_not_t2": say(
        "the soft term is multiplied by T instead of T²",
        "软目标项乘的是 T，而不是 T²",
    ),
    "div_t2": say(
        "the soft term is divided by T² instead of multiplied by it",
        "软目标项除以了 T²，而应该乘以 T²",
    ),
    "t2_whole": say(
        "T² multiplies the whole loss; it scales the soft (KL) term only, the hard "
        "cross-entropy keeps the weight 1 - alpha",
        "整个损失都乘了 T²；T² 只用来缩放软目标（KL）项，硬标签交叉熵的权重仍是 1 - alpha",
    ),
    "mean": say(
        'the KL is averaged over every element: reduction="mean" divides by B·C; use '
        'reduction="batchmean" (sum over the classes, average over the batch)',
        'KL 对所有元素取了平均：reduction="mean" 会除以 B·C；应使用 reduction="batchmean"'
        "（在类别上求和，在批次上取平均）",
    ),
    "sum": say(
        'the KL is summed over the batch (reduction="sum"); average it over the B rows '
        '(reduction="batchmean")',
        'KL 在批次上求了和（reduction="sum"）；应在 B 行上取平均（reduction="batchmean"）',
    ),
    "batch_twice": say(
        'the KL is divided by the batch size twice; reduction="batchmean" already '
        "averages over the batch",
        'KL 除了两次批次大小；reduction="batchmean" 已经在批次上取过平均了',
    ),
    "mean_classes": say(
        "the KL is averaged over the classes and summed over the batch; sum it over "
        "the classes (dim=-1) and average it over the batch",
        "KL 在类别上取了平均、在批次上求了和；应在类别上（dim=-1）求和，再在批次上取平均",
    ),
    "probs": say(
        "kl_div received probabilities as its input; it expects the student's "
        "log-probabilities, F.log_softmax(student_logits / T, dim=-1)",
        "kl_div 的 input 传入的是概率；它需要的是学生模型的对数概率，"
        "即 F.log_softmax(student_logits / T, dim=-1)",
    ),
    "log_target_probs": say(
        "kl_div was called with log_target=True but received the teacher's "
        "probabilities as its target; with log_target=True the target must be log-probabilities, "
        "F.log_softmax(teacher_logits / T, dim=-1) (or pass probabilities without log_target)",
        "调用 kl_div 时设置了 log_target=True，target 传入的却是教师模型的概率；"
        "设置 log_target=True 时 target 必须是对数概率，即 "
        "F.log_softmax(teacher_logits / T, dim=-1)（或者传入概率，但不设置 log_target）",
    ),
    "no_log_target": say(
        "kl_div received the teacher's log-probabilities as its target without "
        "log_target=True, so it treats them as probabilities; pass log_target=True",
        "kl_div 的 target 传入的是教师模型的对数概率，却没有设置 log_target=True，"
        "于是 kl_div 把它们当作概率处理；应传入 log_target=True",
    ),
    "reverse": say(
        "the KL is reversed, KL(p_s ‖ p_t) instead of KL(p_t ‖ p_s): F.kl_div(input, "
        "target) computes KL(target ‖ input), so the student's log-probabilities are the input "
        "and the teacher's the target",
        "KL 的方向反了，算成了 KL(p_s ‖ p_t)，而不是 KL(p_t ‖ p_s)：F.kl_div(input, target) "
        "计算的是 KL(target ‖ input)，所以学生模型的对数概率作 input，教师模型的作 target",
    ),
    "neg_kl": say(
        "the KL has the wrong sign: Σ p_t·(log p_s − log p_t) is −KL; the KL is "
        "Σ p_t·(log p_t − log p_s), never negative",
        "KL 的符号反了：Σ p_t·(log p_s − log p_t) 是 −KL；KL 是 Σ p_t·(log p_t − log p_s)，"
        "永远不会是负数",
    ),
    "t_teacher_only": say(
        "only the teacher's logits are divided by T; the student's "
        "log-probabilities must be taken at the same temperature, "
        "F.log_softmax(student_logits / T, dim=-1)",
        "只有教师模型的 logits 除以了 T；学生模型的对数概率也必须在同一温度下计算，"
        "即 F.log_softmax(student_logits / T, dim=-1)",
    ),
    "t_student_only": say(
        "only the student's logits are divided by T; the teacher's probabilities "
        "must be taken at the same temperature, softmax(teacher_logits / T, dim=-1)",
        "只有学生模型的 logits 除以了 T；教师模型的概率也必须在同一温度下计算，"
        "即 softmax(teacher_logits / T, dim=-1)",
    ),
    "t_times": say(
        "the logits are multiplied by T instead of divided by it; soften them with logits / T",
        "logits 乘以了 T，而应该除以 T；要用 logits / T 来软化它们",
    ),
    "hard_at_t": say(
        "the hard cross-entropy is computed on student_logits / T; the labels are "
        "matched at temperature 1, on the plain student_logits",
        "硬标签交叉熵是在 student_logits / T 上计算的；与标签的匹配要在温度 1 下进行，"
        "直接用 student_logits",
    ),
    "hard_teacher_argmax": say(
        "the hard cross-entropy uses the teacher's predicted classes "
        "(argmax) as targets; it uses the true labels",
        "硬标签交叉熵把教师模型预测的类别（argmax）当作目标；应该用真实标签",
    ),
    "dim0": say(
        "the softmax runs over dim 0 (the batch) instead of the classes (dim=-1)",
        "softmax 是在 dim 0（批次维）上做的，而不是在类别维（dim=-1）上",
    ),
    "soft_ce": say(
        "the soft term is the soft cross-entropy −Σ p_t·log p_s instead of the KL; the "
        "two differ by the teacher's entropy, so the loss is not 0 when student and teacher "
        "agree",
        "软目标项用的是软交叉熵 −Σ p_t·log p_s，而不是 KL；两者相差教师模型分布的熵，"
        "所以学生模型和教师模型一致时损失不为 0",
    ),
    "swap_alpha": say(
        "alpha and 1 - alpha are swapped: alpha weighs the soft (teacher) term and "
        "1 - alpha the hard (label) term",
        "alpha 和 1 - alpha 弄反了：alpha 是软目标（教师模型）项的权重，"
        "1 - alpha 是硬标签（真实标签）项的权重",
    ),
    "hard_unweighted": say(
        "the hard cross-entropy is not weighted by 1 - alpha (alpha·soft + hard "
        "instead of alpha·soft + (1 - alpha)·hard)",
        "硬标签交叉熵没有乘以权重 1 - alpha（写成了 alpha·soft + hard，"
        "而不是 alpha·soft + (1 - alpha)·hard）",
    ),
    "soft_unweighted": say(
        "the soft term is not weighted by alpha (soft + (1 - alpha)·hard instead "
        "of alpha·soft + (1 - alpha)·hard)",
        "软目标项没有乘以权重 alpha（写成了 soft + (1 - alpha)·hard，"
        "而不是 alpha·soft + (1 - alpha)·hard）",
    ),
    "hard_sum": say(
        "the hard cross-entropy is summed over the batch instead of averaged",
        "硬标签交叉熵在批次上求了和，而不是取平均",
    ),
    "soft_no_grad": say(
        "no gradient flows through the soft term: the student's log-probabilities "
        "are detached or computed under torch.no_grad(); only the teacher's side may be detached",
        "软目标项没有梯度流过：学生模型的对数概率被 detach 了，或者是在 torch.no_grad() 下"
        "计算的；只有教师模型一侧可以 detach",
    ),
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
        say(
            "kd_loss's result does not require grad, so the student cannot learn from it; do not "
            "compute the whole loss under torch.no_grad(), detach the student's logits, or build "
            "the result from Python numbers (.item()).",
            "kd_loss 的结果不需要梯度（requires_grad 为 False），学生模型无法从中学习；"
            "不要在 torch.no_grad() 下计算整个损失，不要 detach 学生模型的 logits，"
            "也不要用 Python 数值（.item()）拼出结果。",
        ),
    )
    loss.backward()
    expect(
        student.grad is not None,
        say(
            "student_logits.grad is None after loss.backward(); the loss must depend on the "
            "student's logits through differentiable operations.",
            "loss.backward() 之后 student_logits.grad 仍是 None；损失必须通过可微的运算"
            "依赖于学生模型的 logits。",
        ),
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


NUDGE = say(
    "the teacher's logits were scaled by 1.05 (same order, same argmax in every row)",
    "把教师模型的 logits 乘以 1.05（每一行的顺序和 argmax 都不变）",
)


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
            say(
                "{what} returned nan for ordinary, small logits.\n  inputs:   "
                "student_logits={s}, teacher_logits={t}, labels={y}\n"
                "  Likely mistake: the log of a negative number; {mistake}.",
                "{what} 对普通的小 logits 返回了 nan。\n  输入："
                "student_logits={s}, teacher_logits={t}, labels={y}\n"
                "  可能的错误：对负数取了对数；{mistake}。",
                what=what, s=fmt(s, 3), t=fmt(t, 3), y=fmt(y),
                mistake=MISTAKES["no_log_target"],
            )
        )  # fmt: skip


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
    """kd_loss returns a scalar tensor in the inputs' dtype and device
    zh: kd_loss 返回标量张量，dtype 和设备与输入相同"""
    s, t, y = _inputs(3, 5, dtype, seed=1)
    got = _kd_loss()(s, t, y, temperature=2.0, alpha=0.5)
    expect(
        isinstance(got, torch.Tensor),
        say(
            "kd_loss should return a torch.Tensor (so that loss.backward() works), "
            "got {kind}; do not call .item() on the result.",
            "kd_loss 应返回 torch.Tensor（这样 loss.backward() 才能用），实际返回的是 {kind}；"
            "不要对结果调用 .item()。",
            kind=type(got).__name__,
        ),
    )
    expect(
        got.dim() == 0,
        say(
            "kd_loss should return a 0-dim (scalar) tensor, like F.cross_entropy does; got shape "
            "{shape}. Reduce over the batch and the classes.",
            "kd_loss 应像 F.cross_entropy 一样返回 0 维（标量）张量，实际形状是 {shape}。"
            "请在批次和类别两个维度上做归约。",
            shape=tuple(got.shape),
        ),
    )
    expect(
        got.dtype == dtype,
        say(
            "kd_loss returned dtype {got} for {dtype} inputs; the result must keep the "
            "inputs' dtype.",
            "输入是 {dtype} 时，kd_loss 返回的 dtype 是 {got}；结果必须保持输入的 dtype。",
            got=got.dtype,
            dtype=dtype,
        ),
    )
    expect(
        got.device == s.device,
        say(
            "kd_loss returned a tensor on {got} for inputs on {device}; create any new "
            "tensor on the inputs' device.",
            "输入在 {device} 上时，kd_loss 返回的张量在 {got} 上；新建的张量都要放在输入所在的"
            "设备上。",
            got=got.device, device=s.device,
        ),
    )  # fmt: skip


def test_soft_term_is_scaled_by_t_squared() -> None:
    """The soft term is scaled by T²
    zh: 软目标项乘以 T²"""
    s, t, y = _inputs(3, 5, torch.float64, seed=2)
    _check_value(s, t, y, temperature=4.0, alpha=1.0, first="no_t2")


def test_kl_is_batchmean() -> None:
    """The KL is summed over the classes and averaged over the batch
    zh: KL 在类别上求和、在批次上取平均"""
    s, t, y = _inputs(4, 5, torch.float64, seed=3)
    # T² = 9 differs from B = 4 and C = 5, so that each wrong divisor shows.
    _check_value(s, t, y, temperature=3.0, alpha=1.0, first="mean")


def test_zero_when_student_equals_teacher() -> None:
    """The soft term is 0 when student and teacher agree (a KL, not a cross-entropy)
    zh: 学生模型与教师模型一致时，软目标项为 0（它是 KL，不是交叉熵）"""
    s, _, y = _inputs(3, 5, torch.float64, seed=4)
    # Same values, separate tensors: a learner may not rely on `s is t`.
    _check_value(s, s.clone(), y, temperature=2.0, alpha=1.0, first="soft_ce")
    # A zero that back-propagates: the student gets a (zero) gradient, not None.
    student = s.clone().requires_grad_(True)
    _backward(_kd_loss()(student, s.clone(), y, temperature=2.0, alpha=1.0), student)
    expect(
        bool((student.grad.abs() < 1e-12).all()),
        say(
            "The gradient of kd_loss should be all zeros when student and teacher agree and "
            "alpha=1, got {grad}.",
            "学生模型与教师模型一致且 alpha=1 时，kd_loss 的梯度应全为 0，实际是 {grad}。",
            grad=fmt(student.grad),
        ),
    )


def test_kl_direction() -> None:
    """The soft term is KL(teacher ‖ student), not KL(student ‖ teacher)
    zh: 软目标项是 KL(教师模型 ‖ 学生模型)，而不是 KL(学生模型 ‖ 教师模型)"""
    s, t, y = _inputs(3, 4, torch.float64, seed=5)
    t = t * 2.0  # a peaked teacher and a flatter student: the two directions differ clearly
    _check_value(s, t, y, temperature=1.5, alpha=1.0, first="reverse")


def test_softmax_over_classes() -> None:
    """The softmax runs over the classes (the last dim)
    zh: softmax 在类别维（最后一维）上计算"""
    s, t, y = _inputs(3, 5, torch.float64, seed=6)
    _check_value(s, t, y, temperature=2.0, alpha=1.0, first="dim0")


def test_hard_term_at_temperature_one() -> None:
    """The hard term is the ordinary cross-entropy, at temperature 1
    zh: 硬标签项是温度为 1 的普通交叉熵"""
    s, t, y = _inputs(4, 5, torch.float64, seed=7)
    _check_value(s, t, y, temperature=4.0, alpha=0.0, first="hard_at_t")


def test_alpha_weighs_soft_and_hard_terms() -> None:
    """alpha weighs the soft term and 1 - alpha the hard term
    zh: alpha 是软目标项的权重，1 - alpha 是硬标签项的权重"""
    s, t, y = _inputs(3, 5, torch.float64, seed=8)
    _check_value(s, t, y, temperature=2.5, alpha=0.25, first="swap_alpha")


@DTYPES
def test_gradients_reach_the_student_only(dtype: torch.dtype) -> None:
    """The student gets the right gradient and the teacher none
    zh: 学生模型得到正确的梯度，教师模型得不到梯度"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(3, 5, dtype, seed=9)
    temperature, alpha = 2.5, 0.4
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)  # as if the teacher's graph were still attached
    _backward(kd_loss(student, teacher, y, temperature=temperature, alpha=alpha), student)
    expect(
        teacher.grad is None,
        say(
            "The teacher received a gradient: after loss.backward(), teacher_logits.grad is a "
            "tensor but should stay None.\n  Likely mistake: the teacher is not detached; use "
            "teacher_logits.detach() (or compute its probabilities under torch.no_grad()) so "
            "that gradients reach the student only.",
            "教师模型得到了梯度：loss.backward() 之后 teacher_logits.grad 是一个张量，"
            "而它应保持为 None。\n  可能的错误：教师模型没有 detach；请使用 "
            "teacher_logits.detach()（或者在 torch.no_grad() 下计算它的概率），"
            "让梯度只传到学生模型。",
        ),
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
            what=say(
                "The gradient of kd_loss with respect to student_logits",
                "kd_loss 对 student_logits 的梯度 student_logits.grad",
            ),
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
        say(
            "The teacher model's parameters received gradients when kd_loss got its logits "
            "straight from teacher(inputs).\n  Likely mistake: the teacher is not detached; use "
            "teacher_logits.detach() so that gradients reach the student only.",
            "kd_loss 直接接收 teacher(inputs) 输出的 logits 时，教师模型的参数得到了梯度。\n"
            "  可能的错误：教师模型没有 detach；请使用 teacher_logits.detach()，"
            "让梯度只传到学生模型。",
        ),
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


EPS_BEFORE_LOG = say(
    "the probabilities are clamped or given an eps before the log (torch.log(p + eps), "
    "p.clamp(min=eps).log()): finite, but log p of a large logit gap lies far below log(eps); "
    "get log-probabilities from F.log_softmax instead",
    "取对数之前对概率做了 clamp 或加了 eps（torch.log(p + eps)、p.clamp(min=eps).log()）："
    "结果虽然有限，但 logit 差距很大时，真实的 log p 远低于 log(eps)；"
    "请改用 F.log_softmax 得到对数概率",
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
    """Logits of magnitude 1e3 give a finite loss and finite gradients
    zh: 量级为 1e3 的 logits 也能得到有限的损失和有限的梯度"""
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
                cause = say(
                    "  It is not finite for small logits either: the log of a negative number? "
                    "Check: {mistake}.",
                    "  对较小的 logits 它也不是有限值：是不是对负数取了对数？请检查：{mistake}。",
                    mistake=MISTAKES["no_log_target"],
                )
            else:
                cause = say(
                    "  Common causes: torch.log(F.softmax(...)) underflows to log(0) = -inf "
                    "(and 0 * -inf = nan); torch.distributions' kl_divergence likewise returns "
                    "inf where a student probability underflows to 0; get log-probabilities "
                    "from F.log_softmax instead.",
                    "  常见原因：torch.log(F.softmax(...)) 下溢成 log(0) = -inf"
                    "（而 0 * -inf = nan）；torch.distributions 的 kl_divergence 在学生模型的概率"
                    "下溢为 0 的地方同样会返回 inf；请改用 F.log_softmax 得到对数概率。",
                )
            raise CheckFailure(
                say(
                    "kd_loss is not finite for logits of magnitude 1e3: got {got}.\n"
                    "  inputs:   {inputs}\n{cause}",
                    "logits 的量级为 1e3 时，kd_loss 的结果不是有限值：得到的是 {got}。\n"
                    "  输入：{inputs}\n{cause}",
                    got=fmt(loss), inputs=inputs, cause=cause,
                )
            )  # fmt: skip
        _backward(loss, student)
        expect_finite(
            student.grad,
            say(
                "The gradient of kd_loss is not finite for logits of magnitude 1e3: "
                "{grad}.\n  inputs:   {inputs}\n  A common cause: a log of a "
                "probability that underflows to 0; work with F.log_softmax throughout.",
                "logits 的量级为 1e3 时，kd_loss 的梯度不是有限值：{grad}。\n  输入：{inputs}\n"
                "  一个常见原因：对下溢为 0 的概率取了对数；请全程使用 F.log_softmax。",
                grad=fmt(student.grad), inputs=inputs,
            ),
        )  # fmt: skip
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
    """A batch of one sample works
    zh: 批次里只有一个样本时也能正常计算"""
    s, t, y = _inputs(1, 4, dtype, seed=11)
    _check_value(s, t, y, temperature=3.0, alpha=0.5)


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
@zh_name("在随机的形状、dtype、T 和 alpha 下，kd_loss 与参考实现一致")
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
    """The inputs are not modified in place
    zh: 不会原地修改输入"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(3, 5, torch.float32, seed=12)
    expect_unchanged(
        {"student_logits": s, "teacher_logits": t, "labels": y},
        lambda: kd_loss(s, t, y, temperature=4.0, alpha=0.5),
    )


def test_teacher_matters() -> None:
    """The loss changes when the teacher's soft outputs change
    zh: 教师模型的软输出变化时，损失也随之变化"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(4, 5, torch.float64, seed=14)
    for temperature, alpha in ((2.0, 0.5), (4.0, 1.0)):
        what = f"kd_loss(..., temperature={temperature:g}, alpha={alpha:g})"
        ignored = _teacher_ignored(kd_loss, s, t, y, temperature, alpha, what)
        if ignored is not None:
            raise ignored
        _check_value(s, _nudged(t), y, temperature, alpha)


def test_default_arguments() -> None:
    """The defaults are temperature=4.0 and alpha=0.5
    zh: 默认参数为 temperature=4.0 和 alpha=0.5"""
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
                wrong[
                    say(
                        "the default temperature is {t}; the task's is 4.0",
                        "temperature 的默认值设成了 {t}；题目要求的是 4.0",
                        t=f"{temperature:g}",
                    )
                ] = _expected(s, t, y, temperature, passed.get("alpha", 0.5))
        for alpha in (0.0, 0.1, 0.25, 0.3, 0.7, 0.9, 0.95, 0.99, 1.0):
            if varied in (None, "alpha"):
                wrong[
                    say(
                        "the default alpha is {a}; the task's is 0.5",
                        "alpha 的默认值设成了 {a}；题目要求的是 0.5",
                        a=f"{alpha:g}",
                    )
                ] = _expected(s, t, y, passed.get("temperature", 4.0), alpha)
        expect_close(
            got,
            _expected(s, t, y, 4.0, 0.5),
            what=say("{what} (default arguments left out)", "省略默认参数时，{what}", what=what),
            inputs=say(
                "{shown} (the task's defaults)",
                "{shown}（题目给定的默认值）",
                shown=_show(s, t, y, 4.0, 0.5),
            ),
            mistakes=wrong,
            **_tolerance(s, t, y, 4.0, 0.5),
        )


def _expect_accepted(kd_loss, s, t, y, temperature: float, alpha: float) -> None:
    try:
        kd_loss(s, t, y, temperature=temperature, alpha=alpha)
    except ValueError as exc:
        raise CheckFailure(
            say(
                "kd_loss(..., temperature={t}, alpha={a}) raised "
                "ValueError({message}), but alpha may be anywhere in [0, 1], ends included, "
                "and any temperature > 0 is valid.",
                "kd_loss(..., temperature={t}, alpha={a}) 抛出了 ValueError({message})，"
                "但 alpha 可以取 [0, 1] 中的任何值（包括两端），任何 temperature > 0 也都合法。",
                t=f"{temperature:g}", a=f"{alpha:g}", message=repr(str(exc)),
            )
        ) from None  # fmt: skip


def test_invalid_temperature_raises_value_error() -> None:
    """temperature <= 0 raises ValueError, whatever alpha is
    zh: 无论 alpha 取何值，temperature <= 0 都会抛出 ValueError"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(3, 5, torch.float32, seed=13)
    for alpha in (0.5, 0.0, 1.0):
        for temperature in (0.0, -1.0, -1e-3):
            with expect_value_error(
                f"kd_loss(..., temperature={temperature:g}, alpha={alpha:g})", "temperature"
            ):
                kd_loss(s, t, y, temperature=temperature, alpha=alpha)
    with expect_value_error(
        say(
            "kd_loss(..., temperature=0) with alpha left out",
            "省略 alpha 时，kd_loss(..., temperature=0)",
        ),
        "temperature",
    ):
        kd_loss(s, t, y, temperature=0.0)
    for temperature in (0.05, 1e-3, 100.0):
        for alpha in (0.0, 1.0, 0.5):
            _expect_accepted(kd_loss, s, t, y, temperature, alpha)


def test_invalid_alpha_raises_value_error() -> None:
    """alpha outside [0, 1] raises ValueError, whatever the temperature is
    zh: 无论 temperature 取何值，alpha 不在 [0, 1] 内都会抛出 ValueError"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(3, 5, torch.float32, seed=16)
    for temperature in (2.0, 1.0, 0.05):
        for alpha in (-0.1, 1.5, -1e-6, 1.0 + 1e-6):
            with expect_value_error(
                f"kd_loss(..., temperature={temperature:g}, alpha={alpha:g})", "alpha"
            ):
                kd_loss(s, t, y, temperature=temperature, alpha=alpha)
    with expect_value_error(
        say(
            "kd_loss(..., alpha=1.5) with temperature left out",
            "省略 temperature 时，kd_loss(..., alpha=1.5)",
        ),
        "alpha",
    ):
        kd_loss(s, t, y, alpha=1.5)
    for alpha in (0.0, 1.0):
        _expect_accepted(kd_loss, s, t, y, 4.0, alpha)


def test_mismatched_shapes_raise_value_error() -> None:
    """Mismatched shapes raise ValueError, whatever alpha is
    zh: 无论 alpha 取何值，形状不匹配都会抛出 ValueError"""
    kd_loss = _kd_loss()
    s, t, y = _inputs(3, 5, torch.float32, seed=13)
    bad_shapes = {
        say(
            "student_logits (3, 5) and teacher_logits (3, 4)",
            "student_logits 为 (3, 5)、teacher_logits 为 (3, 4)",
        ): (s, t[:, :4], y),
        say(
            "student_logits (3, 5) and teacher_logits (1, 5)",
            "student_logits 为 (3, 5)、teacher_logits 为 (1, 5)",
        ): (s, t[:1], y),
        say(
            "student_logits (3, 5) and teacher_logits (1, 3, 5)",
            "student_logits 为 (3, 5)、teacher_logits 为 (1, 3, 5)",
        ): (s, t[None], y),
        say(
            "labels (4,) for a batch of 3",
            "批次大小为 3 而 labels 为 (4,)",
        ): (s, t, torch.cat([y, y[:1]])),
        say(
            "labels (3, 1) instead of (3,)",
            "labels 为 (3, 1) 而不是 (3,)",
        ): (s, t, y[:, None]),
    }
    for alpha in (0.5, 0.0, 1.0):
        for described, (bad_s, bad_t, bad_y) in bad_shapes.items():
            call = say(
                "kd_loss with {described}, alpha={alpha}",
                "{described}、alpha={alpha} 时，kd_loss",
                described=described, alpha=f"{alpha:g}",
            )  # fmt: skip
            with expect_value_error(call, "shape"):
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
    """Tensors the loss creates live on the inputs' device
    zh: 损失函数新建的张量位于输入所在的设备上"""
    kd_loss = _kd_loss()
    # The meta device has shapes but no data: a tensor created without device= lands on the
    # CPU and mixing it in fails, as it would on a GPU (which this machine may not have).
    s = torch.empty(3, 5, device="meta")
    y = torch.zeros(3, dtype=torch.int64, device="meta")
    for alpha in (0.5, 0.0, 1.0):
        call = say(
            "kd_loss(...) on inputs on the 'meta' device, alpha={alpha}",
            "输入在 'meta' 设备上、alpha={alpha} 时，kd_loss(...)",
            alpha=f"{alpha:g}",
        )
        try:
            got = kd_loss(s, s.clone(), y, temperature=2.0, alpha=alpha)
        except NotImplementedError as exc:
            if "meta" not in str(exc):
                raise  # not implemented yet
            continue  # it copies data out of the meta tensors (e.g. .cpu()): cannot tell here
        except Exception as exc:  # noqa: BLE001 - only device errors count here
            if any(text in str(exc) for text in DEVICE_ERRORS):
                raise CheckFailure(
                    say(
                        "{call} raised {error}: {message}\n"
                        "  Your code uses a tensor that is not on the inputs' device (one created "
                        "without device= lands on the CPU; .numpy() needs a CPU tensor): create "
                        "new tensors with device=student_logits.device (or torch.zeros_like, "
                        "F.one_hot(labels, C), ...) and stay in torch.",
                        "{call} 抛出了 `{error}: {message}`\n"
                        "  你的代码用到了一个不在输入所在设备上的张量（不带 device= 新建的张量"
                        "会落在 CPU 上；.numpy() 需要 CPU 张量）：请用 "
                        "device=student_logits.device（或 torch.zeros_like、"
                        "F.one_hot(labels, C) 等）新建张量，并且全程使用 torch 运算。",
                        call=call, error=type(exc).__name__,
                        message=str(exc).strip().splitlines()[0],
                    )
                ) from None  # fmt: skip
            continue
        expect(
            not isinstance(got, torch.Tensor) or got.device.type == "meta",
            say(
                "{call} returned a tensor on {device}; results live on the "
                "inputs' device: create new tensors with device=student_logits.device.",
                "{call} 返回的张量在 {device} 上；结果应在输入所在的设备上："
                "新建张量时请指定 device=student_logits.device。",
                call=call, device=getattr(got, "device", "?"),
            ),
        )  # fmt: skip
