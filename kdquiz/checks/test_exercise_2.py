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
    seeded,
    teacher_ignored,
    tolerances,
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


def describe(teacher: nn.Module) -> str:
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
    return " → ".join(parts) + f" (in {mode} mode)"


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
        "the temperature is not applied (softmax of the raw logits, T ignored)": F.softmax(
            logits, dim=-1
        ),
        "the logits are multiplied by T instead of divided by T": F.softmax(logits * t, dim=-1),
        "the logits are divided by T² instead of T": F.softmax(logits / (t * t), dim=-1),
        "the softmax runs over dim 0 (the batch) instead of the classes (last dim)": F.softmax(
            logits / t, dim=0
        ),
        "the softmax runs over dim 1, which is the classes only for 2-D outputs: use dim=-1 (the "
        "last dim) so that outputs with more leading dims work too": F.softmax(logits / t, dim=1),
        "log-probabilities (log_softmax) returned instead of probabilities": F.log_softmax(
            logits / t, dim=-1
        ),
        "the scaled logits returned without a softmax": logits / t,
        "the softmax of the raw logits is divided by T (divide the logits by T, then take the "
        "softmax)": F.softmax(logits, dim=-1) / t,
        "a sigmoid instead of a softmax (each class scored on its own, so the rows do not sum "
        "to 1)": torch.sigmoid(logits / t),
        "one softmax over all the elements of the batch at once (flattened) instead of one per "
        "row": F.softmax((logits / t).reshape(-1), dim=0).reshape(logits.shape),
        "the softmax is computed in float32 (e.g. after .float()) and cast back: float64 "
        "inputs need float64 arithmetic": F.softmax(logits.float() / t, dim=-1).to(logits.dtype),
        "hard one-hot targets (the argmax) instead of the softmax probabilities": F.one_hot(
            logits.argmax(dim=-1), logits.shape[-1]
        ).to(logits.dtype),
    }
    if train_logits is not None:
        values[
            "the teacher ran in training mode (no teacher.eval()), so BatchNorm normalised with "
            "the batch's statistics instead of its running statistics"
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


def example(teacher: nn.Module, x: torch.Tensor, t: float, show_logits: bool = True) -> str:
    text = f"teacher = {describe(teacher)}, inputs of shape {tuple(x.shape)}, temperature={t:g}"
    if show_logits:
        text += f"; the teacher's logits in eval mode: {fmt(teacher_logits(teacher, x), 3)}"
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
                "With a batch of one input, the teacher's BatchNorm raised "
                f"ValueError({str(exc)!r}): the teacher ran in training mode, where BatchNorm "
                "needs the batch's statistics. Call teacher.eval() before the forward pass; "
                "in eval mode BatchNorm uses its running statistics and any batch size works."
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


IGNORED_CHANGE = "the teacher's inputs were changed slightly (keeping each row's argmax)"


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
    """The result is softmax(teacher(inputs) / T) over the classes"""
    teacher = bn_teacher(5, 3, seed=1)
    check_against_reference(teacher, randn(4, 5, generator=seeded(2)), 2.0)


def test_temperature_divides_the_logits() -> None:
    """The temperature divides the logits, and defaults to 1"""
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
        what=f"{FUNCTION}(teacher, inputs, 2.5) (temperature passed by position)",
        inputs=example(teacher, x, 2.5),
        mistakes=mistakes,
    )
    expected = ref()(copy.deepcopy(teacher), x.clone())
    logits = teacher_logits(teacher, x)
    got = fn(teacher, x)
    expect_close(
        got,
        expected,
        what=f"{FUNCTION}(teacher, inputs) without a temperature",
        inputs=f"teacher = {describe(teacher)}, logits {fmt(logits, 3)}",
        mistakes={
            f"the default temperature is not 1.0 (it looks like {t:g})": F.softmax(logits / t, -1)
            for t in (2.0, 3.0, 4.0, 0.5, 5.0, 10.0, 1.5, 0.1)
        },
    )


