"""Validation-only tuning of KD students under the refit protocol (no test scores read)."""
import json, sys, time
from dataclasses import replace
from pathlib import Path
import torch
from kdquiz.lab import data as D
from kdquiz.lab.functions import load_functions
from kdquiz.lab.pipeline import LabConfig, Data, fit_teacher, Knowledge, student_dim, train_student

if __name__ == "__main__":
    torch.set_num_threads(1)
    grid = json.loads(sys.argv[1])  # list of {"method":..., "weight":..., overrides...}
    seeds = [int(s) for s in sys.argv[2].split(",")] if len(sys.argv) > 2 else [0, 1, 2]
    split = D.leave_one_out(D.load_movielens(Path("/tmp/ml-100k.inter")))
    fn = load_functions(None)
    config = LabConfig(device="cpu")
    select = Data(split, torch.device("cpu"), "valid")
    selected, boost, tv = fit_teacher(select, fn, config)
    select.set_recency(boost, config.recency_tau, config.positive_tau)
    config = replace(config, dim=student_dim(config, split, selected.parameter_count()))
    for point in grid:
        p = dict(point); method = p.pop("method"); weight = p.pop("weight", 0.0)
        cfg = replace(config, **p)
        know = Knowledge.of(selected, select, cfg)
        t = time.time(); vals = []; eps = []
        for seed in seeds:
            tr = train_student(method, weight, seed, select, fn, know, cfg, lambda e: None)
            vals.append(tr.best_valid); eps.append(tr.best_epoch)
        print(json.dumps(point), "valid", " ".join(f"{v:.4f}" for v in vals),
              f"mean {sum(vals)/len(vals):.4f}", "ep", eps, f"{time.time()-t:.0f}s", flush=True)
