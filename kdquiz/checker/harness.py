"""What the checker's sandbox job runs: the hidden suites under pytest, results written as signed
events by the ResultsPlugin. `preload` warms a server up for such jobs.

Runs in the subprocess only (it imports pytest; the suites import torch), from an empty
temporary directory, with the sandbox's limits already applied.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

UNUSED_PLUGINS = (
    "cacheprovider", "stepwise", "unraisableexception", "threadexception", "doctest",
    "junitxml", "pastebin", "legacypath", "debugging", "nose", "lsof",
)  # fmt: skip


def pytest_args(suites: list[str], exitfirst: bool = False) -> list[str]:
    workdir = Path.cwd()
    ini = workdir / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")
    return [
        *suites,
        "-c",
        str(ini),
        "--rootdir",
        str(workdir),
        "-q",
        "--no-header",
        "--tb=native",  # a long traceback costs ~0.1 s per failing check; the plugin words its own
        # Plugins a hidden-suite run has no use for; unraisableexception alone costs ~0.5 s
        # of gc.collect() at exit.
        *(f"-pno:{name}" for name in UNUSED_PLUGINS),
        "-W",
        "ignore::DeprecationWarning",
        *(["-x"] if exitfirst else []),
    ]


def run(config: dict[str, Any]) -> int:
    """Run the suites of `config["exercises"]` on the learner's files; returns pytest's code."""
    os.environ["KDQUIZ_EXERCISES_DIR"] = config["exercises_dir"]

    import pytest

    from kdquiz.checker.plugin import ResultsPlugin

    checks_dir = Path(config["checks_dir"])
    suites = [str(checks_dir / f"test_{exercise}.py") for exercise in config["exercises"]]
    plugin = ResultsPlugin(
        results_path=Path(config["events_path"]),
        token=config.pop("token"),
        exercises_dir=Path(config["exercises_dir"]),
        per_check_timeout=config["per_check_timeout"],
        memory_limit=config["memory_label"],
    )
    return int(pytest.main(pytest_args(suites, config.get("exitfirst", False)), plugins=[plugin]))


def preload() -> None:
    """Import, once in a warm server, what every check would import: pytest, torch, hypothesis,
    the hidden suites (collected by pytest, so their asserts are rewritten as in a cold run) and
    torch._dynamo, which the first operation on the 'meta' device imports (~1 s)."""
    import gc
    import tempfile

    import pytest
    import torch._dynamo  # noqa: F401
    from hypothesis.internal.entropy import deterministic_PRNG

    from kdquiz.checker import plugin  # noqa: F401
    from kdquiz.checker.runner import CHECKS_DIR

    suites = sorted(str(path) for path in CHECKS_DIR.glob("test_*.py"))
    with tempfile.TemporaryDirectory(prefix="kdquiz-preload-") as tmp:
        os.chdir(tmp)
        args = [*pytest_args(suites), "--collect-only"]
        devnull = open(os.devnull, "w")  # noqa: SIM115
        saved = sys.stdout
        sys.stdout = devnull
        try:
            pytest.main(args)
        finally:
            sys.stdout = saved
            devnull.close()
        os.chdir("/")
    with deterministic_PRNG():
        pass  # its first use registers a Random after a full gc.collect() (~0.15 s)
    from kdquiz.checks.support import reference

    for path in sorted(CHECKS_DIR.glob("test_*.py")):
        reference(path.stem.removeprefix("test_"))  # trusted code: the reference solutions
    # The imports are done: later collections need not scan them, in the server or a child
    # (which also keeps the pages they live on shared with the server).
    gc.freeze()