def test_softmax_over_the_classes() -> None:
    """Each row is a distribution over the classes (softmax over the last dim)"""
    fn = mine()
    teacher = bn_teacher(4, 5, seed=5).eval()
    x = randn(3, 4, generator=seeded(6))
    expected, mistakes = expected_and_mistakes(teacher, x, 1.5)
    pristine = copy.deepcopy(teacher)
    got = fn(teacher, x, temperature=1.5)
    expect(
        isinstance(got, torch.Tensor) and tuple(got.shape) == (3, 5),
        f"For 3 inputs and a teacher with 5 classes the result should have shape (3, 5) "
        f"(one distribution per input), got "
        f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}.",
    )
    ones = torch.ones(3, dtype=got.dtype, device=got.device)
    row_sums = got.detach().sum(dim=-1)
    if not torch.allclose(row_sums, ones, rtol=1e-4, atol=1e-5):
        column_sums = got.detach().sum(dim=0)
        if torch.allclose(column_sums, torch.ones_like(column_sums), rtol=1e-4, atol=1e-5):
            why = (
                " Its columns sum to 1 instead: the softmax runs over dim 0 (the batch) "
                "instead of the classes (last dim)."
            )
        else:
            why = ""
        raise CheckFailure(
            "Each row of the soft targets should sum to 1 (one distribution over the 5 classes "
            f"for each of the 3 inputs), but the rows sum to {fmt(row_sums, 4)}.{why}"
        )
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
    """The teacher predicts in eval mode (dropout off)"""
    fn = mine()
    teacher = Recorder(dropout_teacher(6, 5, seed=7))
    x = randn(4, 6, generator=seeded(8))
    expected = ref()(copy.deepcopy(teacher), x.clone(), temperature=2.0)
    mistakes = mistakes_for(teacher_logits(teacher, x), 2.0)
    pristine = copy.deepcopy(teacher)
    teacher.calls.clear()  # the copies above share the log; keep only the learner's calls
    got = fn(teacher, x, temperature=2.0)
    expect(len(teacher.calls) > 0, f"{FUNCTION} never called the teacher's forward pass.")
    for seen in teacher.calls:
        still_training = seen["training_submodules"]
        if seen["training"]:
            raise CheckFailure(
                "The teacher ran in training mode during its forward pass (teacher.training was "
                "True), so its dropout was active and the soft targets were random. Call "
                "teacher.eval() before the forward pass (and restore the mode afterwards)."
            )
        if still_training:
            raise CheckFailure(
                "teacher.training was False during the forward pass, but its submodules "
                f"{', '.join(sorted(set(still_training)))} were still in training mode, so "
                "dropout was active: `teacher.training = False` only changes the top module. "
                "Call teacher.eval(), which switches every submodule."
            )
    expect_targets(
        got,
        expected,
        teacher=pristine,
        x=x,
        t=2.0,
        what=f"{FUNCTION}(teacher, inputs, temperature=2.0)",
        inputs=f"teacher = {describe(teacher.inner)}, inputs of shape (4, 6)",
        mistakes=mistakes,
    )
    again = fn(teacher, x, temperature=2.0)
    expect_close(
        again,
        got,
        what=f"A second call of {FUNCTION} on the same inputs",
        inputs="the same teacher and inputs: the soft targets must not be random",
    )


def test_teacher_state_unchanged() -> None:
    """The teacher's parameters and BatchNorm statistics are unchanged"""
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
                    f"The teacher's BatchNorm statistic '{key}' changed: it was "
                    f"{fmt(value, 3)} and is now "
                    f"{fmt(after[key], 3) if key in after else 'missing'}. The forward pass ran "
                    "in training mode, where BatchNorm updates its running statistics from every "
                    "batch; call teacher.eval() before it (eval mode leaves them unchanged)."
                )
            raise CheckFailure(
                f"The teacher's parameter '{key}' changed during {FUNCTION}; computing soft "
                "targets must never modify the teacher (no optimizer step, no in-place edits)."
            )


