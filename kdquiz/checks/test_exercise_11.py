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

from kdquiz.checker.bilingual import Bilingual
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
    say,
    seeded,
    teacher_ignored,
    tolerances,
    zh_name,
)

EXERCISE = "exercise_11"

# --------------------------------------------------------------------------------------------
# The common mistakes, in a learner's words, and the value each one produces.

MISTAKES = {
    "no_norm": say(
        "the distances are not divided by their mean distance; each side's distances must be "
        "normalised by its own mean off-diagonal distance, so that the embeddings' scale does "
        "not matter",
        "距离没有除以平均距离；每一侧的距离都必须用该侧自己的非对角线平均距离归一化，"
        "这样嵌入的尺度才不起作用",
    ),
    "teacher_mean": say(
        "both sides are divided by the teacher's mean distance; the student's distances are "
        "normalised by the student's own mean distance",
        "两侧都除以了教师模型的平均距离；学生模型的距离要用学生模型自己的平均距离归一化",
    ),
    "student_mean": say(
        "both sides are divided by the student's mean distance; the teacher's distances are "
        "normalised by the teacher's own mean distance",
        "两侧都除以了学生模型的平均距离；教师模型的距离要用教师模型自己的平均距离归一化",
    ),
    "squared": say(
        "squared distances ‖x_i − x_j‖² are used instead of the Euclidean distances ‖x_i − x_j‖",
        "用的是距离的平方 ‖x_i − x_j‖²，而不是欧氏距离 ‖x_i − x_j‖",
    ),
    "mse": say(
        "MSE (z²) instead of the Huber loss: smooth L1 with beta=1 is ½z² for |z| < 1 and "
        "|z| − ½ above",
        "用了 MSE（z²）而不是 Huber 损失：beta=1 的 smooth L1 在 |z| < 1 时为 ½z²，"
        "在此之上为 |z| − ½",
    ),
    "mse_half": say(
        "½z² everywhere instead of the Huber loss: smooth L1 with beta=1 turns linear, "
        "|z| − ½, for |z| >= 1",
        "处处都用 ½z²，而不是 Huber 损失：beta=1 的 smooth L1 在 |z| >= 1 时变成线性的 |z| − ½",
    ),
    "l1": say(
        "L1 (|z|) instead of the Huber loss: smooth L1 with beta=1 is ½z² for |z| < 1",
        "用了 L1（|z|）而不是 Huber 损失：beta=1 的 smooth L1 在 |z| < 1 时为 ½z²",
    ),
    "sum": say(
        "the Huber terms are summed over the pairs instead of averaged over the N(N−1) pairs",
        "Huber 项在样本对上求了和，而不是在 N(N−1) 个样本对上取平均",
    ),
    "half_pairs": say(
        "the sum over all N(N−1) ordered pairs is divided by the number of unordered pairs "
        "N(N−1)/2 (average over the pairs you sum)",
        "对全部 N(N−1) 个有序对求和，却除以了无序对的个数 N(N−1)/2（对哪些样本对求和，"
        "就在这些样本对上取平均）",
    ),
    "diag_loss": say(
        "the diagonal is included in the loss's average (N² entries instead of the N(N−1) "
        "off-diagonal pairs), as when smooth_l1_loss runs on the full N×N matrix",
        "损失取平均时把对角线也算了进去（N² 个元素，而不是 N(N−1) 个非对角线样本对），"
        "就像在整个 N×N 矩阵上调用 smooth_l1_loss 那样",
    ),
    "diag_mean": say(
        "the diagonal is included in the mean distance (the mean runs over N² entries instead "
        "of the N(N−1) off-diagonal pairs)",
        "平均距离把对角线也算了进去（在 N² 个元素上取平均，而不是在 N(N−1) 个非对角线样本对上）",
    ),
    "diag_both": say(
        "the diagonal is included in both the mean distance and the loss's average (N² "
        "entries instead of the N(N−1) off-diagonal pairs)",
        "平均距离和损失的平均都把对角线算了进去（N² 个元素，而不是 N(N−1) 个非对角线样本对）",
    ),
    "triu_full_mean": say(
        "the pairs are taken from the upper triangle (torch.triu) but the loss is averaged over "
        "all N² entries, so the zeros below and on the diagonal count as pairs; average over "
        "the N(N−1)/2 upper pairs only (or over all N(N−1) off-diagonal pairs)",
        "样本对取自上三角（torch.triu），损失却在全部 N² 个元素上取平均，于是对角线及其下方"
        "的零也被当成了样本对；只在上三角的 N(N−1)/2 个样本对上取平均（或者在全部 N(N−1) "
        "个非对角线样本对上取平均）",
    ),
    "positive_mean": say(
        "the mean distance skips zero distances (d[d > 0].mean()): a duplicate row's distance "
        "0 is a pair like any other and counts in the mean",
        "平均距离跳过了为零的距离（d[d > 0].mean()）：重复行之间距离为 0，这也是一个普通的"
        "样本对，要计入平均",
    ),
    "paper_code": say(
        "the mean distance skips zero distances (d[d > 0].mean()) and the loss is averaged "
        "over all N² entries, diagonal included (as in the paper's released code); here the "
        "mean and the loss run over the N(N−1) off-diagonal pairs, zero distances included",
        "平均距离跳过了为零的距离（d[d > 0].mean()），损失又在包括对角线在内的全部 N² 个元素"
        "上取平均（论文公开的代码就是这样做的）；本题中平均距离和损失都在 N(N−1) 个非对角线"
        "样本对上计算，距离为零的样本对也算在内",
    ),
    "huber_signed": say(
        "the Huber loss's |z| is missing: torch.where(z < 1, ...) sends every negative gap, "
        "however large, to the quadratic branch; use |z| in the test and in the linear branch "
        "(|z| − ½)",
        "Huber 损失里漏了 |z|：torch.where(z < 1, ...) 会把所有负的差值（不管绝对值多大）"
        "都送进二次分支；条件判断和线性分支（|z| − ½）里都要用 |z|",
    ),
    "huber_linear_signed": say(
        "the Huber loss's linear branch uses z instead of |z| (z − ½), so a large negative gap "
        "gives a negative term; it is |z| − ½ for |z| >= 1",
        "Huber 损失的线性分支用了 z 而不是 |z|（写成了 z − ½），于是绝对值较大的负差值会得到"
        "负的项；|z| >= 1 时应为 |z| − ½",
    ),
    "eps_sqrt_1e-8": say(
        "an epsilon is added inside the square root (sqrt(d² + 1e-8)): it moves every "
        "distance, the small ones most; use torch.cdist (or clamp the squared distance at a "
        "tiny value, which leaves non-zero distances alone)",
        "在平方根里加了一个 epsilon（sqrt(d² + 1e-8)）：它会改变每一个距离，对小距离的影响"
        "最大；请用 torch.cdist（或者用 clamp 把距离的平方限制在一个极小值之上，这样不会改变"
        "非零的距离）",
    ),
    "eps_sqrt_1e-6": say(
        "an epsilon is added inside the square root (sqrt(d² + 1e-6)): it moves every "
        "distance, the small ones most; use torch.cdist (or clamp the squared distance at a "
        "tiny value, which leaves non-zero distances alone)",
        "在平方根里加了一个 epsilon（sqrt(d² + 1e-6)）：它会改变每一个距离，对小距离的影响"
        "最大；请用 torch.cdist（或者用 clamp 把距离的平方限制在一个极小值之上，这样不会改变"
        "非零的距离）",
    ),
    "eps_mean_1e-8": say(
        "an epsilon is added to the mean distance (d / (mean + 1e-8)): divide by the mean "
        "itself (it is 0 only when all rows are identical, which is not allowed)",
        "在平均距离上加了一个 epsilon（d / (mean + 1e-8)）：直接除以平均距离本身即可（只有"
        "所有行都相同时它才为 0，而这样的输入是不允许的）",
    ),
    "eps_mean_1e-6": say(
        "an epsilon is added to the mean distance (d / (mean + 1e-6)): divide by the mean "
        "itself (it is 0 only when all rows are identical, which is not allowed)",
        "在平均距离上加了一个 epsilon（d / (mean + 1e-6)）：直接除以平均距离本身即可（只有"
        "所有行都相同时它才为 0，而这样的输入是不允许的）",
    ),
    "mean_detached": say(
        "the student's mean distance is detached (or computed under no_grad): the value is "
        "right, but the gradient misses the part that flows through the mean; only the "
        "teacher's side is fixed",
        "学生模型的平均距离被 detach 了（或者是在 no_grad 下算的）：数值没错，但梯度少了经过"
        "平均距离传回的那一部分；只有教师模型那一侧是固定的",
    ),
}
FLOAT32 = say(
    "the computation runs in float32 (e.g. a .float() or a float32 tensor created inside): the "
    "value is off in the 7th digit; for float64 inputs keep float64 throughout",
    "计算是在 float32 下进行的（例如调用了 .float()，或在内部创建了 float32 张量）：数值在第 7 "
    "位有效数字上有偏差；输入是 float64 时，全程都要保持 float64",
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
            say(
                "rkd_distance_loss(student_emb, teacher_emb) returned nan.\n  inputs:   {inputs}"
                "\n  Likely mistake: a mean over an empty selection or a division by a zero mean "
                "distance (is the diagonal excluded correctly?), or the sqrt of a negative squared "
                "distance from the |a|² + |b|² − 2ab shortcut (clamp it at 0 or use torch.cdist).",
                "rkd_distance_loss(student_emb, teacher_emb) 返回了 nan。\n  输入：{inputs}"
                "\n  可能的错误：对空的选取结果求了平均，或者除以了为零的平均距离（对角线排除得"
                "对吗？），或者用 |a|² + |b|² − 2ab 的简便算法得到了负的距离平方，再对它开了平方根"
                "（把它 clamp 到 0 以上，或者用 torch.cdist）。",
                inputs=_show(s, t),
            )
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


NUDGED = say(
    "teacher_emb was moved slightly (about 0.01 %, every pair keeping its rank by distance)",
    "把 teacher_emb 稍微移动一点（约 0.01 %，每个样本对按距离的排名保持不变）",
)


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
        say(
            "rkd_distance_loss's result does not require grad, so the student cannot learn from "
            "it; do not compute the student's distances under torch.no_grad(), detach "
            "student_emb, or build the result from Python numbers (.item()).",
            "rkd_distance_loss 的结果不需要梯度（requires_grad 为 False），学生模型无法从中学习；"
            "不要在 torch.no_grad() 下计算学生模型的距离，不要 detach student_emb，也不要用 "
            "Python 数值（.item()）拼出结果。",
        ),
    )
    loss.backward()
    expect(
        student.grad is not None,
        say(
            "student_emb.grad is None after loss.backward(); the loss must depend on the "
            "student's embeddings through differentiable operations.",
            "loss.backward() 之后 student_emb.grad 仍是 None；损失必须通过可微的运算依赖于学生"
            "模型的嵌入。",
        ),
    )
    return student.grad, teacher.grad


