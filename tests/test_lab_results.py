"""The lab's typed results and events, the progress tracker and its time estimate, the presets,
and `kdquiz lab --quick`: everything below the front ends, without running the pipeline."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kdquiz.cli import main
from kdquiz.i18n import Message
from kdquiz.lab import runner
from kdquiz.lab.presets import FULL, QUICK, estimate, estimate_seconds, preset_of, size_key
from kdquiz.lab.report import format_summary, format_table
from kdquiz.lab.results import (
    EpochEvent,
    LabResult,
    LabResultError,
    PlanEvent,
    StageEvent,
    TrainedEvent,
    parse_event,
)
from kdquiz.lab.tracker import LabProgress, duration

FIXTURE = Path(__file__).with_name("fixtures") / "lab_result.json"


def said(message: Message | None) -> tuple[str, dict[str, object]] | None:
    """A message's key and values (messages are exceptions: they do not compare by value)."""
    return None if message is None else (message.key, message.values)


@pytest.fixture()
def document() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the result


def test_the_fixture_round_trips_exactly(document: dict[str, Any]) -> None:
    result = LabResult.from_json(document)
    assert result.to_json() == document
    assert json.dumps(result.to_json()) == json.dumps(document)  # the same order too
    assert result.seeds == (0, 1, 2) and result.dataset.users == 600
    assert result.protocol == "refit" and result.dataset.extra["validated_users"] == 600
    scratch = result.models["scratch"]
    assert scratch.metrics["NDCG@10"].runs == pytest.approx((0.0612672, 0.0716593, 0.0644191))
    assert scratch.vs_scratch is None and result.models["soft"].vs_scratch is not None
    assert result.models["soft"].vs_scratch.significant is True
    assert result.models["random"].chosen is None and result.teacher.mean("NDCG@10") > 0


def test_fields_it_does_not_know_are_kept_and_written_back(document: dict[str, Any]) -> None:
    """A newer pipeline's fields (a protocol, per-seed stopping epochs, …) survive --json."""
    document["future_field"] = "kept"
    document["dataset"]["validated_users"] = 600
    document["config"]["patience"] = 20
    soft = document["models"]["soft"]
    soft["chosen"][0]["stopped_epoch"] = 30
    soft["stopping"] = {"median": 30}
    soft["metrics"]["NDCG@10"]["ci"] = [0.0, 1.0]
    soft["vs_scratch"]["method"] = "sign-flip"
    document["models"]["mystery"] = {**copy.deepcopy(soft), "label": "a new student"}
    result = LabResult.from_json(document)
    assert result.to_json() == document
    assert result.extra == {"future_field": "kept"}
    assert result.models["soft"].extra == {"stopping": {"median": 30}}
    assert "a new student" in format_table(result)  # a model the i18n layer lacks: its label


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("models"),
        lambda d: d["models"].pop("teacher"),
        lambda d: d["models"]["teacher"]["metrics"].pop("NDCG@10"),
        lambda d: d["models"]["scratch"]["metrics"]["HR@10"].update(mean="high"),
        lambda d: d["models"]["soft"].update(vs_scratch={"diff": 0.1}),
        lambda d: d.update(seeds=None),
        lambda d: d["dataset"].pop("name"),
    ],
)
def test_what_is_not_a_result_is_refused(document: dict[str, Any], damage: Any) -> None:
    damage(document)
    with pytest.raises(LabResultError, match="not a lab result"):
        LabResult.from_json(document)


@pytest.mark.parametrize("junk", [None, [], "result", 3, {}, {"models": {}}])
def test_junk_is_refused(junk: object) -> None:
    with pytest.raises(LabResultError):
        LabResult.from_json(junk)


def test_the_report_reads_an_older_result(document: dict[str, Any]) -> None:
    """Before the paired comparison: the plain difference of the means; a metric a model
    lacks shows as a dash."""
    for model in document["models"].values():
        model.pop("vs_scratch", None)
    del document["models"]["random"]["metrics"]["Recall@20"]
    result = LabResult.from_json(document)
    summary = format_summary(result)
    assert "ranking KD (ex. 8): NDCG@10 +0.0988 vs scratch;" in summary and "95% CI" not in summary
    random_row = next(line for line in format_table(result).splitlines() if "random" in line)
    assert "—" in random_row


