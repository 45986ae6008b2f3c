"""`kdquiz data`: fetching a GroupLens zip, checking its hash, keeping only its ratings and
README, the lab loading and choosing it, the command line and the app's fetch dialog.

No test reaches GroupLens: the registry's entry is pointed at a small made-up zip in the
GroupLens layout, served from a local HTTP server (the real MovieLens data is never used here).
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import socket
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kdquiz.cli import main
from kdquiz.i18n import t
from kdquiz.lab import data as lab_data
from kdquiz.lab import datasets, runner
from kdquiz.lab.datasets import DatasetError, FetchCancelled

USERS, PER_USER, ITEMS = 30, 8, 40


def fixture_zip(path: Path, top: str = "ml-100k", ratings: str = "u.data", sep: str = "\t") -> Path:
    """A zip laid out like GroupLens's: made-up ratings (every user rates PER_USER distinct
    items), a README, and a member kdquiz must not extract."""
    rng = random.Random(0)
    lines = [
        sep.join([str(user), str(item), str(rng.randint(1, 5)), str(874_000_000 + user * 97 + n)])
        for user in range(1, USERS + 1)
        for n, item in enumerate(rng.sample(range(1, ITEMS + 1), PER_USER))
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(f"{top}/{ratings}", "\n".join(lines) + "\n")
        zipped.writestr(f"{top}/README", "Made-up ratings for kdquiz's tests (not MovieLens).\n")
        zipped.writestr(f"{top}/u.item", "1|not extracted\n")
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Server:
    """A local HTTP server of a few files; `hits` counts the requests per path."""

    port: int
    files: dict[str, bytes]
    hits: dict[str, int]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def server() -> Iterator[Server]:
    files: dict[str, bytes] = {}
    hits: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            hits[self.path] = hits.get(self.path, 0) + 1
            body = files.get(self.path)
            if body is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Server(httpd.server_address[1], files, hits)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def zip_path(tmp_path: Path) -> Path:
    return fixture_zip(tmp_path / "ml-100k.zip")


@pytest.fixture
def served(server: Server, zip_path: Path, monkeypatch: pytest.MonkeyPatch) -> Server:
    """movielens-100k's registry entry points at the fixture zip on the local server."""
    server.files["/ml-100k.zip"] = zip_path.read_bytes()
    point_at(monkeypatch, server.url("/ml-100k.zip"), sha256(zip_path), zip_path.stat().st_size)
    return server


def point_at(monkeypatch: pytest.MonkeyPatch, url: str, digest: str, size: int = 2000) -> None:
    entry = replace(datasets.DATASETS["movielens-100k"], url=url, sha256=digest, size=size)
    monkeypatch.setitem(datasets.DATASETS, "movielens-100k", entry)


def dead_url() -> str:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/ml-100k.zip"


def leftovers() -> list[str]:
    """What is in the datasets folder (hidden temporary files included)."""
    root = datasets.root()
    return sorted(path.name for path in root.iterdir()) if root.exists() else []


def nothing(done: int, total: int) -> None:
    pass


# --------------------------------------------------------------------------- fetching


def test_fetch_verifies_and_keeps_only_the_ratings_and_the_readme(served: Server) -> None:
    seen: list[tuple[int, int]] = []
    ratings = datasets.fetch("movielens-100k", lambda done, total: seen.append((done, total)))
    folder = datasets.root() / "movielens-100k"
    assert ratings == folder / "u.data" == datasets.installed("movielens-100k")
    assert sorted(path.name for path in folder.iterdir()) == ["README", "source.json", "u.data"]
    assert "Made-up ratings" in (folder / "README").read_text()
    source = json.loads((folder / "source.json").read_text())
    assert source["url"] == served.url("/ml-100k.zip") and source["fetched_at"]
    assert source["sha256"] == datasets.get("movielens-100k").sha256
    size = len(served.files["/ml-100k.zip"])
    assert seen[0] == (0, size) and seen[-1] == (size, size)
    assert leftovers() == ["movielens-100k"]  # no temporary zip or folder left