SQRT_AT_ZERO = say(
    "the sqrt of a squared distance that is 0: d/dx sqrt(x) is infinite at 0, so the gradient "
    "is 0 · ∞ = NaN on the diagonal and for duplicate rows, even when those entries are dropped "
    "afterwards. Use torch.cdist (or F.pdist, torch.linalg.vector_norm), whose backward treats a "
    "zero distance as gradient 0, or clamp the squared distance before the sqrt "
    "(d2.clamp(min=1e-12).sqrt())",
    "对为 0 的距离平方开了平方根：d/dx sqrt(x) 在 0 处是无穷大，所以在对角线上和重复的行之间，"
    "梯度是 0 · ∞ = NaN，即使之后把这些元素丢掉也一样。请用 torch.cdist（或 F.pdist、"
    "torch.linalg.vector_norm），它们的反向传播把零距离的梯度当作 0；或者在开平方根之前先用 "
    "clamp 限制距离的平方（d2.clamp(min=1e-12).sqrt()）",
)


def _check_gradient(s, t, what: str | Bilingual, loose: bool = False) -> None:
    """The learner's gradient with respect to student_emb is finite and matches the reference;
    `loose` as in `_tolerance`: a clamped sqrt moves a duplicate pair's distance off 0."""
    dtype = s.dtype
    grad, _ = _backward_student_grad(s, t)
    if not bool(torch.isfinite(grad).all()):
        raise CheckFailure(
            say(
                "The gradient of rkd_distance_loss with respect to student_emb is not finite"
                "{when}: {grad}.\n  inputs:   {inputs}\n  Likely mistake: {cause}.",
                "{when}rkd_distance_loss 对 student_emb 的梯度不是有限值：`{grad}`。\n"
                "  输入：{inputs}\n  可能的错误：{cause}。",
                when=say(" {what}", "{what}，", what=what) if what else "",
                grad=fmt(grad, 3),
                inputs=_show(s, t),
                cause=SQRT_AT_ZERO,
            )
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
        what=say(
            "The gradient of rkd_distance_loss with respect to student_emb{when}",
            "{when}rkd_distance_loss 反向传播得到的 student_emb.grad",
            when=say(" {what}", "{what}，", what=what) if what else "",
        ),
        inputs=_show(s, t),
        mistakes=_gradient_mistakes(s, t),
        rtol=rtol,
        atol=atol,
    )


