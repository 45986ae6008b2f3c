"""Hidden checks for exercise 2: `compute_soft_targets` (the teacher's soft targets)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import pytest
import torch
import torch.nn.functional as F
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from torch import nn

from kdquiz.checker.bilingual import Bilingual, join, zh_of
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
    randn,
    reference,
    require_function,
    say,
    seeded,
    teacher_ignored,
    tolerances,
    zh_name,
)

EXERCISE = "exercise_2"
FUNCTION = "compute_soft_targets"


# --------------------------------------------------------------------------------------------
# Getting the functions


SIGNATURE = "(teacher, inputs, temperature=1.0)"


def _function(module: object, where: str) -> Callable[..., torch.Tensor]:
    return require_function(
        module, FUNCTION, SIGNATURE, where, nn.Identity(), None, temperature=1.0
    )


def mine() -> Callable[..., torch.Tensor]:
    return _function(learner(EXERCISE), f"exercises/{EXERCISE}.py")


def ref() -> Callable[..., torch.Tensor]:
    return _function(reference(EXERCISE), f"solutions/{EXERCISE}.py")


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """One CPU thread per check (the teachers are tiny; thread hand-offs only cost time)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _grad_mode_restored() -> Iterator[None]:
    """A learner who switches autograd off globally must not break the following checks; every
    check starts from the same random state (dropout masks of a teacher left in training mode)."""
    torch.manual_seed(0)
    yield
    torch.set_grad_enabled(True)


# --------------------------------------------------------------------------------------------
# Teachers built in the suite (parameters from fixed seeds, so every run sees the same values)


def _seed_module(module: nn.Module, seed: int, dtype: torch.dtype) -> nn.Module:
    """Fill parameters and BatchNorm statistics from a seeded generator; move to DEVICE."""
    generator = seeded(seed)
    module = module.to(dtype)
    with torch.no_grad():
        for parameter in module.parameters():
            # Scale 0.6 keeps the logits moderate, so every mistake changes the values visibly.
            parameter.copy_(torch.randn(parameter.shape, dtype=dtype, generator=generator) * 0.6)
        for sub in module.modules():
            if isinstance(sub, nn.BatchNorm1d):
                mean, var = sub.running_mean, sub.running_var
                if mean is not None and var is not None:
                    mean.copy_(torch.randn(mean.shape, dtype=dtype, generator=generator))
                    var.copy_(torch.rand(var.shape, dtype=dtype, generator=generator) * 2 + 0.5)
    return module.to(DEVICE)


