"""Entry point of the checker's subprocess: set limits, then run the hidden suites under pytest.

Started as `python -I harness.py` from an empty temporary directory. The configuration (including
the secret token the results are signed with) arrives as one JSON line on stdin, which is then
closed so learner code cannot read it.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

UNUSED_PLUGINS = (
    "cacheprovider", "stepwise", "unraisableexception", "threadexception", "doctest",
    "junitxml", "pastebin", "legacypath", "debugging", "nose", "lsof",
)  # fmt: skip


def _limit(kind: int, value: int) -> None:
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, hard))


def apply_limits(memory_bytes: int, output_bytes: int, device: str) -> None:
    """Cap this process's memory (CPU only: CUDA reserves a huge virtual address space) and the
    files it writes (output that floods the disk stops it with SIGXFSZ); no core dumps."""
    if memory_bytes and device == "cpu":
        _limit(resource.RLIMIT_AS, memory_bytes)
    _limit(resource.RLIMIT_FSIZE, output_bytes)
    _limit(resource.RLIMIT_CORE, 0)


def main() -> int:
    # No __pycache__ in the learner's workspace or in the installed solutions.
    sys.dont_write_bytecode = True
    config = json.loads(sys.stdin.readline())
    sys.stdin.close()

    # Running as a script under -I: make sure the kdquiz package this file belongs to is importable
    # (appended, so nothing in it can shadow the standard library).
    package_root = str(Path(__file__).resolve().parents[2])
    if package_root not in sys.path:
        sys.path.append(package_root)

    apply_limits(config["memory_bytes"], config["output_bytes"], config["device"])

    os.environ["KDQUIZ_EXERCISES_DIR"] = config["exercises_dir"]
    os.environ["KDQUIZ_DEVICE"] = config["device"]

    import pytest

    from kdquiz.checker.plugin import ResultsPlugin

    checks_dir = Path(config["checks_dir"])
    suites = [str(checks_dir / f"test_{exercise}.py") for exercise in config["exercises"]]
    ini = Path.cwd() / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")
    plugin = ResultsPlugin(
        results_path=Path(config["results_path"]),
        token=config.pop("token"),
        exercises_dir=Path(config["exercises_dir"]),
        per_check_timeout=config["per_check_timeout"],
        memory_limit=config["memory_label"],
    )
    args = [
        *suites,
        "-c",
        str(ini),
        "--rootdir",
        str(Path.cwd()),
        "-q",
        "--no-header",
        # Plugins a hidden-suite run has no use for; unraisableexception alone costs ~0.5 s
        # of gc.collect() at exit.
        *(f"-pno:{name}" for name in UNUSED_PLUGINS),
        "-W",
        "ignore::DeprecationWarning",
        *(["-x"] if config.get("exitfirst") else []),
    ]
    code = int(pytest.main(args, plugins=[plugin]))
    # The results are written and flushed: skip the interpreter's slow teardown (torch).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
