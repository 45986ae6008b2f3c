"""Hidden checks for exercise_10: `hint_loss`, the FitNets hint loss (Romero et al., 2015).

Expected values come from the reference solution, computed in float64 on a float64 copy of the
regressor and cast to the inputs' dtype. Each common mistake of the curriculum is recomputed here
(`_mistaken_hint_loss`) on the same inputs, so that a wrong value is reported together with the
mistake that produces it.
"""

from __future__ import annotations

import copy

import torch
from hypothesis import Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from torch import nn

from kdquiz.checker.bilingual import Bilingual
from kdquiz.checks.support import (
    DEVICE,
    DTYPES,
    CheckFailure,
    expect,
    expect_close,
    expect_finite,
    expect_unchanged,
    fmt,
    learner,
    named_mistakes,
    randn,
    reference,
    say,
    seeded,
    teacher_ignored,
    tolerances,
)

EXERCISE = "exercise_10"

# --------------------------------------------------------------------------------------------
# The common mistakes, in a learner's words, and the value each one produces.

MISTAKES = {
    "mse_default": say(
        'F.mse_loss with its default reduction="mean" averages over the d_t features '
        "as well and has no ½; sum the squared error over the features (dim=-1), multiply by 0.5, "
        "then average over the positions",
        'F.mse_loss 默认的 reduction="mean" 还会在 d_t 个特征上取平均，而且没有 ½；应在特征上'
        "（dim=-1）对平方误差求和，乘以 0.5，再对各位置取平均",
    ),
    "no_half": say(
        "the ½ is missing: the hint loss is ½·‖regressor(student_h) − teacher_h‖² per position",
        "缺少 ½：每个位置的 hint 损失是 ½·‖regressor(student_h) − teacher_h‖²",
    ),
    "mean_features": say(
        "the squared error is averaged over the features instead of summed over "
        "them (sum over dim=-1, then take ½)",
        "平方误差在特征上取了平均，而不是求和（应在 dim=-1 上求和，再乘以 ½）",
    ),
    "not_squared": say(
        "the norm is not squared: ½·‖r − t‖ instead of ½·‖r − t‖² per position",
        "范数没有平方：每个位置算的是 ½·‖r − t‖，而不是 ½·‖r − t‖²",
    ),
    "sum_positions": say(
        "the per-position losses are summed instead of averaged over the positions",
        "各位置的损失求了和，而不是对位置取平均",
    ),
    "first_dim_only": say(
        "the loss is averaged over the first (batch) dim only and summed over the "
        "other leading dims; every leading index (e.g. each user and time step of (B, T, d) "
        "features) is a position to average over",
        "损失只在第一维（批次维）上取了平均，在其余前导维上却求了和；每个前导下标（例如 "
        "(B, T, d) 特征里的每个用户、每个时间步）都是一个要参与平均的位置",
    ),
    "dim1": say(
        "the squared error is summed over dim 1 instead of the last (feature) dim; with "
        "(B, T, d) features dim 1 is the time dim",
        "平方误差是在第 1 维上求和的，而不是最后一维（特征维）；对 (B, T, d) 特征来说，第 1 维"
        "是时间维",
    ),
    "mask_ignored": say(
        "the mask is ignored: the False (padding) positions are averaged in too",
        "忽略了 mask：值为 False 的（填充）位置也被算进了平均",
    ),
    "mask_all_positions": say(
        "the masked sum is divided by the number of all positions instead of "
        "the number of True positions (divide by mask.sum())",
        "按 mask 求得的和除以的是全部位置的个数，而不是 True 位置的个数（应除以 mask.sum()）",
    ),
    "mask_inverted": say(
        "the mask is inverted: the False positions are kept and the True ones dropped",
        "mask 用反了：保留了 False 的位置，丢掉了 True 的位置",
    ),
    "no_regressor": say(
        "the regressor is not applied: regressor(student_h), not student_h itself, "
        "is compared with teacher_h",
        "没有应用回归器：应拿 regressor(student_h)（而不是 student_h 本身）和 teacher_h 比较",
    ),
}
EPSILONS = {"eps_count_1e-8": 1e-8, "eps_count_1e-6": 1e-6, "eps_count_1e-12": 1e-12}
"""A small epsilon added to the number of positions, e.g. `mask.sum() + 1e-8`."""
for _key, _eps in EPSILONS.items():
    MISTAKES[_key] = say(
        "an epsilon is added to the number of positions (e.g. mask.sum() + {eps}): divide "
        "by the count itself, clamped at 1 for an empty mask (mask.sum().clamp(min=1))",
        "位置个数上加了一个 epsilon（例如 mask.sum() + {eps}）：应直接除以个数本身，mask 为空"
        "时把个数截断到至少为 1（mask.sum().clamp(min=1)）",
        eps=f"{_eps:g}",
    )


