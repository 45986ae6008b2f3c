"""Implicit-feedback data for the lab: MovieLens (fetched from GroupLens, or inside a recbole
wheel), a user's CSV, or a synthetic generator, and the leave-one-out split. NumPy only, so
that loading and validating never pays for torch."""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kdquiz.i18n import Message


class LabDataError(Message, ValueError):
    """A data file the lab cannot use; one sentence for the user, worded by key."""


@dataclass(frozen=True)
class Interactions:
    """(user, item, time) triples with users and items numbered 0..n-1."""

    name: str
    users: np.ndarray  # int64, (n,)
    items: np.ndarray  # int64, (n,)
    times: np.ndarray | None  # float64, (n,), or None when the data has no timestamps
    n_users: int
    n_items: int


@dataclass(frozen=True)
class Split:
    """Held-out items for choosing (validation) and for reporting (test), and the training
    interactions of each phase: `train_*` fit the models whose choices validation makes,
    `final_*` (train + validation) fit the final models scored on test. Both are grouped by
    user, each user's items in time order. A held-out item of -1: the user is not evaluated."""

    name: str
    n_users: int
    n_items: int
    train_users: np.ndarray
    train_items: np.ndarray
    valid_items: np.ndarray  # (n_users,)
    test_items: np.ndarray  # (n_users,)
    final_users: np.ndarray
    final_items: np.ndarray
    by_time: bool  # False: held-out items were drawn at random (no timestamps)
    kind: str = "leave-one-out"
    """"leave-one-out" (each user's last two items) or "global-time" (cut-offs in time)."""


def _renumber(name: str, users: list[str], items: list[str], times: list[float] | None,
              ) -> Interactions:  # fmt: skip
    """Map raw ids to 0..n-1 and drop repeated (user, item) pairs, keeping the first."""
    user_ids, user_index = np.unique(np.asarray(users), return_inverse=True)
    item_ids, item_index = np.unique(np.asarray(items), return_inverse=True)
    t = None if times is None else np.asarray(times, dtype=np.float64)
    order = np.lexsort((t,) if t is not None else (np.arange(len(users)),))
    pairs = user_index[order].astype(np.int64) * len(item_ids) + item_index[order]
    _, first = np.unique(pairs, return_index=True)
    keep = np.sort(order[first])
    return Interactions(
        name=name,
        users=user_index[keep].astype(np.int64),
        items=item_index[keep].astype(np.int64),
        times=None if t is None else t[keep],
        n_users=len(user_ids),
        n_items=len(item_ids),
    )


HEADER_NAMES = (
    {"user", "user_id", "userid", "uid", "u", "user:token", "users"},
    {"item", "item_id", "itemid", "iid", "i", "item:token", "items", "movie", "movie_id",
     "movieid", "product", "product_id"},
    {"timestamp", "time", "ts", "t", "date", "datetime", "timestamp:float", "rating_time"},
)  # fmt: skip
"""Column names that make a first row a header (compared lowercased)."""


def is_header(row: list[str]) -> bool:
    """A first row is a header when its columns are named like user, item[, timestamp]: never
    because its ids are not numbers (ids may be words)."""
    cells = [cell.strip().lower() for cell in row]
    return 2 <= len(cells) <= 3 and all(
        cell in names for cell, names in zip(cells, HEADER_NAMES, strict=False)
    )


