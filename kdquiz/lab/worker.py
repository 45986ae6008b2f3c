"""What the lab's sandbox job runs: load the data and the functions, run the pipeline, and write
signed JSON-line events (progress, then the result or one error sentence).

It runs apart from the CLI and the app because `--use-workspace` runs learner code, which may
hang, crash, flood output or call os._exit: the parent survives all of that and says what
happened.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kdquiz.i18n import Message

if TYPE_CHECKING:
    from kdquiz.lab.data import Interactions

MAX_ITEMS = 10_000
"""The EASE teacher inverts an items × items matrix: 10,000 items take 0.8 GB per float64 copy."""


BASE_MEMORY = 700 << 20
"""torch and the interpreter, before any data."""


def memory_needed(users: int, items: int) -> int:
    """Bytes a run needs, about: five users × items float32 matrices (training, recency, their
    weighted copies and a batch of scores) and the EASE teacher's items × items float64 Gram
    matrix, its inverse and its weights (measured: 10,000 × 10,000 needed 5.3 GB)."""
    return BASE_MEMORY + 5 * 4 * users * items + 28 * items * items


def error_event(message: Message) -> dict[str, Any]:
    """The event of a run that ends with `message`: its English, and its key and values so
    that the front ends can word it in their language."""
    values = {name: str(value) for name, value in message.values.items()}
    return {"event": "error", "message": str(message), "key": message.key, "values": values}


def main(request: dict[str, Any]) -> int:
    events = open(request["events_path"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    token = request.pop("token")

    def emit(event: dict[str, Any]) -> None:
        events.write(json.dumps({**event, "token": token}) + "\n")

    try:
        emit({"event": "result", "result": run(request, emit)})
    except MemoryError:
        emit(error_event(Message("lablimit_memory", limit=request["memory_label"])))
    except Message as error:  # a data file or learner code the lab cannot use: one sentence
        emit(error_event(error))
    events.close()
    return 0


def load_data(source: dict[str, Any]) -> Interactions:
    """The interactions of a data source as `runner.choose_data` describes it."""
    from kdquiz.lab import data

    if source["kind"] == "csv":
        return data.load_csv(Path(source["path"]), source.get("header"))
    if source["kind"] == "grouplens":
        return data.load_grouplens(source["name"], Path(source["path"]))
    if source["kind"] == "movielens":
        return data.load_movielens(Path(source["path"]))
    return data.synthetic(source.get("seed", 0))


def run(request: dict[str, Any], emit: Any) -> dict[str, Any]:
    from kdquiz.lab import data

    emit({"event": "stage", "stage": "data"})
    interactions = load_data(request["data"])
    if interactions.n_items > MAX_ITEMS:
        raise data.LabDataError(
            "labdata_items", name=interactions.name, items=interactions.n_items, most=MAX_ITEMS
        )
    needed = memory_needed(interactions.n_users, interactions.n_items)
    limit = int(request.get("memory_bytes") or 0)
    if limit and needed > limit:
        raise data.LabDataError(
            "labdata_memory", name=interactions.name, users=interactions.n_users,
            items=interactions.n_items, needed=f"{needed / (1 << 30):.1f}",
            limit=request["memory_label"],
        )  # fmt: skip
    if request.get("split") == "global-time":
        split = data.global_time(interactions)
    else:
        split = data.leave_one_out(interactions)
    # torch only now: a bad data file is reported without waiting for its import.
    from kdquiz.lab.functions import load_functions
    from kdquiz.lab.pipeline import LabConfig, run_lab

    workspace = request.get("workspace_exercises")
    functions = load_functions(Path(workspace) if workspace else None)
    config = LabConfig(**request.get("config", {}), device=request["device"])
    return run_lab(split, functions, config, emit)