FLOAT32 = say(
    "the computation runs in float32 (e.g. a .float() or a float32 tensor created inside): the "
    "value is off in the 7th digit; for float64 inputs keep float64 throughout",
    "计算是在 float32 下进行的（例如用了 .float()，或在内部新建了 float32 张量）：结果在第 7 位"
    "有效数字上有偏差；输入为 float64 时应全程保持 float64",
)

FLOAT32_CAST = say(
    "the squared errors are computed in float32 (e.g. regressor(student_h).float() or "
    "teacher_h.float()) and cast back at the end; for float64 inputs keep float64 throughout",
    "平方误差是在 float32 下计算的（例如 regressor(student_h).float() 或 teacher_h.float()），"
    "最后才转换回来；输入为 float64 时应全程保持 float64",
)


def _mistaken_hint_loss(
    student: torch.Tensor,
    prediction: torch.Tensor,
    target: torch.Tensor,
    mask: torch.Tensor | None,
    mistake: str,
) -> torch.Tensor | None:
    """hint_loss with one common mistake (or none for mistake=""), from the regressor's output;
    None when the mistake cannot happen on these inputs."""
    if mistake == "no_regressor":
        if student.shape != target.shape:
            return None
        prediction = student
    squared = (prediction - target).pow(2)
    if mistake == "dim1":
        if squared.dim() < 3 or mask is not None:
            return None
        return (0.5 * squared.sum(dim=1)).mean()
    per_position = {
        "mse_default": squared.mean(dim=-1),
        "no_half": squared.sum(dim=-1),
        "mean_features": 0.5 * squared.mean(dim=-1),
        "not_squared": 0.5 * squared.sum(dim=-1).sqrt(),
    }.get(mistake, 0.5 * squared.sum(dim=-1))
    keep = torch.ones_like(per_position, dtype=torch.bool) if mask is None else mask
    if mistake == "mask_ignored":
        keep = torch.ones_like(keep)
    elif mistake == "mask_inverted":
        if mask is None:
            return None
        keep = ~mask
    total = per_position[keep].sum()
    if mistake == "sum_positions":
        return total
    if mistake == "first_dim_only":
        return total / per_position.shape[0]
    if mistake == "mask_all_positions":
        return total / per_position.numel()
    if mistake in EPSILONS:
        return total / (keep.sum().to(total.dtype) + EPSILONS[mistake])
    return total / keep.sum().clamp(min=1)


# --------------------------------------------------------------------------------------------
# Inputs, regressors, expected values and tolerances


def _regressor(d_s: int, d_t: int, dtype: torch.dtype, seed: int, hidden: int = 0) -> nn.Module:
    """A seeded nn.Linear(d_s, d_t) on DEVICE, or a small MLP when `hidden` > 0."""
    if hidden:
        module: nn.Module = nn.Sequential(
            nn.Linear(d_s, hidden, dtype=dtype), nn.Tanh(), nn.Linear(hidden, d_t, dtype=dtype)
        )
    else:
        module = nn.Linear(d_s, d_t, dtype=dtype)
    g = seeded(seed)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(torch.randn(parameter.shape, dtype=dtype, generator=g) * 0.7)
    return module.to(DEVICE)


def _describe(regressor: nn.Module) -> str:
    parts = []
    for sub in regressor.modules():
        if isinstance(sub, nn.Linear):
            parts.append(f"Linear({sub.in_features}→{sub.out_features})")
        elif isinstance(sub, nn.Tanh):
            parts.append("Tanh")
    return " → ".join(parts)


def _inputs(lead: tuple[int, ...], d_s: int, d_t: int, dtype: torch.dtype, seed: int):
    """Seeded (student_h, teacher_h, regressor) on DEVICE."""
    g = seeded(seed)
    s = randn(*lead, d_s, dtype=dtype, generator=g)
    t = randn(*lead, d_t, dtype=dtype, generator=g)
    return s, t, _regressor(d_s, d_t, dtype, seed + 1000)


def _mask(lead: tuple[int, ...], seed: int, p: float = 0.5) -> torch.Tensor:
    """A seeded bool mask of shape `lead` on DEVICE, with at least one True and one False when
    it has two positions or more (so that every masking mistake changes the value)."""
    mask = torch.rand(lead, generator=seeded(seed)) < p
    flat = mask.reshape(-1)
    if flat.numel() >= 2:
        flat[0], flat[-1] = True, False
    return mask.to(DEVICE)


def _float64(regressor: nn.Module) -> nn.Module:
    return copy.deepcopy(regressor).to(torch.float64)


def _expected(s, t, regressor: nn.Module, mask) -> torch.Tensor:
    """The reference's value, computed in float64 and cast to the inputs' dtype."""
    ref = reference(EXERCISE).hint_loss
    with torch.no_grad():
        return ref(s.double(), t.double(), _float64(regressor), mask).to(s.dtype)


