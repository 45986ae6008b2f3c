"""Hidden checks for exercise_3: `train_student_epoch`, one epoch of student training.

Every check trains copies of the same small student against copies of the same teacher, once with
the learner's function and once with the reference (plain SGD, identical batches), and compares the
student's weights afterwards. Mistakes are recognised by replaying them with the suite's own loop.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import functools
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from torch import Tensor, nn

from kdquiz.checker.bilingual import Bilingual, join, zh_of
from kdquiz.checks.support import (
    DEVICE,
    FLOAT_DTYPES,
    CheckFailure,
    expect,
    expect_close,
    expect_finite,
    expect_unchanged,
    expect_value_error,
    fmt,
    is_close,
    learner,
    reference,
    say,
    seeded,
    teacher_ignored,
    tolerances,
    zh_name,
)

LR = 0.3
"""Learning rate of the plain SGD optimizer every check uses."""


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """Run each check on one CPU thread, then restore the caller's setting.

    Why: these models are tiny, and on a busy machine OpenMP's thread hand-offs inside BatchNorm and
    log_softmax make a check up to ten times slower without any benefit.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class PlainSGD(torch.optim.Optimizer):
    """Plain SGD, p ← p − lr·∇p: the update of torch.optim.SGD(params, lr), element for element.

    Why not torch.optim.SGD itself: its first use imports torch._dynamo (about 2 s), which also
    rebinds torch.manual_seed, and the checker would blame that change of torch on the learner.
    """

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:  # no super().__init__()
        self.defaults = {"lr": lr}
        self.state = collections.defaultdict(dict)
        self.param_groups = [{"params": list(params), "lr": lr}]
        for hooks in (
            "_optimizer_step_pre_hooks",
            "_optimizer_step_post_hooks",
            "_optimizer_state_dict_pre_hooks",
            "_optimizer_state_dict_post_hooks",
            "_optimizer_load_state_dict_pre_hooks",
            "_optimizer_load_state_dict_post_hooks",
        ):
            setattr(self, hooks, collections.OrderedDict())

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_().zero_()

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])
        return loss


# --------------------------------------------------------------------------------------------
# A note when the learner's exercise_1 (kd_loss) is the real culprit

_exercise_1_notes: list[str] = []


def _message(exc: BaseException) -> str:
    """A CheckFailure's message with its Chinese (what str(exc) gives, in both languages)."""
    given = exc.args[0] if len(exc.args) == 1 else None
    return given if isinstance(given, Bilingual) else str(exc)


def _first_line(text: str) -> str:
    """The first line of `text`, in each of its languages."""
    return Bilingual(str(text).splitlines()[0], (zh_of(text).splitlines() or [""])[0])


def _exercise_1_problem() -> str:
    """Why the learner's kd_loss cannot be trusted yet, or "" when it passes a quick check."""
    ex1 = sys.modules.get("exercise_1")
    if ex1 is None:
        try:
            ex1 = learner("exercise_1")
        except CheckFailure as exc:
            return say(
                "exercises/exercise_1.py cannot be used ({first})",
                "你的 exercises/exercise_1.py 无法使用（{first}）",
                first=_first_line(_message(exc)),
            )
    mine = getattr(ex1, "kd_loss", None)
    if not callable(mine):
        return say(
            "exercises/exercise_1.py does not define kd_loss",
            "你的 exercises/exercise_1.py 没有定义 kd_loss",
        )
    expected_fn = reference("exercise_1").kd_loss
    g = seeded(301)
    s = (torch.randn(3, 4, dtype=torch.float64, generator=g) * 2).to(DEVICE)
    t = (torch.randn(3, 4, dtype=torch.float64, generator=g) * 2).to(DEVICE)
    y = torch.tensor([0, 3, 1], device=DEVICE)
    for temperature, alpha in ((4.0, 0.5), (2.0, 0.8)):
        t_leaf = t.clone().requires_grad_(True)
        try:
            got = mine(s.clone().requires_grad_(True), t_leaf, y, temperature, alpha)
            got.backward()
        except NotImplementedError:
            return say("your kd_loss is not implemented yet", "你的 kd_loss 还没有实现")
        except Exception as exc:  # noqa: BLE001 - any failure means exercise_1 is not done
            return say(
                "your kd_loss raised {error} on a small example",
                "你的 kd_loss 在一个小例子上抛出了 {error}",
                error=type(exc).__name__,
            )
        if not is_close(got, expected_fn(s, t, y, temperature, alpha), rtol=1e-6, atol=1e-8):
            return say(
                "your kd_loss does not return the right value yet",
                "你的 kd_loss 返回的值还不对",
            )
        if t_leaf.grad is not None:
            return say(
                "your kd_loss lets gradient reach the teacher's logits",
                "你的 kd_loss 让梯度传到了教师模型的 logits 上",
            )
    return ""


def _uses_exercise_1() -> bool:
    """True when the learner's exercise_3 imported something from exercise_1."""
    module = sys.modules.get("exercise_3")
    if module is None:
        return False
    return any(
        getattr(value, "__module__", None) == "exercise_1"
        or getattr(value, "__name__", "") == "exercise_1"
        for value in vars(module).values()
    )


def _exercise_1_note() -> str:
    if not _exercise_1_notes:
        problem = _exercise_1_problem() if _uses_exercise_1() else ""
        _exercise_1_notes.append(
            say(
                "\n  Note: train_student_epoch uses kd_loss from exercise_1, and {problem}; make "
                "`kdquiz check exercise_1` pass first.",
                "\n  注意：train_student_epoch 用的是 exercise_1 里的 kd_loss，但{problem}；请先让 "
                "`kdquiz check exercise_1` 通过。",
                problem=problem,
            )
            if problem
            else ""
        )
    return _exercise_1_notes[0]