def test_the_lab_loads_the_fetched_ratings(served: Server) -> None:
    data = lab_data.load_grouplens("movielens-100k", datasets.fetch("movielens-100k", nothing))
    assert data.name == "MovieLens-100K"
    assert (data.n_users, len(data.users)) == (USERS, USERS * PER_USER)
    lines = datasets.installed("movielens-100k").read_text().splitlines()  # type: ignore[union-attr]
    assert data.n_items == len({line.split("\t")[1] for line in lines})
    assert data.times is not None and data.times.min() >= 874_000_000


def test_the_lab_loads_movielens_1m_ratings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = fixture_zip(tmp_path / "ml-1m.zip", "ml-1m", "ratings.dat", "::")
    entry = replace(datasets.DATASETS["movielens-1m"], url=dead_url(), sha256=sha256(archive))
    monkeypatch.setitem(datasets.DATASETS, "movielens-1m", entry)
    ratings = datasets.fetch("movielens-1m", nothing, source_zip=archive)
    assert ratings.name == "ratings.dat"
    data = lab_data.load_grouplens("movielens-1m", ratings)
    assert (data.name, data.n_users, len(data.users)) == ("MovieLens-1M", USERS, USERS * PER_USER)


def test_a_damaged_ratings_file_is_one_sentence(served: Server) -> None:
    ratings = datasets.fetch("movielens-100k", nothing)
    ratings.write_text("1\t2\t3\t874000000\nnot a rating\n")
    with pytest.raises(lab_data.LabDataError) as caught:
        lab_data.load_grouplens("movielens-100k", ratings)
    assert "line 2" in str(caught.value) and "--force" in str(caught.value)


def test_a_hash_mismatch_keeps_nothing(served: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, served.url("/ml-100k.zip"), "0" * 64)
    with pytest.raises(DatasetError) as caught:
        datasets.fetch("movielens-100k", nothing)
    message = str(caught.value)
    assert caught.value.key == "data_hash_mismatch"
    assert "0" * 64 in message and sha256_of(served) in message
    assert message.count(".") >= 1 and "\n" not in message
    assert leftovers() == [] and datasets.installed("movielens-100k") is None


def sha256_of(server: Server) -> str:
    return hashlib.sha256(server.files["/ml-100k.zip"]).hexdigest()


