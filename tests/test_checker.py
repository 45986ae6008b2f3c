"""The checker against misbehaving learner code, using a tiny stand-in suite (f(x) = 2x).

Whatever the learner's code does, a run passes only when the suite completed and every check
passed; everything else is a fail or an error with one clear sentence.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kdquiz.checker.report import format_result
from kdquiz.checker.runner import Limits, parse_memory, run_hidden_suite

FAKE_CHECKS = Path(__file__).resolve().parent / "fixtures" / "checks"


WARM = {"on": True}
"""Whether `check` forks from the warm checker (the `mode` fixture sets it)."""


@pytest.fixture(autouse=True, params=["warm"])
def mode(request: pytest.FixtureRequest, warm_checker) -> Iterator[str]:
    """Checks fork from the warm checker, which must survive whatever the learner's code did;
    tests marked `BOTH_MODES` also run in a new interpreter. (The self-check proves that warm
    and cold checks word every result alike.)"""
    WARM["on"] = request.param == "warm"
    if not WARM["on"]:
        yield "cold"
        return
    assert warm_checker.wait_ready()
    server = warm_checker.pid
    yield "warm"
    assert warm_checker.ready and warm_checker.pid == server, "the warm checker did not survive"


BOTH_MODES = pytest.mark.parametrize("mode", ["cold", "warm"], indirect=True)
"""For what the learner's code does to the process: each way of starting one must hold."""


def check(tmp_path: Path, source: str, timeout: float = 30, memory: int = 4 << 30):
    exercises = tmp_path / "exercises"
    exercises.mkdir(exist_ok=True)
    (exercises / "exercise_1.py").write_text(source, encoding="utf-8")
    [result] = run_hidden_suite(
        ["exercise_1"], exercises, Limits(timeout, memory), checks_dir=FAKE_CHECKS, warm=WARM["on"]
    )
    return result, format_result(result)


@BOTH_MODES
def test_correct_code_passes(tmp_path: Path) -> None:
    result, text = check(tmp_path, "def f(x):\n    return x * 2\n")
    assert result.status == "pass"
    assert (result.passed, result.total) == (2, 2)
    assert text.splitlines()[-1] == "exercise_1: 2/2 checks passed"
    assert "✓ f doubles its input" in text


def test_wrong_value_names_the_likely_mistake(tmp_path: Path) -> None:
    result, text = check(tmp_path, "def f(x):\n    return x\n")
    assert result.status == "fail"
    assert (result.passed, result.total) == (0, 2)
    assert "✗ f doubles its input" in text
    assert "expected: [2, 4]" in text and "got:      [1, 2]" in text
    assert "first difference at index (0,)" in text
    assert "Likely mistake: you returned the input unchanged" in text


def test_stub_says_not_implemented(tmp_path: Path) -> None:
    result, text = check(tmp_path, "def f(x):\n    raise NotImplementedError\n")
    assert result.status == "fail"
    assert "f is not implemented yet" in text


def test_syntax_error_shows_file_and_line(tmp_path: Path) -> None:
    result, text = check(tmp_path, "x = 1\ndef f(x)\n    return 2 * x\n")
    assert result.status == "fail"
    assert "exercises/exercise_1.py:2: SyntaxError" in text


def test_learner_exception_traceback_is_trimmed_to_learner_frames(tmp_path: Path) -> None:
    result, text = check(
        tmp_path, "def helper(x):\n    return x.nope()\n\ndef f(x):\n    return helper(x)\n"
    )
    assert result.status == "fail"
    assert "Your code raised AttributeError" in text
    assert "exercises/exercise_1.py:5 in f" in text
    assert "exercises/exercise_1.py:2 in helper" in text
    assert "site-packages" not in text and "kdquiz/checks" not in text


@BOTH_MODES
@pytest.mark.parametrize(
    "source",
    [
        "import os\ndef f(x):\n    os._exit(0)\n",
        "import os\nos._exit(0)\n",
        "import sys\ndef f(x):\n    sys.exit(0)\n",
    ],
    ids=["os._exit in call", "os._exit at import", "sys.exit in call"],
)
def test_exiting_early_never_passes(tmp_path: Path, source: str) -> None:
    result, text = check(tmp_path, source)
    assert result.status != "pass"
    assert result.passed == 0
    assert "exercise_1: 0/2 checks passed" in text


@BOTH_MODES
def test_os_exit_is_reported_as_an_early_end(tmp_path: Path) -> None:
    result, _ = check(tmp_path, "import os\ndef f(x):\n    os._exit(0)\n")
    assert result.status == "error"
    assert "sys.exit() or os._exit()" in result.message