def mentions_exercise_1(test: Callable[..., Any]) -> Callable[..., Any]:
    """Add a pointer to exercise_1 to a failure when the learner's kd_loss is not right yet."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return test(*args, **kwargs)
        except CheckFailure as exc:
            note = _exercise_1_note()
            if note and note not in str(exc):
                raise CheckFailure(
                    say("{exc}{note}", "{exc}{note}", exc=_message(exc), note=note)
                ) from None
            raise
        except NotImplementedError as exc:
            frames = traceback.extract_tb(exc.__traceback__)
            if frames and frames[-1].filename.endswith("exercise_1.py"):
                raise CheckFailure(
                    say(
                        "train_student_epoch calls kd_loss from exercises/exercise_1.py, which is "
                        "not implemented yet (it raises NotImplementedError); solve exercise_1 "
                        "first.",
                        "train_student_epoch 调用了 exercises/exercise_1.py 里的 kd_loss，而它还"
                        "没有实现（会抛出 NotImplementedError）；请先完成 exercise_1。",
                    )
                ) from None
            raise

    return wrapper


def _learner_frames(exc: BaseException) -> str:
    """The lines of `exc`'s traceback in the learner's files, indented for a failure message."""
    from kdquiz.checker.plugin import learner_traceback

    frames = learner_traceback(exc)
    return "\n" + "\n".join(f"  {line}" for line in frames.splitlines()) if frames else ""


# --------------------------------------------------------------------------------------------
# Models, batches and runs


def make_model(
    d: int,
    h: int,
    c: int,
    *,
    seed: int,
    dtype: torch.dtype = torch.float32,
    batchnorm: bool = False,
    dropout: float = 0.0,
    hidden: bool = True,
    out_scale: float = 1.0,
) -> nn.Sequential:
    """Linear(d→h) [BatchNorm] Tanh [Dropout] Linear(h→c), weights drawn from a seeded generator."""
    layers: list[nn.Module]
    if hidden:
        layers = [nn.Linear(d, h)]
        if batchnorm:
            layers.append(nn.BatchNorm1d(h))
        layers.append(nn.Tanh())
        if dropout:
            layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(h, c))
    else:
        layers = [nn.Linear(d, c)]
    model = nn.Sequential(*layers).to(dtype)
    g = seeded(seed)
    with torch.no_grad():
        for module in model:
            if isinstance(module, nn.Linear):
                module.weight.copy_(
                    torch.randn(module.weight.shape, dtype=dtype, generator=g) * 0.8
                )
                module.bias.copy_(torch.randn(module.bias.shape, dtype=dtype, generator=g) * 0.3)
            elif isinstance(module, nn.BatchNorm1d):
                module.weight.copy_(1 + 0.3 * torch.randn(h, dtype=dtype, generator=g))
                module.bias.copy_(0.3 * torch.randn(h, dtype=dtype, generator=g))
                module.running_mean.copy_(0.8 * torch.randn(h, dtype=dtype, generator=g))
                module.running_var.copy_(0.3 + torch.rand(h, dtype=dtype, generator=g) * 2)
        model[-1].weight.mul_(out_scale)
        model[-1].bias.mul_(out_scale)
    return model.to(DEVICE)


def make_batches(
    sizes: list[int],
    d: int,
    c: int,
    *,
    seed: int,
    dtype: torch.dtype = torch.float32,
    scale: float = 1.0,
) -> list[tuple[Tensor, Tensor]]:
    g = seeded(seed)
    return [
        (
            (torch.randn(n, d, dtype=dtype, generator=g) * scale).to(DEVICE),
            torch.randint(0, c, (n,), generator=g).to(DEVICE),
        )
        for n in sizes
    ]


def _describe_model(model: nn.Module) -> str:
    parts = []
    for module in model.children() if isinstance(model, nn.Sequential) else [model]:
        if isinstance(module, nn.Linear):
            parts.append(f"Linear({module.in_features}→{module.out_features})")
        elif isinstance(module, nn.BatchNorm1d):
            parts.append("BatchNorm1d")
        elif isinstance(module, nn.Dropout):
            parts.append(f"Dropout({module.p:g})")
        else:
            parts.append(type(module).__name__)
    return "–".join(parts) + (
        say(" in train mode", "（训练模式）")
        if model.training
        else say(" in eval mode", "（评估模式）")
    )


@dataclass(repr=False)
class Case:
    """One training situation: the starting student and teacher, the batches and the settings."""

    student: nn.Module
    teacher: nn.Module
    batches: list[tuple[Tensor, Tensor]]
    temperature: float = 4.0
    alpha: float = 0.5
    seed: int = 0
    pass_defaults: bool = False
    """Call with only (student, teacher, loader, optimizer), relying on the default T and alpha."""
    keyword_only: str = ""
    """"temperature" or "alpha": pass only that one, by keyword (the other at its default, which
    `temperature` / `alpha` then hold)."""
    _sims: dict[tuple[Any, ...], tuple[nn.Module, list[tuple[float, int]]]] = field(
        default_factory=dict
    )

    @property
    def dtype(self) -> torch.dtype:
        return self.batches[0][0].dtype if self.batches else torch.float32

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return f"Case({self.describe()}, seed={self.seed})"

    def describe(self) -> str:
        sizes = [int(y.shape[0]) for _, y in self.batches]
        if self.pass_defaults:
            settings_text = say(
                "temperature and alpha left at their defaults", "temperature 和 alpha 都取默认值"
            )
        elif self.keyword_only == "temperature":
            settings_text = say(
                "temperature={t} by keyword, alpha left at its default",
                "temperature={t}（按关键字传入），alpha 取默认值",
                t=f"{self.temperature:g}",
            )
        elif self.keyword_only == "alpha":
            settings_text = say(
                "alpha={a} by keyword, temperature left at its default",
                "alpha={a}（按关键字传入），temperature 取默认值",
                a=f"{self.alpha:g}",
            )
        else:
            settings_text = say(
                "temperature={t}, alpha={a}",
                "temperature={t}，alpha={a}",
                t=f"{self.temperature:g}",
                a=f"{self.alpha:g}",
            )
        return say(
            "{n} batch(es) of sizes {sizes} ({dtype}), student {student}, teacher {teacher} "
            "before the call, plain SGD(lr={lr}), {settings}",
            "{n} 个批次，大小依次为 {sizes}（{dtype}），调用前学生模型为 {student}，教师模型为 "
            "{teacher}，普通 SGD(lr={lr})，{settings}",
            n=len(sizes), sizes=sizes, dtype=self.dtype, student=_describe_model(self.student),
            teacher=_describe_model(self.teacher), lr=f"{LR:g}", settings=settings_text,
        )  # fmt: skip

    def fresh(
        self,
    ) -> tuple[nn.Module, nn.Module, torch.optim.Optimizer, list[tuple[Tensor, Tensor]]]:
        """Independent copies of everything a run may touch."""
        student = copy.deepcopy(self.student)
        teacher = copy.deepcopy(self.teacher)
        optimizer = PlainSGD(student.parameters(), lr=LR)
        batches = [(x.clone(), y.clone()) for x, y in self.batches]
        return student, teacher, optimizer, batches

    def call(
        self,
        function: Callable[..., Any],
        student: nn.Module,
        teacher: nn.Module,
        loader: Iterable[tuple[Tensor, Tensor]],
        optimizer: torch.optim.Optimizer,
    ) -> Any:
        torch.manual_seed(self.seed)  # the same dropout masks for every run
        try:
            if self.pass_defaults:
                return function(student, teacher, loader, optimizer)
            if self.keyword_only == "temperature":
                return function(student, teacher, loader, optimizer, temperature=self.temperature)
            if self.keyword_only == "alpha":
                return function(student, teacher, loader, optimizer, alpha=self.alpha)
            return function(student, teacher, loader, optimizer, self.temperature, self.alpha)
        except RuntimeError as exc:
            if "does not require grad" not in str(exc):
                raise
            # No example inputs in the message: the same text for every check collapses into
            # "(the same problem as above)" in the report.
            raise CheckFailure(
                say(
                    "loss.backward() failed: the loss has no path back to the student's "
                    "parameters (RuntimeError: {exc}). The student's logits must reach the loss "
                    "with their autograd graph: call student(inputs) outside torch.no_grad() and "
                    "without .detach(), and pass them first: kd_loss(student_logits, "
                    "teacher_logits, labels, temperature, alpha) (kd_loss detaches its second "
                    "argument, the teacher's logits).{frames}",
                    "loss.backward() 失败了：损失无法沿计算图回到学生模型的参数（报错为 "
                    "`RuntimeError: {exc}`）。学生模型的 logits 必须带着 autograd 计算图进入损失："
                    "在 torch.no_grad() 之外调用 student(inputs)，不要 .detach()，并把它作为第一个"
                    "参数传入：kd_loss(student_logits, teacher_logits, labels, temperature, alpha)"
                    "（kd_loss 会对第二个参数，即教师模型的 logits，做 detach）。{frames}",
                    exc=exc, frames=_learner_frames(exc),
                )
            ) from None  # fmt: skip
        except ValueError as exc:
            if not (self.temperature > 0 and 0 <= self.alpha <= 1):
                raise
            # Swapped, T=alpha and alpha=T would be rejected, and the error names one of them.
            swapped = not (self.alpha > 0 and 0 <= self.temperature <= 1) and any(
                name in str(exc).lower() for name in ("temperature", "alpha")
            )
            advice = (
                say(
                    "Likely mistake: temperature and alpha reach kd_loss in the wrong order: "
                    "kd_loss(student_logits, teacher_logits, labels, temperature, alpha), "
                    "temperature before alpha (or pass them by keyword)",
                    "可能的错误：temperature 和 alpha 传给 kd_loss 的顺序反了：应为 "
                    "kd_loss(student_logits, teacher_logits, labels, temperature, alpha)，"
                    "temperature 在 alpha 之前（或者按关键字传入）",
                )
                if swapped
                else say(
                    "If the error comes from kd_loss, check what your loop passes to it: "
                    "kd_loss(student_logits, teacher_logits, labels, temperature, alpha)",
                    "如果这个错误来自 kd_loss，请检查你的循环传给它的参数：应为 "
                    "kd_loss(student_logits, teacher_logits, labels, temperature, alpha)",
                )
            )
            raise CheckFailure(
                say(
                    "train_student_epoch raised ValueError({error}) although temperature={t} and "
                    "alpha={a} are valid.{frames}\n  inputs:   {inputs}\n  {advice}.",
                    "train_student_epoch 抛出了 `ValueError({error})`，但 temperature={t} 和 "
                    "alpha={a} 都是合法的。{frames}\n  输入：{inputs}\n  {advice}。",
                    error=repr(str(exc)), t=f"{self.temperature:g}", a=f"{self.alpha:g}",
                    frames=_learner_frames(exc), inputs=self.describe(), advice=advice,
                )
            ) from None  # fmt: skip

    def run(
        self, function: Callable[..., Any], loader: Callable[[list[Any]], Iterable[Any]] = list
    ) -> tuple[nn.Module, nn.Module, Any]:
        """(student after, teacher after, returned value) of one call on fresh copies."""
        student, teacher, optimizer, batches = self.fresh()
        result = self.call(function, student, teacher, loader(batches), optimizer)
        return student, teacher, result

    def reference_run(self) -> tuple[nn.Module, nn.Module, Any]:
        return self.run(reference("exercise_3").train_student_epoch)

    def simulate(
        self,
        *,
        hard_only: bool = False,
        zero_grad: bool = True,
        teacher_eval: bool = True,
        student_train: bool = True,
        step: bool = True,
        prescaled: bool = False,
        temperature: float | None = None,
        alpha: float | None = None,
    ) -> tuple[nn.Module, list[tuple[float, int]]]:
        """The suite's own training loop, with one mistake switched on; (student, [(loss, n)])."""
        key = (
            hard_only,
            zero_grad,
            teacher_eval,
            student_train,
            step,
            prescaled,
            temperature,
            alpha,
        )
        if key not in self._sims:
            kd = reference("exercise_1").kd_loss
            t_value = self.temperature if temperature is None else temperature
            a_value = self.alpha if alpha is None else alpha
            student, teacher, optimizer, batches = self.fresh()
            torch.manual_seed(self.seed)
            if student_train:
                student.train()
            if teacher_eval:
                teacher.eval()
            losses = []
            for x, y in batches:
                with torch.no_grad():
                    t = teacher(x)
                if zero_grad:
                    optimizer.zero_grad()
                s = student(x)
                if prescaled:  # the temperature applied twice
                    s, t = s / t_value, t / t_value
                loss = F.cross_entropy(s, y) if hard_only else kd(s, t, y, t_value, a_value)
                loss.backward()
                if step:
                    optimizer.step()
                losses.append((loss.item(), int(y.shape[0])))
            self._sims[key] = (student, losses)
        return self._sims[key]

    def training_mistakes(self) -> dict[str, nn.Module]:
        """Description of each common training mistake -> the student it produces."""
        mistakes = {
            say(
                "the teacher's logits are computed but never used: the loss is hard-label "
                "cross-entropy only (use kd_loss(student_logits, teacher_logits, labels, "
                "temperature, alpha))",
                "教师模型的 logits 算出来了却从未使用：损失只有硬标签交叉熵（应使用 "
                "kd_loss(student_logits, teacher_logits, labels, temperature, alpha)）",
            ): self.simulate(hard_only=True)[0],
            say(
                "gradients accumulate across batches: call optimizer.zero_grad() before each "
                "backward()",
                "梯度在批次之间不断累积：每次 backward() 之前都要调用 optimizer.zero_grad()",
            ): self.simulate(zero_grad=False)[0],
            say(
                "the teacher ran in train mode (dropout active, BatchNorm using batch "
                "statistics): call teacher.eval() before computing its logits",
                "教师模型在训练模式下运行（dropout 生效，BatchNorm 用的是当前批次的统计量）："
                "计算它的 logits 之前要调用 teacher.eval()",
            ): self.simulate(teacher_eval=False)[0],
            say(
                "the student was not put in train mode: call student.train() at the start of the "
                "epoch",
                "没有把学生模型切换到训练模式：在 epoch 开始时调用 student.train()",
            ): self.simulate(student_train=False)[0],
            say(
                "the student's weights did not change at all: optimizer.step() is never called, "
                "the gradients are cleared between loss.backward() and optimizer.step() (call "
                "optimizer.zero_grad() before backward(), never between backward() and step()), "
                "or the loader was used up before the training loop",
                "学生模型的权重完全没有变化：从未调用 optimizer.step()；或者在 loss.backward() 和 "
                "optimizer.step() 之间清空了梯度（optimizer.zero_grad() 要在 backward() 之前"
                "调用，绝不能放在 backward() 和 step() 之间）；或者 loader 在训练循环开始前就已经"
                "被耗尽了",
            ): self.simulate(step=False)[0],
            say(
                "the logits were divided by the temperature before kd_loss, which divides them by "
                "T itself (the temperature was applied twice)",
                "调用 kd_loss 之前就把 logits 除以了温度，而 kd_loss 自己还会再除以 T（温度被用了"
                "两次）",
            ): self.simulate(prescaled=True)[0],
            say(
                "kd_loss received 1 - alpha instead of alpha: alpha is the weight of the soft "
                "(teacher) term, 1 - alpha that of the hard-label term",
                "传给 kd_loss 的是 1 - alpha 而不是 alpha：alpha 是软目标（教师模型）项的权重，"
                "1 - alpha 才是硬标签项的权重",
            ): self.simulate(alpha=1 - self.alpha)[0],
        }
        if self.pass_defaults or self.keyword_only:
            for value in (1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 0.5):
                if self.keyword_only != "temperature" and value != self.temperature:
                    wrong_default = say(
                        "the default temperature is not 4.0 (it looks like {value})",
                        "temperature 的默认值不是 4.0（看起来是 {value}）",
                        value=f"{value:g}",
                    )
                    mistakes[wrong_default] = self.simulate(temperature=value)[0]
            for value in (0.0, 0.1, 0.3, 0.7, 0.9, 1.0):
                if self.keyword_only != "alpha" and value != self.alpha:
                    wrong_default = say(
                        "the default alpha is not 0.5 (it looks like {value})",
                        "alpha 的默认值不是 0.5（看起来是 {value}）",
                        value=f"{value:g}",
                    )
                    mistakes[wrong_default] = self.simulate(alpha=value)[0]
        elif (self.temperature, self.alpha) != (4.0, 0.5):
            mistakes[
                say(
                    "temperature and alpha are not passed on to kd_loss (its defaults T=4, "
                    "alpha=0.5 were used)",
                    "temperature 和 alpha 没有传给 kd_loss（用的是它的默认值 T=4、alpha=0.5）",
                )
            ] = self.simulate(temperature=4.0, alpha=0.5)[0]
            mistakes[
                say(
                    "alpha is not passed on to kd_loss (its default 0.5 was used)",
                    "alpha 没有传给 kd_loss（用的是它的默认值 0.5）",
                )
            ] = self.simulate(alpha=0.5)[0]
            mistakes[
                say(
                    "temperature is not passed on to kd_loss (its default 4 was used)",
                    "temperature 没有传给 kd_loss（用的是它的默认值 4）",
                )
            ] = self.simulate(temperature=4.0)[0]
        return mistakes

    def mean_loss_mistakes(self) -> dict[str, float]:
        """Description of each way of averaging the epoch's losses wrongly -> its value."""
        losses = self.simulate()[1]
        values = [loss for loss, _ in losses]
        weighted_sum = sum(loss * n for loss, n in losses)
        samples = sum(n for _, n in losses)
        accumulator = torch.zeros((), dtype=torch.float32)
        for loss, n in losses:
            accumulator += torch.tensor(loss, dtype=torch.float64) * n
        as_float32 = [float(torch.tensor(loss, dtype=torch.float32)) for loss in values]
        return {
            say(
                "the epoch's loss was accumulated in float32 (e.g. in a torch.zeros(()) "
                "accumulator) although the models are float64: keep the loss's own precision, "
                "e.g. add loss.item() * batch_size to a Python float",
                "模型是 float64，这个 epoch 的损失却是在 float32 里累加的（例如累加到 "
                "torch.zeros(()) 里）：要保持损失本身的精度，例如把 loss.item() * batch_size "
                "加到一个 Python float 上",
            ): (accumulator / samples).item(),
            say(
                "each batch's loss was converted to float32 (e.g. with .float()) before "
                "averaging, although the models are float64",
                "模型是 float64，但求平均之前把每个批次的损失转成了 float32（例如用了 .float()）",
            ): sum(v * n for v, (_, n) in zip(as_float32, losses, strict=True)) / samples,
            say(
                "a plain mean of the per-batch losses: batches of unequal size must weigh by "
                "their size (Σ n_b·loss_b / Σ n_b)",
                "直接对各批次的损失取了简单平均：批次大小不一时，要按批次大小加权"
                "（Σ n_b·loss_b / Σ n_b）",
            ): sum(values) / len(values),
            say(
                "the loss of the last batch only, not the epoch's mean",
                "返回的只是最后一个批次的损失，而不是整个 epoch 的平均损失",
            ): values[-1],
            say(
                "the sum of the per-batch losses, not their weighted mean",
                "返回的是各批次损失之和，而不是它们的加权平均",
            ): sum(values),
            say(
                "Σ n_b·loss_b is not divided by the number of samples",
                "Σ n_b·loss_b 没有除以样本数",
            ): weighted_sum,
            say(
                "Σ n_b·loss_b is divided by the number of batches instead of the number of samples",
                "Σ n_b·loss_b 除以的是批次数，而不是样本数",
            ): weighted_sum / len(values),
        }


