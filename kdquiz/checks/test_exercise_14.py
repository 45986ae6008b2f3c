"""Hidden checks for exercise_14: `kd_logit_gradient`, the KD gradient in closed form.

The contract: ∂/∂s of T² · KL_batchmean(softmax(t/T) ‖ softmax(s/T)) = T · (p_s − p_t) / B,
computed without autograd. Every call of the learner's function runs under
`torch.inference_mode()`; expected values come from autograd on the loss itself, in float64,
outside inference mode (and from the reference solution in the randomized check). Each common
mistake is recomputed here (`_mistaken_gradient`) on the same inputs, so that a wrong value is
reported together with the mistake that produces it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from torch.overrides import TorchFunctionMode

from kdquiz.checker.bilingual import join
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
    zh_name,
)

EXERCISE = "exercise_14"

FUNCTION = "kd_logit_gradient"

# --------------------------------------------------------------------------------------------
# The common mistakes, in a learner's words, and the value each one produces.

LOGIT_MATCHING = (
    "the result is the high-temperature approximation, {what} divided by C·B (logit matching, "
    "Hinton et al. section 2.1); it holds only when T is much larger than the logits: compute "
    "the exact T·(p_s − p_t)/B",
    "结果是高温近似，即{what}除以 C·B（logit matching，见 Hinton 等人论文第 2.1 节）；它只在 T "
    "远大于 logits 时成立：请计算精确的 T·(p_s − p_t)/B",
)
MISTAKES = {
    "no_batch": say(
        "the 1/B factor is missing: the loss averages the KL over the B rows "
        '("batchmean"), so each row\'s gradient is divided by the batch size B',
        '缺少 1/B 因子：损失对 B 行的 KL 取平均（"batchmean"），所以每一行的梯度都要除以批次大小 B',
    ),
    "over_t": say(
        "the result is (p_s − p_t)/(T·B), the gradient of the KL alone: you forgot the "
        "loss's T² factor; T² times the chain-rule factor 1/T gives T·(p_s − p_t)/B",
        "结果是 (p_s − p_t)/(T·B)，只是 KL 本身的梯度：你漏掉了损失里的 T² 因子；T² 乘以链式"
        "法则带来的因子 1/T，得到 T·(p_s − p_t)/B",
    ),
    "over_t_no_batch": say(
        "the result is (p_s − p_t)/T: the loss's T² factor is forgotten (T² times "
        "the chain-rule factor 1/T gives T) and the 1/B of the batch mean is missing",
        "结果是 (p_s − p_t)/T：漏掉了损失里的 T² 因子（T² 乘以链式法则带来的因子 1/T 得到 T），"
        "也缺少批次平均的 1/B",
    ),
    "t_squared": say(
        "the result is multiplied by T² instead of T: the chain rule through "
        "student_logits / T contributes a factor 1/T, so T² · (1/T) = T",
        "结果乘的是 T² 而不是 T：对 student_logits / T 应用链式法则会带来因子 1/T，所以 "
        "T² · (1/T) = T",
    ),
    "no_t": say(
        "the factor T is missing: T² from the loss times 1/T from the chain rule through "
        "student_logits / T leaves T·(p_s − p_t)/B",
        "缺少因子 T：损失里的 T² 乘以对 student_logits / T 应用链式法则得到的 1/T，剩下的是 "
        "T·(p_s − p_t)/B",
    ),
    "sign": say(
        "the sign is flipped: the gradient is T·(p_s − p_t)/B, student minus teacher; "
        "T·(p_t − p_s)/B is the descent direction, the negative gradient",
        "符号反了：梯度是 T·(p_s − p_t)/B，即学生模型减教师模型；T·(p_t − p_s)/B 是下降方向，"
        "也就是负梯度",
    ),
    "classes": say(
        "the result is divided by the number of classes C instead of the batch size B",
        "结果除以的是类别数 C，而不是批次大小 B",
    ),
    "mean": say(
        'the result is divided by B·C (every element, as reduction="mean" would); '
        "batchmean divides by the batch size B only",
        '结果除以了 B·C（对所有元素取平均，就像 reduction="mean" 那样）；batchmean 只除以批次'
        "大小 B",
    ),
    "dim0": say(
        "the softmax runs over dim 0 (the batch) instead of the classes (dim=-1)",
        "softmax 是在第 0 维（批次）上做的，而不是在类别维（dim=-1）上",
    ),
    "teacher_not_tempered": say(
        "the teacher's logits are not divided by T: p_t = softmax(teacher_logits / T, dim=-1)",
        "教师模型的 logits 没有除以 T：p_t = softmax(teacher_logits / T, dim=-1)",
    ),
    "student_not_tempered": say(
        "the student's logits are not divided by T: p_s = softmax(student_logits / T, dim=-1)",
        "学生模型的 logits 没有除以 T：p_s = softmax(student_logits / T, dim=-1)",
    ),
    "times_t": say(
        "the logits are multiplied by T instead of divided by it; soften them with logits / T",
        "logits 乘以了 T，而不是除以 T；应该用 logits / T 来软化它们",
    ),
    "log_probs": say(
        "the result uses log-probabilities, T·(log p_s − log p_t)/B; the gradient of the "
        "KL with respect to the logits is a difference of probabilities, T·(p_s − p_t)/B",
        "结果用的是对数概率，T·(log p_s − log p_t)/B；KL 对 logits 的梯度是概率之差，即 "
        "T·(p_s − p_t)/B",
    ),
    "reverse": say(
        "this is the gradient of the reversed KL, KL(p_s ‖ p_t); the loss is "
        "KL(p_t ‖ p_s), whose gradient is simply T·(p_s − p_t)/B",
        "这是反向 KL，即 KL(p_s ‖ p_t) 的梯度；损失是 KL(p_t ‖ p_s)，它的梯度就是 T·(p_s − p_t)/B",
    ),
    "teacher_one_hot": say(
        "the teacher's soft targets are replaced by its one-hot argmax (hard "
        "labels); p_t = softmax(teacher_logits / T, dim=-1) keeps the teacher's whole "
        "distribution",
        "教师模型的软目标被换成了它 argmax 的 one-hot 向量（硬标签）；"
        "p_t = softmax(teacher_logits / T, dim=-1) 保留的是教师模型的完整分布",
    ),
    "teacher_gradient": say(
        "this is the gradient with respect to the teacher's logits; the task "
        "asks for the gradient with respect to student_logits, T·(p_s − p_t)/B",
        "这是对教师模型 logits 的梯度；题目要求的是对 student_logits 的梯度，即 T·(p_s − p_t)/B",
    ),
    "logit_matching": say(
        *LOGIT_MATCHING,
        what=say("the row-centred difference of logits", "按行中心化的 logits 差值"),
    ),
    "logit_matching_raw": say(
        *LOGIT_MATCHING, what=say("the difference of logits", "两组 logits 的差值")
    ),
}

AUTOGRAD = say(
    "Likely mistake: your function uses autograd (loss.backward(), torch.autograd.grad, "
    "torch.func.grad, ...). The task is the closed form, derived by hand and computed directly "
    "from softmax(student_logits / T) and softmax(teacher_logits / T); the checker calls your "
    "function under torch.inference_mode(), where autograd records nothing.",
    "可能的错误：你的函数用了 autograd（loss.backward()、torch.autograd.grad、torch.func.grad "
    "等）。题目要的是闭式解：手工推导，再直接由 softmax(student_logits / T) 和 "
    "softmax(teacher_logits / T) 计算；检查程序会在 torch.inference_mode() 下调用你的函数，"
    "在那里 autograd 什么都不会记录。",
)


def _mistaken_gradient(s, t, temperature: float, mistake: str = "") -> torch.Tensor:
    """The gradient with one common mistake (or the right one for mistake=""), in float64."""
    s, t = s.detach().double(), t.detach().double()
    batch, classes = s.shape
    dim = 0 if mistake == "dim0" else -1
    s_scaled = {"student_not_tempered": s, "times_t": s * temperature}.get(mistake, s / temperature)
    t_scaled = {"teacher_not_tempered": t, "times_t": t * temperature}.get(mistake, t / temperature)
    log_p_s = torch.log_softmax(s_scaled, dim=dim)
    log_p_t = torch.log_softmax(t_scaled, dim=dim)
    p_s, p_t = log_p_s.exp(), log_p_t.exp()
    if mistake.startswith("logit_matching"):  # T·(p_s − p_t)/B → (s − t − row mean)/(C·B)
        diff = s - t
        if mistake == "logit_matching":
            diff = diff - diff.mean(dim=-1, keepdim=True)
        return diff / (classes * batch)
    if mistake == "teacher_one_hot":
        p_t = torch.nn.functional.one_hot(t.argmax(dim=-1), classes).double()
    if mistake == "log_probs":
        diff = log_p_s - log_p_t
    elif mistake == "teacher_gradient":  # ∂/∂v of KL(p ‖ q), p = softmax(v): p·(log p/q − KL)
        log_ratio = log_p_t - log_p_s
        diff = p_t * (log_ratio - (p_t * log_ratio).sum(dim=-1, keepdim=True))
    elif mistake == "reverse":  # ∂/∂z of KL(q ‖ p), q = softmax(z): q·(log q − log p − KL(q ‖ p))
        log_ratio = log_p_s - log_p_t
        diff = p_s * (log_ratio - (p_s * log_ratio).sum(dim=-1, keepdim=True))
    elif mistake == "sign":
        diff = p_t - p_s
    else:
        diff = p_s - p_t
    scale = {
        "no_batch": temperature,
        "over_t": 1.0 / (temperature * batch),
        "over_t_no_batch": 1.0 / temperature,
        "t_squared": temperature**2 / batch,
        "no_t": 1.0 / batch,
        "classes": temperature / classes,
        "mean": temperature / (batch * classes),
    }.get(mistake, temperature / batch)
    return diff * scale


def _mistakes(s, t, temperature: float, first: str = "") -> dict[str, torch.Tensor]:
    """{description: value} of every mistake, `first` first; coinciding ones share a line."""
    values = {m: _mistaken_gradient(s, t, temperature, m).to(s.dtype) for m in MISTAKES}
    return named_mistakes(values, MISTAKES, first)


# --------------------------------------------------------------------------------------------
# Inputs, expected values and tolerances


def _inputs(batch: int, classes: int, dtype: torch.dtype, seed: int, scale: float = 2.0):
    """Seeded (student_logits, teacher_logits) on DEVICE."""
    g = seeded(seed)
    s = randn(batch, classes, dtype=dtype, scale=scale, generator=g)
    t = randn(batch, classes, dtype=dtype, scale=scale, generator=g)
    return s, t


def _autograd_gradient(s, t, temperature: float) -> torch.Tensor:
    """∂/∂s of T² · KL_batchmean(softmax(t/T) ‖ softmax(s/T)) by autograd, in float64."""
    student = s.detach().to(torch.float64, copy=True).requires_grad_(True)
    with torch.enable_grad():
        log_p_s = torch.log_softmax(student / temperature, dim=-1)
        log_p_t = torch.log_softmax(t.detach().double() / temperature, dim=-1)
        kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum() / s.shape[0]
        (grad,) = torch.autograd.grad(temperature**2 * kl, student)
    return grad.to(s.dtype)


def _tolerance(s, temperature: float) -> tuple[float, float]:
    """Contract tolerances; for float32, atol grows with the entries' scale T / B (a float32
    softmax of logits / T carries relative rounding errors of ~1e-6 on each probability)."""
    if s.dtype == torch.float64:
        return 1e-9, 1e-9
    return 1e-4, max(1e-6, 1e-5 * temperature / s.shape[0])


def _show(s, t, temperature: float) -> str:
    return f"student_logits={fmt(s, 3)}, teacher_logits={fmt(t, 3)}, temperature={temperature:g}"


def _what(temperature: float) -> str:
    return f"{FUNCTION}(student_logits, teacher_logits, temperature={temperature:g})"


# --------------------------------------------------------------------------------------------
# Calling the learner's function: always under torch.inference_mode()


def _function() -> Callable[..., Any]:
    return require_function(
        learner(EXERCISE),
        FUNCTION,
        "(student_logits, teacher_logits, temperature)",
        f"exercises/{EXERCISE}.py",
        None,
        None,
        1.0,
    )


def _nudged(t: torch.Tensor) -> torch.Tensor:
    """The teacher's logits scaled by 1.05: every row keeps its order (so its argmax), but its
    softmax changes."""
    return t * 1.05


NUDGE = say(
    "the teacher's logits were scaled by 1.05 (same order, same argmax in every row)",
    "把教师模型的 logits 乘以 1.05（每一行的顺序不变，argmax 也不变）",
)


def _teacher_ignored(fn: Callable[..., Any], s, t, temperature: float):
    """The teacher-ignored failure when the learner's gradient stays the same for a slightly
    changed teacher although the right gradient moves clearly; None otherwise.

    It probes ordinary logits of the size of T (never the check's own, possibly saturated,
    ones), so that only code that truly ignores the teacher's soft outputs is told so."""
    s, t = _inputs(4, 5, s.dtype, seed=99, scale=2.0 * temperature)
    right_change = float(
        (_autograd_gradient(s, _nudged(t), temperature) - _autograd_gradient(s, t, temperature))
        .abs()
        .max()
    )
    try:
        with torch.inference_mode():
            before = fn(s.clone(), t.clone(), temperature)
            after = fn(s.clone(), _nudged(t), temperature)
    except Exception:  # noqa: BLE001 - the checks report the learner's errors themselves
        return None
    if not (isinstance(before, torch.Tensor) and isinstance(after, torch.Tensor)):
        return None
    if before.shape != after.shape or right_change < 1e-6:
        return None
    change = (after.detach().double() - before.detach().double()).abs()
    if not bool(torch.isfinite(change).all()):
        return None
    if float(change.max()) <= 1e-3 * right_change:
        return teacher_ignored(_what(temperature), NUDGE)
    return None


