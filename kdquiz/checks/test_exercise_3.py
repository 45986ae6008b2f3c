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
    seeded,
    teacher_ignored,
    tolerances,
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


def _exercise_1_problem() -> str:
    """Why the learner's kd_loss cannot be trusted yet, or "" when it passes a quick check."""
    ex1 = sys.modules.get("exercise_1")
    if ex1 is None:
        try:
            ex1 = learner("exercise_1")
        except CheckFailure as exc:
            return f"exercises/exercise_1.py cannot be used ({str(exc).splitlines()[0]})"
    mine = getattr(ex1, "kd_loss", None)
    if not callable(mine):
        return "exercises/exercise_1.py does not define kd_loss"
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
            return "your kd_loss is not implemented yet"
        except Exception as exc:  # noqa: BLE001 - any failure means exercise_1 is not done
            return f"your kd_loss raised {type(exc).__name__} on a small example"
        if not is_close(got, expected_fn(s, t, y, temperature, alpha), rtol=1e-6, atol=1e-8):
            return "your kd_loss does not return the right value yet"
        if t_leaf.grad is not None:
            return "your kd_loss lets gradient reach the teacher's logits"
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
            f"\n  Note: train_student_epoch uses kd_loss from exercise_1, and {problem}; make "
            "`kdquiz check exercise_1` pass first."
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
                raise CheckFailure(f"{exc}{note}") from None
            raise
        except NotImplementedError as exc:
            frames = traceback.extract_tb(exc.__traceback__)
            if frames and frames[-1].filename.endswith("exercise_1.py"):
                raise CheckFailure(
                    "train_student_epoch calls kd_loss from exercises/exercise_1.py, which is not "
                    "implemented yet (it raises NotImplementedError); solve exercise_1 first."
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
    return "–".join(parts) + (" in train mode" if model.training else " in eval mode")


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
            settings_text = "temperature and alpha left at their defaults"
        elif self.keyword_only == "temperature":
            settings_text = (
                f"temperature={self.temperature:g} by keyword, alpha left at its default"
            )
        elif self.keyword_only == "alpha":
            settings_text = f"alpha={self.alpha:g} by keyword, temperature left at its default"
        else:
            settings_text = f"temperature={self.temperature:g}, alpha={self.alpha:g}"
        return (
            f"{len(sizes)} batch(es) of sizes {sizes} ({self.dtype}), "
            f"student {_describe_model(self.student)}, teacher {_describe_model(self.teacher)} "
            f"before the call, plain SGD(lr={LR:g}), {settings_text}"
        )

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
                f"loss.backward() failed: the loss has no path back to the student's parameters "
                f"(RuntimeError: {exc}). The student's logits must reach the loss with their "
                f"autograd graph: call student(inputs) outside torch.no_grad() and without "
                f".detach(), and pass them first: kd_loss(student_logits, teacher_logits, labels, "
                f"temperature, alpha) (kd_loss detaches its second argument, the teacher's "
                f"logits).{_learner_frames(exc)}"
            ) from None
        except ValueError as exc:
            if not (self.temperature > 0 and 0 <= self.alpha <= 1):
                raise
            # Swapped, T=alpha and alpha=T would be rejected, and the error names one of them.
            swapped = not (self.alpha > 0 and 0 <= self.temperature <= 1) and any(
                name in str(exc).lower() for name in ("temperature", "alpha")
            )
            advice = (
                "Likely mistake: temperature and alpha reach kd_loss in the wrong order: "
                "kd_loss(student_logits, teacher_logits, labels, temperature, alpha), "
                "temperature before alpha (or pass them by keyword)"
                if swapped
                else "If the error comes from kd_loss, check what your loop passes to it: "
                "kd_loss(student_logits, teacher_logits, labels, temperature, alpha)"
            )
            raise CheckFailure(
                f"train_student_epoch raised ValueError({str(exc)!r}) although "
                f"temperature={self.temperature:g} and alpha={self.alpha:g} are valid."
                f"{_learner_frames(exc)}\n  inputs:   {self.describe()}\n  {advice}."
            ) from None

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
            "the teacher's logits are computed but never used: the loss is hard-label "
            "cross-entropy only (use kd_loss(student_logits, teacher_logits, labels, "
            "temperature, alpha))": self.simulate(hard_only=True)[0],
            "gradients accumulate across batches: call optimizer.zero_grad() before each "
            "backward()": self.simulate(zero_grad=False)[0],
            "the teacher ran in train mode (dropout active, BatchNorm using batch statistics): "
            "call teacher.eval() before computing its logits": self.simulate(teacher_eval=False)[0],
            "the student was not put in train mode: call student.train() at the start of the "
            "epoch": self.simulate(student_train=False)[0],
            "the student's weights did not change at all: optimizer.step() is never called, "
            "the gradients are cleared between loss.backward() and optimizer.step() (call "
            "optimizer.zero_grad() before backward(), never between backward() and step()), or "
            "the loader was used up before the training loop": self.simulate(step=False)[0],
            "the logits were divided by the temperature before kd_loss, which divides them by T "
            "itself (the temperature was applied twice)": self.simulate(prescaled=True)[0],
            "kd_loss received 1 - alpha instead of alpha: alpha is the weight of the soft "
            "(teacher) term, 1 - alpha that of the hard-label term": self.simulate(
                alpha=1 - self.alpha
            )[0],
        }
        if self.pass_defaults or self.keyword_only:
            for value in (1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 0.5):
                if self.keyword_only != "temperature" and value != self.temperature:
                    mistakes[f"the default temperature is not 4.0 (it looks like {value:g})"] = (
                        self.simulate(temperature=value)[0]
                    )
            for value in (0.0, 0.1, 0.3, 0.7, 0.9, 1.0):
                if self.keyword_only != "alpha" and value != self.alpha:
                    mistakes[f"the default alpha is not 0.5 (it looks like {value:g})"] = (
                        self.simulate(alpha=value)[0]
                    )
        elif (self.temperature, self.alpha) != (4.0, 0.5):
            mistakes[
                "temperature and alpha are not passed on to kd_loss (its defaults T=4, "
                "alpha=0.5 were used)"
            ] = self.simulate(temperature=4.0, alpha=0.5)[0]
            mistakes["alpha is not passed on to kd_loss (its default 0.5 was used)"] = (
                self.simulate(alpha=0.5)[0]
            )
            mistakes["temperature is not passed on to kd_loss (its default 4 was used)"] = (
                self.simulate(temperature=4.0)[0]
            )
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
            "the epoch's loss was accumulated in float32 (e.g. in a torch.zeros(()) "
            "accumulator) although the models are float64: keep the loss's own precision, e.g. "
            "add loss.item() * batch_size to a Python float": (accumulator / samples).item(),
            "each batch's loss was converted to float32 (e.g. with .float()) before averaging, "
            "although the models are float64": sum(
                v * n for v, (_, n) in zip(as_float32, losses, strict=True)
            )
            / samples,
            "a plain mean of the per-batch losses: batches of unequal size must weigh by their "
            "size (Σ n_b·loss_b / Σ n_b)": sum(values) / len(values),
            "the loss of the last batch only, not the epoch's mean": values[-1],
            "the sum of the per-batch losses, not their weighted mean": sum(values),
            "Σ n_b·loss_b is not divided by the number of samples": weighted_sum,
            "Σ n_b·loss_b is divided by the number of batches instead of the number of samples": (
                weighted_sum / len(values)
            ),
        }