def learner_train() -> Callable[..., Any]:
    function = getattr(learner("exercise_3"), "train_student_epoch", None)
    expect(
        callable(function),
        say(
            "exercises/exercise_3.py does not define train_student_epoch(...).",
            "exercises/exercise_3.py 没有定义 train_student_epoch(...)。",
        ),
    )
    return function  # type: ignore[return-value]


def _state(model: nn.Module) -> dict[str, Tensor]:
    return {name: value.detach() for name, value in model.state_dict().items()}


def _student_tolerances(dtype: torch.dtype) -> tuple[float, float]:
    """The contract: the student's weights match the reference's to 1e-6."""
    return (1e-5, 1e-6) if dtype == torch.float32 else tolerances(dtype)


def _same_state(a: dict[str, Tensor], b: dict[str, Tensor], rtol: float, atol: float) -> bool:
    return a.keys() == b.keys() and all(is_close(a[k], b[k], rtol, atol) for k in a)


def expect_same_student(
    got: nn.Module,
    expected: nn.Module,
    case: Case,
    *,
    mistakes: Callable[[], dict[str, nn.Module]] | None = None,
    after: str = say("one epoch of train_student_epoch", "train_student_epoch 训练一个 epoch 之后"),
) -> None:
    """The learner's student must match the reference's, parameters and buffers."""
    rtol, atol = _student_tolerances(case.dtype)
    g, e = _state(got), _state(expected)
    parameters = {name for name, _ in expected.named_parameters()}
    for name, e_value in e.items():
        g_value = g.get(name)
        if g_value is not None and is_close(g_value, e_value, rtol, atol):
            continue
        if ignores_teacher(case, got):
            raise teacher_ignored("train_student_epoch(...)", TEACHER_NUDGED)
        hint = ""
        for description, model in (mistakes() if mistakes else {}).items():
            m = _state(model)
            if _same_state(m, e, rtol, atol):
                continue  # this mistake makes no difference here
            if _same_state(g, m, max(rtol, 1e-4), max(atol, 1e-5)):
                hint = say("\n  Likely mistake: {d}.", "\n  可能的错误：{d}。", d=description)
                break
        kind = say("parameter", "参数") if name in parameters else say("buffer", "缓冲区（buffer）")
        raise CheckFailure(
            say(
                "After {after}, the student's {kind} '{name}' differs from the reference's (same "
                "starting weights, same batches, plain SGD)."
                "\n  inputs:   {inputs}"
                "\n  expected: {expected}\n  got:      {got}{hint}",
                "{after}，学生模型的{kind} '{name}' 与参考实现的不一致（初始权重相同、"
                "批次相同、都用普通 SGD）。"
                "\n  输入：{inputs}"
                "\n  应为：{expected}\n  实际：{got}{hint}",
                after=after, kind=kind, name=name, inputs=case.describe(),
                expected=fmt(e_value, 6), got=fmt(g_value, 6), hint=hint,
            )
        )  # fmt: skip