def _all_values(s, t, regressor: nn.Module, mask) -> dict[str, torch.Tensor]:
    """The right value ("") and every applicable mistake's value, in float64."""
    with torch.no_grad():
        s64, t64 = s.detach().double(), t.detach().double()
        prediction = _float64(regressor)(s64)
        values = {m: _mistaken_hint_loss(s64, prediction, t64, mask, m) for m in ["", *MISTAKES]}
    return {m: v for m, v in values.items() if v is not None}


def _mistakes(s, t, regressor: nn.Module, mask, first: str = "") -> dict[str, torch.Tensor]:
    """The value of every common mistake on these inputs, in the inputs' dtype."""
    values = {m: v.to(s.dtype) for m, v in _all_values(s, t, regressor, mask).items()}
    right = values.pop("")
    # In float64, mistakes are told apart (and from the right value) at the check's own
    # tolerance: an epsilon's 1e-8 still fails there, and two that agree within it share a line.
    tight = {"rtol": 1e-9, "atol": 1e-9} if s.dtype == torch.float64 else {}
    named = named_mistakes(values, MISTAKES, first, correct=right, **tight)
    if s.dtype == torch.float64:
        # Last, so that it names only a value within float32 rounding of the right one.
        with torch.no_grad():
            low = reference(EXERCISE).hint_loss(
                s.float(), t.float(), copy.deepcopy(regressor).float(), mask
            )
            # The common .float() on the regressor's output and the teacher's features.
            cast = reference(EXERCISE).hint_loss(
                _float64(regressor)(s.detach().double()).float(), t.float(), nn.Identity(), mask
            )
        named[FLOAT32_CAST] = cast.double()
        named[FLOAT32] = low.double()
    return named


def _tolerance(s, t, regressor: nn.Module) -> dict[str, float]:
    """The contract's tolerances, with float32's atol widened to what float32 can resolve.

    Each squared difference (r − t)² carries a float32 rounding error of about 1e-7·(|r| + |t|)²
    (r − t may cancel), so the absolute tolerance is 1e-5 of the mean of ½·Σ (|r| + |t|)²,
    still far below what any common mistake changes.
    """
    rtol, atol = tolerances(s.dtype)
    if s.dtype == torch.float64:
        return {"rtol": rtol, "atol": atol}
    with torch.no_grad():
        r = _float64(regressor)(s.detach().double())
        size = (0.5 * (r.abs() + t.detach().double().abs()).pow(2).sum(dim=-1)).mean()
    return {"rtol": rtol, "atol": max(atol, 1e-5 * float(size))}


def _show(s, t, regressor: nn.Module, mask) -> Bilingual:
    with torch.no_grad():
        r = _float64(regressor)(s.detach().double())
    text = say(
        "student_h={s}, teacher_h={t}, regressor={d} with regressor(student_h)={r}",
        "student_h={s}, teacher_h={t}, regressor={d}，其输出 regressor(student_h)={r}",
        s=fmt(s, 3), t=fmt(t, 3), d=_describe(regressor), r=fmt(r, 3),
    )  # fmt: skip
    if mask is None:
        return text
    return text + say(", mask={mask}", "，mask={mask}", mask=fmt(mask))


def _call(s, t, regressor: nn.Module, mask, positional: bool = False):
    """The learner's hint_loss on fresh copies of the inputs and of the regressor; without a
    mask the argument is left out (its default), or passed as None when `positional`."""
    hint_loss = learner(EXERCISE).hint_loss
    args = (s.clone(), t.clone(), copy.deepcopy(regressor))
    if mask is None:
        return hint_loss(*args, None) if positional else hint_loss(*args)
    if positional:
        return hint_loss(*args, mask.clone())
    return hint_loss(*args, mask=mask.clone())


def _nudged(t: torch.Tensor, seed: int) -> torch.Tensor:
    """teacher_h changed by about 0.1 %, each position's largest feature kept the largest."""
    noise = torch.rand(t.shape, dtype=torch.float64, generator=seeded(seed)).to(t.device)
    nudged = (t.double() * (1 + 1e-3 * noise) + 1e-4 * noise).to(t.dtype)
    if bool((nudged.argmax(dim=-1) != t.argmax(dim=-1)).any()):  # too close to call: halve
        nudged = (t.double() * (1 + 1e-5 * noise)).to(t.dtype)
    return nudged


NUDGED = say(
    "teacher_h was changed slightly (about 0.1 %, each position's largest feature kept)",
    "把 teacher_h 略微改动（约 0.1%，每个位置上最大的特征保持不变）",
)


def _ignores_teacher(s, t, regressor: nn.Module, mask, positional: bool = False) -> bool:
    """True when the learner's hint_loss gives exactly the same value for a nudged teacher."""
    if mask is not None and not bool(mask.any()):
        return False  # no position counts: the teacher cannot matter
    first = _call(s, t, regressor, mask, positional)
    second = _call(s, _nudged(t, seed=99), regressor, mask, positional)
    if not (isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor)):
        return False
    return bool(torch.equal(first.detach(), second.detach()))