def learner_train() -> Callable[..., Any]:
    function = getattr(learner("exercise_3"), "train_student_epoch", None)
    expect(callable(function), "exercises/exercise_3.py does not define train_student_epoch(...).")
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
    after: str = "one epoch of train_student_epoch",
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
                hint = f"\n  Likely mistake: {description}."
                break
        kind = "parameter" if name in parameters else "buffer"
        raise CheckFailure(
            f"After {after}, the student's {kind} '{name}' differs from the reference's (same "
            f"starting weights, same batches, plain SGD)."
            f"\n  inputs:   {case.describe()}"
            f"\n  expected: {fmt(e_value, 6)}\n  got:      {fmt(g_value, 6)}{hint}"
        )


TEACHER_NUDGED = (
    "the teacher's logits were scaled slightly (its predicted class unchanged for every input); "
    "the student came out with the same weights"
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
                f"A gradient reached the teacher: after the call its parameter '{name}' has a "
                f".grad ({fmt(p_after.grad)}). Compute the teacher's logits under torch.no_grad() "
                f"so that no graph is built through the teacher.\n  inputs:   {case.describe()}"
            )
        if not torch.equal(p.detach(), p_after.detach()):
            raise CheckFailure(
                f"The teacher's parameter '{name}' changed during the call; the teacher must never "
                f"be updated (only the student's parameters are in the optimizer).\n"
                f"  inputs:   {case.describe()}"
            )
    for (name, b), b_after in zip(before.named_buffers(), after.buffers(), strict=True):
        if buffers and not torch.equal(b, b_after):
            raise CheckFailure(
                f"The teacher's buffer '{name}' changed during the call (BatchNorm running "
                f"statistics are updated in train mode): the teacher ran in train mode. Call "
                f"teacher.eval() before computing its logits.\n  inputs:   {case.describe()}"
            )
    if flag and after.training != before.training:
        raise CheckFailure(
            f"The teacher's training flag was not restored: teacher.training was "
            f"{before.training} before the call and {after.training} after it. Save "
            f"`was = teacher.training` first and call teacher.train(was) at the end.\n"
            f"  inputs:   {case.describe()}"
        )


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
                f"{exc}\n  The student's weights also differ from the reference's (see the other "
                f"failing checks), and that changes every batch's loss."
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
    """The student learns from the teacher's logits through kd_loss"""
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
    """temperature and alpha are passed on to kd_loss"""
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
    """Gradients are cleared before every batch (optimizer.zero_grad())"""
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
    """The teacher computes its logits in eval mode"""
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
        "The teacher ran in train mode when it computed its logits (teacher.training was True "
        "during teacher(inputs)): dropout made its targets noisy and BatchNorm used batch "
        "statistics. Call teacher.eval() before the loop (and restore its mode at the end).\n"
        f"  inputs:   {case.describe()}",
    )
    expected, _, _ = case.reference_run()
    expect_same_student(student, expected, case, mistakes=case.training_mistakes)
    expect_teacher_untouched(case.teacher, teacher_copy, case, flag=False)