def test_the_layers_the_front_ends_import_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import kdquiz.lab.report, kdquiz.lab.results, kdquiz.lab.tracker, kdquiz.lab.presets\n"
        "import kdquiz.lab.runner, kdquiz.cli.lab\n"
        "assert 'torch' not in sys.modules and 'textual' not in sys.modules, 'imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- events


EPOCH = {"event": "epoch", "model": "ranking", "weight": 8.0, "seed": 1, "epoch": 4, "epochs": 80,
         "valid_ndcg": 0.0512}  # fmt: skip


def test_every_kind_of_event_is_parsed() -> None:
    assert parse_event({"event": "stage", "stage": "data"}) == StageEvent("data")
    assert parse_event({"event": "stage", "stage": "soft", "seed": 2}) == StageEvent("soft", 2)
    assert parse_event({"event": "plan", "trainings": 12}) == PlanEvent(12)
    assert parse_event(EPOCH) == EpochEvent("ranking", 8.0, 1, 4, 80, 0.0512)
    # A refit epoch has no validation NDCG; fields it does not know are ignored.
    refit = {**EPOCH, "phase": "refit", "token": "x"}
    del refit["valid_ndcg"]
    assert parse_event(refit) == EpochEvent("ranking", 8.0, 1, 4, 80, None, "refit")
    assert parse_event({"event": "plan", "trainings": 24, "refits": 12}) == PlanEvent(24)
    done = {"event": "trained", "model": "soft", "weight": 8, "seed": 2, "phase": "refit",
            "epochs": 40}  # fmt: skip
    assert parse_event(done) == TrainedEvent("soft", 8.0, 2, "refit", 40)


@pytest.mark.parametrize(
    "junk",
    [
        None, "epoch", [EPOCH], {}, {"event": "result", "result": {}},
        {"event": "error", "message": "x"}, {"event": "warp"}, {"event": "stage"},
        {"event": "plan", "trainings": "many"}, {"event": "plan", "trainings": -1},
        {k: v for k, v in EPOCH.items() if k != "seed"}, {**EPOCH, "epoch": 0},
        {**EPOCH, "epoch": 81}, {**EPOCH, "valid_ndcg": "good"}, {**EPOCH, "weight": None},
    ],
)  # fmt: skip
def test_anything_else_is_no_event(junk: object) -> None:
    assert parse_event(junk) is None


# --------------------------------------------------------------------------- progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def epoch(model: str, n: int, of: int = 10, seed: int = 0, ndcg: float | None = 0.05,
          phase: str = "select") -> EpochEvent:  # fmt: skip
    return EpochEvent(model, 0.0, seed, n, of, ndcg, phase)


def trained(model: str, epochs: int, seed: int = 0, phase: str = "select") -> TrainedEvent:
    return TrainedEvent(model, 0.0, seed, phase, epochs)


def test_the_share_done_counts_every_planned_training() -> None:
    progress = LabProgress(FakeClock())
    assert progress.fraction == 0.0 and said(progress.status()) == ("lab_starting", {})
    progress.update(StageEvent("teacher"))
    assert progress.status().key == "lab_stage_teacher" and progress.fraction == 0.0
    progress.update(PlanEvent(2))
    progress.update(StageEvent("scratch", 0))
    assert progress.status().text("en") == "Training the scratch student (seed 0)…"
    assert progress.status().text("zh") == "正在训练学生模型（从零训练，种子 0）…"
    progress.update(epoch("scratch", 5))
    assert progress.fraction == pytest.approx(0.25)
    progress.update(epoch("scratch", 10))
    assert progress.fraction == pytest.approx(0.5)
    assert progress.status().text("en") == (
        "Training the scratch student (seed 0): epoch 10/10, validation NDCG@10 0.0500"
    )
    progress.update(trained("scratch", 10))
    progress.update(epoch("soft", 10))
    progress.update(trained("soft", 10))
    assert progress.finished == 2 and progress.fraction == pytest.approx(1.0)


def test_trainings_side_by_side_are_counted_apart() -> None:
    """Two processes train two students at once: their epochs interleave."""
    progress = LabProgress(FakeClock())
    progress.update(PlanEvent(4))
    for n in range(1, 6):
        progress.update(epoch("scratch", n))
        progress.update(epoch("ranking", n))
    assert progress.finished == 0 and progress.fraction == pytest.approx(2 * 0.5 / 4)
    progress.update(trained("scratch", 5))  # stopped early, at 5 of at most 10
    assert progress.finished == 1 and progress.fraction == pytest.approx((1 + 0.5) / 4)


