"""Shared fixtures: every test gets its own data dir and never touches the real home."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kdquiz.checker.runner import start_warm_checker, stop_warm_checker
from kdquiz.paths import content_dir
from kdquiz.sandbox.warm import WarmServer

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """When the self-check is part of the run, start checking its corpus now, in the
    background, and run its tests last: the other tests use the remaining core meanwhile."""
    corpus = [item for item in items if item.path.name == "test_selfcheck.py"]
    if not corpus:
        return
    items[:] = [item for item in items if item.path.name != "test_selfcheck.py"] + corpus
    import test_selfcheck

    cancel = threading.Event()
    config.stash[test_selfcheck.CORPUS] = test_selfcheck.start_corpus(cancel)
    config.stash[CANCEL_CORPUS] = cancel


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A run stopped early (-x, ctrl+c) need not wait for the rest of the corpus."""
    cancel = session.config.stash.get(CANCEL_CORPUS, None)
    if cancel is not None:
        cancel.set()


CANCEL_CORPUS = pytest.StashKey[threading.Event]()


@pytest.fixture(scope="session", autouse=True)
def warm_checker() -> Iterator[WarmServer]:
    """The session's warm checker, started at once in the background: in-process checks fork
    from it (a test that needs a cold run passes `warm=False`)."""
    yield start_warm_checker()
    stop_warm_checker()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("KDQUIZ_DATA_DIR", str(data))
    for name in ("KDQUIZ_WORKSPACE", "KDQUIZ_QUESTIONS", "KDQUIZ_DEVICE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return data


def make_workspace(root: Path, source: str = "solutions") -> Path:
    """A workspace whose exercises are copies of the stubs or of the reference solutions."""
    (root / "exercises").mkdir(parents=True, exist_ok=True)
    for path in content_dir(source).glob("exercise_*.py"):
        shutil.copyfile(path, root / "exercises" / path.name)
    return root


@pytest.fixture
def reference_workspace(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws", "solutions")


@pytest.fixture
def stub_workspace(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws", "exercises")


def record_check_of(
    ws: Path,
    exercise: str,
    status: str,
    passed: int,
    total: int,
    result: dict | None = None,  # type: ignore[type-arg]
) -> None:
    """Record a check of the workspace file as it is now, as `kdquiz check` would (`result`:
    the full result to keep; by default `passed` passing checks of `total`)."""
    from kdquiz.progress import ProgressStore
    from kdquiz.solving import file_digest

    if result is None:
        checks = [{"name": f"check {i}", "status": "pass" if i < passed else "fail"}
                  for i in range(total)]  # fmt: skip
        result = {"exercise": exercise, "status": status, "checks": checks, "duration": 1.0}
    digest = file_digest(ws / "exercises" / f"{exercise}.py")
    ProgressStore.default().record_check(str(ws.resolve()), digest, result)
