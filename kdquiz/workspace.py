"""Finding and creating the learner's workspace: a folder with `exercises/exercise_N.py`.

Resolution order: `--workspace DIR`, then `KDQUIZ_WORKSPACE`, then the nearest ancestor of the
current directory holding `exercises/exercise_1.py`, then a default workspace in the data dir.
"""

from __future__ import annotations

import ast
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kdquiz.catalog import Exercise
from kdquiz.i18n import Message
from kdquiz.paths import data_dir

MARKER = Path("exercises") / "exercise_1.py"

WORKSPACE_README = """\
# My kdquiz workspace

Edit the files in `exercises/`, then check them:

    kdquiz check exercise_1      # run the hidden suite on exercises/exercise_1.py
    kdquiz hint exercise_1       # the next hint
    kdquiz watch                 # check the first unsolved exercise on every save
    kdquiz list                  # what is passed, failing or untried

`kdquiz reset exercise_N` restores a stub (your file is backed up in `.kdquiz/backups/`).
"""


class WorkspaceError(Message):
    """A workspace problem the user can fix; the message says how."""


@dataclass(frozen=True)
class Workspace:
    """A learner's workspace and how it was found."""

    root: Path
    source: str
    """'--workspace', 'KDQUIZ_WORKSPACE', 'current directory' or 'default'."""
    created: bool = False
    """True when this call created it (the CLI says where)."""
    added: tuple[str, ...] = ()
    """Ids of exercises whose stubs this call added (exercises new since the workspace was
    made); the CLI and the app say so."""

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    def exercise_path(self, exercise: Exercise) -> Path:
        return self.exercises_dir / f"{exercise.id}.py"

    @property
    def backups_dir(self) -> Path:
        return self.root / ".kdquiz" / "backups"

    def backup(self, exercise: Exercise) -> Path | None:
        """Copy the learner's file aside before it is replaced; None if there is none."""
        source = self.exercise_path(exercise)
        if not source.exists():
            return None
        self.backups_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = self.backups_dir / f"{exercise.id}-{stamp}.py"
        shutil.copy2(source, target)
        return target

    def restore_stub(self, exercise: Exercise) -> Path | None:
        """Back the learner's file up, then put the fresh stub in its place (nothing to do when
        the workspace is kdquiz's own checkout, whose exercises are the stubs)."""
        target = self.exercise_path(exercise)
        if target.exists() and target.resolve() == exercise.stub_path.resolve():
            return None
        backup = self.backup(exercise)
        self.exercises_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(exercise.stub_path, self.exercise_path(exercise))
        return backup


def _is_workspace(path: Path) -> bool:
    return (path / MARKER).is_file()


def find_workspace(
    exercises: Iterable[Exercise],
    explicit: Path | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Workspace:
    """Resolve the workspace to use, creating the default one on first use."""
    env = os.environ if env is None else env
    for source, value in (
        ("--workspace", explicit),
        ("KDQUIZ_WORKSPACE", env.get("KDQUIZ_WORKSPACE")),
    ):
        if value:
            root = Path(value).expanduser().resolve()
            if not _is_workspace(root):
                raise WorkspaceError("err_not_workspace", root=root, source=source, marker=MARKER)
            return Workspace(root, source, added=add_missing_stubs(root, exercises))
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_workspace(folder):
            return Workspace(
                folder, "current directory", added=add_missing_stubs(folder, exercises)
            )
    root = data_dir(env) / "workspace"
    if _is_workspace(root):
        return Workspace(root, "default", added=add_missing_stubs(root, exercises))
    init_workspace(root, exercises)
    return Workspace(root, "default", created=True)


def add_missing_stubs(root: Path, exercises: Iterable[Exercise]) -> tuple[str, ...]:
    """Give a workspace the stubs of exercises it lacks (new in this kdquiz version); never
    touches an existing file. A read-only workspace is left alone (its checks then say the
    file is missing)."""
    added = []
    for exercise in exercises:
        target = root / "exercises" / f"{exercise.id}.py"
        if target.exists():
            continue
        try:
            shutil.copyfile(exercise.stub_path, target)
        except OSError:
            continue
        added.append(exercise.id)
    return tuple(added)


def init_workspace(root: Path, exercises: Iterable[Exercise]) -> list[Path]:
    """Create a workspace with every stub and a README; never overwrites an existing file."""
    exercises = list(exercises)
    targets = {root / "exercises" / f"{e.id}.py": e.stub_path for e in exercises}
    existing = [path for path in [*targets, root / "README.md"] if path.exists()]
    if existing:
        shown = ", ".join(str(p) for p in existing[:3]) + (" ..." if len(existing) > 3 else "")
        raise WorkspaceError("err_workspace_exists", root=root, n=len(existing), shown=shown)
    try:
        (root / "exercises").mkdir(parents=True, exist_ok=True)
        for target, stub in targets.items():
            shutil.copyfile(stub, target)
        (root / "README.md").write_text(WORKSPACE_README, encoding="utf-8")
    except OSError as exc:
        raise WorkspaceError("err_workspace_create", root=root, why=exc.strerror) from None
    return [*targets, root / "README.md"]


FileSignature = tuple[int, int]
"""(mtime in ns, size) of a file: cheap to read, and it changes on every save."""


def file_signature(path: Path) -> FileSignature | None:
    """What changes when the file is saved; None when it does not exist."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


class SaveWatcher:
    """Notices saves of one file by polling, as editors that replace the file (vim, VS Code)
    defeat inotify-style watches: a change counts once it has stayed the same for one poll."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen = file_signature(path)
        self._pending: FileSignature | None = None

    def saved(self) -> bool:
        """True once per settled change (a save complete); False for a missing file."""
        signature = file_signature(self.path)
        if signature == self._seen:
            self._pending = None
        elif signature != self._pending:
            self._pending = signature  # changed: wait one poll for the write to settle
        else:
            self._seen, self._pending = signature, None
            return signature is not None
        return False


def task_text(exercise: Exercise, workspace: Workspace | None, lang: str = "en") -> str:
    """The task. In English: the module docstring of the learner's file, else of the shipped
    stub, else the catalogue summary (a learner's file may be mid-edit and not parse). In
    Chinese: the translation shipped with the stubs, else the English."""
    if lang == "zh":
        try:
            return exercise.task_zh_path.read_text(encoding="utf-8").rstrip()
        except OSError:
            pass
    paths = [workspace.exercise_path(exercise)] if workspace is not None else []
    for path in [*paths, exercise.stub_path]:
        try:
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        except (OSError, SyntaxError, ValueError):
            continue
        if docstring:
            return docstring
    return exercise.summary_in(lang)


def shown_path(path: Path, root: Path | None = None) -> str:
    """`path` relative to the workspace `root` when inside it, else with ~ for the home folder."""
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home) :] if home != "/" and text.startswith(home + os.sep) else text