TEACHER_NUDGED = say(
    "the teacher's logits were scaled slightly (its predicted class unchanged for every input); "
    "the student came out with the same weights",
    "把教师模型的 logits 略微缩放（每个输入的预测类别都不变；训练出的学生模型权重与缩放前完全"
    "相同）",
)


def nudged_case(case: Case) -> Case | None:
    """`case` with the teacher's output layer scaled by 1 + s, so that its logits change but their
    argmax stays the same on every batch (scaling keeps each row's order); None if it cannot."""
    last = case.teacher[-1] if isinstance(case.teacher, nn.Sequential) else None
    if not isinstance(last, nn.Linear) or last.bias is None:
        return None

    def argmaxes(model: nn.Module) -> list[Tensor]:
        clone = copy.deepcopy(model).eval()
        with torch.no_grad():
            return [clone(x).argmax(-1) for x, _ in case.batches]

    before = argmaxes(case.teacher)
    for size in (0.3, 0.1):
        teacher = copy.deepcopy(case.teacher)
        with torch.no_grad():
            teacher[-1].weight.mul_(1 + size)
            teacher[-1].bias.mul_(1 + size)
        if all(torch.equal(a, b) for a, b in zip(before, argmaxes(teacher), strict=True)):
            return dataclasses.replace(case, teacher=teacher, _sims={})
    return None


def ignores_teacher(case: Case, got: nn.Module) -> bool:
    """True when the learner's student, trained (it changed), comes out the same when the
    teacher's logits are nudged, although the reference's student does not: the teacher's soft
    outputs never reach the loss (e.g. hard-label cross-entropy only, or its argmax as labels)."""
    alpha = 0.5 if case.pass_defaults or case.keyword_only == "temperature" else case.alpha
    rtol, atol = _student_tolerances(case.dtype)
    parameters = {name for name, _ in case.student.named_parameters()}
    start, trained = _state(case.student), _state(got)
    moved = {k: v for k, v in trained.items() if k in parameters}
    if alpha == 0 or _same_state(moved, {k: start[k] for k in moved}, rtol, atol):
        return False  # the parameters never moved (BatchNorm buffers alone say nothing)
    other = nudged_case(case)
    if other is None:
        return False
    reference_student, _, _ = case.reference_run()
    reference_nudged, _, _ = other.reference_run()
    if _same_state(_state(reference_nudged), _state(reference_student), rtol, atol):
        return False  # the nudge makes no difference here: nothing to tell
    try:
        again, _, _ = other.run(learner_train())
    except Exception:  # noqa: BLE001 - a second failure says nothing about the teacher
        return False
    return _same_state(_state(again), trained, rtol, atol)


def expect_teacher_untouched(
    before: nn.Module, after: nn.Module, case: Case, *, buffers: bool = True, flag: bool = True
) -> None:
    """Parameters (and buffers) bit for bit, no .grad, (and) the same training flag."""
    for (name, p), p_after in zip(before.named_parameters(), after.parameters(), strict=True):
        if p_after.grad is not None:
            raise CheckFailure(
                say(
                    "A gradient reached the teacher: after the call its parameter '{name}' has a "
                    ".grad ({grad}). Compute the teacher's logits under torch.no_grad() so that no "
                    "graph is built through the teacher.\n  inputs:   {inputs}",
                    "梯度传到了教师模型：调用之后，它的参数 '{name}' 有了 .grad（{grad}）。"
                    "请在 torch.no_grad() 下计算教师模型的 logits，这样就不会构建经过教师模型的"
                    "计算图。\n  输入：{inputs}",
                    name=name, grad=fmt(p_after.grad), inputs=case.describe(),
                )
            )  # fmt: skip
        if not torch.equal(p.detach(), p_after.detach()):
            raise CheckFailure(
                say(
                    "The teacher's parameter '{name}' changed during the call; the teacher must "
                    "never be updated (only the student's parameters are in the optimizer).\n"
                    "  inputs:   {inputs}",
                    "教师模型的参数 '{name}' 在调用过程中被改变了；教师模型绝不能被更新（优化器里"
                    "只有学生模型的参数）。\n"
                    "  输入：{inputs}",
                    name=name, inputs=case.describe(),
                )
            )  # fmt: skip
    for (name, b), b_after in zip(before.named_buffers(), after.buffers(), strict=True):
        if buffers and not torch.equal(b, b_after):
            raise CheckFailure(
                say(
                    "The teacher's buffer '{name}' changed during the call (BatchNorm running "
                    "statistics are updated in train mode): the teacher ran in train mode. Call "
                    "teacher.eval() before computing its logits.\n  inputs:   {inputs}",
                    "教师模型的缓冲区（buffer）'{name}' 在调用过程中被改变了（BatchNorm 的滑动"
                    "统计量 running_mean/running_var 在训练模式下会更新）：教师模型是在训练模式下"
                    "运行的。请在计算它的 logits 之前调用 teacher.eval()。\n  输入：{inputs}",
                    name=name, inputs=case.describe(),
                )
            )  # fmt: skip
    if flag and after.training != before.training:
        raise CheckFailure(
            say(
                "The teacher's training flag was not restored: teacher.training was "
                "{before} before the call and {after} after it. Save "
                "`was = teacher.training` first and call teacher.train(was) at the end.\n"
                "  inputs:   {inputs}",
                "教师模型的 training 标志没有恢复：调用前 teacher.training 是 {before}，调用后是 "
                "{after}。请先保存 `was = teacher.training`，最后再调用 teacher.train(was)。\n"
                "  输入：{inputs}",
                before=before.training, after=after.training, inputs=case.describe(),
            )
        )  # fmt: skip


def expect_mean_loss(
    got: Any, case: Case, expected: float, student: nn.Module, expected_student: nn.Module
) -> None:
    rtol, atol = tolerances(case.dtype)
    mistakes = {
        k: v for k, v in case.mean_loss_mistakes().items() if not is_close(v, expected, rtol, atol)
    }
    try:
        expect_close(
            got,
            expected,
            what="train_student_epoch(...)",
            inputs=case.describe(),
            mistakes=mistakes,
            rtol=rtol,
            atol=atol,
        )
    except CheckFailure as exc:
        r2, a2 = _student_tolerances(case.dtype)
        if not _same_state(_state(student), _state(expected_student), r2, a2):
            raise CheckFailure(
                say(
                    "{exc}\n  The student's weights also differ from the reference's (see the "
                    "other failing checks), and that changes every batch's loss.",
                    "{exc}\n  学生模型的权重也与参考实现的不一致（见其他未通过的检查），这会改变"
                    "每个批次的损失。",
                    exc=_message(exc),
                )
            ) from None
        raise


@contextmanager
def record_modes(model: nn.Module) -> Iterator[list[bool]]:
    """The value of model.training at each call of model(...)."""
    seen: list[bool] = []
    handle = model.register_forward_pre_hook(lambda module, args: seen.append(module.training))
    try:
        yield seen
    finally:
        handle.remove()