@mentions_exercise_1
def test_teacher_mode_restored() -> None:
    """The teacher's training flag is restored after the epoch"""
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
            f"The teacher's training flag was not restored: teacher.training was "
            f"{teacher_training} before the call and {teacher_after.training} after it. Save "
            f"`was = teacher.training` first and call teacher.train(was) at the end (the caller's "
            f"teacher must come back in the mode it was given in).\n  inputs:   {case.describe()}",
        )


@mentions_exercise_1
def test_student_trained_in_train_mode() -> None:
    """The student is trained in train mode"""
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
        "The student ran in eval mode (student.training was False during student(inputs)): the "
        "student was not put in train mode. Call student.train() at the start of the epoch; the "
        "caller may have left it in eval mode, e.g. after validation.\n"
        f"  inputs:   {case.describe()}",
    )
    expected, _, _ = case.reference_run()
    expect_same_student(student_copy, expected, case, mistakes=case.training_mistakes)


@mentions_exercise_1
def test_returns_sample_weighted_mean_loss() -> None:
    """Returns the epoch's loss weighted by batch size (sizes 1, 6, 3)"""
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
            return f"the teacher's parameter '{name}' has a .grad after the call"
    for name, _ in teacher.named_parameters():
        if name in reached:
            return (
                f"loss.backward() computed a gradient for the teacher's parameter '{name}' "
                f"(clearing it afterwards, e.g. with teacher.zero_grad(), does not undo the "
                f"backward pass through the teacher)"
            )
    return ""


