"""Workspace resolution and creation."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdquiz.catalog import load_catalog
from kdquiz.workspace import WorkspaceError, find_workspace, init_workspace


def test_init_creates_all_stubs_and_readme(tmp_path: Path) -> None:
    created = init_workspace(tmp_path / "ws", load_catalog())
    assert len(created) == len(load_catalog()) + 1
    for exercise in load_catalog():
        stub = tmp_path / "ws" / "exercises" / f"{exercise.id}.py"
        assert stub.read_text() == exercise.stub_path.read_text()
    assert "kdquiz check" in (tmp_path / "ws" / "README.md").read_text()


def test_init_never_overwrites(tmp_path: Path) -> None:
    mine = tmp_path / "ws" / "exercises" / "exercise_1.py"
    mine.parent.mkdir(parents=True)
    mine.write_text("my work")
    with pytest.raises(WorkspaceError, match="already exist.*nothing was changed"):
        init_workspace(tmp_path / "ws", load_catalog())
    assert mine.read_text() == "my work"
    assert not (tmp_path / "ws" / "exercises" / "exercise_2.py").exists()


def test_resolution_order(tmp_path: Path) -> None:
    catalog = load_catalog()
    flag, env_ws, ancestor = (tmp_path / n for n in ("flag", "env", "ancestor"))
    for root in (flag, env_ws, ancestor):
        init_workspace(root, catalog)
    deep = ancestor / "exercises" / "sub"
    deep.mkdir()
    env = {"KDQUIZ_WORKSPACE": str(env_ws), "KDQUIZ_DATA_DIR": str(tmp_path / "data")}

    assert find_workspace(catalog, flag, deep, env).root == flag
    assert find_workspace(catalog, None, deep, env).source == "KDQUIZ_WORKSPACE"
    found = find_workspace(catalog, None, deep, {"KDQUIZ_DATA_DIR": str(tmp_path / "data")})
    assert (found.root, found.source) == (ancestor, "current directory")


def test_default_workspace_is_created_once_in_the_data_dir(tmp_path: Path) -> None:
    env = {"KDQUIZ_DATA_DIR": str(tmp_path / "data")}
    first = find_workspace(load_catalog(), None, tmp_path, env)
    assert first.created and first.root == tmp_path / "data" / "workspace"
    assert (first.root / "exercises" / "exercise_1.py").is_file()
    second = find_workspace(load_catalog(), None, tmp_path, env)
    assert not second.created and second.root == first.root


def test_explicit_folder_that_is_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="is not a kdquiz workspace.*kdquiz init"):
        find_workspace(load_catalog(), tmp_path, tmp_path, {})


def test_restore_stub_backs_up_first(tmp_path: Path) -> None:
    catalog = load_catalog()
    init_workspace(tmp_path, catalog)
    workspace = find_workspace(catalog, tmp_path, tmp_path, {})
    exercise = catalog[0]
    workspace.exercise_path(exercise).write_text("my attempt")
    backup = workspace.restore_stub(exercise)
    assert backup is not None and backup.read_text() == "my attempt"
    assert workspace.exercise_path(exercise).read_text() == exercise.stub_path.read_text()


def test_a_workspace_gets_the_stubs_of_new_exercises_and_keeps_its_files(tmp_path: Path) -> None:
    catalog = load_catalog()
    root = tmp_path / "ws"
    init_workspace(root, catalog[:2])  # made by an older kdquiz with two exercises
    mine = root / "exercises" / f"{catalog[0].id}.py"
    mine.write_text("# my work\n")
    workspace = find_workspace(catalog, explicit=root)
    assert workspace.added == tuple(e.id for e in catalog[2:])
    assert mine.read_text() == "# my work\n"
    assert all((root / "exercises" / f"{e.id}.py").exists() for e in catalog)
    assert find_workspace(catalog, explicit=root).added == ()