def _check_not_nan(got, what: str, inputs: Bilingual, mask) -> None:
    """Name the likely cause of a NaN for ordinary inputs."""
    if isinstance(got, torch.Tensor) and got.numel() == 1 and bool(torch.isnan(got.detach())):
        cause = (
            say(
                "an empty mean (0 / 0) where the mask is all False; divide the masked sum by "
                "mask.sum().clamp(min=1)",
                "mask 全为 False 时对空集求了平均（0 / 0）；应把按 mask 求得的和除以 "
                "mask.sum().clamp(min=1)",
            )
            if mask is not None and not bool(mask.any())
            else say(
                "a division by zero or the sqrt/log of a negative number",
                "除以了零，或者对负数取了 sqrt/log",
            )
        )
        raise CheckFailure(
            say(
                "{what} returned nan.\n  inputs:   {inputs}\n  Likely mistake: {cause}.",
                "{what} 返回了 nan。\n  输入：{inputs}\n  可能的错误：{cause}。",
                what=what, inputs=inputs, cause=cause,
            )
        )  # fmt: skip


def _check_value(
    s, t, regressor: nn.Module, mask=None, first: str = "", positional: bool = False
) -> None:
    """Call the learner's hint_loss and compare with the reference."""
    what = "hint_loss(student_h, teacher_h, regressor" + (")" if mask is None else ", mask)")
    inputs = _show(s, t, regressor, mask)
    got = _call(s, t, regressor, mask, positional)
    _check_not_nan(got, what, inputs, mask)
    _expect_value(got, s, t, regressor, mask, what, first, positional)


def _expect_value(
    got, s, t, regressor: nn.Module, mask, what: str, first: str = "", positional: bool = False
) -> None:
    """Compare the learner's value with the reference; a loss blind to the teacher is the
    mistake to name first, whatever its value looks like."""
    try:
        expect_close(
            got,
            _expected(s, t, regressor, mask),
            what=what,
            inputs=_show(s, t, regressor, mask),
            mistakes=lambda: _mistakes(s, t, regressor, mask, first),
            **_tolerance(s, t, regressor),
        )
    except CheckFailure:
        if _ignores_teacher(s, t, regressor, mask, positional):
            raise teacher_ignored(what, NUDGED) from None
        raise


def _backward(loss, what: str) -> None:
    """loss.backward(), failing with a clear message when nothing can get a gradient."""
    expect(
        isinstance(loss, torch.Tensor) and loss.requires_grad,
        say(
            "{what} returned a result that does not require grad, so neither the student nor the "
            "regressor can learn from it (loss.backward() would raise); do not compute the loss "
            "under torch.no_grad(), detach the student's features or the regressor's output, or "
            "build the result from Python numbers (.item()).",
            "{what} 返回的结果不需要梯度（requires_grad 为 False），学生模型和回归器都无法从中"
            "学习（loss.backward() 会报错）；不要在 torch.no_grad() 下计算损失，不要 detach 学生"
            "模型的特征或回归器的输出，也不要用 Python 数值（.item()）拼出结果。",
            what=what,
        ),
    )
    loss.backward()


# --------------------------------------------------------------------------------------------
# The checks


@DTYPES
def test_returns_a_scalar_of_the_inputs_dtype(dtype: torch.dtype) -> None:
    """hint_loss returns a scalar tensor in the inputs' dtype and device
    zh: hint_loss 返回与输入 dtype 相同、设备相同的标量张量"""
    s, t, regressor = _inputs((3,), 4, 5, dtype, seed=1)
    got = learner(EXERCISE).hint_loss(s, t, regressor)
    expect(
        isinstance(got, torch.Tensor),
        say(
            "hint_loss should return a torch.Tensor (so that loss.backward() works), got "
            "{kind}; do not call .item() on the result.",
            "hint_loss 应返回 torch.Tensor（这样 loss.backward() 才能工作），实际返回的是 "
            "{kind}；不要对结果调用 .item()。",
            kind=type(got).__name__,
        ),
    )
    expect(
        got.dim() == 0,
        say(
            "hint_loss should return a 0-dim (scalar) tensor, got shape {shape}; sum "
            "over the features, then average over the positions.",
            "hint_loss 应返回 0 维（标量）张量，实际形状是 {shape}；应先在特征上求和，再对各"
            "位置取平均。",
            shape=tuple(got.shape),
        ),
    )
    expect(
        got.dtype == dtype,
        say(
            "hint_loss returned dtype {got} for {dtype} inputs; the result must keep the "
            "inputs' dtype.",
            "输入为 {dtype} 时，hint_loss 返回的 dtype 是 {got}；结果必须保持输入的 dtype。",
            got=got.dtype,
            dtype=dtype,
        ),
    )
    expect(
        got.device == s.device,
        say(
            "hint_loss returned a tensor on {got} for inputs on {inputs}; create any new "
            "tensor on the inputs' device.",
            "输入在 {inputs} 上，hint_loss 返回的张量却在 {got} 上；新建的张量都要放在输入所在"
            "的设备上。",
            got=got.device, inputs=s.device,
        ),
    )  # fmt: skip