@contextmanager
def _expect_value_error(call: str | Bilingual) -> Iterator[None]:
    """The block must raise ValueError (any message: 'N' has no natural name to require)."""
    try:
        yield
    except ValueError:
        return
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise CheckFailure(
            say(
                "{call} should raise ValueError (N < 2: there is no pair to compare), but raised "
                "{error}: {exc}",
                "{call} 应抛出 ValueError（N < 2：没有可比较的样本对），实际抛出的是 "
                "{error}：{exc}",
                call=call, error=type(exc).__name__, exc=exc,
            )
        ) from None  # fmt: skip
    raise CheckFailure(
        say(
            "{call} should raise ValueError (N < 2: there is no pair to compare), but returned "
            "normally.",
            "{call} 应抛出 ValueError（N < 2：没有可比较的样本对），实际却正常返回了。",
            call=call,
        )
    )


def _random_rotation(d: int, seed: int, dtype: torch.dtype) -> torch.Tensor:
    """A seeded random orthogonal (d, d) matrix."""
    q, r = torch.linalg.qr(torch.randn(d, d, dtype=torch.float64, generator=seeded(seed)))
    return (q * torch.sign(torch.diagonal(r))).to(dtype).to(DEVICE)


# --------------------------------------------------------------------------------------------
# The checks


