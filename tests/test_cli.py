"""The command line, called through its entry function (and once as a real process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_workspace
from kdquiz import __version__
from kdquiz.catalog import exercise_ids, get_exercise
from kdquiz.checker import runner
from kdquiz.checker.results import ExerciseResult
from kdquiz.cli import main
from kdquiz.progress import ProgressStore


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_as_a_module() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kdquiz", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and proc.stdout.strip() == f"kdquiz {__version__}"


@pytest.mark.parametrize("before", [True, False], ids=["before-command", "after-command"])
def test_workspace_option_is_honoured_before_or_after_the_command(
    capsys, stub_workspace: Path, tmp_path: Path, before: bool
) -> None:
    """`kdquiz --workspace DIR list` and `kdquiz list --workspace DIR` both use DIR (a default
    set on the shared option once made the first form fall back to the default workspace)."""
    mine = stub_workspace / "exercises" / "exercise_1.py"
    mine.write_text(mine.read_text() + "MARKER_ONLY_IN_THIS_WORKSPACE = 1\n")
    option = ["--workspace", str(stub_workspace)]
    command = ["solution", "exercise_1", "--yes", "--diff"]
    code, out, _ = run(capsys, *(option + command if before else command + option))
    assert code == 0
    assert "MARKER_ONLY_IN_THIS_WORKSPACE" in out


def test_unknown_exercise_is_a_usage_error(capsys, stub_workspace: Path) -> None:
    code, _, err = run(capsys, "check", "exercise_99", "--workspace", str(stub_workspace))
    assert code == 2
    assert "Unknown exercise 'exercise_99'" in err
    assert all(i in err for i in exercise_ids())


def test_check_takes_one_exercise_or_all(capsys) -> None:
    code, _, err = run(capsys, "check", "exercise_1", "--all")
    assert code == 2 and "--all" in err


def test_without_an_id_the_first_unsolved_exercise_is_taken(capsys, tmp_path: Path) -> None:
    """`check`, `hint` and `solution` without an id take the first exercise not passed in the
    workspace, and say which."""
    ws = make_workspace(tmp_path / "ws", "exercises")
    solved = ws / "exercises" / "exercise_1.py"
    solved.write_text(get_exercise("exercise_1").solution_path.read_text())
    code, out, err = run(capsys, "check", "--workspace", str(ws))
    assert "exercise_1 · The distillation loss (Hinton) (the first not passed yet)" in err
    assert code == 0 and out.strip().splitlines()[-1].startswith("Well done!")
    code, _, err = run(capsys, "hint", "--workspace", str(ws))
    assert code == 0 and "exercise_2" in err and "(the first not passed yet)" in err
    assert ProgressStore.default().hints_taken("exercise_2") == 1


def test_check_stub_fails_and_is_recorded(capsys, stub_workspace: Path) -> None:
    code, out, _ = run(capsys, "check", "1", "--workspace", str(stub_workspace))
    assert code == 1
    last = out.strip().splitlines()[-1]
    assert last.startswith("exercise_1: 0/") and last.endswith("checks passed")
    assert "kd_loss is not implemented yet" in out
    [attempt] = ProgressStore.default().attempts("exercise_1")
    assert attempt.status == "fail" and attempt.passed == 0 and attempt.total > 0


def test_check_json_document(capsys, reference_workspace: Path) -> None:
    code, out, _ = run(
        capsys, "check", "exercise_2", "--json", "--workspace", str(reference_workspace)
    )
    document = json.loads(out)
    assert code == 0
    assert document["status"] == "pass" and document["exercise"] == "exercise_2"
    assert document["passed"] == document["total"] == len(document["checks"]) > 0


def test_hint_tiers_then_none_left(capsys) -> None:
    hints = get_exercise("exercise_2").hints
    for tier, text in enumerate(hints, start=1):
        code, out, _ = run(capsys, "hint", "exercise_2")
        assert code == 0 and f"Hint {tier}/{len(hints)}" in out and text in out
    code, out, _ = run(capsys, "hint", "exercise_2")
    assert code == 0 and "No hints left" in out
    assert ProgressStore.default().hints_taken("exercise_2") == len(hints)


def test_solution_asks_before_a_pass(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    code, out, _ = run(capsys, "solution", "exercise_1")
    assert code == 1 and "Not revealed" in out
    assert ProgressStore.default().reveals("exercise_1") == 0

    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    code, out, _ = run(capsys, "solution", "exercise_1")
    assert code == 0 and "def kd_loss" in out
    assert ProgressStore.default().reveals("exercise_1") == 1


def test_solution_without_a_terminal_needs_yes(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run(capsys, "solution", "exercise_1")
    assert code == 1 and "--yes" in err
    code, out, _ = run(capsys, "solution", "exercise_1", "--yes")
    assert code == 0 and "def kd_loss" in out


def test_solution_after_a_pass_needs_no_confirmation(capsys, monkeypatch) -> None:
    ProgressStore.default().record_check(
        "/elsewhere", None, {"exercise": "exercise_1", "status": "pass", "checks": []}
    )
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, out, _ = run(capsys, "solution", "exercise_1")
    assert code == 0 and "def kd_loss" in out


def test_solution_diff(capsys, stub_workspace: Path) -> None:
    code, out, _ = run(
        capsys, "solution", "exercise_1", "--yes", "--diff", "--workspace", str(stub_workspace)
    )
    assert code == 0
    assert "--- your exercises/exercise_1.py" in out
    assert "+++ reference solutions/exercise_1.py" in out
    assert "-    raise NotImplementedError" in out


def test_reset_backs_up_and_restores(capsys, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", "exercises")
    mine = ws / "exercises" / "exercise_3.py"
    mine.write_text("my attempt\n")
    code, out, _ = run(capsys, "reset", "exercise_3", "--yes", "--workspace", str(ws))
    assert code == 0 and "saved as" in out
    assert mine.read_text() == get_exercise("exercise_3").stub_path.read_text()
    [backup] = (ws / ".kdquiz" / "backups").glob("exercise_3-*.py")
    assert backup.read_text() == "my attempt\n"


def test_reset_declined_changes_nothing(capsys, monkeypatch, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", "exercises")
    (ws / "exercises" / "exercise_1.py").write_text("mine")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "")
    code, out, _ = run(capsys, "reset", "--all", "--workspace", str(ws))
    assert code == 1 and "Nothing was reset" in out
    assert (ws / "exercises" / "exercise_1.py").read_text() == "mine"


def test_init_then_refuse_to_overwrite(capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "init", str(tmp_path / "new"))
    assert code == 0 and (tmp_path / "new" / "exercises" / "exercise_1.py").is_file()
    code, _, err = run(capsys, "init", str(tmp_path / "new"))
    assert code == 1 and "already exist" in err


def test_default_workspace_is_announced(
    capsys, isolated_env: Path, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "solution", "exercise_1", "--yes", "--diff")
    assert code == 0
    assert f"Created your workspace at {isolated_env / 'workspace'}" in err


def test_list_shows_statuses_per_workspace_and_content(capsys, tmp_path: Path) -> None:
    from kdquiz.solving import file_digest

    ws = make_workspace(tmp_path / "ws", "exercises")
    store = ProgressStore.default()

    def record(exercise: str, status: str, passed: int) -> None:
        checks = [{"name": str(i), "status": "pass" if i < passed else "fail"} for i in range(5)]
        digest = file_digest(ws / "exercises" / f"{exercise}.py")
        store.record_check(
            str(ws.resolve()), digest, {"exercise": exercise, "status": status, "checks": checks}
        )

    record("exercise_1", "pass", 5)
    record("exercise_2", "fail", 1)
    record("exercise_4", "pass", 5)
    mine = ws / "exercises" / "exercise_4.py"
    mine.write_text(mine.read_text() + "# changed after it passed\n")
    code, out, _ = run(capsys, "list", "--workspace", str(ws))
    assert code == 0
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    row = {
        int(line.split()[1]): line
        for line in lines
        if len(line.split()) > 2 and line.split()[0] in "✓✗~·" and line.split()[1].isdigit()
    }
    assert row[1].startswith("  ✓") and row[1].rstrip().endswith("passed")
    assert row[2].startswith("  ✗") and "failing (last check 1/5)" in row[2]
    assert row[3].startswith("  ·") and row[3].rstrip().endswith("untried")
    assert row[4].startswith("  ~") and "changed since it passed: re-check" in row[4]
    assert "2/14 passed" not in out and "1/14 passed" in out
    assert "Questions:" in out and "interview-core" in out
    # Another workspace has its own statuses.
    code, out, _ = run(capsys, "list", "--workspace", str(make_workspace(tmp_path / "two")))
    assert "0/14 passed" in out


def test_where_says_where_everything_is(
    capsys, isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # not inside a workspace (the checkout is one)
    code, out, err = run(capsys, "where")
    assert code == 0
    assert f"{isolated_env / 'workspace'}" in out and "the default one" in out
    assert f"{isolated_env / 'progress.db'}" in out and "built-in questions" in out
    assert "Created your workspace at" in err  # a fresh HOME: created, and said so


def test_language_from_lang_and_remembered(capsys, stub_workspace: Path) -> None:
    code, out, _ = run(capsys, "--lang", "zh", "check", "1", "--workspace", str(stub_workspace))
    assert code == 1
    assert "kd_loss 还没有实现" in out and "exercise_1：通过 0/" in out
    code, out, _ = run(capsys, "hint", "exercise_2")  # remembered
    assert "exercise_2 · 教师模型的软目标：提示 1/3" in out
    code, out, _ = run(capsys, "hint", "exercise_2", "--lang", "en")
    assert "Hint 2/3 for exercise_2" in out


def test_validate_builtin_and_bad_files(capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "validate")
    assert code == 0 and out.startswith("OK:")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x\n  topic: t\n")
    code, out, err = run(capsys, "validate", str(bad))
    assert code == 1
    assert f"{bad}:1: x: type: missing required field" in out
    assert "problem(s) found" in err


def test_validate_warns_about_give_away_options_and_chinese_spacing(
    capsys, monkeypatch, tmp_path: Path
) -> None:
    question = (
        "- id: q{n}\n  topic: fundamentals\n  type: choice\n  difficulty: 1\n"
        "  prompt: {{en: 'Question {n}?', zh: '问题 {n}？'}}\n"
        "  choices:\n"
        "    - {{en: 'the right and by far the longest option', zh: '正确而且最长的 选项'}}\n"
        "    - {{en: 'wrong', zh: '错'}}\n    - {{en: 'also wrong', zh: '也错'}}\n"
        "  answer: 0\n"
        "  explanation: {{en: 'Because.', zh: '因为。'}}\n"
        "  references: ['Hinton et al. (2015). Distilling the Knowledge in a Neural Network.']\n"
    )
    (tmp_path / "mine.yaml").write_text("".join(question.format(n=n) for n in range(8)))
    monkeypatch.setenv("KDQUIZ_QUESTIONS", str(tmp_path))
    code, out, _ = run(capsys, "validate")
    assert code == 0, out
    assert "q0: a space between Chinese characters" in out and "最长的 选项" in out
    assert "(en): in 100% of the single-choice questions the longest option is the right" in out
    assert "100% of the single-choice answers are option 1 in the file" in out
    # The built-in bank is held to the same limits by its own tests, not warned about here.
    assert len([line for line in out.splitlines() if "give answers away (en)" in line]) == 3


def test_validate_user_banks_from_env(capsys, monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("- [broken\n")
    monkeypatch.setenv("KDQUIZ_QUESTIONS", str(tmp_path))
    code, out, _ = run(capsys, "validate")
    assert code == 1 and "b.yaml" in out and "invalid YAML" in out


def test_corrupt_progress_warns_and_continues(capsys, isolated_env: Path) -> None:
    (isolated_env / "progress.db").write_bytes(b"garbage" * 200)
    code, _, err = run(capsys, "hint", "exercise_1")
    assert code == 0 and "warning" in err and "moved to" in err


def test_output_into_a_closed_pipe_is_not_a_crash() -> None:
    # `true` exits before kdquiz writes, so every write meets a closed pipe.
    proc = subprocess.run(
        f"{sys.executable} -m kdquiz solution exercise_1 --yes | true",
        shell=True, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "BrokenPipeError" not in proc.stderr and "Traceback" not in proc.stderr


def test_list_into_head_exits_0() -> None:
    proc = subprocess.run(
        f"{sys.executable} -m kdquiz list | head -1; exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Exercises in")


def test_check_all_table_and_json(capsys, monkeypatch, reference_workspace: Path) -> None:
    ws = str(reference_workspace)
    code, out, _ = run(capsys, "check", "--all", "--json", "--workspace", ws)
    document = json.loads(out)
    assert code == 0 and document["status"] == "pass", out
    assert [e["exercise"] for e in document["exercises"]] == exercise_ids()
    # The table, from the same results (checking everything twice would only cost time).
    results = [ExerciseResult.from_dict(e) for e in document["exercises"]]
    monkeypatch.setattr(runner, "run_hidden_suite", lambda *args, **kwargs: results)
    code, out, _ = run(capsys, "check", "--all", "--workspace", ws)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["exercise", "title", "result", "checks"]
    assert all(len(line) <= 80 for line in lines)
    assert [line.split()[0] for line in lines[1:-1]] == exercise_ids()
    assert out.strip().endswith(f"{len(exercise_ids())}/{len(exercise_ids())} exercises passed")
    assert len(ProgressStore.default().attempts()) == 2 * len(exercise_ids())