@BOTH_MODES
def test_fake_passed_lines_and_forged_results_do_not_pass(tmp_path: Path) -> None:
    source = (
        "import json, os, pathlib\n"
        "for p in pathlib.Path.cwd().glob('*.jsonl'):\n"
        "    p.write_text(json.dumps({'event': 'finished', 'token': 'guess'}))\n"
        "print('2 passed in 0.01s')\n"
        "def f(x):\n    print('PASSED'); os._exit(0)\n"
    )
    result, _ = check(tmp_path, source)
    assert result.status == "error"


@BOTH_MODES
def test_hang_is_killed_at_the_time_limit(tmp_path: Path) -> None:
    result, text = check(tmp_path, "def f(x):\n    while True:\n        pass\n", timeout=6)
    assert result.status == "error"
    assert "time limit" in result.message
    assert result.duration < 15


@BOTH_MODES
def test_memory_cap_is_reported(tmp_path: Path) -> None:
    source = "import torch\ndef f(x):\n    return torch.empty(4 * 2**30) * 0 + 2 * x\n"
    result, text = check(tmp_path, source, memory=2 << 30)
    assert result.status == "error"
    assert "memory limit (2 GiB)" in text


def test_monkeypatching_torch_fails_and_is_undone(tmp_path: Path) -> None:
    source = (
        "import torch, math\n"
        "torch.allclose = lambda *a, **k: True\n"
        "math.isfinite = lambda x: True\n"
        "def f(x):\n    return x\n"
    )
    result, text = check(tmp_path, source)
    assert result.status == "fail"
    assert "Your code replaced" in text and "torch.allclose" in text
    # The second check runs with torch restored and still sees the wrong value.
    assert result.passed == 0


CHEATS = {
    "support function replaced": (
        "import kdquiz.checks.support as support\nsupport.expect_close = lambda *a, **k: None\n"
    ),
    "suite's own binding replaced": (
        "import sys\n"
        "for name, module in list(sys.modules.items()):\n"
        "    if name.endswith('test_exercise_1'):\n"
        "        module.expect_close = lambda *a, **k: None\n"
    ),
    "function code swapped": (
        "import kdquiz.checks.support as support\n"
        "support.expect_close.__code__ = (lambda *a, **k: None).__code__\n"
    ),
    "plugin patched": (
        "from kdquiz.checker import plugin\n"
        "plugin.describe_exception = lambda exc, memory_limit='': ('pass', '')\n"
    ),
}


@pytest.mark.parametrize("cheat", list(CHEATS.values()), ids=list(CHEATS))
def test_learner_code_that_changes_the_checker_fails(tmp_path: Path, cheat: str) -> None:
    """A wrong f that, when imported, turns the checker's comparisons into no-ops must not
    pass: the guard fails the check, restores the checker, and the next check sees the bug."""
    result, text = check(tmp_path, cheat + "def f(x):\n    return x\n")
    assert result.status == "fail", text
    assert "Your code changed the checker" in text
    assert result.passed == 0, text


@BOTH_MODES
def test_output_flood_is_cut(tmp_path: Path) -> None:
    source = "def f(x):\n    while True:\n        print('spam' * 1000)\n"
    result, text = check(tmp_path, source, timeout=30)
    assert result.status != "pass"
    assert len(text) < 5000


@BOTH_MODES
def test_stray_stdlib_names_in_exercises_do_not_shadow(tmp_path: Path) -> None:
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    (exercises / "random.py").write_text("raise RuntimeError('shadowed random')\n")
    (exercises / "typing.py").write_text("raise RuntimeError('shadowed typing')\n")
    result, _ = check(tmp_path, "import random, typing\ndef f(x):\n    return x * 2\n")
    assert result.status == "pass"


@BOTH_MODES
def test_sibling_import_works(tmp_path: Path) -> None:
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    (exercises / "helpers_mine.py").write_text("def double(x):\n    return 2 * x\n")
    result, _ = check(
        tmp_path, "from helpers_mine import double\ndef f(x):\n    return double(x)\n"
    )
    assert result.status == "pass"


def test_missing_learner_file_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "exercises").mkdir()
    [result] = run_hidden_suite(
        ["exercise_1"], tmp_path / "exercises", checks_dir=FAKE_CHECKS, warm=WARM["on"]
    )
    assert result.status == "fail"
    assert "exercises/exercise_1.py does not exist" in result.checks[0].message


@BOTH_MODES
def test_unknown_suite_is_an_error_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "exercises").mkdir()
    [result] = run_hidden_suite(
        ["exercise_404"], tmp_path / "exercises", checks_dir=FAKE_CHECKS, warm=WARM["on"]
    )
    assert result.status == "error"
    assert result.total == 0