@DTYPES
def test_returns_a_scalar_of_the_inputs_dtype(dtype: torch.dtype) -> None:
    """rkd_distance_loss returns a scalar tensor in the inputs' dtype and device
    zh: rkd_distance_loss 返回一个标量张量，dtype 和设备都与输入相同"""
    s, t = _inputs(4, 3, 5, dtype, seed=1)
    got = learner(EXERCISE).rkd_distance_loss(s, t)
    expect(
        isinstance(got, torch.Tensor),
        say(
            "rkd_distance_loss should return a torch.Tensor (so that loss.backward() works), got "
            "{kind}; do not call .item() on the result.",
            "rkd_distance_loss 应返回 torch.Tensor（这样 loss.backward() 才能用），实际返回的是 "
            "{kind}；不要对结果调用 .item()。",
            kind=type(got).__name__,
        ),
    )
    expect(
        got.dim() == 0,
        say(
            "rkd_distance_loss should return a 0-dim (scalar) tensor, got shape {shape}; average "
            "the Huber terms over the N(N−1) pairs.",
            "rkd_distance_loss 应返回 0 维（标量）张量，实际返回的形状是 {shape}；请在 N(N−1) "
            "个样本对上对 Huber 项取平均。",
            shape=tuple(got.shape),
        ),
    )
    expect(
        got.dtype == dtype,
        say(
            "rkd_distance_loss returned dtype {got} for {dtype} inputs; the result must keep the "
            "inputs' dtype.",
            "输入为 {dtype} 时，rkd_distance_loss 返回的 dtype 是 {got}；结果必须保持输入的 "
            "dtype。",
            got=got.dtype,
            dtype=dtype,
        ),  # fmt: skip
    )
    expect(
        got.device == s.device,
        say(
            "rkd_distance_loss returned a tensor on {got} for inputs on {device}; create any new "
            "tensor (a mask, an eye) on the inputs' device.",
            "输入在 {device} 上，rkd_distance_loss 返回的张量却在 {got} 上；新建的任何张量"
            "（掩码、单位矩阵）都要放在输入所在的设备上。",
            got=got.device,
            device=s.device,
        ),  # fmt: skip
    )


def test_each_side_normalised_by_its_own_mean() -> None:
    """Each side's distances are divided by its own mean distance
    zh: 每一侧的距离都除以该侧自己的平均距离"""
    # A student three times the teacher's scale: unnormalised distances differ a lot.
    s, t = _inputs(4, 3, 3, torch.float64, seed=2, scale=3.0)
    _check_value(s, t, first="no_norm")
    s, t = _inputs(5, 2, 4, torch.float64, seed=3, scale=0.4)
    _check_value(s, t, first="teacher_mean")