@mentions_exercise_1
def test_no_gradient_reaches_teacher() -> None:
    """No gradient reaches the teacher, which is never updated"""
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
        f"A gradient reached the teacher: {problem}. Compute the teacher's logits under "
        f"torch.no_grad() (or detach them: teacher(inputs).detach()) so that backward() never "
        f"goes through the teacher.\n  inputs:   {case.describe()}",
    )
    expect_teacher_untouched(case.teacher, teacher, case, buffers=False, flag=False)

    # The loop must protect the teacher itself, not count on kd_loss to detach the teacher's
    # logits: run it again with a kd_loss that computes the same value without detaching them.
    student, teacher, optimizer, batches = case.fresh()
    with kd_loss_replaced(_kd_loss_without_detach), record_teacher_gradients(teacher) as reached:
        case.call(train, student, teacher, batches, optimizer)
    problem = _teacher_gradient(teacher, reached)
    expect(
        not problem,
        f"A gradient reached the teacher when the loss did not detach the teacher's logits: "
        f"{problem}. This check ran your train_student_epoch with a kd_loss that computes the "
        f"right value but does not call .detach() on teacher_logits (as a loss written by someone "
        f"else, or a buggy one, may not). Your loop calls teacher(inputs) with gradients enabled, "
        f"so PyTorch records a graph through the teacher's layers, and loss.backward() follows "
        f"it into the teacher's parameters unless something cuts it. Keeping the teacher out of "
        f"backpropagation is the training loop's job, not the loss's: compute the logits with "
        f"`with torch.no_grad(): teacher_logits = teacher(inputs)` (or at least "
        f"teacher(inputs).detach()); no_grad also saves the memory and time of recording that "
        f"graph.\n  inputs:   {case.describe()}",
    )


def mixed_mode_teacher(seed: int) -> nn.Sequential:
    """A teacher in eval mode whose Dropout is in train mode (as for MC dropout)."""
    teacher = make_model(3, 6, 4, seed=seed, batchnorm=True, dropout=0.3).eval()
    teacher[3].train()
    return teacher


def module_modes(model: nn.Module) -> dict[str, bool]:
    """The training flag of the model and of each of its submodules, by name and type."""
    return {
        f"'{name}' ({type(m).__name__})" if name else "the teacher itself": m.training
        for name, m in model.named_modules()
    }


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
    listing = ", ".join(
        f"{name} was training={before[name]}, now {after[name]}" for name in changed
    )
    raise CheckFailure(
        f"The teacher's modes were not restored {when}: {listing}. Save `was = "
        "teacher.training` first and call teacher.train(was) at the end, in a finally block so "
        "that it also runs when something raises."
    )


@mentions_exercise_1
def test_value_errors() -> None:
    """Rejects temperature <= 0 and an empty loader with ValueError, whatever alpha and loader"""
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
                call = (
                    f"train_student_epoch(..., temperature={temperature:g}, alpha={alpha:g}) "
                    f"with a {kind} of batches"
                )
                with expect_value_error(call, "temperature"):
                    train(student, teacher, loader, optimizer, temperature, alpha)
                expect(
                    _same_state(_state(student), start, 0.0, 0.0),
                    f"{call} raised ValueError, but only after it had trained the student: "
                    "check the temperature before the loop.",
                )
                expect_modes_restored(before, teacher, "when the temperature was rejected")
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
            call = f"train_student_epoch(student, teacher, {kind}, optimizer{settings_text})"
            with expect_value_error(call, "loader"):
                if temperature is None:
                    train(student, teacher, loader, optimizer)
                else:
                    train(student, teacher, loader, optimizer, temperature, alpha)
            expect_modes_restored(before, teacher, "when the empty loader was rejected")


@mentions_exercise_1
def test_batches_not_modified() -> None:
    """The batches are not modified in place"""
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
        tensors[f"batch {i} inputs"] = x
        tensors[f"batch {i} labels"] = y
    expect_unchanged(tensors, lambda: case.call(train, student, teacher, batches, optimizer))


@mentions_exercise_1
def test_returns_python_float() -> None:
    """Returns the mean loss as a Python float"""
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
        f"train_student_epoch should return a Python float, got {type(got).__name__} "
        f"({fmt(got) if isinstance(got, Tensor) else repr(got)}). Use loss.item() to turn each "
        f"batch's loss into a float: a tensor would also keep the batch's autograd graph alive.",
    )


