"""Real data for the lab, fetched from GroupLens on request: a registry of the MovieLens zips
(URL, pinned SHA-256, the members the lab reads), downloading and verifying them, and keeping
only the ratings and the README (with its terms) in the data dir.

Standard library only: the CLI and the app import this without paying for NumPy or torch.
MovieLens may not be redistributed, so kdquiz never bundles it: each user fetches their own copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO

from kdquiz import __version__
from kdquiz.i18n import Message


@dataclass(frozen=True)
class Dataset:
    """One GroupLens zip and what the lab takes from it."""

    name: str
    """The name on the command line (`kdquiz data fetch movielens-100k`)."""
    title: str
    """How the lab's results name it."""
    url: str
    sha256: str
    """Of the whole zip: a download that differs in one byte is refused."""
    size: int
    """Bytes of the zip, about (shown before the download; the hash is the real check)."""
    ratings: str
    """The member with one `user item rating timestamp` line per rating."""
    separator: str
    """Between the fields of a ratings line."""
    readme: str
    """The member with the licence and citation, kept next to the data."""

    @property
    def ratings_file(self) -> str:
        return PurePosixPath(self.ratings).name

    @property
    def readme_file(self) -> str:
        return PurePosixPath(self.readme).name


DATASETS: dict[str, Dataset] = {
    "movielens-100k": Dataset(
        name="movielens-100k",
        title="MovieLens-100K",
        url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
        sha256="50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
        size=4_924_029,
        ratings="ml-100k/u.data",
        separator="\t",
        readme="ml-100k/README",
    ),
    "movielens-1m": Dataset(
        name="movielens-1m",
        title="MovieLens-1M",
        url="https://files.grouplens.org/datasets/movielens/ml-1m.zip",
        sha256="a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
        size=5_917_549,
        ratings="ml-1m/ratings.dat",
        separator="::",
        readme="ml-1m/README",
    ),
}
"""Every data set `kdquiz data` knows, by name (tests point an entry at a local server)."""

DEFAULT = "movielens-100k"
"""The data set the lab uses when it is there and nothing else was asked for."""

CHUNK = 64 << 10
TIMEOUT = 30.0
"""Seconds a connection or a read may stall before the download fails."""

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in all) as a download or a check goes."""


class DatasetError(Message):
    """Fetching, installing or finding a data set failed; one sentence, worded by key."""


class UnknownDataset(DatasetError):
    """A name that is not in the registry (a usage mistake)."""


class FetchCancelled(DatasetError):
    """The user stopped the download; nothing was kept."""


def get(name: str) -> Dataset:
    """The registry's entry for `name`, or UnknownDataset naming the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise UnknownDataset("data_unknown", name=name, known=", ".join(DATASETS)) from None


def root() -> Path:
    """Where fetched data sets live: one folder each under the data dir."""
    from kdquiz.paths import data_dir

    return data_dir() / "datasets"


def folder(name: str) -> Path:
    return root() / get(name).name


def installed(name: str) -> Path | None:
    """The ratings file of a fetched data set, or None when it has not been fetched."""
    path = folder(name) / get(name).ratings_file
    return path if path.is_file() else None


def remove(name: str) -> bool:
    """Delete a fetched data set; False when there was nothing to delete."""
    target = folder(name)
    if not target.exists():
        return False
    try:
        shutil.rmtree(target)
    except OSError as error:
        raise DatasetError("data_write_error", path=target, why=_why(error)) from None
    return True


def format_size(size: int) -> str:
    """4924029 -> '4.9 MB' (decimal, as GroupLens gives sizes)."""
    return f"{size / 1e6:.1f} MB"


def fetch(name: str, on_progress: Progress, cancel: threading.Event | None = None,
          source_zip: Path | None = None) -> Path:  # fmt: skip
    """Download `name` from GroupLens (or take `source_zip`, a zip the user downloaded by
    hand), check its SHA-256 and keep its ratings and README; returns the ratings file.

    Replaces a copy fetched before. A failure or a cancel leaves the previous state: the zip
    is downloaded to a temporary file and the members extracted to a temporary folder that is
    renamed into place only when complete.
    """
    dataset = get(name)
    try:
        root().mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatasetError("data_write_error", path=root(), why=_why(error)) from None
    if source_zip is not None:
        _check_hash(dataset, _hash_file(source_zip, on_progress, cancel), str(source_zip))
        return _install(dataset, source_zip, str(source_zip.resolve()))
    handle, temporary = tempfile.mkstemp(prefix=f".{dataset.name}-", suffix=".zip.part",
                                         dir=root())  # fmt: skip
    download = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as out:
            digest = _download(dataset, out, on_progress, cancel, download)
        _check_hash(dataset, digest, dataset.url)
        return _install(dataset, download, dataset.url)
    finally:
        download.unlink(missing_ok=True)


