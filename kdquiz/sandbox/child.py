"""What runs inside a sandbox subprocess, cold or forked from the warm server: set the limits and
the environment, call the job's target, and end the process with its exit code.

Cold, this file is the script: `python -I child.py`, the job as one JSON line on stdin (which is
then closed, so code run later cannot read it). No torch here; the target imports what it needs.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn


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


def run_job(job: dict[str, Any]) -> NoReturn:
    """Apply the job's limits and environment, then call `module:function(config)`; exit with the
    int it returns. Never returns: a forked child must not fall back into the server's loop."""
    code = 1
    try:
        sys.dont_write_bytecode = True  # no __pycache__ in the learner's workspace
        limits = job["limits"]
        apply_limits(limits["memory_bytes"], limits["output_bytes"], limits["device"])
        os.environ.update(job["env"])
        module, _, name = job["target"].partition(":")
        code = int(getattr(importlib.import_module(module), name)(job["config"]))
    except SystemExit as exc:  # as the interpreter itself would exit
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - printed for the parent to show, like a crash would be
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
    # Everything is written and flushed: skip the interpreter's slow teardown (torch).
    os._exit(code)


def main() -> NoReturn:
    job = json.loads(sys.stdin.readline())
    sys.stdin.close()
    # Running as a script under -I: make the kdquiz package this file belongs to importable
    # (appended, so nothing in it can shadow the standard library).
    package_root = str(Path(__file__).resolve().parents[2])
    if package_root not in sys.path:
        sys.path.append(package_root)
    run_job(job)


if __name__ == "__main__":
    main()