def test_distances_are_euclidean() -> None:
    """The distances are Euclidean, not squared
    zh: 距离是欧氏距离，不是距离的平方"""
    s, t = _inputs(5, 3, 4, torch.float64, seed=4)
    _check_value(s, t, first="squared")


def test_huber_loss_with_beta_one() -> None:
    """The Huber loss (smooth L1, beta 1) is quadratic below 1 and linear above
    zh: Huber 损失（smooth L1，beta 为 1）在 1 以内是二次的，超过 1 是线性的"""
    # One student row shifted far away: its pairs' normalised distances differ from the
    # teacher's by more than 1 (the linear part), the others by less (the quadratic part).
    t = randn(5, 3, dtype=torch.float64, generator=seeded(3))
    s = t.clone()
    s[0] = s[0] + 10.0
    _check_value(s, t, first="mse")


def test_diagonal_takes_no_part() -> None:
    """The diagonal (i = j) takes no part in the mean distance or the loss
    zh: 对角线（i = j）既不参与平均距离，也不参与损失"""
    # N = 3: the diagonal's share (N of N² entries) is large.
    s, t = _inputs(3, 2, 3, torch.float64, seed=5)
    _check_value(s, t, first="diag_loss")
    s, t = _inputs(4, 3, 2, torch.float64, seed=6)
    _check_value(s, t, first="diag_mean")


@DTYPES
def test_zero_for_a_similar_copy_of_the_teacher(dtype: torch.dtype) -> None:
    """A scaled, rotated or shifted copy of the teacher gives 0
    zh: 学生嵌入是教师嵌入经缩放、旋转或平移得到的副本时，损失为 0"""
    rkd = learner(EXERCISE).rkd_distance_loss
    t = randn(6, 3, dtype=dtype, generator=seeded(7))
    rotation = _random_rotation(3, seed=8, dtype=dtype)
    embedding = _random_rotation(5, seed=9, dtype=dtype)[:3]  # an isometry from 3 to 5 dims
    shift = randn(3, dtype=dtype, scale=2.0, generator=seeded(10))
    copies = {
        "3 · teacher_emb": t * 3.0,
        "0.2 · teacher_emb": t * 0.2,
        say("teacher_emb rotated", "旋转后的 teacher_emb"): t @ rotation,
        say("teacher_emb + a shift", "teacher_emb + 一个平移"): t + shift,
        say("2.5 · teacher_emb rotated and shifted", "2.5 · teacher_emb 再经旋转和平移"): (
            t @ rotation
        )
        * 2.5
        + shift,
        say(
            "teacher_emb mapped isometrically into 5 dims (a student of another width)",
            "teacher_emb 等距映射到 5 维（一个维度不同的学生模型）",
        ): t @ embedding,
    }
    rtol, atol = tolerances(dtype)
    for described, s in copies.items():
        got = rkd(s.clone(), t.clone())
        _check_not_nan(got, s, t)
        what = say(
            "rkd_distance_loss(student_emb, teacher_emb) with student_emb = {described}",
            "student_emb = {described} 时的 rkd_distance_loss(student_emb, teacher_emb)",
            described=described,
        )
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
    """Duplicate rows count as pairs at distance 0, with finite gradients
    zh: 重复的行算作距离为 0 的样本对，梯度保持有限"""
    s, t = _inputs(5, 3, 4, dtype, seed=11)
    s[3] = s[1]  # the student places rows 1 and 3 on the same point
    t[4] = t[0]  # the teacher places rows 0 and 4 on the same point
    _check_value(s, t, first="positive_mean", loose=True)
    _check_gradient(s, t, say("when two rows are identical", "两行相同时"), loose=True)