def _download(dataset: Dataset, out: IO[bytes], on_progress: Progress,
              cancel: threading.Event | None, path: Path) -> str:  # fmt: skip
    """Stream the zip into `out`, reporting progress; returns its SHA-256."""
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(dataset.url, headers={"User-Agent": f"kdquiz/{__version__}"})
    digest = hashlib.sha256()
    done = 0
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            total = int(response.headers.get("Content-Length") or dataset.size)
            on_progress(0, total)
            while True:
                if cancel is not None and cancel.is_set():
                    raise FetchCancelled("data_cancelled")
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                done += len(chunk)
                if done > 2 * max(total, dataset.size):
                    raise DatasetError("data_too_big", url=dataset.url)
                digest.update(chunk)
                try:
                    out.write(chunk)
                except OSError as error:
                    raise DatasetError("data_write_error", path=path, why=_why(error)) from None
                on_progress(done, total)
    except urllib.error.HTTPError as error:
        raise _network_error(dataset, f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise _network_error(dataset, _why(error.reason)) from None
    except (OSError, http.client.HTTPException) as error:  # a timeout, a reset connection
        raise _network_error(dataset, _why(error)) from None
    return digest.hexdigest()


def _network_error(dataset: Dataset, why: str) -> DatasetError:
    return DatasetError("data_network_error", title=dataset.title, url=dataset.url, why=why,
                        name=dataset.name)  # fmt: skip


def _why(error: object) -> str:
    """An exception (or a reason) in a few words: its strerror when it has one."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _hash_file(path: Path, on_progress: Progress, cancel: threading.Event | None) -> str:
    """The SHA-256 of a zip the user gave, read in chunks."""
    try:
        total = path.stat().st_size
        digest = hashlib.sha256()
        done = 0
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                if cancel is not None and cancel.is_set():
                    raise FetchCancelled("data_cancelled")
                digest.update(chunk)
                done += len(chunk)
                on_progress(done, total)
    except FileNotFoundError:
        raise DatasetError("data_no_zip", path=path) from None
    except OSError as error:
        raise DatasetError("data_read_error", path=path, why=_why(error)) from None
    return digest.hexdigest()


def _check_hash(dataset: Dataset, got: str, where: str) -> None:
    if got != dataset.sha256:
        raise DatasetError("data_hash_mismatch", where=where, title=dataset.title,
                           expected=dataset.sha256, got=got)  # fmt: skip


def _install(dataset: Dataset, archive: Path, where: str) -> Path:
    """Extract the ratings and the README into a temporary folder beside the target, write
    source.json, then rename the folder into place (replacing an older copy)."""
    target = root() / dataset.name
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{dataset.name}-", dir=root()))
        staging.chmod(0o755)  # (mkdtemp makes it private; the data dir's other folders are not)
    except OSError as error:
        raise DatasetError("data_write_error", path=root(), why=_why(error)) from None
    try:
        _extract(dataset, archive, where, staging)
        source = {
            "name": dataset.name,
            "url": dataset.url,
            "sha256": dataset.sha256,
            "from": where,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            (staging / "source.json").write_text(json.dumps(source, indent=2) + "\n",
                                                  encoding="utf-8")  # fmt: skip
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{dataset.name}-old-", dir=root()))
                target.rename(old / dataset.name)
                staging.rename(target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                staging.rename(target)
        except OSError as error:
            raise DatasetError("data_write_error", path=target, why=_why(error)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # (gone already when the rename worked)
    return target / dataset.ratings_file


def _extract(dataset: Dataset, archive: Path, where: str, staging: Path) -> None:
    """Copy the ratings and README members out of the zip (never anything else: no paths
    from the archive reach the file system)."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            for member, name in ((dataset.ratings, dataset.ratings_file),
                                 (dataset.readme, dataset.readme_file)):  # fmt: skip
                try:
                    source = zipped.open(member)
                except KeyError:
                    raise DatasetError("data_member_missing", where=where, member=member,
                                       title=dataset.title) from None  # fmt: skip
                with source, open(staging / name, "wb") as out:
                    try:
                        shutil.copyfileobj(source, out, CHUNK)
                    except OSError as error:
                        raise DatasetError(
                            "data_write_error", path=staging / name, why=_why(error)
                        ) from None
    except (zipfile.BadZipFile, EOFError):
        raise DatasetError("data_not_zip", where=where) from None