def test_the_time_left_comes_once_a_training_has_ended() -> None:
    clock = FakeClock()
    progress = LabProgress(clock)
    progress.update(StageEvent("teacher"))
    clock.now += 30  # the teacher's time is not part of the estimate
    progress.update(PlanEvent(4))
    for n in range(1, 11):  # 2 s an epoch
        clock.now += 2
        progress.update(epoch("scratch", n))
        assert progress.time_left() is None, "no estimate before a training has ended"
    progress.update(trained("scratch", 10))
    clock.now += 2
    progress.update(epoch("ranking", 1))
    # 22 s over 11 epochs; 9 epochs of this training and 2 × 10 of the others to go.
    assert progress.seconds_left() == pytest.approx(2 * (9 + 20))
    assert said(progress.time_left()) == ("lab_left_minutes", {"n": 1})
    clock.now += 10  # counts down between events
    assert progress.seconds_left() == pytest.approx(58 - 10)
    assert said(progress.time_left()) == ("lab_left_seconds", {"n": 50})


def test_early_stopping_and_refits_shorten_the_estimate() -> None:
    """A training may stop before its most epochs, and the refit of the same student is a
    training of its own: the typical length is measured."""
    clock = FakeClock()
    progress = LabProgress(clock)
    progress.update(PlanEvent(4))
    for n in (2, 4, 6, 8, 10, 12):  # stops at 12 of at most 80; 1 s an epoch
        clock.now += 2
        progress.update(epoch("scratch", n, of=80))
    assert progress.fraction == pytest.approx(12 / 80 / 4)
    progress.update(trained("scratch", 12))
    for n in range(1, 5):  # the refit: exactly 4 epochs
        clock.now += 1
        progress.update(epoch("scratch", n, of=4, ndcg=None, phase="refit"))
    assert progress.status().text("zh") == (
        "正在用训练+验证数据重新训练学生模型（从零训练，种子 0）：第 4/4 轮"
    )
    assert progress.finished == 1 and progress.fraction == pytest.approx(2 / 4)
    progress.update(trained("scratch", 4, phase="refit"))
    # 16 s over 16 epochs; trainings of 8 epochs on average, 2 to go.
    assert progress.finished == 2 and progress.seconds_left() == pytest.approx(2 * 8)


@pytest.mark.parametrize(
    ("seconds", "key", "n"),
    [(0, "x_seconds", 5), (12, "x_seconds", 15), (54, "x_seconds", 55), (55, "x_minutes", 1),
     (100, "x_minutes", 2), (3600, "x_minutes", 60)],
)  # fmt: skip
def test_durations_are_rounded_for_people(seconds: float, key: str, n: int) -> None:
    assert said(duration("x", seconds)) == (key, {"n": n})


# --------------------------------------------------------------------------- presets


def test_the_quick_preset_is_well_under_a_minute_on_movielens() -> None:
    assert QUICK.seeds == 1 and QUICK.config["epochs"] < FULL.epochs
    quick = estimate_seconds(QUICK, 1, "movielens-100k")
    assert quick is not None and quick < 45
    full = estimate_seconds(FULL, 3, "movielens-100k")
    assert full is not None and full > 3 * quick
    assert estimate(QUICK, 1, None) is None
    assert said(estimate(QUICK, 1, "synthetic")) == ("lab_estimate_seconds", {"n": 10})
    # Each data source is estimated as the data it is; a user's CSV has no estimate.
    assert size_key({"kind": "movielens", "path": "x"}) == "movielens-100k"
    assert size_key({"kind": "grouplens", "name": "movielens-1m", "path": "x"}) == "movielens-1m"
    assert size_key({"kind": "csv", "path": "x"}) is None
    one_m = estimate_seconds(FULL, 3, "movielens-1m")
    assert one_m is not None and one_m > 10 * full
    assert preset_of({"epochs": QUICK.config["epochs"]}) is QUICK
    assert preset_of({"epochs": 80}) is FULL and preset_of({}) is FULL


def test_the_full_preset_estimate_follows_the_recipe() -> None:
    """The time estimate assumes the recipe's epochs: keep it in step with the pipeline."""
    from kdquiz.lab.pipeline import LabConfig

    assert FULL.config == {} and FULL.seeds == LabConfig().seeds
    assert FULL.epochs <= LabConfig().epochs


# --------------------------------------------------------------------------- the command