def _kd_loss_without_detach(
    student_logits: Tensor,
    teacher_logits: Tensor,
    labels: Tensor,
    temperature: float = 4.0,
    alpha: float = 0.5,
) -> Tensor:
    """kd_loss's value, but gradient flows into teacher_logits (as in a learner's kd_loss might)."""
    t = temperature
    log_p_s = F.log_softmax(student_logits / t, dim=-1)
    log_p_t = F.log_softmax(teacher_logits / t, dim=-1)
    soft = F.kl_div(log_p_s, log_p_t, reduction="batchmean", log_target=True) * t * t
    return alpha * soft + (1 - alpha) * F.cross_entropy(student_logits, labels)


@contextmanager
def kd_loss_replaced(replacement: Callable[..., Tensor]) -> Iterator[None]:
    """Make the learner's exercise_3 call `replacement` wherever it would call kd_loss."""
    module = learner("exercise_3")
    ex1 = sys.modules.get("exercise_1")
    original = getattr(ex1, "kd_loss", None)
    names = [
        name
        for name, value in vars(module).items()
        if (original is not None and value is original) or (name == "kd_loss" and callable(value))
    ]
    saved = {name: getattr(module, name) for name in names}
    try:
        for name in names:
            setattr(module, name, replacement)
        if original is not None:
            ex1.kd_loss = replacement  # type: ignore[union-attr]
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)
        if original is not None:
            ex1.kd_loss = original  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------
# The checks


@mentions_exercise_1
def test_uses_teacher_soft_targets() -> None:
    """The student learns from the teacher's logits through kd_loss
    zh: 学生模型通过 kd_loss 从教师模型的 logits 中学习"""
    train = learner_train()
    case = Case(
        student=make_model(3, 5, 4, seed=11),
        teacher=make_model(3, 6, 4, seed=12),
        batches=make_batches([6], 3, 4, seed=13),
        seed=14,
        pass_defaults=True,
    )
    student, _, _ = case.run(train)
    expected, _, _ = case.reference_run()
    expect_same_student(student, expected, case, mistakes=case.training_mistakes)


@mentions_exercise_1
def test_temperature_and_alpha_reach_kd_loss() -> None:
    """temperature and alpha are passed on to kd_loss
    zh: temperature 和 alpha 都传给了 kd_loss"""
    train = learner_train()
    case = Case(
        student=make_model(3, 5, 4, seed=21),
        teacher=make_model(3, 6, 4, seed=22),
        batches=make_batches([6], 3, 4, seed=23),
        temperature=2.0,
        alpha=0.8,
        seed=24,
    )
    student, _, _ = case.run(train)
    expected, _, _ = case.reference_run()
    expect_same_student(student, expected, case, mistakes=case.training_mistakes)


@mentions_exercise_1
def test_gradients_cleared_each_batch() -> None:
    """Gradients are cleared before every batch (optimizer.zero_grad())
    zh: 每个批次之前都清空梯度（optimizer.zero_grad()）"""
    train = learner_train()
    case = Case(
        student=make_model(3, 5, 4, seed=31),
        teacher=make_model(3, 6, 4, seed=32),
        batches=make_batches([4, 4, 4], 3, 4, seed=33),
        seed=34,
    )
    student, _, _ = case.run(train)
    expected, _, _ = case.reference_run()
    expect_same_student(student, expected, case, mistakes=case.training_mistakes)


@mentions_exercise_1
def test_teacher_runs_in_eval_mode() -> None:
    """The teacher computes its logits in eval mode
    zh: 教师模型在评估模式下计算 logits"""
    train = learner_train()
    teacher = make_model(3, 6, 4, seed=42, batchnorm=True, dropout=0.5)
    teacher.train()  # e.g. straight out of its own training loop
    case = Case(
        student=make_model(3, 5, 4, seed=41),
        teacher=teacher,
        batches=make_batches([5, 5], 3, 4, seed=43),
        temperature=3.0,
        alpha=0.6,
        seed=44,
    )
    student, teacher_copy, optimizer, batches = case.fresh()
    with record_modes(teacher_copy) as modes:
        case.call(train, student, teacher_copy, batches, optimizer)
    expect(
        not any(modes),
        say(
            "The teacher ran in train mode when it computed its logits (teacher.training was True "
            "during teacher(inputs)): dropout made its targets noisy and BatchNorm used batch "
            "statistics. Call teacher.eval() before the loop (and restore its mode at the end).\n"
            "  inputs:   {inputs}",
            "教师模型计算 logits 时处于训练模式（调用 teacher(inputs) 时 teacher.training 为 "
            "True）：dropout 让它给出的目标带上了噪声，BatchNorm 用的也是当前批次的统计量。请在"
            "循环之前调用 teacher.eval()（并在最后恢复它原来的模式）。\n"
            "  输入：{inputs}",
            inputs=case.describe(),
        ),
    )
    expected, _, _ = case.reference_run()
    expect_same_student(student, expected, case, mistakes=case.training_mistakes)
    expect_teacher_untouched(case.teacher, teacher_copy, case, flag=False)


@mentions_exercise_1
def test_teacher_mode_restored() -> None:
    """The teacher's training flag is restored after the epoch
    zh: epoch 结束后，教师模型的 training 标志恢复原样"""
    train = learner_train()
    for teacher_training in (True, False):
        teacher = make_model(3, 6, 4, seed=52, batchnorm=True, dropout=0.3)
        teacher.train(teacher_training)
        case = Case(
            student=make_model(3, 5, 4, seed=51),
            teacher=teacher,
            batches=make_batches([4, 3], 3, 4, seed=53),
            seed=54,
        )
        _, teacher_after, _ = case.run(train)
        expect(
            teacher_after.training == teacher_training,
            say(
                "The teacher's training flag was not restored: teacher.training was "
                "{before} before the call and {after} after it. Save "
                "`was = teacher.training` first and call teacher.train(was) at the end (the "
                "caller's teacher must come back in the mode it was given in).\n"
                "  inputs:   {inputs}",
                "教师模型的 training 标志没有恢复：调用前 teacher.training 是 {before}，调用后是 "
                "{after}。请先保存 `was = teacher.training`，最后调用 teacher.train(was)（调用者"
                "传入的教师模型，交还时必须还是传入时的模式）。\n"
                "  输入：{inputs}",
                before=teacher_training, after=teacher_after.training, inputs=case.describe(),
            ),
        )  # fmt: skip


@mentions_exercise_1
def test_student_trained_in_train_mode() -> None:
    """The student is trained in train mode
    zh: 学生模型在训练模式下训练"""
    train = learner_train()
    student = make_model(3, 5, 4, seed=61, batchnorm=True)
    student.eval()  # e.g. just after a validation pass
    case = Case(
        student=student,
        teacher=make_model(3, 6, 4, seed=62),
        batches=make_batches([4, 4], 3, 4, seed=63),
        seed=64,
    )
    student_copy, teacher, optimizer, batches = case.fresh()
    with record_modes(student_copy) as modes:
        case.call(train, student_copy, teacher, batches, optimizer)
    expect(
        all(modes),
        say(
            "The student ran in eval mode (student.training was False during student(inputs)): "
            "the student was not put in train mode. Call student.train() at the start of the "
            "epoch; the caller may have left it in eval mode, e.g. after validation.\n"
            "  inputs:   {inputs}",
            "学生模型是在评估模式下运行的（调用 student(inputs) 时 student.training 为 False）："
            "没有把学生模型切换到训练模式。请在 epoch 开始时调用 student.train()；调用者可能把它"
            "留在了评估模式，例如刚做完验证。\n"
            "  输入：{inputs}",
            inputs=case.describe(),
        ),
    )
    expected, _, _ = case.reference_run()
    expect_same_student(student_copy, expected, case, mistakes=case.training_mistakes)


@mentions_exercise_1
def test_returns_sample_weighted_mean_loss() -> None:
    """Returns the epoch's loss weighted by batch size (sizes 1, 6, 3)
    zh: 返回按批次大小加权的 epoch 平均损失（批次大小为 1、6、3）"""
    train = learner_train()
    case = Case(
        student=make_model(3, 5, 4, seed=71),
        teacher=make_model(3, 6, 4, seed=72),
        batches=make_batches([1, 6, 3], 3, 4, seed=73, scale=1.5),
        temperature=2.0,
        alpha=0.3,
        seed=74,
    )
    student, _, got = case.run(train)
    expected_student, _, expected = case.reference_run()
    expect_mean_loss(got, case, expected, student, expected_student)
    expect_same_student(student, expected_student, case, mistakes=case.training_mistakes)