def test_forward_runs_without_autograd() -> None:
    """The teacher's forward pass runs under torch.no_grad()"""
    fn = mine()
    teacher = Recorder(bn_teacher(4, 3, seed=11))
    x = randn(5, 4, generator=seeded(12))
    got = call_catching_batchnorm(fn, teacher, x, temperature=2.0)
    expect(len(teacher.calls) > 0, f"{FUNCTION} never called the teacher's forward pass.")
    expect(
        isinstance(got, torch.Tensor),
        f"{FUNCTION} should return a torch.Tensor, got {type(got).__name__}.",
    )
    grad_in_forward = any(seen["grad_enabled"] for seen in teacher.calls)
    if got.requires_grad or got.grad_fn is not None:
        raise CheckFailure(
            f"The soft targets require grad (requires_grad=True, grad_fn="
            f"{type(got.grad_fn).__name__ if got.grad_fn is not None else None}): the teacher's "
            "forward pass was not wrapped in torch.no_grad(), so autograd recorded a graph "
            "through the teacher and a student's loss.backward() would send gradients into "
            "its parameters. Compute the logits and the softmax under `with torch.no_grad():`."
        )
    if not grad_in_forward:
        return
    if not any(seen["parameters_require_grad"] for seen in teacher.calls if seen["grad_enabled"]):
        frozen = not any(p.requires_grad for p in teacher.parameters())
        raise CheckFailure(
            "The teacher's forward pass ran with autograd switched on (torch.is_grad_enabled() "
            "was True inside teacher(inputs)); instead of torch.no_grad() you set requires_grad "
            "to False on the teacher's parameters"
            + (
                ", and left them frozen after the call. That changes the caller's model: "
                "a teacher that is trained or fine-tuned elsewhere would silently stop learning."
                if frozen
                else ". That keeps gradients out of the teacher, but it edits the caller's model "
                "on every call to get what torch.no_grad() gives for free."
            )
            + " Leave the parameters alone and run the forward pass under "
            "`with torch.no_grad():`."
        )
    raise CheckFailure(
        "The soft targets do not require grad, but the teacher's forward pass itself ran with "
        "autograd switched on (torch.is_grad_enabled() was True inside teacher(inputs)), e.g. "
        "because you called a .detach() afterwards, or put torch.no_grad() around the softmax "
        "only. The values are right and no gradient reaches the teacher, but during the forward "
        "pass autograd recorded every operation of the teacher and kept each layer's "
        "activations in memory for a backward pass that never comes: with a large teacher that "
        "is wasted time and memory (on a GPU, the difference between fitting and running out "
        "of memory). .detach() only throws that graph away after it was built; the task asks "
        "for the forward pass inside `with torch.no_grad():`, so that it is never built."
    )


GRAD_LEFT_OFF = (
    f"After {FUNCTION} returned, autograd was switched off for the whole program "
    "(torch.is_grad_enabled() is False), so the student could no longer be trained: use "
    "`with torch.no_grad():` (or torch.set_grad_enabled(False) as a `with` block), never "
    "torch.set_grad_enabled(False) as a plain statement."
)


def test_targets_can_train_a_student() -> None:
    """The soft targets can be the target of a loss that trains a student"""
    fn = mine()
    teacher = bn_teacher(4, 3, seed=13)
    x = randn(5, 4, generator=seeded(14))
    got = call_catching_batchnorm(fn, teacher, x, temperature=2.0)
    expect(
        isinstance(got, torch.Tensor),
        f"{FUNCTION} should return a torch.Tensor, got {type(got).__name__}.",
    )
    expect(torch.is_grad_enabled(), GRAD_LEFT_OFF)
    inference_message = (
        "The soft targets are inference tensors (created under torch.inference_mode()): a "
        "student's loss that uses them as its target fails with \"Inference tensors cannot be "
        "saved for backward\". Use torch.no_grad() for the teacher's forward pass instead; its "
        "results are ordinary tensors that can serve as targets."
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
            "Using the soft targets as the target of a student's KL loss failed in backward(): "
            f"{exc}"
        ) from None
    grad = student.weight.grad
    if grad is None:
        raise CheckFailure("The student received no gradient from a loss on the soft targets.")
    expect_finite(grad, "The student's gradients from a loss on the soft targets are not finite.")
    leaked = [name for name, p in teacher.named_parameters() if p.grad is not None]
    expect(
        not leaked,
        f"After the student's loss.backward(), the teacher's parameters {', '.join(leaked)} "
        "received gradients: the soft targets were still connected to the teacher's graph. "
        "Compute them under torch.no_grad().",
    )


def test_autograd_state_restored() -> None:
    """Autograd is as the caller had it afterwards (inside the caller's no_grad, after an error)"""
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
        f"Called inside the caller's own `with torch.no_grad():` block, {FUNCTION} switched "
        "autograd back on (torch.is_grad_enabled() was True right after it returned, still "
        "inside the block), so the rest of the caller's block suddenly builds graphs: a "
        "torch.set_grad_enabled(True) at the end forces autograd on instead of restoring what "
        "the caller had. `with torch.no_grad():` puts back whatever state was there before.",
    )
    try:
        fn(FailingTeacher().to(DEVICE), randn(2, 3, generator=seeded(29)), temperature=2.0)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - the teacher's error; whether it propagates is checked above
        pass
    expect(
        torch.is_grad_enabled(),
        "When the teacher's forward pass raised, autograd stayed switched off for the whole "
        "program afterwards (torch.is_grad_enabled() is False): with "
        "torch.set_grad_enabled(False) ... torch.set_grad_enabled(True) as two statements, the "
        "second never runs when something in between raises. `with torch.no_grad():` switches "
        "autograd back on however the block ends.",
    )