def test_squared_error_is_halved_and_summed_over_features() -> None:
    """Each position's loss is ½ · the squared error summed over the features
    zh: 每个位置的损失是 ½ 乘以在特征上求和的平方误差"""
    # d_t = 5: averaging over the features (÷5) and dropping the ½ (×2) show as different values.
    s, t, regressor = _inputs((4,), 3, 5, torch.float64, seed=2)
    _check_value(s, t, regressor, first="mse_default")


def test_student_goes_through_the_regressor() -> None:
    """The student's features go through the regressor before the comparison
    zh: 学生模型的特征先经过回归器再做比较"""
    # Equal widths, so that comparing student_h with teacher_h directly would also run.
    s, t, regressor = _inputs((3,), 4, 4, torch.float64, seed=3)
    _check_value(s, t, regressor, first="no_regressor")
    s, t, _ = _inputs((3,), 2, 6, torch.float64, seed=4)
    _check_value(s, t, _regressor(2, 6, torch.float64, seed=5, hidden=3))


def test_average_over_every_leading_dim() -> None:
    """With (B, T, d) features the average runs over all B·T positions
    zh: 特征形状为 (B, T, d) 时，对全部 B·T 个位置取平均"""
    s, t, regressor = _inputs((2, 3), 2, 3, torch.float64, seed=6)
    _check_value(s, t, regressor, first="first_dim_only")
    s, t, regressor = _inputs((2, 3, 2), 2, 3, torch.float64, seed=7)
    _check_value(s, t, regressor)


def test_mask_averages_over_true_positions() -> None:
    """A mask keeps the True positions and averages over them only
    zh: mask 只保留 True 的位置，并只在这些位置上取平均"""
    s, t, regressor = _inputs((2, 3), 2, 3, torch.float64, seed=8)
    _check_value(s, t, regressor, _mask((2, 3), seed=9), first="mask_all_positions")
    s, t, regressor = _inputs((6,), 2, 3, torch.float64, seed=10)
    _check_value(s, t, regressor, _mask((6,), seed=11, p=0.3), positional=True)
    # An all-True mask is the same as no mask.
    _check_value(s, t, regressor, torch.ones(6, dtype=torch.bool, device=DEVICE))


@DTYPES
def test_all_false_mask_gives_zero(dtype: torch.dtype) -> None:
    """An all-False mask gives 0 with zero (not NaN) gradients
    zh: mask 全为 False 时结果为 0，梯度为零而不是 NaN"""
    hint_loss = learner(EXERCISE).hint_loss
    s, t, regressor = _inputs((2, 3), 3, 4, dtype, seed=12)
    mask = torch.zeros(2, 3, dtype=torch.bool, device=DEVICE)
    inputs = _show(s, t, regressor, mask)
    what = say(
        "{call} with an all-False mask",
        "mask 全为 False 时的 {call}",
        call="hint_loss(student_h, teacher_h, regressor, mask)",
    )
    mistakes = _mistakes(s, t, regressor, mask)
    student = s.clone().requires_grad_(True)
    loss = hint_loss(student, t.clone(), regressor, mask=mask.clone())
    _check_not_nan(loss, what, inputs, mask)
    expect_close(
        loss.detach() if isinstance(loss, torch.Tensor) else loss,
        torch.zeros((), dtype=dtype, device=DEVICE),
        what=what,
        inputs=inputs,
        mistakes=mistakes,
    )
    expect(
        isinstance(loss, torch.Tensor) and loss.requires_grad,
        say(
            "{what} returned a zero that does not require grad, so loss.backward() raises in a "
            "training loop whenever a batch is all padding. Return a zero that still "
            "back-propagates, e.g. per_position[mask].sum() / mask.sum().clamp(min=1).",
            "{what} 返回的 0 不需要梯度，所以在训练循环里，一旦某个批次全是填充，loss.backward()"
            " 就会报错。应返回一个仍能反向传播的 0，例如 "
            "per_position[mask].sum() / mask.sum().clamp(min=1)。",
            what=what,
        ),
    )
    loss.backward()
    grads = {"student_h": student.grad}
    grads.update({f"regressor.{n}": p.grad for n, p in regressor.named_parameters()})
    for name, grad in grads.items():
        expect(
            grad is not None,
            say(
                "{name}.grad is None after loss.backward() with an all-False mask: the zero you "
                "return is not computed from the inputs (e.g. a fresh torch.zeros((), "
                "requires_grad=True) or a zero built from student_h alone), so no gradient "
                "reaches {name}. A zero that back-propagates gives every input a zero gradient: "
                "compute it from the per-position losses, e.g. per_position[mask].sum() / "
                "mask.sum().clamp(min=1).",
                "mask 全为 False 时，loss.backward() 之后 {name}.grad 为 None：你返回的 0 不是"
                "从输入算出来的（例如新建的 torch.zeros((), requires_grad=True)，或只由 "
                "student_h 构造的 0），所以没有梯度传到 {name}。能反向传播的 0 会给每个输入零"
                "梯度：应从各位置的损失算出它，例如 "
                "per_position[mask].sum() / mask.sum().clamp(min=1)。",
                name=name,
            ),
        )
        expect_finite(
            grad,
            say(
                "The gradient of {what} with respect to {name} is not finite: {grad}.\n"
                "  inputs:   {inputs}\n  Likely mistake: the zero is computed as 0 / 0 and then "
                "replaced (torch.where or nan_to_num on the value): the NaN stays in the "
                "backward pass; divide by mask.sum().clamp(min=1) instead.",
                "{what} 对 {name} 的梯度不是有限值：{grad}。\n"
                "  输入：{inputs}\n  可能的错误：这个 0 是先按 0 / 0 算出来再替换掉的（对"
                "结果用了 torch.where 或 nan_to_num）：NaN 仍然留在反向传播里；应改为除以 "
                "mask.sum().clamp(min=1)。",
                what=what,
                name=name,
                grad=fmt(grad, 3),
                inputs=inputs,
            ),
        )
        expect(
            not bool(grad.ne(0).any()),
            say(
                "The gradient of {what} with respect to {name} should be all zeros, got "
                "{grad}.\n  inputs:   {inputs}\n  Likely mistake: masked-out positions "
                "still contribute to the loss.",
                "{what} 对 {name} 的梯度应全为 0，实际为 {grad}。\n  输入：{inputs}\n"
                "  可能的错误：被 mask 掉的位置仍然对损失有贡献。",
                what=what, name=name, grad=fmt(grad, 3), inputs=inputs,
            ),
        )  # fmt: skip