def load_csv(path: Path, header: bool | None = None) -> Interactions:
    """A `user,item[,timestamp]` CSV; bad files raise LabDataError. `header`: whether the first
    row is a header (None: when its columns are named like one, see `is_header`)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise LabDataError("labdata_missing", path=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise LabDataError("labdata_unreadable", path=path, why=error) from None
    rows = [row for row in rows if row and any(cell.strip() for cell in row)]
    if rows and (header if header is not None else is_header(rows[0])):
        rows = rows[1:]
    if not rows:
        raise LabDataError("labdata_empty", path=path)
    width = len(rows[0])
    if width not in (2, 3):
        raise LabDataError("labdata_width", path=path, width=width)
    users, items, times = [], [], []
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise LabDataError("labdata_row_width", path=path, row=number, n=len(row), width=width)
        user, item = row[0].strip(), row[1].strip()
        if not user or not item:
            raise LabDataError("labdata_row_empty", path=path, row=number)
        users.append(user)
        items.append(item)
        if width == 3:
            if not _is_number(row[2]):
                raise LabDataError("labdata_row_time", path=path, row=number)
            times.append(float(row[2]))
    data = _renumber(path.name, users, items, times if width == 3 else None)
    _require_enough(data, str(path))
    return data


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _require_enough(data: Interactions, where: str) -> None:
    """Leave-one-out needs three interactions per user (train, validation, test) and 10 items."""
    counts = np.bincount(data.users, minlength=data.n_users)
    if (counts >= 3).sum() < 10 or data.n_items < 10:
        raise LabDataError(
            "labdata_small", where=where, users=int((counts >= 3).sum()), items=data.n_items
        )


def movielens_path() -> Path | None:
    """ml-100k.inter inside an installed recbole wheel, if any (recbole itself is not imported)."""
    spec = importlib.util.find_spec("recbole")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = Path(root) / "dataset_example" / "ml-100k" / "ml-100k.inter"
        if path.is_file():
            return path
    return None


def load_movielens(path: Path) -> Interactions:
    """RecBole's atomic .inter file: tab-separated user_id, item_id, rating, timestamp.

    Every rating counts as an interaction (the usual implicit-feedback reading of MovieLens).
    """
    users, items, times = [], [], []
    with open(path, encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            user, item, _rating, timestamp = line.rstrip("\n").split("\t")
            users.append(user)
            items.append(item)
            times.append(float(timestamp))
    return _renumber("MovieLens-100K", users, items, times)


def load_grouplens(name: str, path: Path) -> Interactions:
    """A fetched GroupLens ratings file (`kdquiz data fetch`): MovieLens-100K's u.data
    (tab-separated) or MovieLens-1M's ratings.dat (`::`), user item rating timestamp per line.

    Every rating counts as an interaction, as for `load_movielens`.
    """
    from kdquiz.lab.datasets import get

    dataset = get(name)
    users, items, times = [], [], []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                fields = line.rstrip("\r\n").split(dataset.separator)
                if len(fields) != 4 or not _is_number(fields[3]):
                    raise LabDataError("labdata_grouplens_line", path=path, row=number, name=name)
                users.append(fields[0])
                items.append(fields[1])
                times.append(float(fields[3]))
    except FileNotFoundError:
        raise LabDataError("labdata_missing", path=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise LabDataError("data_read_error", path=path, why=error) from None
    data = _renumber(dataset.title, users, items, times)
    _require_enough(data, str(path))
    return data


def synthetic(seed: int = 0, n_users: int = 600, n_items: int = 800, per_user: int = 40,
              sequel: float = 0.5, popularity: float = 0.8) -> Interactions:  # fmt: skip
    """Implicit feedback from latent tastes with a popularity skew, plus sequels: item-to-item
    structure that a teacher with items² parameters learns and a small MF student cannot.

    Tastes: users and items get 8 latent factors; an item's appeal to a user is their dot
    product plus a Zipf-like bonus, -`popularity` · log(its popularity rank). Sequels: the
    items form one random cycle and each item's sequel is the next item on it. Each user picks
    about `per_user` items (varying per user), one after the other and never the same item
    twice: with probability `sequel` the next pick is the sequel of the latest pick (unless
    already picked), otherwise it is drawn by a softmax over appeal among the items not picked
    yet. Times are the pick order, so leave-one-out by time holds out each user's last picks,
    about half of which (at the default 0.5) are the sequel of the pick before. The same seed
    gives the same data.

    Why: with tastes alone (`sequel=0`) the data is low-rank, and a rank-40 student learns
    what EASE knows, so distillation has nothing to hand over. The sequel map is a random
    permutation, so the item-to-item structure is full-rank: EASE learns it from the many users
    in whose histories an item and its sequel co-occur, and its recency-weighted history ranks
    the sequel of a user's latest pick high; a low-rank student fit on each user's few items
    learns only part of it (items near each other on the cycle), and the rest from the
    teacher's ranking for each user. The popularity exponent is 0.8 rather than 1.2: with the
    steeper one, a student fit on these data first settles on the most popular items and then
    improves on them only after 30 to 40 epochs, so early stopping on validation sometimes
    ended the scratch student there (docs/lab.md, "Synthetic data").
    """
    rng = np.random.default_rng(seed)
    tastes = rng.normal(size=(n_users, 8))
    traits = rng.normal(size=(n_items, 8))
    bonus = -popularity * np.log(rng.permutation(n_items) + 1.0)
    appeal = tastes @ traits.T / np.sqrt(8) * 1.5 + bonus
    cycle = rng.permutation(n_items)
    sequel_of = np.empty(n_items, dtype=np.int64)
    sequel_of[cycle] = np.roll(cycle, -1)
    counts = np.clip(rng.poisson(per_user, size=n_users), 5, n_items // 2)
    # A softmax draw without replacement is the order of appeal + Gumbel noise (Plackett-Luce):
    # each user's taste picks come from this order, skipping the items already picked.
    by_taste = np.argsort(-(appeal + rng.gumbel(size=appeal.shape)), axis=1)
    follows = rng.random((n_users, int(counts.max()))) < sequel
    users: list[str] = []
    items: list[str] = []
    for user, count in enumerate(counts):
        picked = np.zeros(n_items, dtype=bool)
        order, next_taste, item = by_taste[user], 0, -1
        for step in range(count):
            if item >= 0 and follows[user, step] and not picked[sequel_of[item]]:
                item = sequel_of[item]
            else:
                while picked[order[next_taste]]:
                    next_taste += 1
                item = order[next_taste]
            picked[item] = True
            items.append(str(item))
        users += [str(user)] * int(count)
    times = [float(t) for count in counts for t in range(count)]
    return _renumber(f"synthetic (seed {seed})", users, items, times)


def leave_one_out(data: Interactions, seed: int = 0) -> Split:
    """Hold out each user's last interaction for test and the one before for validation.

    Ties in time (and data without timestamps) are broken by a seeded shuffle, so the split is
    deterministic. Users with fewer than three interactions stay in training only and are not
    evaluated (their held-out items are -1).
    """
    rng = np.random.default_rng(seed)
    shuffle = rng.permutation(len(data.users))
    times = data.times[shuffle] if data.times is not None else np.zeros(len(shuffle))
    order = shuffle[np.lexsort((times, data.users[shuffle]))]
    users, items = data.users[order], data.items[order]
    counts = np.bincount(users, minlength=data.n_users)
    last = np.r_[users[1:] != users[:-1], True]
    second = np.r_[last[1:], False] & ~last
    evaluated = counts[users] >= 3
    valid = np.full(data.n_users, -1, dtype=np.int64)
    test = np.full(data.n_users, -1, dtype=np.int64)
    test[users[last & evaluated]] = items[last & evaluated]
    valid[users[second & evaluated]] = items[second & evaluated]
    train = ~((last | second) & evaluated)
    final = ~(last & evaluated)  # the validation item is each user's latest training item
    return _split(data, users, items, (train, final), (valid, test), data.times is not None,
                  "leave-one-out")  # fmt: skip


def _split(data: Interactions, users: np.ndarray, items: np.ndarray,
           phases: tuple[np.ndarray, np.ndarray], held: tuple[np.ndarray, np.ndarray],
           by_time: bool, kind: str) -> Split:  # fmt: skip
    """The split of `data` whose (time-ordered) interactions `users`/`items` are kept where
    the masks `phases` = (train, final) say, with the held-out items (validation, test)."""
    train, final = phases
    return Split(
        name=data.name,
        n_users=data.n_users,
        n_items=data.n_items,
        train_users=users[train],
        train_items=items[train],
        valid_items=held[0],
        test_items=held[1],
        final_users=users[final],
        final_items=items[final],
        by_time=by_time,
        kind=kind,
    )


def global_time(data: Interactions, valid_share: float = 0.1, test_share: float = 0.1,
                seed: int = 0) -> Split:  # fmt: skip
    """Split at two moments in time, the same for every user, so that no model trains on
    anything that happened after the interactions it is scored on (leave-one-out lets another
    user's later interactions into training; Ji et al., TOIS 2023).

    The last `test_share` of all interactions in time is the test period, the `valid_share`
    before it the validation period. A user's held-out item is their first interaction in the
    period, if they have history before it; choices train on what came before the validation
    period, the final models on everything before the test period.
    """
    if data.times is None:
        raise LabDataError("labdata_no_times", name=data.name)
    rng = np.random.default_rng(seed)
    shuffle = rng.permutation(len(data.users))
    order = shuffle[np.lexsort((data.times[shuffle], data.users[shuffle]))]
    users, items, times = data.users[order], data.items[order], data.times[order]
    test_from = np.quantile(times, 1 - test_share)
    valid_from = np.quantile(times, 1 - test_share - valid_share)

    def first_in(start: float, end: float) -> np.ndarray:
        """Each user's first item in [start, end), if they have history before start."""
        held = np.full(data.n_users, -1, dtype=np.int64)
        has_history = np.bincount(users[times < start], minlength=data.n_users) > 0
        inside = np.nonzero((times >= start) & (times < end))[0]
        # Interactions are in time order per user: the first index of each user is the first.
        seen_users, first = np.unique(users[inside], return_index=True)
        picked = has_history[seen_users]
        held[seen_users[picked]] = items[inside[first[picked]]]
        return held

    valid, test = first_in(valid_from, test_from), first_in(test_from, np.inf)
    if min((valid >= 0).sum(), (test >= 0).sum()) < 10:
        raise LabDataError("labdata_split_small", name=data.name, valid=int((valid >= 0).sum()),
                           test=int((test >= 0).sum()))  # fmt: skip
    phases = (times < valid_from, times < test_from)
    return _split(data, users, items, phases, (valid, test), True, "global-time")