def _mode_message(before: dict[str, bool], after: dict[str, bool], when: str) -> str | None:
    if before == after:
        return None
    top_before, top_after = before["teacher"], after["teacher"]
    if top_before != top_after:
        text = (
            f"the teacher's mode was not restored{when}: teacher.training was {top_before} "
            f"before the call and {top_after} after it."
        )
        if not top_before and top_after:
            text += (
                " Calling teacher.train() at the end switches a teacher that was in eval "
                "mode to training mode;"
            )
        return text + (
            " Save was = teacher.training first and call teacher.train(was) at the "
            "end, in a finally block so it also runs when something raises."
        )
    if all(flag == top_before for flag in after.values()):
        # What teacher.train(was) leaves, the contract's way to restore the mode: a teacher that
        # mixed modes (MC dropout) gets every module set to its own flag, which is accepted.
        return None
    changed = [name for name in before if before[name] != after.get(name)]
    return (
        f"teacher.training was restored{when}, but its submodules {', '.join(changed)} were "
        f"left with training={not top_before}: setting teacher.training only changes the top "
        "module; call teacher.train(was), which resets every submodule."
    )


def expect_modes(before: dict[str, bool], teacher: nn.Module, when: str = "") -> None:
    """The teacher's and each submodule's training flag must be as they were."""
    message = _mode_message(before, modes(teacher), when)
    if message:
        raise CheckFailure(message[0].upper() + message[1:])


def test_mode_restored() -> None:
    """The teacher's training flag is the same after the call (training and eval)"""
    fn = mine()
    x = randn(4, 5, generator=seeded(16))
    for training in (True, False):
        teacher = bn_teacher(5, 3, seed=17, dropout=0.1).train(training)
        before = modes(teacher)
        call_catching_batchnorm(fn, teacher, x, temperature=2.0)
        expect_modes(before, teacher)


def test_mode_restored_when_teacher_raises() -> None:
    """The training flags are restored when the teacher raises"""
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
                f"The teacher's forward pass raised TeacherFailure, but {FUNCTION} returned "
                "normally: let the teacher's exception propagate to the caller."
            )
        expect_modes(before, teacher, " when its forward pass raised")


def _teachers_in_every_mode(seed: int) -> Iterator[tuple[str, nn.Module]]:
    """The same small teacher in training mode, in eval mode, and with mixed modes."""
    yield "in training mode", bn_teacher(4, 3, seed=seed, dropout=0.2).train()
    yield "in eval mode", bn_teacher(4, 3, seed=seed, dropout=0.2).eval()
    mixed = bn_teacher(4, 3, seed=seed, dropout=0.2).eval()
    mixed[3].train()
    yield "in eval mode with its Dropout in training mode", mixed


def test_bad_temperature_rejected() -> None:
    """temperature <= 0 raises ValueError and leaves the teacher's modes unchanged"""
    fn = mine()
    x = randn(3, 4, generator=seeded(19))
    for t in (0.0, -1.5):
        for how, teacher in _teachers_in_every_mode(20):
            before = modes(teacher)
            call = f"{FUNCTION}(teacher {how}, inputs, temperature={t:g})"
            with expect_value_error(call, "temperature"):
                fn(teacher, x, temperature=t)
            expect_modes(before, teacher, " when the temperature was rejected")
    with expect_value_error(
        f"{FUNCTION}(nn.Identity(), logits, -0.5) (by position)", "temperature"
    ):
        fn(nn.Identity(), randn(2, 3, 4, generator=seeded(21)), -0.5)


@DTYPES
def test_extreme_logits(dtype: torch.dtype) -> None:
    """Logits of ±1e3 give finite probabilities, also at a temperature of 0.05"""
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
        expect(
            isinstance(got, torch.Tensor),
            f"{FUNCTION} should return a torch.Tensor, got {type(got).__name__}.",
        )
        expect_finite(
            got,
            f"For logits as large as ±1e3 (temperature={t:g}) the soft targets contain NaN or "
            f"inf: {fmt(got, 3)}. exp(1e3) overflows; use torch.softmax / F.softmax, which "
            "subtract each row's maximum before exponentiating.",
        )
        expect_close(
            got,
            expected,
            what=f"{FUNCTION}(teacher, logits, temperature={t:g})",
            inputs=f"teacher = nn.Identity(), logits = {fmt(x, 4)}",
            mistakes=mistakes_for(x, t),
        )