@DTYPES
def test_gradients_reach_student_and_regressor_only(dtype: torch.dtype) -> None:
    """The student and the regressor get the right gradients, the teacher none
    zh: 学生模型和回归器得到正确的梯度，教师模型没有梯度"""
    hint_loss = learner(EXERCISE).hint_loss
    s, t, regressor = _inputs((3, 2), 3, 4, dtype, seed=13)
    mask = _mask((3, 2), seed=14)
    inputs = _show(s, t, regressor, mask)
    what = "hint_loss(student_h, teacher_h, regressor, mask)"

    ref_regressor = _float64(regressor)
    ref_student = s.detach().double().requires_grad_(True)
    reference(EXERCISE).hint_loss(ref_student, t.double(), ref_regressor, mask).backward()

    mine = copy.deepcopy(regressor)
    student = s.clone().requires_grad_(True)
    teacher = t.clone().requires_grad_(True)  # as if the teacher's graph were still attached
    loss = hint_loss(student, teacher, mine, mask)
    _expect_value(
        loss.detach() if isinstance(loss, torch.Tensor) and loss.requires_grad else loss,
        s,
        t,
        regressor,
        mask,
        what,
    )
    _backward(loss, what)
    expect(
        teacher.grad is None,
        say(
            "The teacher received a gradient: after loss.backward(), teacher_h.grad is a tensor "
            "but should stay None.\n  Likely mistake: the teacher is not detached; use "
            "teacher_h.detach() so that gradients reach the student and the regressor only.",
            "教师模型收到了梯度：loss.backward() 之后 teacher_h.grad 是一个张量，但它应保持为 "
            "None。\n  可能的错误：教师模型没有 detach；应使用 teacher_h.detach()，让梯度只传到"
            "学生模型和回归器。",
        ),
    )
    expect(
        student.grad is not None,
        say(
            "student_h.grad is None after loss.backward(); the student's features must reach the "
            "loss through the regressor with autograd on (do not detach student_h).",
            "loss.backward() 之后 student_h.grad 为 None；学生模型的特征必须在开启 autograd 的"
            "情况下经过回归器进入损失（不要 detach student_h）。",
        ),
    )
    expect(
        all(p.grad is not None for p in mine.parameters()),
        say(
            "The regressor's parameters received no gradient after loss.backward(); the "
            "regressor is trained together with the student: apply the regressor you were "
            "given, with autograd on (not under torch.no_grad(), not on a copy of it).",
            "loss.backward() 之后回归器的参数没有收到梯度；回归器要和学生模型一起训练：应在开启 "
            "autograd 的情况下使用传入的那个 regressor（不要在 torch.no_grad() 下，也不要用它的"
            "副本）。",
        ),
    )
    for name, got, expected in [
        ("student_h", student.grad, ref_student.grad),
        *[
            (f"regressor.{n}", p.grad, q.grad)
            for (n, p), q in zip(mine.named_parameters(), ref_regressor.parameters(), strict=True)
        ],
    ]:
        expected = expected.to(dtype)
        rtol, atol = tolerances(dtype)
        if dtype == torch.float32:
            atol = max(atol, 1e-5 * float(expected.abs().max()))
        expect_close(
            got,
            expected,
            what=say(
                "The gradient of {what} with respect to {name}",
                "{what} 对 {name} 的梯度 {name}.grad",
                what=what,
                name=name,
            ),  # fmt: skip
            inputs=inputs,
            rtol=rtol,
            atol=atol,
        )

    # The same with a teacher model: none of its parameters may receive a gradient.
    teacher_model = _regressor(2, 4, dtype, seed=15)
    features = randn(3, 2, 2, dtype=dtype, generator=seeded(16))
    student = s.clone().requires_grad_(True)
    _backward(hint_loss(student, teacher_model(features), copy.deepcopy(regressor)), what)
    expect(
        all(p.grad is None for p in teacher_model.parameters()),
        say(
            "The teacher model's parameters received gradients when hint_loss got its features "
            "straight from teacher(inputs).\n  Likely mistake: the teacher is not detached; use "
            "teacher_h.detach() so that gradients reach the student and the regressor only.",
            "hint_loss 直接拿 teacher(inputs) 的输出作为教师模型的特征时，教师模型的参数收到了"
            "梯度。\n  可能的错误：教师模型没有 detach；应使用 teacher_h.detach()，让梯度只传到"
            "学生模型和回归器。",
        ),
    )


