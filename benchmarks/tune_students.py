"""Validation-only search for a student's knobs, as in docs/lab.md "Round 3".

    python benchmarks/tune_students.py '[{"method": "ranking", "weight": 16, "lam": 2}]'
    python benchmarks/tune_students.py '[{"method": "scratch", "lr": 0.005}]' --seeds 0,1,2

Each point of the JSON list names a student (`method`: scratch, ranking, listwise or soft), its
KD `weight`, and any `LabConfig` field to override. The data is what `kdquiz lab` would use
(fetched MovieLens-100K, else synthetic; `--synthetic` forces it). For each point and seed it
trains the student on the training split exactly as `kdquiz lab` does while choosing (patience,
best epoch kept) and prints its best validation NDCG@10 and that epoch. Nothing here reads the
test split, so the search cannot tune on test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace


def main() -> int:
    import torch

    from kdquiz.lab.data import leave_one_out
    from kdquiz.lab.functions import load_functions
    from kdquiz.lab.pipeline import (
        Data,
        Knowledge,
        LabConfig,
        fit_teacher,
        student_dim,
        train_student,
    )
    from kdquiz.lab.runner import choose_data
    from kdquiz.lab.worker import load_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("grid", help='a JSON list of points, e.g. \'[{"method": "scratch"}]\'')
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--synthetic", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as each student in `kdquiz lab`; run two searches side by side
    source, _ = choose_data(synthetic=args.synthetic)
    split = leave_one_out(load_data(source))
    fn = load_functions()
    config = LabConfig(device="cpu")
    select = Data(split, torch.device("cpu"), "valid")
    teacher, boost, _ = fit_teacher(select, fn, config)
    select.set_recency(boost, config.recency_tau, config.positive_tau)
    config = replace(config, dim=student_dim(config, split, teacher.parameter_count()))
    print(f"data: {split.name}; teacher λ {teacher.lam}, recency boost {boost}; dim {config.dim}")
    seeds = [int(seed) for seed in args.seeds.split(",")]
    for point in json.loads(args.grid):
        knobs = dict(point)
        method, weight = knobs.pop("method"), float(knobs.pop("weight", 0.0))
        chosen = replace(config, **knobs)
        knowledge = Knowledge.of(teacher, select, chosen)
        start, scores, epochs = time.perf_counter(), [], []
        for seed in seeds:
            trained = train_student(method, weight, seed, select, fn, knowledge, chosen,
                                    lambda event: None)  # fmt: skip
            scores.append(trained.best_valid)
            epochs.append(trained.best_epoch)
        print(json.dumps(point), "validation NDCG@10", " ".join(f"{s:.4f}" for s in scores),
              f"mean {statistics.fmean(scores):.4f}; best epochs {epochs};",
              f"{time.perf_counter() - start:.0f} s", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