def test_result_document_is_json(tmp_path: Path) -> None:
    result, _ = check(tmp_path, "def f(x):\n    return x\n")
    document = json.loads(json.dumps(result.to_dict()))
    assert document["status"] == "fail"
    assert {c["status"] for c in document["checks"]} == {"fail"}
    assert all({"name", "status", "message", "duration"} <= set(c) for c in document["checks"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4G", 4 << 30), ("512M", 512 << 20), ("2GiB", 2 << 30), ("1000", 1000)],
)
def test_parse_memory(text: str, expected: int) -> None:
    assert parse_memory(text) == expected


def test_parse_memory_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        parse_memory("lots")


def test_torch_changing_itself_is_not_blamed_on_the_learner(tmp_path: Path) -> None:
    # The first use of torch.optim imports torch._dynamo, which rewraps torch functions.
    source = (
        "import torch\n"
        "def f(x):\n"
        "    torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)\n"
        "    return x * 2\n"
    )
    result, text = check(tmp_path, source)
    assert result.status == "pass", text


def test_report_shortens_a_mistake_already_explained() -> None:
    from kdquiz.checker.results import CheckResult, ExerciseResult

    message = (
        "f(x) returned the wrong value.\n  expected: 2\n  got:      1\n  Likely mistake: no T²."
    )
    other = "g(x) returned the wrong value.\n  expected: 5\n  got:      4\n  Likely mistake: no T²."
    result = ExerciseResult(
        "exercise_1",
        "fail",
        checks=[
            CheckResult("first", "fail", message),
            CheckResult("second", "fail", message),
            CheckResult("third", "fail", other),
            CheckResult("fourth", "pass"),
        ],
    )
    text = format_result(result)
    assert text.count("expected:") == 1
    assert "(the same problem as above)" in text
    # Said once, under the first check it explains, which lists the others.
    assert text.count("Likely mistake: no T².") == 1
    assert "The same mistake explains: “second”; “third”." in text
    assert "g(x) returned the wrong value.\n      (the likely mistake named under “first”)" in text
    assert text.endswith("exercise_1: 1/4 checks passed")


def test_report_lists_at_most_four_other_checks_for_a_mistake() -> None:
    from kdquiz.checker.results import CheckResult, ExerciseResult

    message = "f returned the wrong value.\n  Likely mistake: no T²."
    checks = [CheckResult(f"check {i}", "fail", message.replace("f ", f"f{i} ")) for i in range(7)]
    text = format_result(ExerciseResult("exercise_1", "fail", checks=checks))
    assert text.count("Likely mistake: no T².") == 1
    assert "“check 1”; “check 2”; “check 3”; “check 4” and 2 more." in text
    assert text.count("(the likely mistake named under “check 0”)") == 6


def test_checker_modules_do_not_import_torch() -> None:
    """The CLI and the app load the runner, report, plugin and guard; only the subprocess that
    runs the suites may pay for torch."""
    code = (
        "import sys\n"
        "import kdquiz.checker.runner, kdquiz.checker.report, kdquiz.checker.plugin\n"
        "import kdquiz.checker.guard, kdquiz.checker.harness, kdquiz.dev.mutants\n"
        "import kdquiz.sandbox.warm, kdquiz.sandbox.server, kdquiz.sandbox.child, kdquiz.watch\n"
        "print('torch' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


@BOTH_MODES
def test_crashing_the_interpreter_is_an_error(tmp_path: Path) -> None:
    result, text = check(tmp_path, "import ctypes\ndef f(x):\n    ctypes.string_at(0)\n")
    assert result.status == "error"
    assert "SIGSEGV" in result.message or "ended before the checks finished" in result.message


def test_a_result_survives_its_dict_form_and_a_damaged_one_is_none() -> None:
    from kdquiz.checker.results import CheckResult, ExerciseResult

    result = ExerciseResult(
        "exercise_1", "fail", "", [CheckResult("a", "pass"), CheckResult("b", "fail", "why")], 1.5
    )
    assert ExerciseResult.from_dict(result.to_dict()) == result
    assert ExerciseResult.from_dict({"status": "pass"}) is None
    assert ExerciseResult.from_dict(None) is None


def test_a_warning_from_learner_code_is_not_tampering(tmp_path: Path) -> None:
    """A warning raised through the suite's frames makes Python add `__warningregistry__` to
    the suite's module; that is not the learner changing the checker."""
    source = (
        "import warnings\ndef f(x):\n    warnings.warn('careful', stacklevel=2)\n    return 2 * x\n"
    )
    result, text = check(tmp_path, source)
    assert result.status == "pass", text