class _AutogradSpy(TorchFunctionMode):
    """Records whether the code run under it calls into autograd (backward or grad)."""

    WATCHED = (
        (torch.autograd.grad, "torch.autograd.grad"),
        (torch.autograd.backward, "torch.autograd.backward"),
        (torch.Tensor.backward, "Tensor.backward()"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.used: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        for watched, name in self.WATCHED:
            if func is watched and name not in self.used:
                self.used.append(name)
        return func(*args, **(kwargs or {}))


def _call(fn: Callable[..., Any], s, t, temperature: float) -> Any:
    """fn(s, t, temperature) under inference mode; a RuntimeError there that goes away with
    autograd enabled (and autograd in use) is reported as the autograd mistake."""
    try:
        with torch.inference_mode():
            return fn(s, t, temperature)
    except NotImplementedError:
        raise
    except RuntimeError as exc:
        spy = _AutogradSpy()
        try:
            with torch.enable_grad(), spy:
                fn(s.clone(), t.clone(), temperature)
        except Exception:  # noqa: BLE001 - it fails either way: report the original error
            spy.used.clear()
        if not spy.used:
            raise
        raise CheckFailure(
            say(
                "{what} raised RuntimeError under torch.inference_mode(): {error}\n  Outside "
                "inference mode the same call runs and calls {used}.\n  {autograd}",
                "{what} 在 torch.inference_mode() 下抛出了 RuntimeError：`{error}`\n  在推理模式"
                "之外，同样的调用可以运行，并且调用了 {used}。\n  {autograd}",
                what=_what(temperature), error=str(exc).strip().splitlines()[0],
                used=join(spy.used, ", ", "、"), autograd=AUTOGRAD,
            )
        ) from None  # fmt: skip


def _right(got, expected: torch.Tensor, rtol: float, atol: float) -> bool:
    """True when `got` is a tensor like `expected` (shape, dtype, device) with close values."""
    return (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and got.dtype == expected.dtype
        and got.device == expected.device
        and is_close(got, expected, rtol=rtol, atol=atol)
    )


def _expect_gradient(
    fn: Callable[..., Any], got, s, t, temperature: float, first: str = "", expected=None
) -> None:
    """Compare the learner's result `got` with the expected gradient; when it is wrong, first
    tell whether the teacher is ignored, then name the mistake that reproduces it."""
    expected = _autograd_gradient(s, t, temperature) if expected is None else expected
    rtol, atol = _tolerance(s, temperature)
    if _right(got, expected, rtol, atol):
        return  # right: no need to recompute every mistake
    ignored = _teacher_ignored(fn, s, t, temperature)
    if ignored is not None:
        raise ignored
    expect_close(
        got,
        expected,
        what=_what(temperature),
        inputs=_show(s, t, temperature),
        mistakes=lambda: _mistakes(s, t, temperature, first),
        rtol=rtol,
        atol=atol,
    )


def _check_value(s, t, temperature: float, first: str = "", expected=None) -> torch.Tensor:
    """Call the learner's function on fresh copies and compare with the expected gradient."""
    fn = _function()
    got = _call(fn, s.clone(), t.clone(), temperature)
    _expect_gradient(fn, got, s, t, temperature, first, expected)
    return got


# --------------------------------------------------------------------------------------------
# The checks


@DTYPES
def test_returns_b_by_c_in_the_inputs_dtype(dtype: torch.dtype) -> None:
    """The result has shape (B, C), the inputs' dtype and device
    zh: 结果的形状为 (B, C)，dtype 和设备都与输入相同"""
    s, t = _inputs(3, 5, dtype, seed=1)
    got = _call(_function(), s, t, 2.0)
    expect(
        isinstance(got, torch.Tensor),
        say(
            "{function} should return a torch.Tensor, got {kind}.",
            "{function} 应返回 torch.Tensor，实际返回的是 {kind}。",
            function=FUNCTION,
            kind=type(got).__name__,
        ),
    )
    expect(
        tuple(got.shape) == (3, 5),
        say(
            "{function} returned shape {shape} for logits of shape (3, 5); the gradient "
            "has one entry per student logit, so its shape is (B, C), the logits' shape. Do not "
            "reduce over the batch or the classes.",
            "logits 的形状是 (3, 5)，{function} 返回的形状却是 {shape}；每个学生 logit 对应梯度"
            "里的一个元素，所以梯度的形状就是 logits 的形状 (B, C)。不要在批次或类别上做归约。",
            function=FUNCTION,
            shape=tuple(got.shape),
        ),
    )
    expect(
        got.dtype == dtype,
        say(
            "{function} returned dtype {got} for {dtype} inputs; the result must keep the "
            "inputs' dtype.",
            "输入是 {dtype}，{function} 返回的 dtype 却是 {got}；结果必须保持输入的 dtype。",
            function=FUNCTION,
            got=got.dtype,
            dtype=dtype,
        ),
    )
    expect(
        got.device == s.device,
        say(
            "{function} returned a tensor on {got} for inputs on {device}; create any new "
            "tensor on the inputs' device.",
            "输入在 {device} 上，{function} 返回的张量却在 {got} 上；新建的张量都要放在输入所在"
            "的设备上。",
            function=FUNCTION, got=got.device, device=s.device,
        ),
    )  # fmt: skip


def test_matches_autograd_of_the_kd_loss() -> None:
    """The result equals autograd's gradient of T² · KL_batchmean
    zh: 结果等于 autograd 对 T² · KL_batchmean 求出的梯度"""
    # Here and below, B, C and T are chosen so that no two wrong factors (T, 1/T, T², 1/B, 1/C,
    # 1/(B·C), ...) coincide with each other or with the right one, T / B.
    s, t = _inputs(4, 5, torch.float64, seed=2)
    _check_value(s, t, temperature=3.0)


def test_no_autograd() -> None:
    """The gradient is computed in closed form, without autograd
    zh: 梯度按闭式解计算，不借助 autograd"""
    fn = _function()
    s, t = _inputs(3, 5, torch.float64, seed=3)
    spy = _AutogradSpy()
    with spy:
        got = _call(fn, s.clone(), t.clone(), 2.5)
    expect(
        not spy.used,
        say(
            "{function} called {used} (torch.func's transforms call it too), "
            "although the checker runs it under torch.inference_mode().\n"
            "  {autograd}",
            "{function} 调用了 {used}（torch.func 的变换也会调用它），而检查程序是在 "
            "torch.inference_mode() 下运行它的。\n"
            "  {autograd}",
            function=FUNCTION, used=join(spy.used, ", ", "、"), autograd=AUTOGRAD,
        ),
    )  # fmt: skip
    _expect_gradient(fn, got, s, t, 2.5)


def test_scaled_by_t() -> None:
    """The gradient carries the factor T (T² from the loss, 1/T from the chain rule)
    zh: 梯度带有因子 T（损失里的 T² 乘以链式法则带来的 1/T）"""
    s, t = _inputs(3, 5, torch.float64, seed=4)
    _check_value(s, t, temperature=4.0, first="over_t")


def test_averaged_over_the_batch() -> None:
    """Each row's gradient is divided by the batch size B
    zh: 每一行的梯度都除以批次大小 B"""
    s, t = _inputs(5, 3, torch.float64, seed=5)
    _check_value(s, t, temperature=2.0, first="no_batch")


def test_sign() -> None:
    """The gradient has the sign of p_s − p_t (student minus teacher)
    zh: 梯度的符号与 p_s − p_t 相同（学生模型减教师模型）"""
    s, t = _inputs(3, 4, torch.float64, seed=6)
    _check_value(s, t, temperature=1.5, first="sign")


def test_softmax_over_classes_at_temperature() -> None:
    """Both logits are divided by T and softmaxed over the classes (the last dim)
    zh: 两组 logits 都除以 T，并在类别维（最后一维）上做 softmax"""
    s, t = _inputs(3, 5, torch.float64, seed=7)
    t = t * 2.0  # a peaked teacher: tempering only one side, or the wrong dim, shows clearly
    _check_value(s, t, temperature=2.5, first="teacher_not_tempered")


def test_zero_when_student_equals_teacher() -> None:
    """The gradient is 0 when student and teacher agree
    zh: 学生模型与教师模型一致时，梯度为 0"""
    s, _ = _inputs(3, 4, torch.float64, seed=8)
    # Same values, separate tensors: a learner may not rely on `s is t`.
    _check_value(s, s.clone(), temperature=2.0)


def _cause_of_non_finite(fn: Callable[..., Any], dtype: torch.dtype) -> str:
    """Tell an overflowing exp from a division by an underflowing probability: logits 0 and
    -1e3 overflow nothing, but give a probability of exactly 0."""
    s = torch.tensor([[0.0, -1e3, -1e3]], dtype=dtype, device=DEVICE)
    try:
        got = _call(fn, s, s.flip(-1), 1.0)
        underflow = isinstance(got, torch.Tensor) and not bool(torch.isfinite(got).all())
    except Exception:  # noqa: BLE001 - only a diagnosis; the check reports the real failure
        underflow = False
    if underflow:
        return say(
            "a division by a probability that underflows to 0 (e.g. p_t / p_s, as when the "
            "softmax Jacobian is applied to ∂KL/∂p_s); simplify the product by hand to "
            "T·(p_s − p_t)/B, which divides by nothing",
            "除以了一个下溢为 0 的概率（例如 p_t / p_s，把 softmax 的雅可比矩阵乘到 ∂KL/∂p_s "
            "上时就会出现）；请先手工把这个乘积化简为 T·(p_s − p_t)/B，它不需要除以任何概率",
        )
    return say(
        "the softmax is computed as exp(x) / exp(x).sum(), and exp of a logit of 1e3 "
        "overflows to inf (inf / inf = nan); use torch.softmax (or F.softmax), which subtracts "
        "each row's maximum first",
        "softmax 是按 exp(x) / exp(x).sum() 计算的，而对 1e3 这样大的 logit 取 exp 会溢出成 "
        "inf（inf / inf = nan）；请用 torch.softmax（或 F.softmax），它会先减去每一行的最大值",
    )


@DTYPES
def test_stable_for_large_logits(dtype: torch.dtype) -> None:
    """Logits of magnitude 1e3 give a finite, correct gradient
    zh: logits 的量级达到 1e3 时，梯度仍是有限且正确的"""
    fn = _function()
    # Saturated rows, and a row of near-ties at 1e3 whose probabilities are not 0 or 1.
    s = torch.tensor(
        [[1e3, -1e3, 0.0, 5e2], [-1e3, 1e3, 5e2, -5e2], [1e3, 999.0, -1e3, 998.0]],
        dtype=dtype,
        device=DEVICE,
    )
    t = torch.tensor(
        [[-1e3, 1e3, 0.0, -5e2], [1e3, -1e3, -5e2, 0.0], [999.0, 1e3, 1e3, -1e3]],
        dtype=dtype,
        device=DEVICE,
    )
    # T = 5 first: there no two wrong factors coincide (at T = 1, T and 1/T do). T = 0.05:
    # logits / T of 2e4.
    for temperature in (5.0, 1.0, 0.05):
        got = _call(fn, s.clone(), t.clone(), temperature)
        if isinstance(got, torch.Tensor):
            expect_finite(
                got,
                say(
                    "{what} is not finite for logits of magnitude 1e3: {got}.\n"
                    "  inputs:   {inputs}\n  Likely mistake: {cause}.",
                    "logits 的量级为 1e3 时，{what} 的结果不是有限值：{got}。\n"
                    "  输入：{inputs}\n  可能的错误：{cause}。",
                    what=_what(temperature), got=fmt(got), inputs=_show(s, t, temperature),
                    cause=_cause_of_non_finite(fn, dtype),
                ),
            )  # fmt: skip
        _expect_gradient(fn, got, s, t, temperature)


@DTYPES
def test_batch_of_one(dtype: torch.dtype) -> None:
    """A batch of one sample works
    zh: 只有一个样本的批次也能正常计算"""
    s, t = _inputs(1, 4, dtype, seed=9)
    _check_value(s, t, temperature=3.0)


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
@zh_name("在随机的形状、dtype 和 T 上，kd_logit_gradient 与参考实现一致")
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    batch=st.integers(1, 5),
    classes=st.integers(2, 7),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    temperature=st.sampled_from([0.05, 0.5, 1.0, 2.0, 3.5, 8.0]),
    scale=st.sampled_from([0.3, 1.0, 3.0]),
    seed=st.integers(0, 2**16),
)
def test_matches_reference_on_random_inputs(
    batch: int, classes: int, dtype: torch.dtype, temperature: float, scale: float, seed: int
) -> None:
    """kd_logit_gradient matches the reference on random shapes, dtypes and T"""
    s, t = _inputs(batch, classes, dtype, seed, scale)
    ref = getattr(reference(EXERCISE), FUNCTION)
    with torch.inference_mode():
        expected = ref(s.double(), t.double(), temperature).to(dtype)
    _check_value(s, t, temperature, expected=expected)


def test_inputs_are_not_modified() -> None:
    """The inputs are not modified in place
    zh: 不会原地修改输入"""
    fn = _function()
    s, t = _inputs(3, 5, torch.float32, seed=10)
    expect_unchanged(
        {"student_logits": s, "teacher_logits": t},
        lambda: _call(fn, s, t, 4.0),
    )


def test_invalid_temperature_raises_value_error() -> None:
    """temperature <= 0 raises ValueError; any temperature > 0 is valid
    zh: temperature <= 0 时抛出 ValueError；任何 temperature > 0 都合法"""
    fn = _function()
    s, t = _inputs(3, 5, torch.float32, seed=11)
    for rows in (3, 1):
        for temperature in (0.0, -1.0, -1e-3):
            call = say(
                "{what} on a batch of {rows}",
                "在大小为 {rows} 的批次上调用 {what}",
                what=_what(temperature),
                rows=rows,
            )
            with expect_value_error(call, "temperature"), torch.inference_mode():
                fn(s[:rows], t[:rows], temperature)
    for temperature in (0.25, 0.05, 1e-3, 100.0):
        try:
            _call(fn, s, t, temperature)
        except ValueError as exc:
            raise CheckFailure(
                say(
                    "{what} raised ValueError({message}), but any temperature > 0 "
                    "is valid, including temperatures below 1.",
                    "{what} 抛出了 `ValueError({message})`，但任何 temperature > 0 都是合法的，"
                    "包括小于 1 的温度。",
                    what=_what(temperature), message=repr(str(exc)),
                )
            ) from None  # fmt: skip


def test_teacher_matters() -> None:
    """The gradient changes when the teacher's soft outputs change
    zh: 教师模型的软输出变化时，梯度随之变化"""
    fn = _function()
    s, t = _inputs(4, 5, torch.float64, seed=12)
    for temperature in (2.0, 0.5):
        ignored = _teacher_ignored(fn, s, t, temperature)
        if ignored is not None:
            raise ignored
        _check_value(s, _nudged(t), temperature)


def test_small_temperature() -> None:
    """A small temperature (0.05) gives the right gradient
    zh: 温度很小（0.05）时，梯度也正确"""
    s, t = _inputs(3, 5, torch.float64, seed=13, scale=0.1)
    _check_value(s, t, temperature=0.05)


@DTYPES
def test_keyword_arguments_and_logits_that_require_grad(dtype: torch.dtype) -> None:
    """Keyword arguments and student logits that require grad work
    zh: 按关键字传参，以及需要梯度（requires_grad）的学生 logits，都能正常工作"""
    fn = _function()
    s, t = _inputs(3, 4, dtype, seed=14)
    student = s.clone().requires_grad_(True)  # as straight from a model's forward pass
    with torch.inference_mode():
        got = fn(student_logits=student, teacher_logits=t.clone(), temperature=2.0)
    _expect_gradient(fn, got, s, t, 2.0)


# The exact device-mismatch errors of torch; any other error on meta tensors (e.g. reading a
# value with .item(), which has no data to read there) says nothing about devices.
DEVICE_ERRORS = (
    "is not on the expected device",
    "same device",
    "at least two devices",
    "device type tensor to numpy",
)


def test_new_tensors_follow_the_inputs_device() -> None:
    """Tensors the function creates live on the inputs' device
    zh: 函数新建的张量都位于输入所在的设备上"""
    fn = _function()
    # The meta device has shapes but no data: a tensor created without device= lands on the
    # CPU and mixing it in fails, as it would on a GPU (which this machine may not have).
    s = torch.empty(3, 5, device="meta")
    call = say(
        "{function}(...) on logits on the 'meta' device",
        "对 'meta' 设备上的 logits 调用 {function}(...)",
        function=FUNCTION,
    )
    try:
        with torch.inference_mode():
            got = fn(s, s.clone(), 2.0)
    except NotImplementedError as exc:
        if "meta" not in str(exc):
            raise  # not implemented yet
        return  # it copies data out of the meta tensors (e.g. .cpu()): cannot tell here
    except Exception as exc:  # noqa: BLE001 - only device errors count here
        if any(text in str(exc) for text in DEVICE_ERRORS):
            raise CheckFailure(
                say(
                    "{call} raised {error}: {message}\n"
                    "  Your code uses a tensor that is not on the inputs' device (one created "
                    "without device= lands on the CPU; .numpy() needs a CPU tensor): create new "
                    "tensors with device=student_logits.device (or torch.zeros_like, ...) and "
                    "stay in torch.",
                    "{call} 抛出了 `{error}: {message}`\n"
                    "  你的代码用到了一个不在输入所在设备上的张量（不带 device= 新建的张量会落在 "
                    "CPU 上；.numpy() 也只接受 CPU 张量）：请用 device=student_logits.device（或 "
                    "torch.zeros_like 等）新建张量，并且全程使用 torch 运算。",
                    call=call, error=type(exc).__name__,
                    message=str(exc).strip().splitlines()[0],
                )
            ) from None  # fmt: skip
        return
    expect(
        not isinstance(got, torch.Tensor) or got.device.type == "meta",
        say(
            "{call} returned a tensor on {device}; results live on the "
            "inputs' device: create new tensors with device=student_logits.device.",
            "{call} 返回的张量在 {device} 上；结果应位于输入所在的设备上：请用 "
            "device=student_logits.device 新建张量。",
            call=call, device=getattr(got, "device", "?"),
        ),
    )  # fmt: skip
