"""The pytest plugin that runs inside the checker's subprocess and streams results as JSON lines.

Each line carries a secret token that only the harness knows, so learner code cannot forge a
result by printing or writing one. The last line ("finished") proves the session completed; the
parent treats anything less as an error, never as a pass.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

from kdquiz.checker import tracebacks
from kdquiz.checker.bilingual import Bilingual, say, worded, zh_of
from kdquiz.checker.guard import GUARD, CheckFailure, watch_module
from kdquiz.checker.tracebacks import learner_traceback

OUTPUT_LIMIT = 2000
"""Characters of captured output kept per check."""


PYTEST_MODULES = ("_pytest.runner", "_pytest.python", "_pytest.reports", "_pytest.main")
"""pytest's modules that decide whether a check passed."""


def tampered_message(names: list[str]) -> Bilingual:
    """The failure of a check during which learner code replaced guarded names."""
    shown = say("{names}", "{names}", names=", ".join(names[:5]))
    if len(names) > 5:
        shown += worded("chk_and_more", n=len(names) - 5)
    if any(name.startswith(("kdquiz.", "_pytest.", "pytest.", "test_")) for name in names):
        return worded("chk_tampered_checker", shown=shown)
    return worded("chk_tampered_torch", shown=shown)


class CheckTimeout(Exception):
    """Raised by the per-check alarm inside a check that runs too long."""


def check_name(item: pytest.Item) -> Bilingual:
    """The learner-facing name of a check: the first line of its docstring, and the Chinese
    from its line starting with "zh:" (the English when there is none)."""
    function = getattr(item, "function", None)
    lines = [line.strip() for line in (getattr(function, "__doc__", None) or "").splitlines()]
    lines = [line for line in lines if line]
    en = lines[0] if lines else item.name.removeprefix("test_").replace("_", " ")
    zh = next((line.removeprefix("zh:").strip() for line in lines if line.startswith("zh:")), en)
    name = Bilingual(en, zh)
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.id:
        name += f" [{callspec.id}]"
    return name


def exercise_of(item: pytest.Item) -> str:
    """`test_exercise_2.py` -> `exercise_2`."""
    return item.path.stem.removeprefix("test_")


def _is_out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or (
        isinstance(exc, RuntimeError) and "can't allocate memory" in str(exc)
    )


def describe_exception(exc: BaseException, memory_limit: str = "") -> tuple[str, Bilingual]:
    """(status, message) for an exception that ended a check, in a learner's words."""
    if isinstance(exc, CheckFailure | CheckTimeout):
        status = "fail" if isinstance(exc, CheckFailure) else "error"
        given = exc.args[0] if exc.args else ""
        return status, given if isinstance(given, Bilingual) else Bilingual(str(exc), str(exc))
    if _is_out_of_memory(exc):
        limit = memory_limit or worded("chk_limit_unknown")
        return "error", worded("chk_out_of_memory", limit=limit)
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        return "error", worded("chk_output_flood")
    trimmed = learner_traceback(exc)
    if isinstance(exc, NotImplementedError) and trimmed:
        function = traceback.extract_tb(exc.__traceback__)[-1].name
        return "fail", worded("chk_not_implemented", function=function)
    error = f"{type(exc).__name__}: {exc}".rstrip()
    if trimmed:
        return "error", worded("chk_raised", error=error, trace=trimmed)  # fmt: skip
    # No learner frame: the error surfaced in the suite (e.g. a wrong return type used there).
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return "error", worded("chk_crashed_using", last=last)