@DTYPES
def test_gradients_reach_the_student_only(dtype: torch.dtype) -> None:
    """The student gets the right gradient and the teacher none
    zh: 学生模型得到正确的梯度，教师模型得不到梯度"""
    s, t = _inputs(4, 3, 2, dtype, seed=12)
    _check_gradient(s, t, "")
    _, teacher_grad = _backward_student_grad(s, t, teacher_requires_grad=True)
    expect(
        teacher_grad is None,
        say(
            "The teacher received a gradient: after loss.backward(), teacher_emb.grad is a "
            "tensor but should stay None.\n  Likely mistake: the teacher is not detached; "
            "compute its distances and their mean from teacher_emb.detach() (or under "
            "torch.no_grad()).",
            "教师模型收到了梯度：loss.backward() 之后 teacher_emb.grad 是一个张量，但它应当保持"
            "为 None。\n  可能的错误：教师模型没有 detach；请用 teacher_emb.detach() 计算它的"
            "距离和平均距离（或者在 torch.no_grad() 下计算）。",
        ),
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
        say(
            "The teacher model's parameters received gradients when rkd_distance_loss got its "
            "embeddings straight from teacher(inputs).\n  Likely mistake: the teacher is not "
            "detached; use teacher_emb.detach() so that gradients reach the student only.",
            "rkd_distance_loss 的教师嵌入直接来自 teacher(inputs) 时，教师模型的参数收到了梯度。"
            "\n  可能的错误：教师模型没有 detach；请用 teacher_emb.detach()，让梯度只传到学生"
            "模型。",
        ),
    )


def test_widths_may_differ() -> None:
    """Student and teacher embeddings may have different widths
    zh: 学生和教师的嵌入维度可以不同"""
    s, t = _inputs(4, 2, 7, torch.float64, seed=14)
    _check_value(s, t)
    s, t = _inputs(3, 6, 1, torch.float32, seed=15)
    _check_value(s, t)
    s, t = _inputs(5, 1, 4, torch.float64, seed=18)  # a one-dimensional student
    _check_value(s, t)


@DTYPES
def test_the_teacher_matters(dtype: torch.dtype) -> None:
    """The loss changes when the teacher's embeddings move
    zh: 教师模型的嵌入移动时，损失随之变化"""
    s, t = _inputs(5, 3, 4, dtype, seed=19)
    if _ignores_teacher(s, t):
        raise teacher_ignored("rkd_distance_loss(student_emb, teacher_emb)", NUDGED)


@DTYPES
def test_two_rows(dtype: torch.dtype) -> None:
    """Two rows (one pair, N = 2) are allowed and give 0
    zh: 允许只有两行（一个样本对，N = 2），此时损失为 0"""
    # With one pair each side's normalised distance is 1, so the loss and its gradient are 0.
    s, t = _inputs(2, 3, 1, dtype, seed=20)
    try:
        got = _call(s, t)
    except ValueError as exc:
        raise CheckFailure(
            say(
                "rkd_distance_loss on 2 rows raised ValueError({message}); N = 2 is allowed "
                "(one pair, in both orders): only N < 2 has no pair to compare.",
                "输入为 2 行时，rkd_distance_loss 抛出了 `ValueError({message})`；N = 2 是允许的"
                "（一个样本对，正反两个顺序）：只有 N < 2 时才没有可比较的样本对。",
                message=repr(str(exc)),
            )
        ) from None
    _check_not_nan(got, s, t)
    _check_value(s, t)
    _check_gradient(s, t, say("for two rows", "只有两行时"))


# Six rows whose normalised gaps z = psi_s - psi_t fall on both sides of ±1: about -2.0, -1.2,
# -0.8 ... 0.5, 1.5, 1.8 (none within 0.02 of the bend at |z| = 1).
HUBER_TEACHER = [[6, 0], [0, 0], [0, -2], [-1, -3], [-3, 0], [-1, -2]]
HUBER_STUDENT = [[2, 1], [1, -3], [2, -3], [-1, -1], [3, 1], [2, 7]]


@DTYPES
def test_huber_on_both_sides_of_one(dtype: torch.dtype) -> None:
    """Gaps on both sides of ±1 take the Huber loss's right branch
    zh: 差值落在 ±1 两侧时，Huber 损失各自走对分支"""
    t = torch.tensor(HUBER_TEACHER, dtype=dtype, device=DEVICE)
    s = torch.tensor(HUBER_STUDENT, dtype=dtype, device=DEVICE)
    _check_value(s, t, first="huber_signed")
    _check_gradient(s, t, say("when the gaps lie on both sides of ±1", "差值落在 ±1 两侧时"))
    _check_value(t * 0.5, s)  # the same gaps with the opposite signs