@contextmanager
def record_teacher_gradients(teacher: nn.Module) -> Iterator[set[str]]:
    """Names of the teacher's parameters for which backward() computed a gradient.

    Why hooks and not only `.grad`: a loop that lets the gradient in and clears it afterwards
    (teacher.zero_grad()) still back-propagates through the teacher.
    """
    reached: set[str] = set()
    handles = [
        p.register_hook(lambda grad, name=name: reached.add(name))
        for name, p in teacher.named_parameters()
        if p.requires_grad
    ]
    try:
        yield reached
    finally:
        for handle in handles:
            handle.remove()


def _teacher_gradient(teacher: nn.Module, reached: set[str]) -> str:
    """The first teacher parameter a gradient reached, with how it shows; "" when none did."""
    for name, p in teacher.named_parameters():
        if p.grad is not None:
            return say(
                "the teacher's parameter '{name}' has a .grad after the call",
                "调用之后，教师模型的参数 '{name}' 有了 .grad",
                name=name,
            )
    for name, _ in teacher.named_parameters():
        if name in reached:
            return say(
                "loss.backward() computed a gradient for the teacher's parameter '{name}' "
                "(clearing it afterwards, e.g. with teacher.zero_grad(), does not undo the "
                "backward pass through the teacher)",
                "loss.backward() 为教师模型的参数 '{name}' 计算了梯度（事后再清空梯度，例如调用 "
                "teacher.zero_grad()，也撤销不了已经穿过教师模型的反向传播）",
                name=name,
            )
    return ""


@mentions_exercise_1
def test_no_gradient_reaches_teacher() -> None:
    """No gradient reaches the teacher, which is never updated
    zh: 梯度不会传到教师模型，教师模型也从不更新"""
    train = learner_train()
    case = Case(
        student=make_model(3, 5, 4, seed=81),
        teacher=make_model(3, 6, 4, seed=82),
        batches=make_batches([4, 5], 3, 4, seed=83),
        seed=84,
    )
    student, teacher, optimizer, batches = case.fresh()
    with record_teacher_gradients(teacher) as reached:
        case.call(train, student, teacher, batches, optimizer)
    problem = _teacher_gradient(teacher, reached)
    expect(
        not problem,
        say(
            "A gradient reached the teacher: {problem}. Compute the teacher's logits under "
            "torch.no_grad() (or detach them: teacher(inputs).detach()) so that backward() never "
            "goes through the teacher.\n  inputs:   {inputs}",
            "梯度传到了教师模型：{problem}。请在 torch.no_grad() 下计算教师模型的 logits（或者对"
            "它们做 detach：teacher(inputs).detach()），这样 backward() 就不会经过教师模型。\n"
            "  输入：{inputs}",
            problem=problem, inputs=case.describe(),
        ),
    )  # fmt: skip
    expect_teacher_untouched(case.teacher, teacher, case, buffers=False, flag=False)

    # The loop must protect the teacher itself, not count on kd_loss to detach the teacher's
    # logits: run it again with a kd_loss that computes the same value without detaching them.
    student, teacher, optimizer, batches = case.fresh()
    with kd_loss_replaced(_kd_loss_without_detach), record_teacher_gradients(teacher) as reached:
        case.call(train, student, teacher, batches, optimizer)
    problem = _teacher_gradient(teacher, reached)
    expect(
        not problem,
        say(
            "A gradient reached the teacher when the loss did not detach the teacher's logits: "
            "{problem}. This check ran your train_student_epoch with a kd_loss that computes the "
            "right value but does not call .detach() on teacher_logits (as a loss written by "
            "someone else, or a buggy one, may not). Your loop calls teacher(inputs) with "
            "gradients enabled, so PyTorch records a graph through the teacher's layers, and "
            "loss.backward() follows it into the teacher's parameters unless something cuts it. "
            "Keeping the teacher out of backpropagation is the training loop's job, not the "
            "loss's: compute the logits with `with torch.no_grad(): teacher_logits = "
            "teacher(inputs)` (or at least teacher(inputs).detach()); no_grad also saves the "
            "memory and time of recording that graph.\n  inputs:   {inputs}",
            "当损失函数不对教师模型的 logits 做 detach 时，梯度传到了教师模型：{problem}。这项"
            "检查让你的 train_student_epoch 使用一个数值正确、但不对 teacher_logits 调用 "
            ".detach() 的 kd_loss（别人写的损失函数，或者有 bug 的损失函数，都可能这样）。你的"
            "循环在启用梯度的情况下调用 teacher(inputs)，于是 PyTorch 会记录一张穿过教师模型各层"
            "的计算图；除非有什么把它切断，loss.backward() 会沿着这张图一直传到教师模型的参数。"
            "让教师模型不参与反向传播是训练循环的职责，而不是损失函数的：请用 "
            "`with torch.no_grad(): teacher_logits = teacher(inputs)` 计算 logits（至少也要用 "
            "teacher(inputs).detach()）；no_grad 还能省下记录这张计算图所需的内存和时间。\n"
            "  输入：{inputs}",
            problem=problem, inputs=case.describe(),
        ),
    )  # fmt: skip


def mixed_mode_teacher(seed: int) -> nn.Sequential:
    """A teacher in eval mode whose Dropout is in train mode (as for MC dropout)."""
    teacher = make_model(3, 6, 4, seed=seed, batchnorm=True, dropout=0.3).eval()
    teacher[3].train()
    return teacher


def module_modes(model: nn.Module) -> dict[str, bool]:
    """The training flag of the model and of each of its submodules, by name and type."""
    return {
        f"'{name}' ({type(m).__name__})" if name else TEACHER_ITSELF: m.training
        for name, m in model.named_modules()
    }


TEACHER_ITSELF = say("the teacher itself", "教师模型本身")


def expect_modes_restored(before: dict[str, bool], teacher: nn.Module, when: str) -> None:
    """The teacher's modes are as they were, or as teacher.train(was) leaves them: the contract
    names that way to restore the mode, and for a teacher that mixed modes (MC dropout) it sets
    every module to the teacher's own flag, which is accepted too."""
    after = module_modes(teacher)
    changed = [name for name in before if before[name] != after.get(name)]
    if not changed:
        return
    top = "the teacher itself"
    if after.get(top) == before[top] and all(flag == before[top] for flag in after.values()):
        return  # teacher.train(was)
    listing = join(
        [
            say(
                "{name} was training={before}, now {after}",
                "{name}：原为 training={before}，现为 {after}",
                name=name, before=before[name], after=after[name],
            )
            for name in changed
        ],
        ", ",
        "；",
    )  # fmt: skip
    raise CheckFailure(
        say(
            "The teacher's modes were not restored {when}: {listing}. Save `was = "
            "teacher.training` first and call teacher.train(was) at the end, in a finally block "
            "so that it also runs when something raises.",
            "{when}，教师模型的模式没有恢复：{listing}。请先保存 `was = teacher.training`，最后"
            "在 finally 块里调用 teacher.train(was)，这样即使中途抛出异常，它也会执行。",
            when=when,
            listing=listing,
        )
    )


@mentions_exercise_1
def test_value_errors() -> None:
    """Rejects temperature <= 0 and an empty loader with ValueError, whatever alpha and loader
    zh: 无论 alpha 和 loader 是什么，temperature <= 0 或 loader 为空都抛出 ValueError"""
    train = learner_train()
    for temperature in (0.0, -1.0):
        for alpha in (0.5, 0.0, 1.0):
            for kind in ("list", "generator"):
                student = make_model(3, 5, 4, seed=91)
                start = _state(copy.deepcopy(student))
                teacher = mixed_mode_teacher(92)
                before = module_modes(teacher)
                optimizer = PlainSGD(student.parameters(), lr=LR)
                batches = make_batches([3], 3, 4, seed=93)
                loader = batches if kind == "list" else (b for b in batches)
                call = say(
                    "train_student_epoch(..., temperature={t}, alpha={a}) with a {kind} of batches",
                    "以批次{kind}调用 train_student_epoch(..., temperature={t}, alpha={a})",
                    t=f"{temperature:g}", a=f"{alpha:g}",
                    kind=say("list", "列表") if kind == "list" else say("generator", "生成器"),
                )  # fmt: skip
                with expect_value_error(call, "temperature"):
                    train(student, teacher, loader, optimizer, temperature, alpha)
                expect(
                    _same_state(_state(student), start, 0.0, 0.0),
                    say(
                        "{call} raised ValueError, but only after it had trained the student: "
                        "check the temperature before the loop.",
                        "{call} 抛出了 ValueError，但那是在已经训练了学生模型之后：请在循环开始前"
                        "检查 temperature。",
                        call=call,
                    ),
                )
                expect_modes_restored(
                    before, teacher, say("when the temperature was rejected", "拒绝 temperature 时")
                )
    for temperature, alpha in ((None, None), (2.0, 0.0), (2.0, 1.0)):
        for kind in ("[]", "an empty generator"):
            student = make_model(3, 5, 4, seed=91)
            teacher = mixed_mode_teacher(92)
            before = module_modes(teacher)
            optimizer = PlainSGD(student.parameters(), lr=LR)
            loader: Iterable[Any] = [] if kind == "[]" else (b for b in [])
            settings_text = (
                "" if temperature is None else f", temperature={temperature:g}, alpha={alpha:g}"
            )
            call = say(
                "train_student_epoch(student, teacher, {kind}, optimizer{settings})",
                "train_student_epoch(student, teacher, {kind}, optimizer{settings})",
                kind=kind if kind == "[]" else say(kind, "空生成器"),
                settings=settings_text,
            )
            with expect_value_error(call, "loader"):
                if temperature is None:
                    train(student, teacher, loader, optimizer)
                else:
                    train(student, teacher, loader, optimizer, temperature, alpha)
            expect_modes_restored(
                before, teacher, say("when the empty loader was rejected", "拒绝空 loader 时")
            )