def bn_teacher(
    features: int,
    classes: int,
    *,
    seed: int,
    dtype: torch.dtype = torch.float32,
    hidden: int = 8,
    dropout: float = 0.0,
) -> nn.Module:
    """Linear -> BatchNorm1d -> ReLU [-> Dropout] -> Linear, in training mode."""
    layers: list[nn.Module] = [nn.Linear(features, hidden), nn.BatchNorm1d(hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(hidden, classes))
    return _seed_module(nn.Sequential(*layers), seed, dtype).train()


def dropout_teacher(features: int, classes: int, *, seed: int) -> nn.Module:
    """Linear -> ReLU -> Dropout(0.5) -> Linear, in training mode."""
    layers = [nn.Linear(features, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, classes)]
    return _seed_module(nn.Sequential(*layers), seed, torch.float32).train()


def describe(teacher: nn.Module) -> Bilingual:
    """A one-line description of a small teacher, for messages."""
    parts = []
    for sub in teacher.children() if len(list(teacher.children())) else [teacher]:
        if isinstance(sub, nn.Linear):
            parts.append(f"Linear({sub.in_features}→{sub.out_features})")
        elif isinstance(sub, nn.BatchNorm1d):
            parts.append(f"BatchNorm1d({sub.num_features})")
        elif isinstance(sub, nn.Dropout):
            parts.append(f"Dropout({sub.p:g})")
        else:
            parts.append(type(sub).__name__)
    mode = "training" if teacher.training else "eval"
    return say(
        "{layers} (in {mode} mode)",
        "{layers}（{mode_zh}模式）",
        layers=" → ".join(parts), mode=mode, mode_zh="训练" if teacher.training else "eval ",
    )  # fmt: skip


class CallLog(list[dict[str, object]]):
    """The Recorder's list of calls, shared by every deep copy of the Recorder: a learner who runs
    `copy.deepcopy(teacher).eval()` (leaving the caller's teacher untouched) is still seen."""

    def __deepcopy__(self, memo: dict[int, object]) -> CallLog:
        return self


class Recorder(nn.Module):
    """Wraps a teacher and records, on each forward pass, its modes and the autograd state."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.calls: list[dict[str, object]] = CallLog()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append(
            {
                "training": self.training,
                "training_submodules": [
                    type(m).__name__
                    for m in self.inner.modules()
                    if m.training and not isinstance(m, nn.Sequential)
                ],
                "grad_enabled": torch.is_grad_enabled(),
                "inference_mode": torch.is_inference_mode_enabled(),
                "parameters_require_grad": any(p.requires_grad for p in self.inner.parameters()),
            }
        )
        return self.inner(x)


class TeacherFailure(RuntimeError):
    """Raised by the failing teacher; the learner's function must let it through."""


class FailingTeacher(nn.Module):
    """A teacher whose forward pass always raises (e.g. a shape error deep inside a network)."""

    def __init__(self) -> None:
        super().__init__()
        self.dropout = nn.Dropout(0.5)
        self.linear = nn.Linear(3, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise TeacherFailure("the teacher failed on this batch")


def modes(teacher: nn.Module) -> dict[str, bool]:
    """The training flag of the teacher and each of its submodules (named with their type)."""
    return {
        f"{name} ({type(m).__name__})" if name else "teacher": m.training
        for name, m in teacher.named_modules()
    }


# --------------------------------------------------------------------------------------------
# What each common mistake would return (computed before the learner's call, on copies)


def teacher_logits(teacher: nn.Module, x: torch.Tensor, *, training: bool = False) -> torch.Tensor:
    """The teacher's logits in eval mode (or training mode), computed on a copy."""
    clone = copy.deepcopy(teacher).train(training)
    with torch.no_grad():
        return clone(x)


def mistakes_for(
    logits: torch.Tensor, t: float, train_logits: torch.Tensor | None = None
) -> dict[str, torch.Tensor]:
    """The results of the common mistakes, from the teacher's logits and the temperature."""
    values = {
        say(
            "the temperature is not applied (softmax of the raw logits, T ignored)",
            "没有用上温度（对原始 logits 做了 softmax，忽略了 T）",
        ): F.softmax(logits, dim=-1),
        say(
            "the logits are multiplied by T instead of divided by T",
            "logits 乘以了 T，而应该除以 T",
        ): F.softmax(logits * t, dim=-1),
        say(
            "the logits are divided by T² instead of T",
            "logits 除以的是 T²，而不是 T",
        ): F.softmax(logits / (t * t), dim=-1),
        say(
            "the softmax runs over dim 0 (the batch) instead of the classes (last dim)",
            "softmax 是在 dim 0（批次维）上做的，而不是在类别维（最后一维）上",
        ): F.softmax(logits / t, dim=0),
        say(
            "the softmax runs over dim 1, which is the classes only for 2-D outputs: use dim=-1 "
            "(the last dim) so that outputs with more leading dims work too",
            "softmax 是在 dim 1 上做的，而只有二维输出的 dim 1 才是类别维：请用 dim=-1"
            "（最后一维），这样前面还有更多维的输出也能正确处理",
        ): F.softmax(logits / t, dim=1),
        say(
            "log-probabilities (log_softmax) returned instead of probabilities",
            "返回的是对数概率（log_softmax），而不是概率",
        ): F.log_softmax(logits / t, dim=-1),
        say(
            "the scaled logits returned without a softmax",
            "返回的是缩放后的 logits，没有做 softmax",
        ): logits / t,
        say(
            "the softmax of the raw logits is divided by T (divide the logits by T, then take "
            "the softmax)",
            "把原始 logits 的 softmax 除以了 T（应先把 logits 除以 T，再做 softmax）",
        ): F.softmax(logits, dim=-1) / t,
        say(
            "a sigmoid instead of a softmax (each class scored on its own, so the rows do not "
            "sum to 1)",
            "用了 sigmoid 而不是 softmax（每个类别单独打分，所以每行之和不为 1）",
        ): torch.sigmoid(logits / t),
        say(
            "one softmax over all the elements of the batch at once (flattened) instead of one "
            "per row",
            "把整个批次的所有元素展平后一起做了一次 softmax，而不是每行各做一次",
        ): F.softmax((logits / t).reshape(-1), dim=0).reshape(logits.shape),
        say(
            "the softmax is computed in float32 (e.g. after .float()) and cast back: float64 "
            "inputs need float64 arithmetic",
            "softmax 是在 float32 下算完再转换回去的（例如调用了 .float()）："
            "float64 的输入需要用 float64 计算",
        ): F.softmax(logits.float() / t, dim=-1).to(logits.dtype),
        say(
            "hard one-hot targets (the argmax) instead of the softmax probabilities",
            "返回的是硬 one-hot 目标（argmax），而不是 softmax 概率",
        ): F.one_hot(logits.argmax(dim=-1), logits.shape[-1]).to(logits.dtype),
    }
    if train_logits is not None:
        values[
            say(
                "the teacher ran in training mode (no teacher.eval()), so BatchNorm normalised "
                "with the batch's statistics instead of its running statistics",
                "教师模型是在训练模式下运行的（没有调用 teacher.eval()），所以 BatchNorm "
                "用当前批次的统计量做了归一化，而不是用它的滑动统计量（running statistics）",
            )
        ] = F.softmax(train_logits / t, dim=-1)
    return values


def expected_and_mistakes(
    teacher: nn.Module,
    x: torch.Tensor,
    t: float,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The reference's soft targets and the mistakes' values, all computed on copies."""
    train = None
    submodules = list(teacher.modules())
    has_dropout = any(isinstance(m, nn.Dropout) and m.p > 0 for m in submodules)
    if (
        x.shape[0] > 1
        and not has_dropout
        and any(isinstance(m, nn.BatchNorm1d) for m in submodules)
    ):
        train = teacher_logits(teacher, x, training=True)
    expected = ref()(copy.deepcopy(teacher), x.clone(), temperature=t)
    return expected, mistakes_for(teacher_logits(teacher, x), t, train)


def example(teacher: nn.Module, x: torch.Tensor, t: float, show_logits: bool = True) -> Bilingual:
    text = say(
        "teacher = {teacher}, inputs of shape {shape}, temperature={t}",
        "teacher = {teacher}，输入形状为 {shape}，temperature={t}",
        teacher=describe(teacher), shape=tuple(x.shape), t=f"{t:g}",
    )  # fmt: skip
    if show_logits:
        text += say(
            "; the teacher's logits in eval mode: {logits}",
            "；教师模型在 eval 模式下的 logits：{logits}",
            logits=fmt(teacher_logits(teacher, x), 3),
        )
    return text


def call_catching_batchnorm(
    fn: Callable[..., torch.Tensor], teacher: nn.Module, x: torch.Tensor, **kwargs: float
) -> torch.Tensor:
    """Call the learner; BatchNorm's 'batch of one in training mode' error means no eval()."""
    try:
        return fn(teacher, x, **kwargs)
    except ValueError as exc:
        if "more than 1 value per channel" in str(exc):
            raise CheckFailure(
                say(
                    "With a batch of one input, the teacher's BatchNorm raised "
                    "ValueError({message}): the teacher ran in training mode, where BatchNorm "
                    "needs the batch's statistics. Call teacher.eval() before the forward pass; "
                    "in eval mode BatchNorm uses its running statistics and any batch size works.",
                    "批次里只有一个输入时，教师模型的 BatchNorm 抛出了 `ValueError({message})`："
                    "教师模型是在训练模式下运行的，此时 BatchNorm 需要当前批次的统计量。"
                    "请在前向传播之前调用 teacher.eval()；在 eval 模式下 BatchNorm 使用它的"
                    "滑动统计量（running statistics），任何批次大小都可以。",
                    message=repr(str(exc)),
                )
            ) from None
        raise


def nudged(teacher: nn.Module, x: torch.Tensor) -> torch.Tensor | None:
    """`x` changed slightly, so that the teacher's (eval-mode) logits change visibly but every
    row keeps its argmax; None if no such nudge is found."""
    logits = teacher_logits(teacher, x)
    direction = torch.randn(x.shape, dtype=x.dtype, generator=seeded(97)).to(x.device)
    for size in (0.1, 0.03, 0.01):
        moved = x + size * direction * (x.detach().abs().mean() + 1)
        other = teacher_logits(teacher, moved)
        changed = (other - logits).abs().max().item()
        if torch.equal(other.argmax(-1), logits.argmax(-1)) and changed > 1e-3:
            return moved
    return None


def ignores_teacher(
    fn: Callable[..., torch.Tensor], teacher: nn.Module, x: torch.Tensor, t: float, got: object
) -> bool:
    """True when the learner's result stays the same when the teacher's input is nudged (keeping
    its argmax): its soft outputs do not reach the result. `teacher` is an untouched copy."""
    moved = nudged(teacher, x)
    if moved is None or not isinstance(got, torch.Tensor):
        return False
    try:
        torch.manual_seed(0)
        again = fn(copy.deepcopy(teacher), moved, temperature=t)
    except Exception:  # noqa: BLE001 - a second failure says nothing about the teacher
        return False
    if not isinstance(again, torch.Tensor) or again.shape != got.shape:
        return False
    rtol, atol = tolerances(got.dtype)
    return is_close(again, got, rtol=rtol, atol=atol)


IGNORED_CHANGE = say(
    "the teacher's inputs were changed slightly (keeping each row's argmax)",
    "把教师模型的输入稍作改动（每一行的 argmax 保持不变）",
)


def never_called() -> Bilingual:
    return say(
        "{function} never called the teacher's forward pass.",
        "{function} 从未调用教师模型的前向传播。",
        function=FUNCTION,
    )


def not_a_tensor(got: object) -> Bilingual:
    return say(
        "{function} should return a torch.Tensor, got {kind}.",
        "{function} 应返回 torch.Tensor，实际返回的是 {kind}。",
        function=FUNCTION, kind=type(got).__name__,
    )  # fmt: skip


def expect_targets(
    got: object,
    expected: torch.Tensor,
    *,
    teacher: nn.Module,
    x: torch.Tensor,
    t: float,
    what: str,
    inputs: str,
    mistakes: dict[str, torch.Tensor] | None,
) -> None:
    """expect_close, but a wrong result that does not move with the teacher is told so first.
    `teacher` is an untouched copy of the teacher the learner was given."""
    try:
        expect_close(got, expected, what=what, inputs=inputs, mistakes=mistakes)
    except CheckFailure:
        if ignores_teacher(mine(), teacher, x, t, got):
            raise teacher_ignored(what, IGNORED_CHANGE) from None
        raise


def check_against_reference(teacher: nn.Module, x: torch.Tensor, t: float) -> None:
    """The learner's soft targets for (teacher, x, t) must match the reference's."""
    expected, mistakes = expected_and_mistakes(teacher, x, t)
    shown = example(teacher, x, t)  # before the call: the learner's code may change the teacher
    pristine = copy.deepcopy(teacher)
    got = call_catching_batchnorm(mine(), teacher, x, temperature=t)
    expect_targets(
        got,
        expected,
        teacher=pristine,
        x=x,
        t=t,
        what=f"{FUNCTION}(teacher, inputs, temperature={t:g})",
        inputs=shown,
        mistakes=mistakes,
    )


# --------------------------------------------------------------------------------------------
# The checks


def test_value_matches_softmax_of_scaled_logits() -> None:
    """The result is softmax(teacher(inputs) / T) over the classes
    zh: 结果是在类别维上对 teacher(inputs) / T 做的 softmax"""
    teacher = bn_teacher(5, 3, seed=1)
    check_against_reference(teacher, randn(4, 5, generator=seeded(2)), 2.0)


def test_temperature_divides_the_logits() -> None:
    """The temperature divides the logits, and defaults to 1
    zh: 温度系数用来除 logits，默认值为 1"""
    fn = mine()
    teacher = bn_teacher(4, 5, seed=3).eval()
    x = randn(3, 4, generator=seeded(4))
    for t in (0.5, 4.0):
        expected, mistakes = expected_and_mistakes(teacher, x, t)
        pristine = copy.deepcopy(teacher)
        got = fn(teacher, x, temperature=t)
        expect_targets(
            got,
            expected,
            teacher=pristine,
            x=x,
            t=t,
            what=f"{FUNCTION}(teacher, inputs, temperature={t:g})",
            inputs=example(teacher, x, t),
            mistakes=mistakes,
        )
    # The temperature as a positional argument, as the signature allows.
    expected, mistakes = expected_and_mistakes(teacher, x, 2.5)
    expect_close(
        fn(teacher, x, 2.5),
        expected,
        what=say(
            "{function}(teacher, inputs, 2.5) (temperature passed by position)",
            "按位置传入 temperature 时，{function}(teacher, inputs, 2.5)",
            function=FUNCTION,
        ),
        inputs=example(teacher, x, 2.5),
        mistakes=mistakes,
    )
    expected = ref()(copy.deepcopy(teacher), x.clone())
    logits = teacher_logits(teacher, x)
    got = fn(teacher, x)
    expect_close(
        got,
        expected,
        what=say(
            "{function}(teacher, inputs) without a temperature",
            "不传 temperature 时，{function}(teacher, inputs)",
            function=FUNCTION,
        ),
        inputs=say(
            "teacher = {teacher}, logits {logits}",
            "teacher = {teacher}，logits 为 {logits}",
            teacher=describe(teacher),
            logits=fmt(logits, 3),
        ),
        mistakes={
            say(
                "the default temperature is not 1.0 (it looks like {t})",
                "temperature 的默认值不是 1.0（看起来是 {t}）",
                t=f"{t:g}",
            ): F.softmax(logits / t, -1)
            for t in (2.0, 3.0, 4.0, 0.5, 5.0, 10.0, 1.5, 0.1)
        },  # fmt: skip
    )


def test_softmax_over_the_classes() -> None:
    """Each row is a distribution over the classes (softmax over the last dim)
    zh: 每一行都是类别上的概率分布（在最后一维上做 softmax）"""
    fn = mine()
    teacher = bn_teacher(4, 5, seed=5).eval()
    x = randn(3, 4, generator=seeded(6))
    expected, mistakes = expected_and_mistakes(teacher, x, 1.5)
    pristine = copy.deepcopy(teacher)
    got = fn(teacher, x, temperature=1.5)
    expect(
        isinstance(got, torch.Tensor) and tuple(got.shape) == (3, 5),
        say(
            "For 3 inputs and a teacher with 5 classes the result should have shape (3, 5) "
            "(one distribution per input), got {got}.",
            "输入有 3 个、教师模型有 5 个类别时，结果的形状应为 (3, 5)（每个输入一个分布），"
            "实际是 {got}。",
            got=tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__,
        ),
    )
    ones = torch.ones(3, dtype=got.dtype, device=got.device)
    row_sums = got.detach().sum(dim=-1)
    if not torch.allclose(row_sums, ones, rtol=1e-4, atol=1e-5):
        column_sums = got.detach().sum(dim=0)
        if torch.allclose(column_sums, torch.ones_like(column_sums), rtol=1e-4, atol=1e-5):
            why = say(
                " Its columns sum to 1 instead: the softmax runs over dim 0 (the batch) "
                "instead of the classes (last dim).",
                "反倒是每一列之和为 1：softmax 是在 dim 0（批次维）上做的，"
                "而不是在类别维（最后一维）上。",
            )
        else:
            why = ""
        raise CheckFailure(
            say(
                "Each row of the soft targets should sum to 1 (one distribution over the 5 "
                "classes for each of the 3 inputs), but the rows sum to {sums}.{why}",
                "软目标的每一行之和都应为 1（3 个输入各对应一个 5 个类别上的分布），"
                "但各行之和为 {sums}。{why}",
                sums=fmt(row_sums, 4), why=why,
            )
        )  # fmt: skip
    expect_targets(
        got,
        expected,
        teacher=pristine,
        x=x,
        t=1.5,
        what=f"{FUNCTION}(teacher, inputs, temperature=1.5)",
        inputs=example(teacher, x, 1.5),
        mistakes=mistakes,
    )


def test_teacher_runs_in_eval_mode() -> None:
    """The teacher predicts in eval mode (dropout off)
    zh: 教师模型在 eval 模式下预测（dropout 关闭）"""
    fn = mine()
    teacher = Recorder(dropout_teacher(6, 5, seed=7))
    x = randn(4, 6, generator=seeded(8))
    expected = ref()(copy.deepcopy(teacher), x.clone(), temperature=2.0)
    mistakes = mistakes_for(teacher_logits(teacher, x), 2.0)
    pristine = copy.deepcopy(teacher)
    teacher.calls.clear()  # the copies above share the log; keep only the learner's calls
    got = fn(teacher, x, temperature=2.0)
    expect(len(teacher.calls) > 0, never_called())
    for seen in teacher.calls:
        still_training = seen["training_submodules"]
        if seen["training"]:
            raise CheckFailure(
                say(
                    "The teacher ran in training mode during its forward pass (teacher.training "
                    "was True), so its dropout was active and the soft targets were random. Call "
                    "teacher.eval() before the forward pass (and restore the mode afterwards).",
                    "教师模型在前向传播时处于训练模式（teacher.training 为 True），所以它的 "
                    "dropout 是开着的，软目标是随机的。请在前向传播之前调用 teacher.eval()"
                    "（并在之后恢复原来的模式）。",
                )
            )
        if still_training:
            raise CheckFailure(
                say(
                    "teacher.training was False during the forward pass, but its submodules "
                    "{submodules} were still in training mode, so "
                    "dropout was active: `teacher.training = False` only changes the top module. "
                    "Call teacher.eval(), which switches every submodule.",
                    "前向传播时 teacher.training 为 False，但它的子模块 {submodules} 仍处于"
                    "训练模式，所以 dropout 是开着的：`teacher.training = False` 只改变顶层模块。"
                    "请调用 teacher.eval()，它会切换所有子模块。",
                    submodules=join(sorted(set(still_training)), ", ", "、"),
                )
            )
    expect_targets(
        got,
        expected,
        teacher=pristine,
        x=x,
        t=2.0,
        what=f"{FUNCTION}(teacher, inputs, temperature=2.0)",
        inputs=say(
            "teacher = {teacher}, inputs of shape (4, 6)",
            "teacher = {teacher}，输入形状为 (4, 6)",
            teacher=describe(teacher.inner),
        ),
        mistakes=mistakes,
    )
    again = fn(teacher, x, temperature=2.0)
    expect_close(
        again,
        got,
        what=say(
            "A second call of {function} on the same inputs",
            "对相同的输入第二次调用 {function}",
            function=FUNCTION,
        ),
        inputs=say(
            "the same teacher and inputs: the soft targets must not be random",
            "相同的教师模型和输入：软目标不能是随机的",
        ),
    )


def test_teacher_state_unchanged() -> None:
    """The teacher's parameters and BatchNorm statistics are unchanged
    zh: 教师模型的参数和 BatchNorm 统计量保持不变"""
    fn = mine()
    teacher = bn_teacher(5, 4, seed=9, dropout=0.2)
    x = randn(6, 5, scale=3.0, generator=seeded(10))
    before = {k: v.detach().clone() for k, v in teacher.state_dict().items()}
    call_catching_batchnorm(fn, teacher, x, temperature=3.0)
    after = teacher.state_dict()
    for key, value in before.items():
        if key not in after or not torch.equal(value, after[key].detach()):
            if "running" in key or "num_batches" in key:
                raise CheckFailure(
                    say(
                        "The teacher's BatchNorm statistic '{key}' changed: it was "
                        "{before} and is now "
                        "{after}. The forward pass ran "
                        "in training mode, where BatchNorm updates its running statistics from "
                        "every batch; call teacher.eval() before it (eval mode leaves them "
                        "unchanged).",
                        "教师模型的 BatchNorm 统计量 '{key}' 变了：原来是 {before}，现在是 "
                        "{after}。前向传播是在训练模式下运行的，此时 BatchNorm 会用每个批次"
                        "更新它的滑动统计量；请在前向传播之前调用 teacher.eval()"
                        "（eval 模式下它们保持不变）。",
                        key=key, before=fmt(value, 3),
                        after=fmt(after[key], 3) if key in after else say("missing", "缺失"),
                    )
                )  # fmt: skip
            raise CheckFailure(
                say(
                    "The teacher's parameter '{key}' changed during {function}; computing soft "
                    "targets must never modify the teacher (no optimizer step, no in-place edits).",
                    "{function} 运行期间，教师模型的参数 '{key}' 变了；计算软目标绝不能修改"
                    "教师模型（不能执行优化器的 step，也不能原地修改）。",
                    key=key, function=FUNCTION,
                )
            )  # fmt: skip


def test_forward_runs_without_autograd() -> None:
    """The teacher's forward pass runs under torch.no_grad()
    zh: 教师模型的前向传播在 torch.no_grad() 下运行"""
    fn = mine()
    teacher = Recorder(bn_teacher(4, 3, seed=11))
    x = randn(5, 4, generator=seeded(12))
    got = call_catching_batchnorm(fn, teacher, x, temperature=2.0)
    expect(len(teacher.calls) > 0, never_called())
    expect(isinstance(got, torch.Tensor), not_a_tensor(got))
    grad_in_forward = any(seen["grad_enabled"] for seen in teacher.calls)
    if got.requires_grad or got.grad_fn is not None:
        raise CheckFailure(
            say(
                "The soft targets require grad (requires_grad=True, grad_fn="
                "{grad_fn}): the teacher's "
                "forward pass was not wrapped in torch.no_grad(), so autograd recorded a graph "
                "through the teacher and a student's loss.backward() would send gradients into "
                "its parameters. Compute the logits and the softmax under `with torch.no_grad():`.",
                "软目标需要梯度（requires_grad=True，grad_fn={grad_fn}）：教师模型的前向传播"
                "没有包在 torch.no_grad() 里，所以 autograd 记录了一张穿过教师模型的计算图，"
                "学生模型的 loss.backward() 会把梯度传进教师模型的参数。请在 "
                "`with torch.no_grad():` 下计算 logits 和 softmax。",
                grad_fn=type(got.grad_fn).__name__ if got.grad_fn is not None else None,
            )
        )
    if not grad_in_forward:
        return
    if not any(seen["parameters_require_grad"] for seen in teacher.calls if seen["grad_enabled"]):
        frozen = not any(p.requires_grad for p in teacher.parameters())
        if frozen:
            consequence = say(
                ", and left them frozen after the call. That changes the caller's model: "
                "a teacher that is trained or fine-tuned elsewhere would silently stop learning.",
                "，而且调用结束后让它们一直冻结着。这改变了调用者的模型：一个还要在别处训练或"
                "微调的教师模型会悄无声息地停止学习。",
            )
        else:
            consequence = say(
                ". That keeps gradients out of the teacher, but it edits the caller's model "
                "on every call to get what torch.no_grad() gives for free.",
                "。这样确实能挡住流向教师模型的梯度，但每次调用都要修改调用者的模型，"
                "而 torch.no_grad() 不费任何代价就能做到同样的事。",
            )
        raise CheckFailure(
            say(
                "The teacher's forward pass ran with autograd switched on "
                "(torch.is_grad_enabled() was True inside teacher(inputs)); instead of "
                "torch.no_grad() you set requires_grad to False on the teacher's parameters"
                "{consequence} Leave the parameters alone and run the forward pass under "
                "`with torch.no_grad():`.",
                "教师模型的前向传播是在 autograd 开启的情况下运行的（在 teacher(inputs) 内部 "
                "torch.is_grad_enabled() 为 True）；你没有用 torch.no_grad()，而是把教师模型"
                "参数的 requires_grad 设成了 False{consequence}请不要改动这些参数，"
                "而是把前向传播放在 `with torch.no_grad():` 下运行。",
                consequence=consequence,
            )
        )
    raise CheckFailure(
        say(
            "The soft targets do not require grad, but the teacher's forward pass itself ran "
            "with autograd switched on (torch.is_grad_enabled() was True inside "
            "teacher(inputs)), e.g. because you called a .detach() afterwards, or put "
            "torch.no_grad() around the softmax only. The values are right and no gradient "
            "reaches the teacher, but during the forward pass autograd recorded every operation "
            "of the teacher and kept each layer's activations in memory for a backward pass "
            "that never comes: with a large teacher that is wasted time and memory (on a GPU, "
            "the difference between fitting and running out of memory). .detach() only throws "
            "that graph away after it was built; the task asks for the forward pass inside "
            "`with torch.no_grad():`, so that it is never built.",
            "软目标不需要梯度，但教师模型的前向传播本身是在 autograd 开启的情况下运行的"
            "（在 teacher(inputs) 内部 torch.is_grad_enabled() 为 True），例如你是事后才调用 "
            ".detach()，或者只把 softmax 放进了 torch.no_grad()。结果的值是对的，也没有梯度"
            "传到教师模型，但在前向传播期间，autograd 记录了教师模型的每一步运算，并把每一层"
            "的激活值都留在内存里，等待一次永远不会到来的反向传播：教师模型很大时，这既浪费"
            "时间又浪费内存（在 GPU 上，这可能就决定了是放得下还是显存溢出）。.detach() 只是在"
            "计算图建好之后再把它丢掉；题目要求把前向传播放在 `with torch.no_grad():` 里，"
            "这样计算图根本不会被建出来。",
        )
    )


GRAD_LEFT_OFF = say(
    "After {function} returned, autograd was switched off for the whole program "
    "(torch.is_grad_enabled() is False), so the student could no longer be trained: use "
    "`with torch.no_grad():` (or torch.set_grad_enabled(False) as a `with` block), never "
    "torch.set_grad_enabled(False) as a plain statement.",
    "{function} 返回之后，整个程序的 autograd 都被关掉了（torch.is_grad_enabled() 为 False），"
    "学生模型再也无法训练：请使用 `with torch.no_grad():`（或者把 "
    "torch.set_grad_enabled(False) 用作 `with` 语句块），绝不要把 "
    "torch.set_grad_enabled(False) 写成一条单独的语句。",
    function=FUNCTION,
)


def test_targets_can_train_a_student() -> None:
    """The soft targets can be the target of a loss that trains a student
    zh: 软目标可以用作训练学生模型的损失的目标"""
    fn = mine()
    teacher = bn_teacher(4, 3, seed=13)
    x = randn(5, 4, generator=seeded(14))
    got = call_catching_batchnorm(fn, teacher, x, temperature=2.0)
    expect(isinstance(got, torch.Tensor), not_a_tensor(got))
    expect(torch.is_grad_enabled(), GRAD_LEFT_OFF)
    inference_message = say(
        "The soft targets are inference tensors (created under torch.inference_mode()): a "
        "student's loss that uses them as its target fails with \"Inference tensors cannot be "
        "saved for backward\". Use torch.no_grad() for the teacher's forward pass instead; its "
        "results are ordinary tensors that can serve as targets.",
        "软目标是 inference 张量（在 torch.inference_mode() 下创建）：学生模型的损失拿它们"
        '作目标时会报错 "Inference tensors cannot be saved for backward"。请改用 '
        "torch.no_grad() 运行教师模型的前向传播；这样得到的是普通张量，可以用作目标。",
    )
    expect(not got.is_inference(), inference_message)
    student = _seed_module(nn.Linear(4, 3), 15, got.dtype)
    try:
        log_p_s = F.log_softmax(student(x) / 2.0, dim=-1)
        loss = F.kl_div(log_p_s, got, reduction="batchmean")
        loss.backward()
    except RuntimeError as exc:
        if "nference" in str(exc):
            raise CheckFailure(inference_message) from None
        raise CheckFailure(
            say(
                "Using the soft targets as the target of a student's KL loss failed in "
                "backward(): {exc}",
                "把软目标用作学生模型 KL 损失的目标时，backward() 失败了：{exc}",
                exc=exc,
            )
        ) from None
    grad = student.weight.grad
    if grad is None:
        raise CheckFailure(
            say(
                "The student received no gradient from a loss on the soft targets.",
                "学生模型没有从基于软目标的损失中得到梯度。",
            )
        )
    expect_finite(
        grad,
        say(
            "The student's gradients from a loss on the soft targets are not finite.",
            "学生模型从基于软目标的损失中得到的梯度不是有限值。",
        ),
    )
    leaked = [name for name, p in teacher.named_parameters() if p.grad is not None]
    expect(
        not leaked,
        say(
            "After the student's loss.backward(), the teacher's parameters {leaked} "
            "received gradients: the soft targets were still connected to the teacher's graph. "
            "Compute them under torch.no_grad().",
            "学生模型执行 loss.backward() 之后，教师模型的参数 {leaked} 得到了梯度："
            "软目标仍连在教师模型的计算图上。请在 torch.no_grad() 下计算软目标。",
            leaked=join(leaked, ", ", "、"),
        ),
    )


def test_autograd_state_restored() -> None:
    """Autograd is as the caller had it afterwards (inside the caller's no_grad, after an error)
    zh: 调用结束后 autograd 的状态与调用者原来的一致（包括在调用者的 no_grad 内、出错之后）"""
    fn = mine()
    teacher = bn_teacher(4, 3, seed=27)
    x = randn(3, 4, generator=seeded(28))
    call_catching_batchnorm(fn, teacher, x, temperature=2.0)
    expect(torch.is_grad_enabled(), GRAD_LEFT_OFF)
    with torch.no_grad():
        call_catching_batchnorm(fn, teacher, x, temperature=2.0)
        switched_on = torch.is_grad_enabled()
    expect(
        not switched_on,
        say(
            "Called inside the caller's own `with torch.no_grad():` block, {function} switched "
            "autograd back on (torch.is_grad_enabled() was True right after it returned, still "
            "inside the block), so the rest of the caller's block suddenly builds graphs: a "
            "torch.set_grad_enabled(True) at the end forces autograd on instead of restoring "
            "what the caller had. `with torch.no_grad():` puts back whatever state was there "
            "before.",
            "在调用者自己的 `with torch.no_grad():` 块里调用时，{function} 又把 autograd "
            "打开了（它返回后、仍在块内时 torch.is_grad_enabled() 为 True），于是调用者块里"
            "剩下的代码突然开始建计算图：末尾的 torch.set_grad_enabled(True) 会强行打开 "
            "autograd，而不是恢复调用者原来的状态。`with torch.no_grad():` 则会恢复进入之前"
            "的状态，无论它原来是什么。",
            function=FUNCTION,
        ),
    )
    try:
        fn(FailingTeacher().to(DEVICE), randn(2, 3, generator=seeded(29)), temperature=2.0)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - the teacher's error; whether it propagates is checked above
        pass
    expect(
        torch.is_grad_enabled(),
        say(
            "When the teacher's forward pass raised, autograd stayed switched off for the whole "
            "program afterwards (torch.is_grad_enabled() is False): with "
            "torch.set_grad_enabled(False) ... torch.set_grad_enabled(True) as two statements, "
            "the second never runs when something in between raises. `with torch.no_grad():` "
            "switches autograd back on however the block ends.",
            "教师模型的前向传播抛出异常之后，整个程序的 autograd 一直处于关闭状态"
            "（torch.is_grad_enabled() 为 False）：把 torch.set_grad_enabled(False) ... "
            "torch.set_grad_enabled(True) 写成两条语句时，只要中间有代码抛出异常，第二条就"
            "永远不会执行。而 `with torch.no_grad():` 无论代码块以何种方式结束，都会把 "
            "autograd 重新打开。",
        ),
    )


def _mode_message(
    before: dict[str, bool], after: dict[str, bool], when: str | Bilingual
) -> Bilingual | None:
    """What is wrong with the modes after the call; `when` is "" or a clause such as
    say(" when its forward pass raised", "前向传播抛出异常时，") (its Chinese comes first)."""
    if before == after:
        return None
    top_before, top_after = before["teacher"], after["teacher"]
    if top_before != top_after:
        text = say(
            "the teacher's mode was not restored{when}: teacher.training was {top_before} "
            "before the call and {top_after} after it.",
            "{when}教师模型的模式没有恢复：调用前 teacher.training 为 {top_before}，"
            "调用后为 {top_after}。",
            when=when, top_before=top_before, top_after=top_after,
        )  # fmt: skip
        if not top_before and top_after:
            text += say(
                " Calling teacher.train() at the end switches a teacher that was in eval "
                "mode to training mode;",
                "在末尾调用 teacher.train() 会把原本处于 eval 模式的教师模型切换到训练模式；",
            )
        return text + say(
            " Save was = teacher.training first and call teacher.train(was) at the "
            "end, in a finally block so it also runs when something raises.",
            "请先保存 was = teacher.training，并在末尾的 finally 块里调用 "
            "teacher.train(was)，这样出现异常时它也会执行。",
        )
    if all(flag == top_before for flag in after.values()):
        # What teacher.train(was) leaves, the contract's way to restore the mode: a teacher that
        # mixed modes (MC dropout) gets every module set to its own flag, which is accepted.
        return None
    changed = [name for name in before if before[name] != after.get(name)]
    return say(
        "teacher.training was restored{when}, but its submodules {changed} were "
        "left with training={flag}: setting teacher.training only changes the top "
        "module; call teacher.train(was), which resets every submodule.",
        "{when}teacher.training 恢复了，但它的子模块 {changed} 仍停留在 training={flag}："
        "设置 teacher.training 只改变顶层模块；请调用 teacher.train(was)，它会重置所有子模块。",
        when=when, changed=join(changed, ", ", "、"), flag=not top_before,
    )  # fmt: skip


def expect_modes(before: dict[str, bool], teacher: nn.Module, when: str | Bilingual = "") -> None:
    """The teacher's and each submodule's training flag must be as they were."""
    message = _mode_message(before, modes(teacher), when)
    if message:
        raise CheckFailure(Bilingual(message[0].upper() + message[1:], zh_of(message)))


def test_mode_restored() -> None:
    """The teacher's training flag is the same after the call (training and eval)
    zh: 调用结束后，教师模型的 training 标志与调用前相同（训练模式和 eval 模式都是）"""
    fn = mine()
    x = randn(4, 5, generator=seeded(16))
    for training in (True, False):
        teacher = bn_teacher(5, 3, seed=17, dropout=0.1).train(training)
        before = modes(teacher)
        call_catching_batchnorm(fn, teacher, x, temperature=2.0)
        expect_modes(before, teacher)


def test_mode_restored_when_teacher_raises() -> None:
    """The training flags are restored when the teacher raises
    zh: 教师模型抛出异常时，各模块的 training 标志也会恢复"""
    fn = mine()
    x = randn(2, 3, generator=seeded(18))
    for mixed in (False, True):
        teacher = FailingTeacher().to(DEVICE).train(not mixed)
        if mixed:  # eval at the top, its Dropout in training mode (MC dropout)
            teacher.dropout.train()
        before = modes(teacher)
        try:
            fn(teacher, x, temperature=2.0)
        except NotImplementedError:
            raise
        except Exception:  # noqa: BLE001 - the teacher's error, possibly wrapped by the learner
            pass
        else:
            raise CheckFailure(
                say(
                    "The teacher's forward pass raised TeacherFailure, but {function} returned "
                    "normally: let the teacher's exception propagate to the caller.",
                    "教师模型的前向传播抛出了 TeacherFailure，{function} 却正常返回了："
                    "请让教师模型的异常继续传给调用者。",
                    function=FUNCTION,
                )
            )
        expect_modes(
            before,
            teacher,
            say(" when its forward pass raised", "教师模型的前向传播抛出异常时，"),
        )


def _teachers_in_every_mode(seed: int) -> Iterator[tuple[Bilingual, nn.Module]]:
    """The same small teacher in training mode, in eval mode, and with mixed modes."""
    yield (
        say("in training mode", "教师模型处于训练模式"),
        bn_teacher(4, 3, seed=seed, dropout=0.2).train(),
    )
    yield (
        say("in eval mode", "教师模型处于 eval 模式"),
        bn_teacher(4, 3, seed=seed, dropout=0.2).eval(),
    )
    mixed = bn_teacher(4, 3, seed=seed, dropout=0.2).eval()
    mixed[3].train()
    yield (
        say(
            "in eval mode with its Dropout in training mode",
            "教师模型处于 eval 模式、但其 Dropout 处于训练模式",
        ),
        mixed,
    )


def test_bad_temperature_rejected() -> None:
    """temperature <= 0 raises ValueError and leaves the teacher's modes unchanged
    zh: temperature <= 0 时抛出 ValueError，并且不改变教师模型的模式"""
    fn = mine()
    x = randn(3, 4, generator=seeded(19))
    for t in (0.0, -1.5):
        for how, teacher in _teachers_in_every_mode(20):
            before = modes(teacher)
            call = say(
                "{function}(teacher {how}, inputs, temperature={t})",
                "{how}时，{function}(teacher, inputs, temperature={t})",
                function=FUNCTION, how=how, t=f"{t:g}",
            )  # fmt: skip
            with expect_value_error(call, "temperature"):
                fn(teacher, x, temperature=t)
            expect_modes(
                before,
                teacher,
                say(" when the temperature was rejected", "temperature 不合法而被拒绝时，"),
            )
    with expect_value_error(
        say(
            "{function}(nn.Identity(), logits, -0.5) (by position)",
            "按位置传入 temperature 时，{function}(nn.Identity(), logits, -0.5)",
            function=FUNCTION,
        ),
        "temperature",
    ):
        fn(nn.Identity(), randn(2, 3, 4, generator=seeded(21)), -0.5)


@DTYPES
def test_extreme_logits(dtype: torch.dtype) -> None:
    """Logits of ±1e3 give finite probabilities, also at a temperature of 0.05
    zh: ±1e3 的 logits 也能得到有限的概率，温度为 0.05 时也是如此"""
    fn = mine()
    teacher = nn.Identity()  # the inputs are the logits
    x = torch.tensor(
        [
            [1e3, -1e3, 0.0, 500.0, 1e3],
            [-1e3, -1e3, -999.0, -1e3, -1e3],
            [0.0, 1e3, -1e3, 2.0, 1.0],
            [1e3, 999.0, -1e3, 998.0, 990.0],
        ],
        dtype=dtype,
        device=DEVICE,
    )
    for t in (1.0, 0.5, 0.05, 30.0):
        expected = ref()(nn.Identity(), x.clone(), temperature=t)
        got = fn(teacher, x, temperature=t)
        expect(isinstance(got, torch.Tensor), not_a_tensor(got))
        expect_finite(
            got,
            say(
                "For logits as large as ±1e3 (temperature={t}) the soft targets contain NaN or "
                "inf: {got}. exp(1e3) overflows; use torch.softmax / F.softmax, which "
                "subtract each row's maximum before exponentiating.",
                "logits 大到 ±1e3 时（temperature={t}），软目标里出现了 NaN 或 inf：{got}。"
                "exp(1e3) 会溢出；请使用 torch.softmax / F.softmax，它们在取指数之前会先减去"
                "每一行的最大值。",
                t=f"{t:g}",
                got=fmt(got, 3),
            ),
        )
        expect_close(
            got,
            expected,
            what=f"{FUNCTION}(teacher, logits, temperature={t:g})",
            inputs=f"teacher = nn.Identity(), logits = {fmt(x, 4)}",
            mistakes=mistakes_for(x, t),
        )


def test_batch_of_one() -> None:
    """A batch of one input works (a BatchNorm teacher in eval mode)
    zh: 批次里只有一个输入时也能正常计算（BatchNorm 教师模型处于 eval 模式）"""
    teacher = bn_teacher(4, 3, seed=21)
    check_against_reference(teacher, randn(1, 4, generator=seeded(22)), 2.0)


def test_inputs_not_modified() -> None:
    """The inputs are not modified in place
    zh: 不会原地修改输入"""
    fn = mine()
    x = randn(3, 4, scale=2.0, generator=seeded(23))
    # With nn.Identity the logits *are* the inputs, so an in-place `/= T` shows up here.
    expect_unchanged({"inputs": x}, lambda: fn(nn.Identity(), x, temperature=2.0))
    teacher = bn_teacher(4, 3, seed=24)
    expect_unchanged(
        {"inputs": x}, lambda: call_catching_batchnorm(fn, teacher, x, temperature=2.0)
    )


def test_float64_on_the_inputs_device() -> None:
    """float64 inputs give float64 soft targets on the inputs' device
    zh: float64 的输入得到 float64 的软目标，且位于输入所在的设备上"""
    fn = mine()
    teacher = bn_teacher(3, 4, seed=25, dtype=torch.float64)
    x = randn(5, 3, dtype=torch.float64, generator=seeded(26))
    expected, mistakes = expected_and_mistakes(teacher, x, 3.0)
    shown = example(teacher, x, 3.0, show_logits=False) + say(
        " (float64 teacher and inputs)", "（教师模型和输入均为 float64）"
    )
    pristine = copy.deepcopy(teacher)
    got = call_catching_batchnorm(fn, teacher, x, temperature=3.0)
    expect_targets(
        got,
        expected,
        teacher=pristine,
        x=x,
        t=3.0,
        what=f"{FUNCTION}(teacher, inputs, temperature=3.0)",
        inputs=shown,
        mistakes=mistakes,
    )


# No shrinking: a failing learner gets the first failing example at once, not after 30 s of search.
@zh_name("在随机的教师模型、形状、dtype 和温度下与参考实现一致")
@settings(max_examples=20, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(
    batch=st.integers(1, 4),
    classes=st.integers(2, 6),
    features=st.integers(1, 5),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    temperature=st.floats(0.2, 8.0),
    kind=st.sampled_from(["batchnorm", "batchnorm+dropout", "identity", "linear (B, L, C)"]),
    training=st.booleans(),
    scale=st.sampled_from([0.5, 3.0]),
    seed=st.integers(0, 10_000),
)
def test_matches_reference_on_random_inputs(
    batch: int,
    classes: int,
    features: int,
    dtype: torch.dtype,
    temperature: float,
    kind: str,
    training: bool,
    scale: float,
    seed: int,
) -> None:
    """Matches the reference on random teachers, shapes, dtypes and temperatures"""
    fn = mine()
    shape: tuple[int, ...] = (batch, features)
    if kind == "identity":
        teacher: nn.Module = nn.Identity()
        shape = (batch, classes)
    elif kind.startswith("linear"):
        teacher = _seed_module(nn.Linear(features, classes), seed, dtype)
        shape = (batch, 1 + seed % 3, features)
    else:
        teacher = bn_teacher(
            features, classes, seed=seed, dtype=dtype, dropout=0.3 if "dropout" in kind else 0.0
        )
    teacher.train(training)
    x = randn(*shape, dtype=dtype, scale=scale, generator=seeded(seed + 1))
    expected, mistakes = expected_and_mistakes(teacher, x, temperature)
    shown = example(teacher, x, temperature, show_logits=batch * classes <= 12)
    shown += f", dtype {str(dtype).removeprefix('torch.')}"
    before = modes(teacher)
    pristine = copy.deepcopy(teacher)
    torch.manual_seed(seed)
    got = expect_unchanged(
        {"inputs": x}, lambda: call_catching_batchnorm(fn, teacher, x, temperature=temperature)
    )
    expect_targets(
        got,
        expected,
        teacher=pristine,
        x=x,
        t=temperature,
        what=f"{FUNCTION}(teacher, inputs, temperature={temperature:g})",
        inputs=shown,
        mistakes=mistakes,
    )
    expect_modes(before, teacher)


def test_mixed_modes() -> None:
    """A teacher that mixes modes runs fully in eval mode and gets its mode back
    zh: 混用多种模式的教师模型整体以 eval 模式运行，之后恢复原来的模式"""
    fn = mine()
    x = randn(4, 6, generator=seeded(41))
    mc_dropout = Recorder(dropout_teacher(6, 5, seed=42)).eval()
    mc_dropout.inner[2].train()
    frozen_batchnorm = Recorder(bn_teacher(6, 5, seed=43, dropout=0.2)).train()
    frozen_batchnorm.inner[1].eval()
    for how, teacher in (
        (
            say(
                "in eval mode, its Dropout in training mode (MC dropout)",
                "处于 eval 模式，但其 Dropout 处于训练模式（MC dropout）",
            ),
            mc_dropout,
        ),
        (
            say(
                "in training mode, its BatchNorm frozen in eval mode",
                "处于训练模式，但其 BatchNorm 冻结在 eval 模式",
            ),
            frozen_batchnorm,
        ),
    ):
        before = modes(teacher)
        expected = ref()(copy.deepcopy(teacher), x.clone(), temperature=2.0)
        mistakes = mistakes_for(teacher_logits(teacher, x), 2.0)
        pristine = copy.deepcopy(teacher)
        teacher.calls.clear()
        got = fn(teacher, x, temperature=2.0)
        expect(len(teacher.calls) > 0, never_called())
        for seen in teacher.calls:
            still_training = sorted(set(seen["training_submodules"]))  # type: ignore[arg-type]
            if seen["training"] or still_training:
                submodules = ", ".join(still_training)
                if seen["training"]:
                    who = "the teacher itself"
                    listed = "、".join(still_training)
                    who_zh = "教师模型本身" + (f"（以及子模块 {listed}）" if listed else "")
                else:
                    who, who_zh = "its submodules", f"它的子模块 {'、'.join(still_training)} "
                raise CheckFailure(
                    say(
                        "The teacher was given {how}, and its forward pass ran with "
                        "{who} {submodules} in training mode (dropout active, BatchNorm on "
                        "the batch's statistics). A teacher may mix modes, so switch all of it "
                        "with teacher.eval() every time: not only `if teacher.training:`, and not "
                        "`teacher.training = False`, which changes the top module only.",
                        "传入的教师模型{how}，而它的前向传播运行时，{who_zh}处于训练模式"
                        "（dropout 开着，BatchNorm 用的是当前批次的统计量）。教师模型可能混用"
                        "多种模式，所以每次都要用 teacher.eval() 把它整个切换过来：不能只在 "
                        "`if teacher.training:` 时才切换，也不能用只改变顶层模块的 "
                        "`teacher.training = False`。",
                        how=how, who=who, who_zh=who_zh, submodules=submodules,
                    )
                )  # fmt: skip
        expect_targets(
            got,
            expected,
            teacher=pristine,
            x=x,
            t=2.0,
            what=f"{FUNCTION}(teacher, inputs, temperature=2.0)",
            inputs=say(
                "teacher = {teacher} {how}, inputs of shape (4, 6)",
                "teacher = {teacher}，传入时{how}，输入形状为 (4, 6)",
                teacher=describe(teacher.inner),
                how=how,
            ),
            mistakes=mistakes,
        )
        expect_modes(before, teacher)


@DTYPES
def test_leading_dims(dtype: torch.dtype) -> None:
    """Outputs with leading dims (B, L, C): one softmax over the last dim per position
    zh: 带前导维的输出 (B, L, C)：每个位置在最后一维上各做一次 softmax"""
    teacher = _seed_module(nn.Linear(4, 5), 44, dtype)
    check_against_reference(teacher, randn(2, 3, 4, dtype=dtype, generator=seeded(45)), 2.0)
    fn = mine()
    logits = randn(3, 2, 4, dtype=dtype, scale=2.0, generator=seeded(46)).requires_grad_(True)
    expected = ref()(nn.Identity(), logits.detach().clone(), temperature=0.7)
    got = fn(nn.Identity(), logits, temperature=0.7)
    expect_close(
        got,
        expected,
        what=f"{FUNCTION}(nn.Identity(), logits, temperature=0.7)",
        inputs=say(
            "logits of shape (3, 2, 4) that require grad, dtype {dtype}",
            "形状为 (3, 2, 4)、需要梯度的 logits，dtype 为 {dtype}",
            dtype=dtype,
        ),
        mistakes=mistakes_for(logits.detach(), 0.7),
    )
    expect(
        not got.requires_grad,
        say(
            "For inputs that require grad, the soft targets require grad too: the teacher's "
            "forward pass and the softmax must run under torch.no_grad().",
            "输入需要梯度时，软目标也跟着需要梯度了：教师模型的前向传播和 softmax 必须在 "
            "torch.no_grad() 下运行。",
        ),
    )


def test_teacher_matters() -> None:
    """The soft targets follow the teacher's soft predictions, not only its argmax
    zh: 软目标随教师模型的软预测变化，而不只取决于它的 argmax"""
    fn = mine()
    teacher = bn_teacher(5, 4, seed=47).eval()
    x = randn(4, 5, generator=seeded(48))
    pristine = copy.deepcopy(teacher)
    got = call_catching_batchnorm(fn, teacher, x, temperature=2.0)
    if ignores_teacher(fn, pristine, x, 2.0, got):
        raise teacher_ignored(f"{FUNCTION}(teacher, inputs, temperature=2)", IGNORED_CHANGE)


# Not checked here: device-following on PyTorch's 'meta' device. The first 'meta' operation imports
# torch._dynamo (about 10 s), far beyond the suite's time budget. The value checks compare devices
# (expect_close), which tests device-following for real when KDQUIZ_DEVICE=cuda.
