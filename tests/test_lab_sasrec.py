"""The sequential teacher (SASRec): its model, its sequences, and a whole lab run with it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kdquiz.lab.data import leave_one_out, synthetic
from kdquiz.lab.sasrec import SASRec, SASRecConfig, sequences


def test_sequences_keep_each_users_latest_items_in_order_left_padded() -> None:
    users = np.array([0, 0, 0, 2, 2, 2, 2, 2])
    items = np.array([5, 3, 9, 1, 2, 3, 4, 0])
    out = sequences(users, items, n_users=3, length=4)
    assert out.tolist() == [[0, 6, 4, 10], [0, 0, 0, 0], [3, 4, 5, 1]]  # ids + 1, 0 = padding


def test_a_position_sees_only_the_items_before_it() -> None:
    """Causal: changing the last item changes no earlier position's state."""
    torch.manual_seed(0)
    model = SASRec(30, SASRecConfig(dim=16, heads=2, max_len=6, dropout=0.0)).eval()
    first = torch.tensor([[0, 3, 7, 1, 9, 4]])
    second = first.clone()
    second[0, -1] = 22
    with torch.no_grad():
        a, b = model.hidden(first), model.hidden(second)
    assert torch.allclose(a[:, :-1], b[:, :-1], atol=1e-6)
    assert not torch.allclose(a[:, -1], b[:, -1])
    assert model(first).shape == (1, 30)


def test_the_lab_distils_a_sasrec_teacher_under_the_same_protocol() -> None:
    from kdquiz.lab.functions import load_functions
    from kdquiz.lab.pipeline import LabConfig, run_lab
    from kdquiz.lab.report import format_table
    from kdquiz.lab.results import LabResult

    split = leave_one_out(synthetic(1, n_users=80, n_items=120, per_user=15))
    config = LabConfig(seeds=1, dim=8, epochs=8, patience=4, list_length=20, teacher="sasrec",
                       teacher_epochs=10, device="cpu")  # fmt: skip
    events: list[dict] = []
    result = run_lab(split, load_functions(), config, events.append)
    teacher = result["models"]["teacher"]
    assert teacher["label"] == "teacher (SASRec)"
    chosen = teacher["chosen"][0]
    assert 5 <= chosen["epochs"] <= 10 and chosen["valid_ndcg"] > 0  # chosen on validation
    assert teacher["parameters"] > 0 and teacher["metrics"]["NDCG@10"]["mean"] > 0
    assert {"scratch", "ranking", "listwise", "soft"} <= set(result["models"])
    assert result["config"]["teacher_scale"] == 1.0  # logits, not EASE's [0, 1] scores
    teacher_epochs = [e for e in events if e["event"] == "epoch" and e["model"] == "teacher"]
    assert any("valid_ndcg" in e for e in teacher_epochs)
    assert (
        teacher_epochs[-1]["phase"] == "refit" and teacher_epochs[-1]["epoch"] == chosen["epochs"]
    )
    typed = LabResult.from_json(result)
    assert "teacher (SASRec)" in format_table(typed, "en")
    assert "教师模型（SASRec）" in format_table(typed, "zh")


@pytest.mark.parametrize("teacher", ["sasrec", "ease"])
def test_the_command_passes_the_teacher_on(teacher: str, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: object) -> None:  # fmt: skip
    from kdquiz.cli import main
    from kdquiz.lab import runner

    requests: list = []
    monkeypatch.setattr(runner, "run_lab_process",
                        lambda request, *a, **k: requests.append(request) or runner.LabOutcome(
                            None, error=None, output=""))  # fmt: skip
    main(["lab", "--synthetic", "--json", "--teacher", teacher])
    assert requests and requests[-1].config.get("teacher", "ease") == teacher


def test_the_estimate_counts_the_sequential_teacher() -> None:
    from kdquiz.lab.presets import FULL, estimate_seconds

    ease = estimate_seconds(FULL, 3, "movielens-100k")
    sasrec = estimate_seconds(FULL, 3, "movielens-100k", "sasrec")
    assert ease is not None and sasrec is not None and sasrec > 3 * ease
    one_m = estimate_seconds(FULL, 3, "movielens-1m", "sasrec")
    assert one_m is not None and one_m > 600  # refused under the default --timeout
    assert estimate_seconds(FULL, 3, None, "sasrec") is None  # a CSV: no estimate


def test_the_progress_line_follows_the_teacher_without_counting_it_as_a_student() -> None:
    from kdquiz.lab.results import parse_event
    from kdquiz.lab.tracker import LabProgress

    progress = LabProgress()
    for data in (
        {"event": "stage", "stage": "teacher"},
        {"event": "epoch", "model": "teacher", "weight": 0.0, "seed": 0, "epoch": 35,
         "epochs": 200, "phase": "select", "valid_ndcg": 0.1014},
    ):  # fmt: skip
        event = parse_event(data)
        assert event is not None
        progress.update(event)
    assert progress.status().text("en") == (
        "Training the teacher: epoch 35/200, validation NDCG@10 0.1014"
    )
    assert progress.running == {} and progress.fraction == 0.0
    refit = {"event": "epoch", "model": "teacher", "weight": 0.0, "seed": 0, "epoch": 3,
             "epochs": 75, "phase": "refit"}  # fmt: skip
    event = parse_event(refit)
    assert event is not None
    progress.update(event)
    assert progress.status().text("zh") == "正在用训练+验证数据重新训练教师模型：第 3/75 轮"