@mentions_exercise_1
def test_batches_not_modified() -> None:
    """The batches are not modified in place
    zh: 不会原地修改批次数据"""
    train = learner_train()
    case = Case(
        student=make_model(3, 5, 4, seed=101),
        teacher=make_model(3, 6, 4, seed=102),
        batches=make_batches([4, 2], 3, 4, seed=103),
        temperature=2.5,
        seed=104,
    )
    student, teacher, optimizer, batches = case.fresh()
    tensors = {}
    for i, (x, y) in enumerate(batches):
        tensors[say("batch {i} inputs", "第 {i} 个批次的输入", i=i)] = x
        tensors[say("batch {i} labels", "第 {i} 个批次的标签", i=i)] = y
    expect_unchanged(tensors, lambda: case.call(train, student, teacher, batches, optimizer))


@mentions_exercise_1
def test_returns_python_float() -> None:
    """Returns the mean loss as a Python float
    zh: 以 Python float 返回平均损失"""
    train = learner_train()
    case = Case(
        student=make_model(3, 5, 4, seed=111),
        teacher=make_model(3, 6, 4, seed=112),
        batches=make_batches([3, 2], 3, 4, seed=113),
        seed=114,
    )
    _, _, got = case.run(train)
    expect(
        isinstance(got, float),
        say(
            "train_student_epoch should return a Python float, got {kind} ({shown}). Use "
            "loss.item() to turn each batch's loss into a float: a tensor would also keep the "
            "batch's autograd graph alive.",
            "train_student_epoch 应返回 Python float，实际返回的是 {kind}（{shown}）。请用 "
            "loss.item() 把每个批次的损失转成 float：如果用张量，还会让该批次的 autograd 计算图"
            "一直无法释放。",
            kind=type(got).__name__, shown=fmt(got) if isinstance(got, Tensor) else repr(got),
        ),
    )  # fmt: skip


@mentions_exercise_1
def test_single_sample_epoch() -> None:
    """An epoch of a single sample works (one batch of size 1)
    zh: 只有一个样本的 epoch 也能正常训练（一个大小为 1 的批次）"""
    train = learner_train()
    case = Case(
        student=make_model(3, 5, 4, seed=191),
        teacher=make_model(3, 6, 4, seed=192),
        batches=make_batches([1], 3, 4, seed=193),
        temperature=2.0,
        seed=194,
    )
    student, _, got = case.run(train)
    expected_student, _, expected = case.reference_run()
    expect_same_student(student, expected_student, case, mistakes=case.training_mistakes)
    expect_mean_loss(got, case, expected, student, expected_student)


@mentions_exercise_1
def test_one_pass_iterable_loader() -> None:
    """Works with any iterable of batches, e.g. a one-pass generator
    zh: 任何批次的可迭代对象都能用，例如只能遍历一次的生成器"""
    train = learner_train()
    case = Case(
        student=make_model(3, 5, 4, seed=121),
        teacher=make_model(3, 6, 4, seed=122),
        batches=make_batches([4, 3, 2], 3, 4, seed=123),
        alpha=0.7,
        seed=124,
    )
    advice = say(
        "loader may be any iterable of (inputs, labels) pairs, e.g. a generator that can be "
        "iterated only once: do not call len(loader) or loop over it twice; count the samples "
        "while training",
        "loader 可以是任何由 (inputs, labels) 对组成的可迭代对象，例如只能遍历一次的生成器："
        "不要调用 len(loader)，也不要遍历它两次；样本数要在训练过程中统计",
    )
    try:
        student, _, _ = case.run(train, loader=lambda batches: (b for b in batches))
    except TypeError as exc:
        raise CheckFailure(
            say(
                "With a generator as loader, your code raised TypeError: {exc}. {advice}.",
                "loader 是生成器时，你的代码抛出了 `TypeError: {exc}`。{advice}。",
                exc=exc, advice=advice,
            )
        ) from None  # fmt: skip
    try:
        with expect_value_error(
            say(
                "train_student_epoch(student, teacher, <empty generator>, optimizer)",
                "train_student_epoch(student, teacher, <空生成器>, optimizer)",
            ),
            "loader",
        ):
            empty_student = make_model(3, 5, 4, seed=121)
            train(
                empty_student,
                make_model(3, 6, 4, seed=122),
                (b for b in []),
                PlainSGD(empty_student.parameters(), lr=LR),
            )
    except CheckFailure as exc:
        raise CheckFailure(
            say(
                "{exc}\n  Remember: {advice}.",
                "{exc}\n  记住：{advice}。",
                exc=_message(exc),
                advice=advice,
            )
        ) from None
    expected, _, _ = case.reference_run()
    expect_same_student(
        student,
        expected,
        case,
        after=say("one epoch over a generator of batches", "用批次生成器训练一个 epoch 之后"),
        mistakes=lambda: {
            say(
                "the loader was consumed before the training loop (a generator is empty the "
                "second time it is iterated)",
                "loader 在训练循环开始前就被耗尽了（生成器第二次遍历时是空的）",
            ): case.simulate(step=False)[0],
            **case.training_mistakes(),
        },
    )


@mentions_exercise_1
def test_huge_logits_stay_finite() -> None:
    """Stays finite when the logits are as large as ±1e3
    zh: logits 大到 ±1e3 时结果仍是有限值"""
    train = learner_train()
    case = Case(
        student=make_model(4, 0, 5, seed=131, hidden=False, out_scale=300.0),
        teacher=make_model(4, 0, 5, seed=132, hidden=False, out_scale=400.0),
        batches=make_batches([4, 4], 4, 5, seed=133, scale=1.5),
        seed=134,
    )
    student, _, got = case.run(train)
    expect(
        isinstance(got, float | int | Tensor),
        say(
            "train_student_epoch returned {kind}.",
            "train_student_epoch 返回的是 {kind}。",
            kind=type(got).__name__,
        ),
    )
    expect_finite(
        torch.tensor(float(got), dtype=torch.float64, device=DEVICE),
        say(
            "With logits of magnitude ~1e3 the returned loss is {loss}; the loss must stay "
            "finite (kd_loss uses log_softmax, never log(softmax(...))).\n"
            "  inputs:   {inputs}",
            "logits 的量级约为 1e3 时，返回的损失是 {loss}；损失必须保持有限（kd_loss 用的是 "
            "log_softmax，绝不是 log(softmax(...))）。\n"
            "  输入：{inputs}",
            loss=fmt(float(got)), inputs=case.describe(),
        ),
    )  # fmt: skip
    for name, p in student.named_parameters():
        expect_finite(
            p.detach(),
            say(
                "With logits of magnitude ~1e3 the student's parameter '{name}' became NaN or inf "
                "after training; the loss and its gradients must stay finite.\n"
                "  inputs:   {inputs}",
                "logits 的量级约为 1e3 时，训练后学生模型的参数 '{name}' 变成了 NaN 或 inf；损失"
                "及其梯度必须保持有限。\n"
                "  输入：{inputs}",
                name=name, inputs=case.describe(),
            ),
        )  # fmt: skip
    expected, _, expected_loss = case.reference_run()
    expect_same_student(student, expected, case, mistakes=case.training_mistakes)
    expect_close(
        got,
        expected_loss,
        what="train_student_epoch(...)",
        inputs=case.describe(),
        rtol=1e-4,
        atol=1e-4,
    )


@st.composite
def random_cases(draw: st.DrawFn) -> Case:
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    d = draw(st.integers(2, 5))
    c = draw(st.integers(2, 6))
    h = draw(st.integers(2, 6))
    sizes = draw(st.lists(st.integers(2, 7), min_size=1, max_size=4))
    seed = draw(st.integers(0, 10_000))
    student = make_model(d, h, c, seed=seed, dtype=dtype, batchnorm=True)
    student.train(draw(st.booleans()))
    teacher = make_model(d, h + 1, c, seed=seed + 1, dtype=dtype, batchnorm=True, dropout=0.4)
    teacher.train(draw(st.booleans()))
    return Case(
        student=student,
        teacher=teacher,
        batches=make_batches(sizes, d, c, seed=seed + 2, dtype=dtype),
        temperature=draw(st.sampled_from([0.5, 1.0, 2.0, 4.0, 7.5])),
        alpha=draw(st.sampled_from([0.0, 0.25, 0.5, 0.9, 1.0])),
        seed=seed,
    )