@mentions_exercise_1
def test_single_sample_epoch() -> None:
    """An epoch of a single sample works (one batch of size 1)"""
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
    """Works with any iterable of batches, e.g. a one-pass generator"""
    train = learner_train()
    case = Case(
        student=make_model(3, 5, 4, seed=121),
        teacher=make_model(3, 6, 4, seed=122),
        batches=make_batches([4, 3, 2], 3, 4, seed=123),
        alpha=0.7,
        seed=124,
    )
    advice = (
        "loader may be any iterable of (inputs, labels) pairs, e.g. a generator that can be "
        "iterated only once: do not call len(loader) or loop over it twice; count the samples "
        "while training"
    )
    try:
        student, _, _ = case.run(train, loader=lambda batches: (b for b in batches))
    except TypeError as exc:
        raise CheckFailure(
            f"With a generator as loader, your code raised TypeError: {exc}. {advice}."
        ) from None
    try:
        with expect_value_error(
            "train_student_epoch(student, teacher, <empty generator>, optimizer)", "loader"
        ):
            empty_student = make_model(3, 5, 4, seed=121)
            train(
                empty_student,
                make_model(3, 6, 4, seed=122),
                (b for b in []),
                PlainSGD(empty_student.parameters(), lr=LR),
            )
    except CheckFailure as exc:
        raise CheckFailure(f"{exc}\n  Remember: {advice}.") from None
    expected, _, _ = case.reference_run()
    expect_same_student(
        student,
        expected,
        case,
        after="one epoch over a generator of batches",
        mistakes=lambda: {
            "the loader was consumed before the training loop (a generator is empty the "
            "second time it is iterated)": case.simulate(step=False)[0],
            **case.training_mistakes(),
        },
    )


@mentions_exercise_1
def test_huge_logits_stay_finite() -> None:
    """Stays finite when the logits are as large as ±1e3"""
    train = learner_train()
    case = Case(
        student=make_model(4, 0, 5, seed=131, hidden=False, out_scale=300.0),
        teacher=make_model(4, 0, 5, seed=132, hidden=False, out_scale=400.0),
        batches=make_batches([4, 4], 4, 5, seed=133, scale=1.5),
        seed=134,
    )
    student, _, got = case.run(train)
    expect(
        isinstance(got, float | int | Tensor), f"train_student_epoch returned {type(got).__name__}."
    )
    expect_finite(
        torch.tensor(float(got), dtype=torch.float64, device=DEVICE),
        f"With logits of magnitude ~1e3 the returned loss is {fmt(float(got))}; the loss must stay "
        f"finite (kd_loss uses log_softmax, never log(softmax(...))).\n"
        f"  inputs:   {case.describe()}",
    )
    for name, p in student.named_parameters():
        expect_finite(
            p.detach(),
            f"With logits of magnitude ~1e3 the student's parameter '{name}' became NaN or inf "
            f"after training; the loss and its gradients must stay finite.\n"
            f"  inputs:   {case.describe()}",
        )
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
    """The student learns from the teacher's soft outputs, not only from its argmax"""
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
    """The defaults are temperature=4.0 and alpha=0.5, each on its own"""
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
    """Models that mix modes: teacher fully in eval, student fully in train, teacher restored"""
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
            f"The teacher was given in eval mode with its Dropout in train mode (as for MC "
            f"dropout), and it computed its logits with {', '.join(training)} in train mode: "
            "switch all of it with teacher.eval() every time, not only `if teacher.training:` "
            f"(and not `teacher.training = False`, which changes the top module only).\n"
            f"  inputs:   {case.describe()}",
        )
    for seen in student_modes:
        resting = [name.replace("the teacher itself", "the student") for name, f in seen.items()]
        resting = [name for name, flag in zip(resting, seen.values(), strict=True) if not flag]
        expect(
            not resting,
            f"The student was given in train mode with its Dropout in eval mode, and it ran with "
            f"{', '.join(resting)} in eval mode: call student.train() every time (not only "
            f"`if not student.training:`), which switches every submodule.\n"
            f"  inputs:   {case.describe()}",
        )
    expect_modes_restored(before, teacher_copy, "after the epoch")
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
    """The teacher's modes are restored when a batch raises"""
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
                "The teacher raised TeacherFailure on the second batch, but train_student_epoch "
                "returned normally: let the exception propagate to the caller."
            )
        expect_modes_restored(before, teacher, "when the teacher raised on the second batch")


@mentions_exercise_1
def test_ends_of_the_valid_ranges() -> None:
    """Accepts the ends of the valid ranges (temperature 0.05, alpha 0 and 1)"""
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