@DTYPES
def test_a_single_position(dtype: torch.dtype) -> None:
    """A single position works, with or without a mask
    zh: 只有一个位置时，无论有没有 mask 都能正确计算"""
    s, t, regressor = _inputs((1,), 3, 2, dtype, seed=17)
    _check_value(s, t, regressor)
    _check_value(s, t, regressor, torch.ones(1, dtype=torch.bool, device=DEVICE))
    s, t, regressor = _inputs((1, 1), 2, 3, dtype, seed=18)
    _check_value(s, t, regressor, torch.ones(1, 1, dtype=torch.bool, device=DEVICE))


@DTYPES
def test_the_teacher_matters(dtype: torch.dtype) -> None:
    """The loss changes when the teacher's features change
    zh: 教师模型的特征变化时，损失随之变化"""
    s, t, regressor = _inputs((2, 3), 3, 4, dtype, seed=21)
    for mask in (None, _mask((2, 3), seed=22)):
        if _ignores_teacher(s, t, regressor, mask):
            masked = ")" if mask is None else ", mask)"
            what = f"hint_loss(student_h, teacher_h, regressor{masked}"
            raise teacher_ignored(what, NUDGED)


@DTYPES
def test_large_and_small_features(dtype: torch.dtype) -> None:
    """Large (about 1e3) and small (about 1e-3) features give the right value
    zh: 特征很大（约 1e3）或很小（约 1e-3）时结果都正确"""
    for scale, seed in ((1e3, 23), (1e-3, 24)):
        g = seeded(seed)
        s = randn(2, 3, 3, dtype=dtype, scale=scale, generator=g)
        t = randn(2, 3, 4, dtype=dtype, scale=scale, generator=g)
        regressor = _regressor(3, 4, dtype, seed + 1)
        _check_value(s, t, regressor)
        # A single True position: the average is that position's loss, exactly.
        mask = torch.zeros(2, 3, dtype=torch.bool)
        mask[1, 2] = True
        _check_value(s, t, regressor, mask.to(DEVICE))


# PyTorch's first operation on the "meta" device imports torch._dynamo (about 1.5 s): pay it
# once while the suite is collected, not inside one check's time limit.
(torch.empty(1, device="meta") + 0).sum()


def _device_mismatch(text: str) -> bool:
    text = text.lower()
    return "device" in text and ("expected" in text or "same device" in text)