def test_a_failed_fetch_keeps_the_copy_fetched_before(
    served: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    ratings = datasets.fetch("movielens-100k", nothing)
    before = ratings.read_bytes()
    point_at(monkeypatch, served.url("/ml-100k.zip"), "f" * 64)
    with pytest.raises(DatasetError):
        datasets.fetch("movielens-100k", nothing)
    assert datasets.installed("movielens-100k") == ratings and ratings.read_bytes() == before
    assert leftovers() == ["movielens-100k"]


@pytest.mark.parametrize("failure", ["404", "refused"])
def test_a_network_failure_is_one_sentence_with_the_offline_way(
    served: Server, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    url = served.url("/missing.zip") if failure == "404" else dead_url()
    point_at(monkeypatch, url, sha256_of(served))
    with pytest.raises(DatasetError) as caught:
        datasets.fetch("movielens-100k", nothing)
    message = str(caught.value)
    assert caught.value.key == "data_network_error" and "\n" not in message
    assert ("HTTP 404" if failure == "404" else "refused") in message
    assert url in message and "`kdquiz data fetch movielens-100k --from FILE.zip`" in message
    assert leftovers() == []


def test_a_cancelled_download_keeps_nothing(served: Server) -> None:
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done:
            cancel.set()

    with pytest.raises(FetchCancelled):
        datasets.fetch("movielens-100k", progress, cancel)
    assert leftovers() == []

    def interrupted(done: int, total: int) -> None:
        if done:
            raise KeyboardInterrupt  # ctrl+c in `kdquiz data fetch`

    with pytest.raises(KeyboardInterrupt):
        datasets.fetch("movielens-100k", interrupted)
    assert leftovers() == []


def test_a_full_disk_is_one_sentence_and_keeps_nothing(
    served: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(datasets.shutil, "copyfileobj", full)
    with pytest.raises(DatasetError) as caught:
        datasets.fetch("movielens-100k", nothing)
    assert caught.value.key == "data_write_error"
    assert str(caught.value).startswith("Cannot write ")
    assert str(caught.value).endswith("u.data: No space left on device.")
    assert leftovers() == []


def test_from_a_zip_downloaded_by_hand_works_offline(
    zip_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at(monkeypatch, dead_url(), sha256(zip_path))
    ratings = datasets.fetch("movielens-100k", nothing, source_zip=zip_path)
    assert ratings == datasets.installed("movielens-100k")
    source = json.loads((ratings.parent / "source.json").read_text())
    assert source["from"] == str(zip_path.resolve())


def test_a_wrong_zip_by_hand_is_refused_and_left_alone(
    zip_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at(monkeypatch, dead_url(), "a" * 64)
    with pytest.raises(DatasetError, match="is not the MovieLens-100K zip"):
        datasets.fetch("movielens-100k", nothing, source_zip=zip_path)
    assert zip_path.is_file() and leftovers() == []  # the user's own file is not deleted


def test_not_a_zip_or_a_zip_without_the_ratings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(Only a registry entry whose hash matches such a file gets this far.)"""
    text = tmp_path / "page.html"
    text.write_text("<html>a login page, not a zip</html>")
    point_at(monkeypatch, dead_url(), sha256(text))
    with pytest.raises(DatasetError, match="is not a zip file"):
        datasets.fetch("movielens-100k", nothing, source_zip=text)
    other = fixture_zip(tmp_path / "ml-1m.zip", "ml-1m", "ratings.dat", "::")
    point_at(monkeypatch, dead_url(), sha256(other))
    with pytest.raises(DatasetError, match="has no ml-100k/u.data"):
        datasets.fetch("movielens-100k", nothing, source_zip=other)
    assert leftovers() == []


def test_remove_and_unknown_names(served: Server) -> None:
    assert datasets.remove("movielens-100k") is False
    datasets.fetch("movielens-100k", nothing)
    assert datasets.remove("movielens-100k") is True
    assert datasets.installed("movielens-100k") is None and leftovers() == []
    with pytest.raises(datasets.UnknownDataset, match="movielens-100k, movielens-1m"):
        datasets.installed("netflix")


def test_the_registry_pins_each_zip() -> None:
    for name, dataset in datasets.DATASETS.items():
        assert dataset.name == name and dataset.url.startswith("https://files.grouplens.org/")
        assert len(dataset.sha256) == 64 and int(dataset.sha256, 16) >= 0
    assert datasets.get("movielens-100k").size == 4_924_029


def test_importing_the_registry_pays_for_no_numpy_torch_or_textual() -> None:
    import subprocess

    code = (
        "import sys, kdquiz.lab.datasets, kdquiz.cli; "
        "print([m for m in ('numpy', 'torch', 'textual', 'urllib.request') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- choosing data


def test_the_lab_prefers_the_fetched_data(served: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab_data, "movielens_path", lambda: None)
    assert runner.choose_data() == ({"kind": "synthetic"}, "lab_no_movielens")
    monkeypatch.setattr(lab_data, "movielens_path", lambda: Path("/recbole/ml-100k.inter"))
    assert runner.choose_data()[0]["kind"] == "movielens"
    ratings = datasets.fetch("movielens-100k", nothing)
    source, note = runner.choose_data()
    assert source == {"kind": "grouplens", "name": "movielens-100k", "path": str(ratings)}
    assert note == "lab_movielens_terms" and "research only" in t(note, "en")
    assert runner.choose_data(synthetic=True) == ({"kind": "synthetic"}, "")
    assert runner.choose_data(Path("my.csv"))[0]["kind"] == "csv"


def test_a_named_data_set_must_be_fetched(served: Server) -> None:
    with pytest.raises(DatasetError, match="run `kdquiz data fetch movielens-1m` first"):
        runner.choose_data(dataset="movielens-1m")
    ratings = datasets.fetch("movielens-100k", nothing)
    assert runner.choose_data(dataset="movielens-100k")[0]["path"] == str(ratings)


# --------------------------------------------------------------------------- the command line


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_fetch_refuses_without_a_terminal_or_accept_license(
    served: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, err = run(capsys, "data", "fetch", "movielens-100k")
    assert code == 2 and "--accept-license" in err and len(err.strip().splitlines()) == 1
    assert "research use only" in out and "Harper" in out  # the terms were shown
    assert served.hits == {} and datasets.installed("movielens-100k") is None


def test_fetch_with_accept_license_then_already_there(
    served: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "data", "fetch", "movielens-100k", "--accept-license")
    assert code == 0, err
    folder = datasets.root() / "movielens-100k"
    assert "no commercial use" in out and "The MovieLens Datasets: History and Context" in out
    assert f"MovieLens-100K is in {folder}." in out and "`kdquiz lab`" in out
    assert served.hits == {"/ml-100k.zip": 1}
    code, out, _ = run(capsys, "data", "fetch", "movielens-100k", "--accept-license")
    assert code == 0 and "already in" in out and "--force" in out
    assert served.hits == {"/ml-100k.zip": 1}  # not downloaded again
    code, out, _ = run(capsys, "data", "fetch", "movielens-100k", "--accept-license", "--force")
    assert code == 0 and served.hits == {"/ml-100k.zip": 2}


def test_fetch_asks_on_a_terminal(
    served: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal())
    questions: list[str] = []
    answers = iter(["", "y"])

    def answer(question: str) -> str:
        questions.append(question)
        return next(answers)

    monkeypatch.setattr("builtins.input", answer)
    code, _, err = run(capsys, "data", "fetch", "movielens-100k")
    assert code == 1 and "Nothing was downloaded" in err and served.hits == {}
    assert questions[0].startswith("Accept these terms and download MovieLens-100K (")
    assert questions[0].endswith("[y/N] ")
    code, _, _ = run(capsys, "data", "fetch", "movielens-100k")
    assert code == 0 and datasets.installed("movielens-100k") is not None


def test_fetch_from_a_zip_and_failures_on_the_command_line(
    zip_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    point_at(monkeypatch, dead_url(), sha256(zip_path))
    code, _, err = run(capsys, "data", "fetch", "movielens-100k", "--accept-license")
    assert code == 1 and err.startswith("kdquiz: Could not download MovieLens-100K")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, _, err = run(capsys, "data", "fetch", "movielens-100k", "--accept-license",
                       "--from", str(tmp_path / "nope.zip"))  # fmt: skip
    assert code == 1 and "does not exist" in err
    code, out, err = run(capsys, "data", "fetch", "movielens-100k", "--accept-license",
                         "--from", str(zip_path))  # fmt: skip
    assert code == 0, err
    assert datasets.installed("movielens-100k") is not None


def test_unknown_names_are_usage_mistakes(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["data", "fetch", "netflix"], ["data", "remove", "netflix"],
                 ["lab", "--dataset", "netflix"]):  # fmt: skip
        code, _, err = run(capsys, *args)
        assert code == 2, args
        assert err == "kdquiz: There is no data set named netflix; kdquiz knows " \
                      "movielens-100k, movielens-1m.\n"  # fmt: skip


def test_the_lab_refuses_a_data_set_not_fetched(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lab", "--dataset", "movielens-1m")
    assert code == 1 and out == ""
    assert err == (
        "kdquiz: movielens-1m is not on this machine yet; run "
        "`kdquiz data fetch movielens-1m` first.\n"
    )


def test_list_and_remove(served: Server, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "data", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["data", "set", "size", "status", "where"]
    assert lines[1].startswith("movielens-100k  MovieLens-100K") and "not fetched" in lines[1]
    assert "movielens-1m" in lines[2] and "5.9 MB" in lines[2]
    datasets.fetch("movielens-100k", nothing)
    code, out, _ = run(capsys, "data")  # `kdquiz data` alone lists too
    row = next(line for line in out.splitlines() if line.startswith("movielens-100k"))
    assert "not fetched" not in row and row.endswith(str(datasets.root() / "movielens-100k"))
    code, out, _ = run(capsys, "data", "remove", "movielens-100k")
    assert code == 0 and out.startswith("Removed MovieLens-100K")
    code, out, _ = run(capsys, "data", "remove", "movielens-100k")
    assert code == 0 and "nothing to remove" in out


def test_data_speaks_chinese(served: Server, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from test_i18n import CHINESE, prose

    code, out, err = run(capsys, "--lang", "zh", "data", "list")
    assert code == 0 and "未获取" in out and CHINESE.search(out) and prose(out + err) == []
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, err = run(capsys, "--lang", "zh", "data", "fetch", "movielens-100k")
    assert code == 2 and "仅限研究使用" in out and "--accept-license" in err
    assert prose(out + err) == []
    point_at(monkeypatch, dead_url(), sha256_of(served))
    code, out, err = run(capsys, "--lang", "zh", "data", "fetch", "movielens-100k",
                         "--accept-license")  # fmt: skip
    assert code == 1 and err.startswith("kdquiz: 无法从 ") and prose(err) == []
    with pytest.raises(SystemExit):
        main(["--lang", "zh", "data", "fetch", "--help"])
    out = capsys.readouterr().out
    options = "\n".join(out.splitlines()[4:])  # (the usage lines name the command)
    assert "从你手动下载的 zip 文件安装" in options and prose(options) == []


def test_the_lab_worker_loads_the_fetched_data(served: Server) -> None:
    """What the sandbox job does with the source `choose_data` gives (without training)."""
    from kdquiz.lab.worker import load_data

    datasets.fetch("movielens-100k", nothing)
    data = load_data(runner.choose_data()[0])
    assert (data.name, data.n_users, len(data.users)) == ("MovieLens-100K", USERS, USERS * PER_USER)


# --------------------------------------------------------------------------- the app


def shown(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    """A Static's text as one line (words joined by single spaces)."""
    from textual.widgets import Static

    return " ".join(str(app.screen.query_one(selector, Static).render()).split())


async def open_lab_without_movielens(pilot, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from kdquiz.tui.screens.lab import LabScreen

    monkeypatch.setattr(lab_data, "movielens_path", lambda: None)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("l")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(pilot.app.screen, LabScreen)
    return pilot.app.screen


async def test_the_app_fetches_movielens_after_the_terms_are_accepted(
    served: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kdquiz.tui.app import KDQuizApp
    from kdquiz.tui.screens.fetch import FetchScreen

    app = KDQuizApp()
    async with app.run_test(size=(80, 24)) as pilot:
        lab = await open_lab_without_movielens(pilot, monkeypatch)
        assert "Data: synthetic" in shown(app, "#lab-setup")
        assert "press f to fetch it" in shown(app, "#lab-setup")
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FetchScreen)
        terms = shown(app, "#fetch-terms")
        assert "research use only" in terms and "Harper" in terms
        assert "Accept these terms" in shown(app, "#fetch-status")
        assert served.hits == {}  # nothing before Accept
        await pilot.press("enter")  # Accept has the focus
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is lab and served.hits == {"/ml-100k.zip": 1}
        assert datasets.installed("movielens-100k") is not None
        setup = shown(app, "#lab-setup")
        assert "Data: MovieLens-100K" in setup and "research only" in setup
        assert lab.check_action("fetch_data", ()) is False  # nothing left to fetch


async def test_the_fetch_dialog_cancels_and_says_why_a_download_failed(
    served: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kdquiz.tui.app import KDQuizApp
    from kdquiz.tui.screens.fetch import FetchScreen

    app = KDQuizApp()
    async with app.run_test(size=(80, 24)) as pilot:
        lab = await open_lab_without_movielens(pilot, monkeypatch)
        await pilot.press("f")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is lab and served.hits == {}
        point_at(monkeypatch, served.url("/gone.zip"), sha256_of(served))
        await pilot.press("f")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, FetchScreen)
        status = shown(app, "#fetch-status")
        assert "HTTP 404" in status and "--from FILE.zip" in status
        assert app.screen.query_one("#fetch-accept").display  # Accept tries again
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is lab and "Data: synthetic" in shown(app, "#lab-setup")
        assert datasets.installed("movielens-100k") is None and leftovers() == []