def test_batch_of_one() -> None:
    """A batch of one input works (a BatchNorm teacher in eval mode)"""
    teacher = bn_teacher(4, 3, seed=21)
    check_against_reference(teacher, randn(1, 4, generator=seeded(22)), 2.0)


def test_inputs_not_modified() -> None:
    """The inputs are not modified in place"""
    fn = mine()
    x = randn(3, 4, scale=2.0, generator=seeded(23))
    # With nn.Identity the logits *are* the inputs, so an in-place `/= T` shows up here.
    expect_unchanged({"inputs": x}, lambda: fn(nn.Identity(), x, temperature=2.0))
    teacher = bn_teacher(4, 3, seed=24)
    expect_unchanged(
        {"inputs": x}, lambda: call_catching_batchnorm(fn, teacher, x, temperature=2.0)
    )


def test_float64_on_the_inputs_device() -> None:
    """float64 inputs give float64 soft targets on the inputs' device"""
    fn = mine()
    teacher = bn_teacher(3, 4, seed=25, dtype=torch.float64)
    x = randn(5, 3, dtype=torch.float64, generator=seeded(26))
    expected, mistakes = expected_and_mistakes(teacher, x, 3.0)
    shown = example(teacher, x, 3.0, show_logits=False) + " (float64 teacher and inputs)"
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
    """A teacher that mixes modes runs fully in eval mode and gets its mode back"""
    fn = mine()
    x = randn(4, 6, generator=seeded(41))
    mc_dropout = Recorder(dropout_teacher(6, 5, seed=42)).eval()
    mc_dropout.inner[2].train()
    frozen_batchnorm = Recorder(bn_teacher(6, 5, seed=43, dropout=0.2)).train()
    frozen_batchnorm.inner[1].eval()
    for how, teacher in (
        ("in eval mode, its Dropout in training mode (MC dropout)", mc_dropout),
        ("in training mode, its BatchNorm frozen in eval mode", frozen_batchnorm),
    ):
        before = modes(teacher)
        expected = ref()(copy.deepcopy(teacher), x.clone(), temperature=2.0)
        mistakes = mistakes_for(teacher_logits(teacher, x), 2.0)
        pristine = copy.deepcopy(teacher)
        teacher.calls.clear()
        got = fn(teacher, x, temperature=2.0)
        expect(len(teacher.calls) > 0, f"{FUNCTION} never called the teacher's forward pass.")
        for seen in teacher.calls:
            still_training = sorted(set(seen["training_submodules"]))  # type: ignore[arg-type]
            if seen["training"] or still_training:
                raise CheckFailure(
                    f"The teacher was given {how}, and its forward pass ran with "
                    f"{'the teacher itself' if seen['training'] else 'its submodules'} "
                    f"{', '.join(still_training)} in training mode (dropout active, BatchNorm on "
                    "the batch's statistics). A teacher may mix modes, so switch all of it with "
                    "teacher.eval() every time: not only `if teacher.training:`, and not "
                    "`teacher.training = False`, which changes the top module only."
                )
        expect_targets(
            got,
            expected,
            teacher=pristine,
            x=x,
            t=2.0,
            what=f"{FUNCTION}(teacher, inputs, temperature=2.0)",
            inputs=f"teacher = {describe(teacher.inner)} {how}, inputs of shape (4, 6)",
            mistakes=mistakes,
        )
        expect_modes(before, teacher)


@DTYPES
def test_leading_dims(dtype: torch.dtype) -> None:
    """Outputs with leading dims (B, L, C): one softmax over the last dim per position"""
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
        inputs=f"logits of shape (3, 2, 4) that require grad, dtype {dtype}",
        mistakes=mistakes_for(logits.detach(), 0.7),
    )
    expect(
        not got.requires_grad,
        "For inputs that require grad, the soft targets require grad too: the teacher's forward "
        "pass and the softmax must run under torch.no_grad().",
    )


def test_teacher_matters() -> None:
    """The soft targets follow the teacher's soft predictions, not only its argmax"""
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