class ResultsPlugin:
    """Writes one JSON line per finished check, plus `collected` and `finished` lines."""

    def __init__(
        self,
        results_path: Path,
        token: str,
        exercises_dir: Path,
        per_check_timeout: float,
        memory_limit: str,
    ) -> None:
        tracebacks.set_exercises_dir(exercises_dir)
        self._file = open(results_path, "a", encoding="utf-8")  # noqa: SIM115 - lives for the run
        self._token = token
        self._per_check_timeout = per_check_timeout
        self._memory_limit = memory_limit
        self._phases: dict[str, list[pytest.TestReport]] = {}
        self._seeders: list[Any] = []

    def _write(self, event: str, **fields: Any) -> None:
        self._file.write(json.dumps({"token": self._token, "event": event, **fields}) + "\n")
        self._file.flush()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        checks = [
            {
                "id": i.nodeid,
                "exercise": exercise_of(i),
                "name": str(check_name(i)),
                "name_zh": zh_of(check_name(i)),
            }  # fmt: skip
            for i in session.items
        ]
        self._write("collected", checks=checks)
        # Before any learner code runs: the suites, their helpers and this plugin must not be
        # changed by it (torch's namespaces are registered by support when it is imported).
        for module in {item.module for item in session.items if hasattr(item, "module")}:
            watch_module(module)
        guarded = (
            "kdquiz.checks.support", "kdquiz.checker.guard", "kdquiz.checker.bilingual",
            "kdquiz.i18n",
        )  # fmt: skip
        for name in (*guarded, __name__, *PYTEST_MODULES):
            if name in sys.modules:
                watch_module(sys.modules[name])
        for cls in (ResultsPlugin, CheckFailure, Bilingual, pytest.Function, pytest.TestReport):
            GUARD.watch(f"{cls.__module__}.{cls.__qualname__}", cls)
        self._seeders = [random.seed]
        torch = sys.modules.get("torch")
        if torch is not None:  # the CPU generator alone is much cheaper to seed than every device's
            cpu = os.environ.get("KDQUIZ_DEVICE", "cpu") == "cpu"
            self._seeders.append(torch.default_generator.manual_seed if cpu else torch.manual_seed)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Every check starts from the same random state, so its inputs (and so its message) do
        not depend on the checks run before it in this process or on what a warm server did."""
        for seed in self._seeders:
            seed(0)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._write("collect_error", message=str(report.longrepr)[-OUTPUT_LIMIT:])

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        def on_alarm(signum: int, frame: Any) -> None:
            raise CheckTimeout(worded("chk_check_timeout", seconds=f"{self._per_check_timeout:g}"))

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self._per_check_timeout)
        try:
            return (yield)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            tampered = GUARD.tampered()
            if tampered:
                GUARD.restore()
                raise CheckFailure(tampered_message(tampered))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report: pytest.TestReport = yield
        report.user_properties.append(("kdquiz_name", check_name(item)))
        report.user_properties.append(("kdquiz_exercise", exercise_of(item)))
        if report.failed and call.excinfo is not None:
            status, message = describe_exception(call.excinfo.value, self._memory_limit)
            report.user_properties.append(("kdquiz_status", status))
            report.user_properties.append(("kdquiz_message", message))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        phases = self._phases.setdefault(report.nodeid, [])
        phases.append(report)
        if report.when != "teardown":
            return
        props: dict[str, Any] = {}
        for phase in phases:
            for key, value in phase.user_properties:
                props.setdefault(key, value)
        failed = [p for p in phases if p.failed]
        status = "pass"
        message: str = ""
        if failed:
            status = props.get("kdquiz_status", "error")
            message = props.get("kdquiz_message") or str(failed[0].longrepr)[-OUTPUT_LIMIT:]
        elif any(p.skipped for p in phases):
            status = "error"
            message = worded("chk_skipped")
        output = "".join(p.capstdout + p.capstderr for p in phases)
        self._write(
            "check",
            id=report.nodeid,
            exercise=props.get("kdquiz_exercise", ""),
            name=str(props.get("kdquiz_name", report.nodeid)),
            name_zh=zh_of(props.get("kdquiz_name", report.nodeid)),
            status=status,
            message=str(message),
            message_zh=zh_of(message),
            duration=round(sum(p.duration for p in phases), 4),
            output=output[:OUTPUT_LIMIT],
        )
        del self._phases[report.nodeid]

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._write("finished", exitstatus=int(exitstatus), time=time.time())
        self._file.close()