@DTYPES
def test_large_and_small_embeddings(dtype: torch.dtype) -> None:
    """Embeddings of size about 1e3 or 0.05 give the right value
    zh: 量级约为 1e3 或 0.05 的嵌入也能得到正确的值"""
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
    """Any tensor made inside (a mask, an eye) is on the inputs' device
    zh: 函数内部新建的任何张量（掩码、单位矩阵）都在输入所在的设备上"""
    # No GPU needed: inputs on PyTorch's "meta" device (shapes, no data) stand in for a GPU. A
    # tensor made without device= (e.g. torch.eye(n)) lands on the CPU and then clashes with
    # the inputs, or carries the result to the CPU. Operations that need the data (.item(),
    # boolean indexing with a mask on the inputs' device, as the reference does) cannot run on
    # "meta": they give no verdict here.
    rkd = learner(EXERCISE).rkd_distance_loss
    meta = torch.device("meta")
    s = torch.empty(5, 3, dtype=torch.float64, device=meta)
    t = torch.empty(5, 4, dtype=torch.float64, device=meta)
    what = say(
        "rkd_distance_loss(student_emb, teacher_emb) on embeddings on a GPU",
        "嵌入在 GPU 上时，rkd_distance_loss(student_emb, teacher_emb)",
    )
    fix = say(
        "make any new tensor on the inputs' device (torch.eye(n, dtype=torch.bool, "
        "device=student_emb.device), torch.ones_like(...))",
        "新建的任何张量都要放在输入所在的设备上（torch.eye(n, dtype=torch.bool, "
        "device=student_emb.device)、torch.ones_like(...)）",
    )
    try:
        got = rkd(s, t)
    except (RuntimeError, NotImplementedError, TypeError) as exc:
        if _device_mismatch(str(exc)):
            raise CheckFailure(
                say(
                    "{what} mixed the inputs with a tensor made on the CPU: {exc}\n"
                    "  Likely mistake: a tensor created without device= (e.g. torch.eye(n) for "
                    "the diagonal); {fix}.",
                    "{what} 把输入和一个在 CPU 上创建的张量放在一起计算：`{exc}`\n"
                    "  可能的错误：创建张量时没有指定 device=（例如为对角线创建的 torch.eye(n)）；"
                    "{fix}。",
                    what=what, exc=exc, fix=fix,
                )
            ) from None  # fmt: skip
        if "meta" in str(exc).lower():
            return  # an operation that needs the data: no verdict on this device
        raise
    expect(
        isinstance(got, torch.Tensor) and got.device == meta,
        say(
            "{what} returned a result on {where}, not on the inputs' device.\n  Likely mistake: "
            "a tensor created without device= moved the result to the CPU; {fix}.",
            "{what} 返回的结果在 {where} 上，不在输入所在的设备上。\n  可能的错误：一个创建时"
            "没有指定 device= 的张量把结果带到了 CPU 上；{fix}。",
            what=what,
            where=got.device if isinstance(got, torch.Tensor) else type(got).__name__,
            fix=fix,
        ),
    )


# No shrinking: the inputs are already small enough to read, and shrinking a failing learner's
# example would cost seconds.
@zh_name("在随机的行数、维度和 dtype 上，rkd_distance_loss 与参考实现一致")
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
    """The inputs are not modified in place
    zh: 不原地修改输入"""
    rkd = learner(EXERCISE).rkd_distance_loss
    s, t = _inputs(4, 3, 2, torch.float32, seed=16)
    expect_unchanged({"student_emb": s, "teacher_emb": t}, lambda: rkd(s, t))


def test_fewer_than_two_rows_raise_value_error() -> None:
    """Fewer than two rows (no pair) raise ValueError
    zh: 少于两行（没有样本对）时抛出 ValueError"""
    rkd = learner(EXERCISE).rkd_distance_loss
    for n, d_s, d_t, dtype in [
        (1, 3, 2, torch.float32),
        (0, 3, 2, torch.float32),
        (1, 1, 1, torch.float64),
        (1, 2, 5, torch.float64),
    ]:
        s, t = _inputs(n, d_s, d_t, dtype, seed=17)
        call = say(
            "rkd_distance_loss on {n} row{s} (N = {n})",
            "输入为 {n} 行（N = {n}）时，rkd_distance_loss",
            n=n, s="s" * (n != 1),
        )  # fmt: skip
        with _expect_value_error(call):
            rkd(s, t)
