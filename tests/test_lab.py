"""The distillation lab: data loaders, the split, the pipeline end to end on tiny data,
determinism, the learner's own functions, and the command's behaviour on bad input."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kdquiz.cli import main
from kdquiz.lab import data as lab_data
from kdquiz.lab.data import (
    LabDataError,
    Split,
    global_time,
    leave_one_out,
    load_csv,
    synthetic,
)
from kdquiz.lab.report import (
    curves,
    format_per_seed,
    format_summary,
    format_table,
    model_label,
    svg_chart,
    text_chart,
)
from kdquiz.lab.results import LabResult
from kdquiz.paths import content_dir

TINY = {"seeds": 2, "dim": 8, "epochs": 12, "patience": 4, "eval_every": 2, "list_length": 20}


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def tiny_csv(path: Path, users: int = 40, items: int = 60, seed: int = 1) -> Path:
    data = synthetic(seed, n_users=users, n_items=items, per_user=12)
    rows = ["user,item,timestamp"] + [
        f"u{u},i{i},{t:g}" for u, i, t in zip(data.users, data.items, data.times, strict=True)
    ]
    return write_csv(path, rows)


def tiny_split() -> Split:
    """The pipeline tests' data: 80 users, 120 items. Data seed 1, on which the floors come in
    their usual order (on 80 users that order is noisy: the most popular items beat random ones
    on 9 of data seeds 0-9, not on seed 2, 0.052 vs 0.067 NDCG@10)."""
    return leave_one_out(synthetic(1, n_users=80, n_items=120, per_user=15))


# --------------------------------------------------------------------------- data


def test_csv_with_header_and_timestamps_is_renumbered_and_deduplicated(tmp_path: Path) -> None:
    rows = ["user,item,timestamp"] + [f"alice,m{i},{10 + i}" for i in range(12)]
    rows += [f"u{u},m{i},{i}" for u in range(10) for i in range(3)] + ["alice,m0,99"]
    data = load_csv(write_csv(tmp_path / "a.csv", rows))
    assert data.n_users == 11 and data.n_items == 12
    assert len(data.users) == 12 + 30  # the repeated (alice, m0) is kept once, the first
    assert data.times is not None and data.times.dtype == np.float64


def test_csv_without_header_or_timestamps(tmp_path: Path) -> None:
    rows = [f"{u},{i}" for u in range(12) for i in range(u % 3, u % 3 + 10)]
    data = load_csv(write_csv(tmp_path / "b.csv", rows))
    assert data.times is None and data.n_users == 12 and data.n_items == 12


def test_a_header_is_recognised_by_its_names_not_by_its_ids(tmp_path: Path) -> None:
    """Ids may be words: a first row of words is data unless its columns are named like a
    header (or --header / --no-header says otherwise)."""
    words = [f"user{u},movie{i}" for u in range(12) for i in range(u % 3, u % 3 + 10)]
    data = load_csv(write_csv(tmp_path / "w.csv", words))
    assert len(data.users) == len(words)  # the first row is an interaction, not a header
    named = ["User_ID,Item_ID"] + words
    assert len(load_csv(write_csv(tmp_path / "n.csv", named)).users) == len(words)
    assert len(load_csv(write_csv(tmp_path / "w2.csv", words), header=True).users) == len(words) - 1
    numbered = [f"{u},{i}" for u in range(12) for i in range(u % 3, u % 3 + 10)]
    forced = load_csv(write_csv(tmp_path / "h.csv", ["user,item", *numbered]), header=False)
    assert len(forced.users) == len(numbered) + 1  # "user" and "item" taken as ids


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "has no interactions"),
        (["user,item,rating,timestamp", "1,2,3,4"], "4 columns"),
        (["1,2,3", "1,3"], "row 2 has 2 columns"),
        (["1,2,yesterday"] * 2, "not a number"),
        (["1,,3"], "empty user or item"),
        ([f"{u},{i}" for u in range(3) for i in range(5)], "too small"),
    ],
)
def test_bad_csv_files_say_what_is_wrong(tmp_path: Path, rows: list[str], message: str) -> None:
    with pytest.raises(LabDataError, match=message):
        load_csv(write_csv(tmp_path / "bad.csv", rows))


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(LabDataError, match="does not exist"):
        load_csv(tmp_path / "nope.csv")
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 100)
    with pytest.raises(LabDataError, match="cannot be read"):
        load_csv(binary)


def test_leave_one_out_holds_out_the_last_two_by_time(tmp_path: Path) -> None:
    rows = [f"u{u},i{i},{(i * 7 + u) % 13}" for u in range(12) for i in range(u % 3, u % 3 + 10)]
    rows += ["short,i1,0", "short,i2,1"]  # two interactions: trains, never evaluated
    data = load_csv(write_csv(tmp_path / "t.csv", rows))
    split = leave_one_out(data, seed=3)
    times = {(u, i): t for u, i, t in zip(data.users, data.items, data.times, strict=True)}
    for user in range(data.n_users):
        own = [(times[(user, i)], i) for i in data.items[data.users == user]]
        if len(own) < 3:
            assert split.valid_items[user] == split.test_items[user] == -1
            continue
        train = set(split.train_items[split.train_users == user])
        assert times[(user, split.test_items[user])] == max(t for t, _ in own)
        assert times[(user, split.valid_items[user])] <= times[(user, split.test_items[user])]
        assert all(times[(user, i)] <= times[(user, split.valid_items[user])] for i in train)
        assert len(train) == len(own) - 2
        assert {split.valid_items[user], split.test_items[user]}.isdisjoint(train)
    again = leave_one_out(data, seed=3)
    assert np.array_equal(again.test_items, split.test_items)


def test_the_final_models_train_on_each_validation_item_as_the_latest_one() -> None:
    split = leave_one_out(synthetic(1, n_users=30, n_items=50, per_user=8))
    assert np.all(np.diff(split.final_users) >= 0)  # still grouped by user
    for user in range(split.n_users):
        before = split.train_items[split.train_users == user].tolist()
        after = split.final_items[split.final_users == user].tolist()
        valid = int(split.valid_items[user])
        assert after == (before + [valid] if valid >= 0 else before)
        assert split.test_items[user] not in after


def test_the_global_time_split_never_trains_on_the_future(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    rows = ["user,item,timestamp"] + [
        f"u{u},i{i},{t}" for u in range(60)
        for i, t in zip(rng.choice(80, 12, replace=False), rng.integers(0, 1000, 12), strict=True)
    ]  # fmt: skip
    data = load_csv(write_csv(tmp_path / "t.csv", rows))
    split = global_time(data)
    assert split.kind == "global-time"
    times = {(u, i): t for u, i, t in zip(data.users, data.items, data.times, strict=True)}
    test_from = min(times[(u, i)] for u, i in enumerate(split.test_items) if i >= 0)
    valid_from = min(times[(u, i)] for u, i in enumerate(split.valid_items) if i >= 0)
    assert valid_from < test_from
    # Choices train before the validation period; the final models before the test period.
    train = zip(split.train_users, split.train_items, strict=True)
    final = zip(split.final_users, split.final_items, strict=True)
    assert max(times[p] for p in train) < valid_from
    assert max(times[p] for p in final) < test_from
    for user, item in enumerate(split.test_items):
        if item >= 0:  # the user's first interaction in the test period, with history before
            later = [t for (u, _), t in times.items() if u == user and t >= test_from]
            assert times[(user, item)] == min(later)
            assert user in split.final_users
    assert (split.test_items >= 0).sum() >= 10 and (split.valid_items >= 0).sum() >= 10
    no_times = load_csv(write_csv(tmp_path / "n.csv", [r.rsplit(",", 1)[0] for r in rows]))
    with pytest.raises(LabDataError, match="timestamps"):
        global_time(no_times)


def test_synthetic_data_is_deterministic_and_skewed() -> None:
    a, b = synthetic(7), synthetic(7)
    assert np.array_equal(a.items, b.items) and not np.array_equal(a.items, synthetic(8).items)
    counts = np.sort(np.bincount(a.items, minlength=a.n_items))[::-1]
    top_tenth = counts[: a.n_items // 10].sum() / counts.sum()
    assert top_tenth > 0.2  # popular items get far more than their 10 % share


def test_synthetic_data_has_sequels_that_item_to_item_structure_predicts() -> None:
    """The generator's defining property: about half the picks are the sequel of the pick before
    (a random permutation of the items, not a low-rank structure), so a user's test item is
    often the item that most often follows their validation item in everyone's training
    histories; chance is 1 in 800, and with tastes alone (`sequel=0`) it almost never is."""

    def sequel_share(data: lab_data.Interactions) -> float:
        split = leave_one_out(data)
        users, items = split.final_users, split.final_items  # each user's items in time order
        same_user = users[1:] == users[:-1]
        pairs = np.zeros((data.n_items, data.n_items))
        np.add.at(pairs, (items[:-1][same_user], items[1:][same_user]), 1)
        most_often_next = pairs.argmax(axis=1)
        held = split.test_items >= 0
        return float(np.mean(most_often_next[split.valid_items[held]] == split.test_items[held]))

    assert sequel_share(synthetic(3)) > 0.35
    assert sequel_share(synthetic(3, sequel=0.0)) < 0.03


def test_movielens_is_found_only_inside_an_installed_recbole(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:  # fmt: skip
    folder = tmp_path / "recbole" / "dataset_example" / "ml-100k"
    folder.mkdir(parents=True)
    (tmp_path / "recbole" / "__init__.py").write_text("raise ImportError('never imported')\n")
    (folder / "ml-100k.inter").write_text(
        "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
        + "".join(f"{u}\t{i}\t4\t{u * 100 + i}\n" for u in range(12) for i in range(1, 6))
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    path = lab_data.movielens_path()
    assert path == folder / "ml-100k.inter"
    data = lab_data.load_movielens(path)
    assert (data.n_users, data.n_items, len(data.users)) == (12, 5, 60)


# --------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def tiny_result() -> dict:
    from kdquiz.lab.functions import load_functions
    from kdquiz.lab.pipeline import LabConfig, run_lab

    split = tiny_split()
    events: list[dict] = []
    result = run_lab(split, load_functions(), LabConfig(**TINY, device="cpu"), events.append)
    result["events"] = events
    return result


def test_the_pipeline_trains_and_evaluates_every_model(tiny_result: dict) -> None:
    models = tiny_result["models"]
    students = ["scratch", "ranking", "listwise", "soft"]
    assert list(models) == ["teacher", *students, "popularity", "random"]
    assert models["teacher"]["parameters"] == tiny_result["dataset"]["items"] ** 2
    for key in ["teacher", *students]:
        model = models[key]
        assert model["parameters"] > 0 and model["latency_ms_per_1000_users"] > 0
    for model in models.values():
        for metric in ("HR@10", "NDCG@10", "Recall@20"):
            summary = model["metrics"][metric]
            assert 0.0 <= summary["mean"] <= 1.0 and len(summary["runs"]) == 2
            assert summary["std"] >= 0.0
        # NDCG@10 can never exceed HR@10 (each hit contributes at most 1).
        assert model["metrics"]["NDCG@10"]["mean"] <= model["metrics"]["HR@10"]["mean"] + 1e-12
    for key in ("scratch", "ranking", "listwise", "soft"):
        assert models[key]["parameters"] < models["teacher"]["parameters"]
        stopped = max(c["stopped_epoch"] for c in models[key]["chosen"])
        assert [e for e, _ in models[key]["valid_ndcg_per_epoch"]] == list(range(2, stopped + 1, 2))
    # Each distilled student against scratch, paired by user, with a 95% CI that holds its mean.
    for key in ("ranking", "listwise", "soft"):
        versus = models[key]["vs_scratch"]
        low, high = versus["ci"]
        assert low <= versus["diff"] <= high and 0 < versus["p"] <= 1
        assert versus["users"] == tiny_result["dataset"]["evaluated_users"]
        assert versus["significant"] == (low > 0 or high < 0)
    # The sample std (n - 1) over the seeds.
    runs = models["scratch"]["metrics"]["NDCG@10"]["runs"]
    assert models["scratch"]["metrics"]["NDCG@10"]["std"] == pytest.approx(
        abs(runs[0] - runs[1]) / 2**0.5
    )
    # The floors: the teacher beats the most popular items, which beat random ones.
    ndcg = {k: m["metrics"]["NDCG@10"]["mean"] for k, m in models.items()}
    assert ndcg["teacher"] > ndcg["popularity"] > ndcg["random"]
    assert tiny_result["seeds"] == [0, 1]
    assert any(e["event"] == "epoch" for e in tiny_result["events"])
    json.dumps({k: v for k, v in tiny_result.items() if k != "events"})  # JSON-ready


def test_students_stop_with_patience_and_are_refit_for_their_best_epoch_count(
    tiny_result: dict,
) -> None:
    refit_epochs: dict[tuple[str, int], int] = {}
    for event in tiny_result["events"]:
        if event["event"] == "epoch" and event["phase"] == "refit":
            key = (event["model"], event["seed"])
            refit_epochs[key] = refit_epochs.get(key, 0) + 1
    assert tiny_result["protocol"] == "refit"
    for key in ("scratch", "ranking", "listwise", "soft"):
        for chosen in tiny_result["models"][key]["chosen"]:
            best, stopped = chosen["best_epoch"], chosen["stopped_epoch"]
            # Validation stopped improving `patience` epochs ago, or the budget ran out.
            assert best <= stopped and (stopped - best == TINY["patience"] or stopped == 12)
            assert refit_epochs[(key, chosen["seed"])] == best


def test_students_trained_in_parallel_processes_give_the_same_result(tiny_result: dict) -> None:
    from kdquiz.lab.functions import load_functions
    from kdquiz.lab.pipeline import LabConfig, run_lab

    split = tiny_split()
    events: list[dict] = []
    parallel = run_lab(split, load_functions(), LabConfig(**TINY, workers=2, device="cpu"),
                       events.append)  # fmt: skip
    for key, model in parallel["models"].items():
        assert model["metrics"] == tiny_result["models"][key]["metrics"]
        assert model.get("chosen") == tiny_result["models"][key].get("chosen")
    # The workers' progress reaches the caller: every epoch of every student and seed.
    epochs = [e for e in events if e["event"] == "epoch"]
    assert len(epochs) == sum(1 for e in tiny_result["events"] if e["event"] == "epoch")


def test_the_pipeline_is_deterministic_under_a_fixed_seed(tiny_result: dict) -> None:
    from kdquiz.lab.functions import load_functions
    from kdquiz.lab.pipeline import LabConfig, run_lab

    split = tiny_split()
    again = run_lab(split, load_functions(), LabConfig(**TINY, device="cpu"))
    for key, model in again["models"].items():
        assert model["metrics"] == tiny_result["models"][key]["metrics"]


def test_the_report_shows_every_model_and_a_chart(tiny_result: dict) -> None:
    result = LabResult.from_json(tiny_result)
    table = format_table(result)
    # On request, each seed's test NDCG@10 of each model, in a row of its own.
    per_seed = format_per_seed(result).splitlines()
    assert per_seed[1].endswith("seed 0  seed 1")
    for key, model in tiny_result["models"].items():
        runs = [f"{v:.4f}" for v in model["metrics"]["NDCG@10"]["runs"]]
        label = model_label(key, result.models[key], "en")
        assert next(line for line in per_seed if line.startswith(label)).split()[-2:] == runs
    for key, model in result.models.items():
        assert model_label(key, model, "en") in table
    assert "100%" in table  # the teacher keeps all of its own NDCG
    summary = format_summary(result)
    assert "scratch" in summary and "95% CI" in summary and "reference solutions" in summary
    # The protocol is stated, with each student's epoch count per seed.
    assert "refit on train+validation" in summary and "leave-one-out by time" in summary
    scratch = [str(c["best_epoch"]) for c in tiny_result["models"]["scratch"]["chosen"]]
    assert f"student, from scratch: {', '.join(scratch)}" in summary
    assert "most popular (floor)" in table and "random (floor)" in table
    series = curves(result)
    assert [label for label, _ in series] == [
        m["label"] for k, m in tiny_result["models"].items() if m.get("valid_ndcg_per_epoch")
    ]
    chart = text_chart(series, width=40, height=8)
    assert "●" in chart and "student, from scratch" in chart
    root = ET.fromstring(svg_chart(series, "t"))
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == len(series)


def test_the_charts_fit_and_show_the_teacher_as_a_reference(tiny_result: dict) -> None:
    from rich.cells import cell_len

    from kdquiz.lab.report import teacher_reference

    result = LabResult.from_json(tiny_result)
    series = curves(result)
    reference = teacher_reference(result)
    assert reference is not None and reference[0] == "teacher (EASE)"
    assert reference[1] == tiny_result["models"]["teacher"]["chosen"][0]["valid_ndcg"]
    for lang in ("en", "zh"):
        chart = text_chart(curves(result, lang), width=60, height=8, lang=lang,
                           reference=reference)  # fmt: skip
        lines = chart.splitlines()
        assert all(cell_len(line) <= 60 + 9 for line in lines)  # the plot, its labels, legend
        assert sum("┄┄┄" in line for line in lines) == 1 and f"{reference[1]:.3f}" in chart
    svg = svg_chart(series, "t", reference)
    root = ET.fromstring(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    texts = root.findall("{http://www.w3.org/2000/svg}text")
    legend = [t for t in texts if t.text and t.text.startswith(tuple(label for label, _ in series))]
    assert len(legend) == len(series)
    for text in legend:  # every legend label starts inside the canvas and ends inside it too
        x, y = float(text.get("x")), float(text.get("y"))
        assert 0 <= x and x + 7 * len(text.text) <= width and 0 < y <= height
    dashed = [line for line in root.findall("{http://www.w3.org/2000/svg}line")
              if line.get("stroke-dasharray")]  # fmt: skip
    assert len(dashed) == 2  # the reference line and its legend sample


# --------------------------------------------------------------------------- the command


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["lab", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_lab_json_on_a_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tiny_csv(tmp_path / "d.csv")
    svg = tmp_path / "chart.svg"
    code, out, err = run_cli(capsys, "--data", str(csv), "--seeds", "1", "--epochs", "2",
                             "--json", "--plot", str(svg))  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert result["dataset"]["name"] == "d.csv" and result["seeds"] == [0]
    assert set(result["models"]) == {
        "teacher", "scratch", "ranking", "listwise", "soft", "popularity", "random",
    }  # fmt: skip
    assert svg.read_text().startswith("<svg")


def test_a_catalogue_smaller_than_the_teachers_lists_still_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tiny_csv(tmp_path / "d.csv", users=30, items=20)  # fewer items than topk (50)
    code, out, err = run_cli(capsys, "--data", str(csv), "--seeds", "1", "--epochs", "1", "--json")
    assert code == 0, err
    assert json.loads(out)["config"]["topk"] <= json.loads(out)["dataset"]["items"]


def test_lab_reports_a_bad_data_file_in_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_csv(tmp_path / "bad.csv", ["a,b,c,d", "1,2,3,4"])
    code, out, err = run_cli(capsys, "--data", str(bad))
    assert code == 1 and out == ""
    assert err.strip().startswith("kdquiz:") and "4 columns" in err
    code, _, err = run_cli(capsys, "--data", str(tmp_path / "missing.csv"))
    assert code == 1 and "does not exist" in err
    code, _, err = run_cli(capsys, "--seeds", "0")
    assert code == 2 and "--seeds" in err
    code, _, err = run_cli(capsys, "--plot", str(tmp_path / "chart.pdf"))
    assert code == 2 and ".svg or a .png" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--epochs", "-1"], "--epochs must be at least 1"),
        (["--memory", "1M"], "too small for the lab"),
        (["--timeout", "-5"], "--timeout must be a positive number"),
    ],
)
def test_bad_arguments_are_refused_before_the_run(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == ""
    assert expected in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_run_longer_than_the_timeout_is_refused_with_its_estimate(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kdquiz.lab import runner

    def movielens_1m(*_: object) -> tuple[dict, str]:
        return {"kind": "grouplens", "name": "movielens-1m", "path": "ratings.dat"}, ""

    monkeypatch.setattr(runner, "choose_data", movielens_1m)
    ran = []
    monkeypatch.setattr(runner, "run_lab_process", lambda *a: ran.append(a))
    code, out, err = run_cli(capsys)
    assert code == 1 and out == "" and not ran
    from kdquiz.lab.presets import FULL, estimate_seconds

    minutes = round(estimate_seconds(FULL, 3, "movielens-1m") / 60)
    assert f"This run takes about {minutes} min on 2 free cores, more than --timeout 600 s" in err
    assert "--quick" in err


def test_data_too_big_for_the_memory_limit_is_refused_with_an_estimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kdquiz.lab.worker import memory_needed

    # The estimate follows what was measured: 10,000 users × 10,000 items took 5.3 GB.
    assert 4.5e9 < memory_needed(10_000, 10_000) < 6.5e9
    csv = tiny_csv(tmp_path / "d.csv")
    code, out, err = run_cli(capsys, "--data", str(csv), "--memory", "600M")
    assert code == 1 and out == ""
    assert "needs about 0.7 GiB of memory, more than the limit of 600 MiB" in err


def test_a_chart_path_that_cannot_be_written_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "--plot", str(tmp_path / "missing" / "dir" / "x.svg"))
    assert code == 1 and out == "" and "does not exist" in err


def test_a_png_chart_without_matplotlib_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name)
    )
    code, out, err = run_cli(capsys, "--plot", str(tmp_path / "chart.png"))
    assert code == 1 and "needs matplotlib" in err and out == ""


@pytest.fixture()
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "ws"
    assert main(["init", str(root)]) == 0
    monkeypatch.setenv("KDQUIZ_DATA_DIR", str(tmp_path / "data"))
    return root


def test_use_workspace_with_stubs_names_the_stub(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tiny_csv(tmp_path / "d.csv")
    code, out, err = run_cli(capsys, "--workspace", str(workspace), "--use-workspace",
                             "--data", str(csv), "--epochs", "2", "--seeds", "1")  # fmt: skip
    assert code == 1
    assert "is still a stub" in err and "check exercise_" in err and "reference solutions" in err


def test_use_workspace_runs_the_learners_solutions(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in (1, 4, 5, 8, 13):
        shutil.copy(content_dir("solutions") / f"exercise_{n}.py",
                    workspace / "exercises" / f"exercise_{n}.py")  # fmt: skip
    csv = tiny_csv(tmp_path / "d.csv")
    args = ("--workspace", str(workspace), "--use-workspace", "--data", str(csv))
    code, out, err = run_cli(capsys, *args, "--epochs", "2", "--seeds", "1", "--json")
    assert code == 0, err
    assert json.loads(out)["functions"] == str((workspace / "exercises").resolve())


def test_learner_code_that_exits_or_crashes_ends_in_one_sentence(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in (1, 4, 5, 8, 13):
        shutil.copy(content_dir("solutions") / f"exercise_{n}.py",
                    workspace / "exercises" / f"exercise_{n}.py")  # fmt: skip
    target = workspace / "exercises" / "exercise_13.py"
    csv = tiny_csv(tmp_path / "d.csv")
    args = ("--workspace", str(workspace), "--use-workspace", "--data", str(csv),
            "--epochs", "2", "--seeds", "1")  # fmt: skip
    target.write_text(target.read_text() + "\n\ndef listwise_distillation_loss(*a, **k):\n"
                      "    import os\n    os._exit(3)\n")  # fmt: skip
    code, _, err = run_cli(capsys, *args)
    assert code == 1 and "os._exit()" in err
    target.write_text(target.read_text() + "\n\ndef listwise_distillation_loss(*a, **k):\n"
                      "    return {}['missing']\n")  # fmt: skip
    code, _, err = run_cli(capsys, *args)
    assert code == 1 and "your listwise_distillation_loss (exercise_13) raised KeyError" in err


def _processes_in(folder: Path) -> list[int]:
    """Pids of processes whose working directory is inside `folder` (Linux /proc)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if cwd.startswith(str(folder)):
            found.append(int(proc.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs Linux /proc")
def test_sigterm_stops_the_lab_and_leaves_nothing_behind(tmp_path: Path) -> None:
    """SIGTERM (like ctrl+c) kills the lab's job and removes its temporary folder."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kdquiz", "lab", "--synthetic", "--seeds", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (jobs := list(temp.glob("kdquiz-job-*"))) or not _processes_in(jobs[0]):
            assert time.monotonic() < deadline and proc.poll() is None, "the job never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "Traceback" not in proc.stderr.read()
    deadline = time.monotonic() + 5
    while (list(temp.glob("kdquiz-job-*")) or _processes_in(temp)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(temp.glob("kdquiz-job-*")) == [] and _processes_in(temp) == []


def test_the_lab_uses_the_cores_that_are_free(monkeypatch: pytest.MonkeyPatch) -> None:
    """Free now: the share of its cores' time that was busy over a short sample, or, where
    /proc/stat cannot be read, the 1-minute load average."""
    from kdquiz.lab import runner

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    for busy_share, free in ((0.05, 4), (0.30, 3), (0.65, 1), (1.0, 1)):
        samples = iter([(1000.0, 4000.0), (1000.0 + busy_share * 400, 4400.0)])
        monkeypatch.setattr(runner, "cpu_times", lambda cpus, samples=samples: next(samples))
        assert runner.free_cpus(sample=0) == free
    monkeypatch.setattr(runner, "cpu_times", lambda cpus: None)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.0, 0.0))
    assert runner.free_cpus() == 4
    monkeypatch.setattr(os, "getloadavg", lambda: (2.6, 0.0, 0.0))
    assert runner.free_cpus() == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 0.0, 0.0))
    assert runner.free_cpus() == 1


def test_cpu_times_reads_the_cores_it_is_given_from_proc_stat() -> None:
    from kdquiz.lab import runner

    if not Path("/proc/stat").exists():
        pytest.skip("no /proc/stat here")
    first = runner.cpu_times({0})
    assert first is not None and 0 <= first[0] <= first[1]
    both = runner.cpu_times({0, 1} & set(range(os.cpu_count() or 1)))
    assert both is not None and both[1] >= first[1]
    assert runner.cpu_times({10_000}) is None  # no such core


def test_the_paired_comparison_finds_a_real_gap_and_only_a_real_one() -> None:
    import numpy as np

    from kdquiz.lab.significance import format_p, paired

    rng = np.random.default_rng(1)
    scratch = rng.uniform(0, 1, 500)
    better = scratch + 0.05 + rng.normal(0, 0.1, 500)
    found = paired(better, scratch)
    assert found["significant"] and found["ci"][0] > 0 and found["p"] < 0.01
    assert found["ci"][0] < 0.05 < found["ci"][1]
    same = paired(scratch + rng.normal(0, 0.1, 500), scratch)
    assert not same["significant"] and same["ci"][0] < 0 < same["ci"][1] and same["p"] > 0.05
    assert format_p(0.0004) == "p < 0.001" and format_p(0.004) == "p = 0.004"


def test_the_data_note_is_worded_in_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from kdquiz.i18n import t
    from kdquiz.lab import runner

    monkeypatch.setattr(lab_data, "movielens_path", lambda: None)
    source, note = runner.choose_data()
    assert source == {"kind": "synthetic"} and "not on this machine" in t(note, "en")
    assert "`kdquiz data fetch movielens-100k`" in t(note, "en")
    assert "本机还没有" in t(note, "zh") and "`kdquiz data fetch movielens-100k`" in t(note, "zh")
    assert runner.choose_data(synthetic=True)[1] == ""


def test_students_use_a_plain_adam_where_torch_has_no_fused_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """torch < 2.4 has no fused Adam on the CPU and refuses fused=True when it is built."""
    import torch

    from kdquiz.lab.models import MatrixFactorization
    from kdquiz.lab.pipeline import LabConfig, adam

    model = MatrixFactorization(3, 4, 8)
    assert adam(model, LabConfig(device="cpu")).defaults["fused"] is True
    real = torch.optim.Adam

    def old_adam(params: Any, **options: Any) -> torch.optim.Adam:
        if options.get("fused"):
            raise RuntimeError("`fused=True` requires all the params to be on CUDA")
        return real(params, **options)

    monkeypatch.setattr(torch.optim, "Adam", old_adam)
    plain = adam(model, LabConfig(device="cpu", lr=0.05))
    assert not plain.defaults["fused"] and plain.defaults["lr"] == 0.05