@pytest.fixture()
def fake_run(monkeypatch: pytest.MonkeyPatch, document: dict[str, Any]) -> list[Any]:
    """Runs of `kdquiz lab` that return the fixture at once; the list gets each request."""
    requests: list[Any] = []

    def run(request: Any, on_event: Any = None, cancel: Any = None) -> runner.LabOutcome:
        requests.append(request)
        for event in (StageEvent("teacher"), PlanEvent(4), epoch("scratch", 10)):
            if on_event is not None:
                on_event(event)
        return runner.LabOutcome(LabResult.from_json(document))

    monkeypatch.setattr(runner, "run_lab_process", run)
    return requests


@pytest.mark.parametrize(
    ("args", "config"),
    [
        ([], {"seeds": 3}),
        (["--quick"], {"seeds": 1, "epochs": 30}),
        (["--quick", "--seeds", "5"], {"seeds": 5, "epochs": 30}),
        (["--quick", "--epochs", "7"], {"seeds": 1, "epochs": 7}),
        (["--epochs", "7", "--seeds", "1"], {"seeds": 1, "epochs": 7}),
    ],
)
def test_quick_runs_the_quick_preset(
    fake_run: list[Any], capsys: pytest.CaptureFixture[str], args: list[str],
    config: dict[str, int], document: dict[str, Any],
) -> None:  # fmt: skip
    assert main(["lab", "--synthetic", "--json", *args]) == 0
    assert fake_run[-1].config == config
    assert json.loads(capsys.readouterr().out) == document  # --json: the document as it was


def test_the_status_line_fits_the_terminal() -> None:
    from kdquiz.cli.lab import status_line

    clock = FakeClock()
    progress = LabProgress(clock)
    progress.update(PlanEvent(2))
    for model in ("scratch", "soft"):
        for n in range(1, 11):
            clock.now += 3
            progress.update(epoch(model, n))
        if model == "scratch":
            progress.update(trained(model, 10))
    line = status_line(progress, "en", 200)
    assert line.startswith("█" * 20 + "  about 5 s left  Training the soft-target KD student")
    assert status_line(progress, "en", 40) == "█" * 20 + "  about 5 s left  Tr"
    assert "还剩约 5 秒" in status_line(progress, "zh", 200)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_printed_summary_is_wrapped_between_words_to_the_terminal(
    fake_run: list[Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    lang: str,
) -> None:  # fmt: skip
    """The terminal would cut lines anywhere, numbers included ("+0.00" / "80" in Chinese)."""
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "64")
    assert main(["--lang", lang, "lab", "--synthetic"]) == 0
    out = capsys.readouterr().out
    summary = out[out.index("synthetic (seed 0)") :].splitlines()
    assert len(summary) > 8 and all(cell_len(line) <= 64 for line in summary)
    words = re.findall(r"[+\-]?\d+(?:\.\d+)?%?", format_summary(LabResult.from_json(
        json.loads(FIXTURE.read_text(encoding="utf-8"))), lang))  # fmt: skip
    printed = re.findall(r"[+\-]?\d+(?:\.\d+)?%?", "\n".join(summary))
    assert printed[: len(words)] == words  # every number whole, none split across lines


def test_the_summary_says_which_students_the_epoch_cap_cut_short(document: dict[str, Any]) -> None:
    """The quick preset (or a small --epochs) stops students before patience would: their
    comparison is a first look, and the summary says so, in both languages."""
    assert "Cut short" not in format_summary(LabResult.from_json(document))  # the full recipe
    document["config"].update(epochs=30, patience=20)
    ended = {"scratch": (14, 30), "listwise": (30, 30), "ranking": (2, 22), "soft": (2, 22)}
    for key, (best, stopped) in ended.items():  # (best epoch, stopped epoch)
        for chosen in document["models"][key]["chosen"]:
            chosen.update(best_epoch=best, stopped_epoch=stopped)
    # scratch and listwise: the cap ended them; ranking and soft: patience did (20 epochs
    # without a gain), so their results are theirs to keep.
    summary = format_summary(LabResult.from_json(document))
    assert "Cut short at 30 epochs while validation could still improve: scratch, listwise KD." \
        in summary  # fmt: skip
    assert (
        "在 30 轮处被截断、验证集指标可能仍在提升的学生模型：从零训练、列表级蒸馏。"
        in format_summary(LabResult.from_json(document), "zh")
    )