# No shrinking: a failing learner gets the first failing example at once.
@zh_name("在随机的模型、批次、dtype、T 和 alpha 上与参考实现一致")
@settings(
    max_examples=10,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(case=random_cases())
@mentions_exercise_1
def test_matches_reference_on_random_cases(case: Case) -> None:
    """Matches the reference on random models, batches, dtypes, T and alpha"""
    train = learner_train()
    student, teacher_after, got = case.run(train)
    expected_student, _, expected = case.reference_run()
    expect_same_student(student, expected_student, case, mistakes=case.training_mistakes)
    expect_teacher_untouched(case.teacher, teacher_after, case)
    expect_mean_loss(got, case, expected, student, expected_student)


@mentions_exercise_1
def test_student_follows_the_teacher() -> None:
    """The student learns from the teacher's soft outputs, not only from its argmax
    zh: 学生模型学习的是教师模型的软输出，而不只是它的 argmax"""
    train = learner_train()
    case = Case(
        student=make_model(3, 5, 4, seed=141),
        teacher=make_model(3, 6, 4, seed=142),
        batches=make_batches([5, 3], 3, 4, seed=143),
        temperature=2.0,
        alpha=0.7,
        seed=144,
    )
    student, _, _ = case.run(train)
    if ignores_teacher(case, student):
        raise teacher_ignored("train_student_epoch(...)", TEACHER_NUDGED)


@mentions_exercise_1
def test_defaults_one_at_a_time() -> None:
    """The defaults are temperature=4.0 and alpha=0.5, each on its own
    zh: 默认值为 temperature=4.0 和 alpha=0.5，只传其中一个时也成立"""
    train = learner_train()
    for keyword, temperature, alpha in (("temperature", 2.0, 0.5), ("alpha", 4.0, 0.8)):
        case = Case(
            student=make_model(3, 5, 4, seed=151),
            teacher=make_model(3, 6, 4, seed=152),
            batches=make_batches([4, 2], 3, 4, seed=153),
            temperature=temperature,
            alpha=alpha,
            seed=154,
            keyword_only=keyword,
        )
        student, _, got = case.run(train)
        expected_student, _, expected = case.reference_run()
        expect_same_student(student, expected_student, case, mistakes=case.training_mistakes)
        expect_mean_loss(got, case, expected, student, expected_student)


@contextmanager
def record_submodule_modes(model: nn.Module) -> Iterator[list[dict[str, bool]]]:
    """At each call of model(...), the training flag of each of its modules."""
    seen: list[dict[str, bool]] = []
    handle = model.register_forward_pre_hook(lambda module, args: seen.append(module_modes(module)))
    try:
        yield seen
    finally:
        handle.remove()


@mentions_exercise_1
def test_mixed_mode_models() -> None:
    """Models that mix modes: teacher fully in eval, student fully in train, teacher restored
    zh: 混合模式的模型：教师模型整体处于评估模式，学生模型整体处于训练模式，事后恢复教师模型"""
    train = learner_train()
    student = make_model(3, 5, 4, seed=161, batchnorm=True, dropout=0.3).train()
    student[3].eval()  # e.g. a Dropout switched off by hand
    case = Case(
        student=student,
        teacher=mixed_mode_teacher(162),
        batches=make_batches([4, 4], 3, 4, seed=163),
        temperature=3.0,
        alpha=0.6,
        seed=164,
    )
    student_copy, teacher_copy, optimizer, batches = case.fresh()
    before = module_modes(teacher_copy)
    with record_submodule_modes(teacher_copy) as teacher_modes:
        with record_submodule_modes(student_copy) as student_modes:
            case.call(train, student_copy, teacher_copy, batches, optimizer)
    for seen in teacher_modes:
        training = [name for name, flag in seen.items() if flag]
        expect(
            not training,
            say(
                "The teacher was given in eval mode with its Dropout in train mode (as for MC "
                "dropout), and it computed its logits with {modules} in train mode: "
                "switch all of it with teacher.eval() every time, not only `if teacher.training:` "
                "(and not `teacher.training = False`, which changes the top module only).\n"
                "  inputs:   {inputs}",
                "传入的教师模型处于评估模式，其中的 Dropout 却处于训练模式（如 MC dropout），而它"
                "计算 logits 时 {modules} 处于训练模式：每次都要用 teacher.eval() 把整个模型切换"
                "过去，而不是只在 `if teacher.training:` 时才切换（也不要用 "
                "`teacher.training = False`，它只改变最外层的模块）。\n"
                "  输入：{inputs}",
                modules=join(training, ", ", "、"), inputs=case.describe(),
            ),
        )  # fmt: skip
    for seen in student_modes:
        resting = [
            say("the student", "学生模型本身") if name == "the teacher itself" else name
            for name, f in seen.items()
        ]
        resting = [name for name, flag in zip(resting, seen.values(), strict=True) if not flag]
        expect(
            not resting,
            say(
                "The student was given in train mode with its Dropout in eval mode, and it ran "
                "with {modules} in eval mode: call student.train() every time (not only "
                "`if not student.training:`), which switches every submodule.\n"
                "  inputs:   {inputs}",
                "传入的学生模型处于训练模式，其中的 Dropout 却处于评估模式，而它运行时 {modules} "
                "处于评估模式：每次都要调用 student.train()（而不是只在 "
                "`if not student.training:` 时才调用），它会切换所有子模块。\n"
                "  输入：{inputs}",
                modules=join(resting, ", ", "、"), inputs=case.describe(),
            ),
        )  # fmt: skip
    expect_modes_restored(before, teacher_copy, say("after the epoch", "epoch 结束后"))
    expected, _, _ = case.reference_run()
    expect_same_student(student_copy, expected, case, mistakes=case.training_mistakes)


class TeacherFailure(RuntimeError):
    """Raised by the teacher on its second batch; train_student_epoch must let it through."""


class FailingOnSecondBatch(nn.Module):
    """A teacher (eval mode, Dropout in train mode) whose forward pass raises on its 2nd call."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.calls = 0

    def forward(self, x: Tensor) -> Tensor:
        self.calls += 1
        if self.calls == 2:
            raise TeacherFailure("the teacher failed on this batch")
        return self.inner(x)


@mentions_exercise_1
def test_modes_restored_when_a_batch_raises() -> None:
    """The teacher's modes are restored when a batch raises
    zh: 某个批次抛出异常时，教师模型的模式同样会恢复"""
    train = learner_train()
    # Two teachers: one in training mode (left in eval if nothing restores it), and one that mixes
    # modes (eval at the top, its Dropout in training mode, as for MC dropout).
    for mixed in (False, True):
        teacher = FailingOnSecondBatch(mixed_mode_teacher(172)).train(not mixed)
        if mixed:
            teacher.inner[3].train()
        student = make_model(3, 5, 4, seed=171)
        before = module_modes(teacher)
        try:
            train(
                student,
                teacher,
                make_batches([3, 3], 3, 4, seed=173),
                PlainSGD(student.parameters(), lr=LR),
                2.0,
                0.5,
            )
        except NotImplementedError:
            raise
        except Exception:  # noqa: BLE001 - the teacher's error, possibly wrapped by the learner
            pass
        else:
            raise CheckFailure(
                say(
                    "The teacher raised TeacherFailure on the second batch, but "
                    "train_student_epoch returned normally: let the exception propagate to the "
                    "caller.",
                    "教师模型在第二个批次上抛出了 TeacherFailure，train_student_epoch 却正常"
                    "返回了：应让这个异常继续传给调用者。",
                )
            )
        expect_modes_restored(
            before,
            teacher,
            say(
                "when the teacher raised on the second batch",
                "教师模型在第二个批次上抛出异常时",
            ),
        )


@mentions_exercise_1
def test_ends_of_the_valid_ranges() -> None:
    """Accepts the ends of the valid ranges (temperature 0.05, alpha 0 and 1)
    zh: 接受合法范围的端点（temperature 为 0.05，alpha 为 0 和 1）"""
    train = learner_train()
    for temperature, alpha in ((0.05, 1.0), (0.05, 0.0), (10.0, 1.0)):
        case = Case(
            student=make_model(3, 5, 4, seed=181, dtype=torch.float64),
            teacher=make_model(3, 6, 4, seed=182, dtype=torch.float64),
            batches=make_batches([3, 2], 3, 4, seed=183, dtype=torch.float64),
            temperature=temperature,
            alpha=alpha,
            seed=184,
        )
        student, _, got = case.run(train)
        expected_student, _, expected = case.reference_run()
        expect_same_student(student, expected_student, case, mistakes=case.training_mistakes)
        expect_mean_loss(got, case, expected, student, expected_student)