def test_without_a_mask_new_tensors_follow_the_inputs_device() -> None:
    """Without a mask, any tensor made inside is on the inputs' device
    zh: 没有 mask 时，函数内部新建的张量都在输入所在的设备上"""
    # No GPU needed: inputs on PyTorch's "meta" device (shapes, no data) stand in for a GPU. A
    # tensor made without device= (e.g. a torch.ones mask) lands on the CPU and then clashes
    # with the inputs, or carries the result to the CPU. Operations that need the data
    # (.item(), boolean indexing with a mask on the inputs' device) cannot run on "meta": they
    # give no verdict here.
    hint_loss = learner(EXERCISE).hint_loss
    meta = torch.device("meta")
    for lead in ((3,), (2, 3)):
        s = torch.empty(*lead, 4, dtype=torch.float64, device=meta)
        t = torch.empty(*lead, 5, dtype=torch.float64, device=meta)
        regressor = nn.Linear(4, 5, dtype=torch.float64, device=meta)
        what = say(
            "hint_loss(student_h, teacher_h, regressor) on {shape} features on a GPU",
            "在 GPU 上、特征形状为 {shape} 时的 hint_loss(student_h, teacher_h, regressor)",
            shape=(*lead, 4),
        )
        fix = say(
            "without a mask, make any new tensor on the inputs' device (torch.ones(..., "
            "device=student_h.device), torch.ones_like(per_position, dtype=torch.bool)), or "
            "simply average per_position over all positions with .mean()",
            "没有 mask 时，新建的张量都要放在输入所在的设备上（torch.ones(..., "
            "device=student_h.device)、torch.ones_like(per_position, dtype=torch.bool)），或者"
            "直接用 .mean() 对 per_position 的全部位置取平均",
        )
        try:
            got = hint_loss(s, t, regressor)
        except (RuntimeError, NotImplementedError, TypeError) as exc:
            if _device_mismatch(str(exc)):
                raise CheckFailure(
                    say(
                        "{what} mixed the inputs with a tensor made on the CPU: {exc}\n"
                        "  Likely mistake: a tensor created without device= (e.g. the default "
                        "mask torch.ones(shape, dtype=torch.bool)); {fix}.",
                        "{what} 把输入和一个在 CPU 上创建的张量混在了一起：`{exc}`\n"
                        "  可能的错误：新建张量时没有指定 device=（例如默认的 mask "
                        "torch.ones(shape, dtype=torch.bool)）；{fix}。",
                        what=what,
                        exc=exc,
                        fix=fix,
                    )
                ) from None
            if "meta" in str(exc).lower():
                continue  # an operation that needs the data: no verdict on this device
            raise
        expect(
            isinstance(got, torch.Tensor) and got.device == meta,
            say(
                "{what} returned a result on {where}, not on the inputs' device.\n  Likely "
                "mistake: a tensor created without device= moved the result to the CPU; {fix}.",
                "{what} 返回的结果在 {where} 上，而不在输入所在的设备上。\n  可能的错误：一个"
                "没有指定 device= 的新建张量把结果带到了 CPU 上；{fix}。",
                what=what, fix=fix,
                where=got.device if isinstance(got, torch.Tensor) else type(got).__name__,
            ),
        )  # fmt: skip


LEADS = [(1,), (2,), (5,), (1, 3), (3, 2), (2, 4), (2, 1, 3), (2, 2, 2)]


# Hypothesis seeds a derandomized check from a digest of its source, docstring included: the
# random check keeps the seed it had before its docstring gained a Chinese name, so that it draws
# the same examples as before.
RANDOM_SEED = int(
    "69bea50030438e5334ae9d285f5bcb9457d9abfcb63780e5"
    "d422e4048324a4c409236ac578139bfbdef2330e4f6b673a",
    16,
)


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
@hypothesis_seed(RANDOM_SEED)
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    lead=st.sampled_from(LEADS),
    d_s=st.integers(1, 5),
    d_t=st.integers(1, 5),
    hidden=st.sampled_from([0, 0, 3]),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    masking=st.sampled_from(["none", "random", "random", "all", "empty"]),
    seed=st.integers(0, 2**16),
)
def test_matches_reference_on_random_inputs(
    lead: tuple[int, ...],
    d_s: int,
    d_t: int,
    hidden: int,
    dtype: torch.dtype,
    masking: str,
    seed: int,
) -> None:
    """hint_loss matches the reference on random shapes, dtypes, regressors and masks
    zh: 在随机的形状、dtype、回归器和 mask 下，hint_loss 与参考实现一致"""
    g = seeded(seed)
    s = randn(*lead, d_s, dtype=dtype, generator=g)
    t = randn(*lead, d_t, dtype=dtype, generator=g)
    regressor = _regressor(d_s, d_t, dtype, seed + 1, hidden)
    mask = {
        "none": None,
        "random": _mask(lead, seed + 2),
        "all": torch.ones(lead, dtype=torch.bool, device=DEVICE),
        "empty": torch.zeros(lead, dtype=torch.bool, device=DEVICE),
    }[masking]
    _check_value(s, t, regressor, mask, positional=bool(seed % 2))


def test_inputs_are_not_modified() -> None:
    """The inputs and the regressor's parameters are not modified
    zh: 不修改输入和回归器的参数"""
    hint_loss = learner(EXERCISE).hint_loss
    s, t, regressor = _inputs((3, 2), 3, 4, torch.float32, seed=19)
    mask = _mask((3, 2), seed=20)
    before = {n: p.detach().clone() for n, p in regressor.named_parameters()}
    expect_unchanged(
        {"student_h": s, "teacher_h": t, "mask": mask},
        lambda: hint_loss(s, t, regressor, mask=mask),
    )
    for name, parameter in regressor.named_parameters():
        expect(
            torch.equal(before[name], parameter.detach()),
            say(
                "hint_loss changed the regressor's parameter '{name}'; the loss only computes a "
                "value (the optimizer updates the regressor, after loss.backward()).",
                "hint_loss 修改了回归器的参数 '{name}'；损失函数只负责算出一个值（回归器由优化器"
                "在 loss.backward() 之后更新）。",
                name=name,
            ),
        )
