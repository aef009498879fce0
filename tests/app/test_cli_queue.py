"""`copydesk list`, `check` and `watch` as a user or a CI job runs them."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.cli import main
from app.cli.output import json_object
from app.queue import ReviewQueue
from app.article.summary import ArticleSummary
from tests.app.queue_support import SEED, WAIT, article, wait_until


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "queue"
    (root / "news").mkdir(parents=True)
    shutil.copyfile(SEED, root / "news" / "seed.txt")
    (root / "a.md").write_text(article("Alpha approved", quality=80, published=True))
    (root / "b.md").write_text(article("Bravo draft", quality=20, published=False))
    (root / "c.md").write_text(article("Charlie unscored", quality=None, published=None))
    (root / "broken.md").write_text("---\ntitle: ok\nquality: [\n---\n")
    (root / "nofm.txt").write_text("no front matter here\n")
    return root


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["list", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_list_json_has_every_row(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, str(folder))
    assert [r["relpath"] for r in rows] == ["a.md", "b.md", "broken.md", "c.md", "news/seed.txt", "nofm.txt"]
    assert [r["path"] for r in rows] == [os.path.join(str(folder), *r["relpath"].split("/")) for r in rows]
    by_path = {r["relpath"]: r for r in rows}
    assert {k: by_path["a.md"][k] for k in ("title", "published", "quality", "provider", "error")} == {
        "title": "Alpha approved", "published": True, "quality": 80, "provider": "The Desk", "error": None}
    assert by_path["news/seed.txt"]["quality"] == 57
    assert by_path["c.md"]["published"] is None and by_path["c.md"]["quality"] is None
    broken = by_path["broken.md"]
    assert broken["error"] and broken["line"] == 4 and broken["title"] is None  # missing is null, never ""


def test_list_filters(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def paths(*args: str) -> list[object]:
        return [r["relpath"] for r in run_json(capsys, str(folder), *args)]

    assert paths("--published", "yes") == ["a.md"]
    assert paths("--published", "no") == ["b.md", "c.md", "news/seed.txt"]
    assert paths("--min-quality", "50") == ["a.md", "news/seed.txt"]
    assert paths("--max-quality", "57") == ["b.md", "news/seed.txt"]
    assert paths("--min-quality", "20", "--max-quality", "20") == ["b.md"]
    assert paths("--errors") == ["broken.md", "nofm.txt"]
    assert paths("--search", "IBM") == ["news/seed.txt"]
    assert paths("--search", "BRAVO") == ["b.md"]
    assert paths("--search", "news/") == ["news/seed.txt"]
    assert paths("--published", "no", "--search", "nothing like this") == []


def test_list_usage_errors(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["list", str(folder), "--min-quality", "101"])
    assert exc.value.code == 2
    assert main(["list", str(folder), "--min-quality", "60", "--max-quality", "10"]) == 2
    assert main(["list", str(folder / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err
    for bad in ("-1", "nan", "soon"):  # a negative interval would rescan without pause
        with pytest.raises(SystemExit) as exc:
            main(["watch", str(folder), "--rescan-interval", bad])
        assert exc.value.code == 2


def test_list_table(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["PUB", "QUAL", "PROVIDER", "TITLE", "PATH"]
    alpha = next(line for line in out if line.endswith(" a.md"))
    assert alpha.split()[:2] == ["yes", "80"] and "Alpha approved" in alpha
    assert any("ERROR" in line and line.endswith("broken.md") for line in out)
    assert out[-1] == "6 articles: 1 published, 2 unreadable"


def test_list_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert run_json(capsys, str(tmp_path / "empty")) == []


def test_json_object_is_json(folder: Path) -> None:
    queue = ReviewQueue(folder, use_index=False)
    queue.scan()
    rows = queue.summaries() + [ArticleSummary('we"ird\\path\n.md', title="tab\tand \u2028 and \u00e9",
                                               heat=1.5, topics=("a", 'b"'), warnings=("w",))]
    for row in rows:
        assert json.loads(json_object(row)) == row.to_json()


def problems(out: str) -> list[str]:
    """`check`'s error lines (its warnings left out: tests/app/test_checks.py has those)."""
    return [line for line in out.splitlines() if ": warning: " not in line]


def test_check(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(folder)]) == 1
    lines = problems(capsys.readouterr().out)
    assert len(lines) == 2
    broken = os.path.join(str(folder), "broken.md")
    assert lines[0].startswith(f"{broken}:4:") and "YAML error" in lines[0]
    assert lines[1].startswith(os.path.join(str(folder), "nofm.txt") + ":1: ")
    (folder / "broken.md").unlink()
    (folder / "nofm.txt").unlink()
    assert main(["check", str(folder)]) == 0
    assert problems(capsys.readouterr().out) == []


def test_check_relative_folder(folder: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    assert main(["check", "."]) == 1
    assert capsys.readouterr().out.splitlines()[0].startswith("broken.md:4:")


# `copydesk watch` as started at a terminal, however the tests were started: a
# background job of a script (`bash .ci/run &`) starts with SIGINT ignored, its
# children inherit that, and Python then leaves Ctrl-C ignored (as it should: the
# shell's way of keeping a script's Ctrl-C from its background jobs).
_AT_A_TERMINAL = ("import runpy, signal\n"
                  "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
                  "runpy.run_module('app', run_name='__main__', alter_sys=True)\n")


def _start_watch(folder: Path, env: dict[str, str], *extra: str, mode: str = "native") -> subprocess.Popen[str]:
    env = {**env, "PYTHONFAULTHANDLER": "1"}  # SIGABRT prints every thread's stack (`_finish`)
    proc = subprocess.Popen([sys.executable, "-c", _AT_A_TERMINAL, "watch", str(folder), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    line = proc.stderr.readline()  # "copydesk: watching FOLDER (MODE); ..." once it is ready
    assert "watching" in line and f"({mode})" in line, line
    return proc


def _finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Wait for a stopped `copydesk watch` to end; when it does not, fail saying
    where each of its threads was (or that it ended and something else kept its
    output open), instead of a bare timeout."""
    try:
        return proc.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        ended = proc.poll() is not None
        if not ended:
            proc.send_signal(signal.SIGABRT)
        try:
            _, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        pytest.fail(f"copydesk watch did not end within {WAIT:g} s of being stopped "
                    f"({'it had exited: its output was still held open' if ended else 'its threads'}):\n{err[-6000:]}")


def _read_lines(proc: subprocess.Popen[str], count: int) -> list[dict[str, object]]:
    assert proc.stdout is not None
    lines: list[dict[str, object]] = []

    def reader() -> None:
        while len(lines) < count:
            text = proc.stdout.readline()  # type: ignore[union-attr]
            if not text:
                return
            lines.append(json.loads(text))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(WAIT)
    return lines


def test_watch_prints_json_lines_and_ctrl_c_exits_0(folder: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = _start_watch(folder, env)
    try:
        (folder / "new.md").write_text(article("New"))
        assert _read_lines(proc, 1) == [{"event": "added", "path": "new.md", "by": "outside"}]
        (folder / "b.md").write_text(article("Bravo edited elsewhere"))
        assert _read_lines(proc, 1) == [{"event": "changed", "path": "b.md", "by": "outside"}]
        # An edit by another Copydesk process (the window) is reported as Copydesk's.
        code = ("import sys\nfrom app.queue import ReviewQueue\n"
                "assert ReviewQueue(sys.argv[1]).write('a.md', {'quality': 5}).status == 'written'\n")
        done = subprocess.run([sys.executable, "-c", code, str(folder)], env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert _read_lines(proc, 1) == [{"event": "changed", "path": "a.md", "by": "copydesk"}]
        (folder / "new.md").unlink()
        assert _read_lines(proc, 1) == [{"event": "removed", "path": "new.md", "by": "outside"}]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = _finish(proc)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_watch_poll_and_sigterm(folder: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = _start_watch(folder, env, "--poll", mode="polling")
    try:
        (folder / "polled.md").write_text(article("Polled"))
        assert _read_lines(proc, 1) == [{"event": "added", "path": "polled.md", "by": "outside"}]
    finally:
        proc.terminate()
        _finish(proc)
    assert proc.returncode == 0


@pytest.fixture
def odd_folder(tmp_path: Path) -> Path:
    """Names and values a pipeline really produces: not UTF-8, a newline, an ESC, wide characters."""
    root = tmp_path / "odd"
    root.mkdir()
    with open(os.fsencode(root) + b"/caf\xe9.md", "w") as fh:  # a Latin-1 name
        fh.write(article("Latin-1 name"))
    (root / "two\nlines.md").write_text("---\ntitle: x\nquality: [\n---\n")
    (root / "esc.md").write_text('---\ntitle: "red \\e[31mALERT\\e[0m \\u202eevil"\nheat: .nan\n---\n')
    (root / "wide.md").write_text(article("日本語のタイトルがとても長い場合にはどうなるのでしょうか、列は揃いますか" * 2))
    (root / "plain.md").write_text(article("Plain"))
    return root


def test_list_json_of_odd_names_and_values_is_valid_utf8_json(odd_folder: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):  # cold, then from the index
        assert main(["list", "--json", str(odd_folder)]) == 0  # capsys encodes strictly, as a UTF-8 terminal does
        out = capsys.readouterr().out
        out.encode("utf-8")  # no lone surrogates: the bytes on stdout are UTF-8

        def no_constants(name: str) -> None:
            raise AssertionError(f"{name} is not JSON")

        rows = {os.fsencode(r["relpath"]): r for r in json.loads(out, parse_constant=no_constants)}
        assert rows[b"caf\xe9.md"]["title"] == "Latin-1 name"  # the name's bytes come back
        assert rows[b"two\nlines.md"]["error"]
        assert rows[b"esc.md"]["heat"] is None


def test_list_table_and_check_stay_one_line_per_file(odd_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import unicodedata

    def columns(text: str) -> int:
        return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
                   for ch in text)

    assert main(["list", str(odd_folder)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out  # nothing from a title reaches the terminal as a control
    lines = out.splitlines()
    assert len(lines) == 1 + 5 + 1  # header, one line per file, summary
    assert any(line.endswith(" caf\\xe9.md") for line in lines)
    assert any(line.endswith(" two\\nlines.md") for line in lines)
    # The PATH column starts at the same terminal column on every line, wide titles included.
    starts = {columns(line[:line.rindex(" ") + 1]) for line in lines[1:-1]}
    assert len(starts) == 1 and columns(lines[0][:lines[0].index("PATH")]) in starts

    assert main(["check", str(odd_folder)]) == 1
    check = problems(capsys.readouterr().out)
    assert len(check) == 1 and check[0].startswith(f"{odd_folder}/two\\nlines.md:4:1: YAML error")


def unprivileged(cmd: list[str]) -> list[str]:
    """`cmd` run so that file modes apply: as root, without the capabilities that bypass them."""
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    drop = [setpriv or "setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    if setpriv is None or subprocess.run([*drop, "true"], capture_output=True).returncode != 0:
        pytest.skip("root reads every folder, and setpriv cannot drop that power here")
    return [*drop, *cmd]


def test_check_fails_on_a_folder_it_cannot_read(folder: Path, tmp_path: Path) -> None:
    for name in ("broken.md", "nofm.txt"):
        (folder / name).unlink()
    locked = folder / "locked"
    locked.mkdir()
    (locked / "hidden-from-check.md").write_text("---\ntitle: [\n---\n")
    locked.chmod(0)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    try:
        done = subprocess.run(unprivileged([sys.executable, "-m", "app", "check", str(folder)]),
                              capture_output=True, text=True, env=env, timeout=60)
    finally:
        locked.chmod(0o755)
    assert done.returncode == 1, done.stderr
    assert problems(done.stdout) == [f"{locked}: cannot read folder: permission denied"]


def _slow_folder(root: Path, n: int = 200) -> Path:
    """Articles with long front matter: a cold scan keeps the parse workers busy for a while."""
    root.mkdir()
    body = "".join(f"k{i}: [a, b, {{c: d}}]\n" for i in range(1000))
    for i in range(n):
        (root / f"{i:03d}.md").write_text(f"---\ntitle: T{i}\n{body}---\n")
    return root


def _children(pid: int) -> set[int]:
    """Direct children of `pid` that are still running (Linux /proc)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == str(pid) and fields[0] != "Z":
                found.add(int(entry))
    return found


def _started(pid: int) -> bool:
    """The worker has run its initializer (it ignores Ctrl-C from then on)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # gone already: nothing to wait for
    ignored = int(status.split("SigIgn:")[1].split()[0], 16)
    return bool(ignored & (1 << (signal.SIGINT - 1)))


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                    reason="reads /proc; needs a parse pool")
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_list_stopped_mid_scan_leaves_no_workers_behind(tmp_path: Path, how: str) -> None:
    # `timeout 60 copydesk list`, a CI job cancelled, the OOM killer: the parse
    # workers must not outlive the command (they would wait on their queue forever).
    root = _slow_folder(tmp_path / "slow")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    err_file = tmp_path / "stderr.txt"
    with open(err_file, "w") as err_out:  # not a pipe: a stray worker would hold it open
        proc = subprocess.Popen([sys.executable, "-m", "app", "list", "--json", str(root)],
                                stdout=subprocess.DEVNULL, stderr=err_out, env=env)
    workers: set[int] = set()

    def pool_started() -> bool:
        workers.update(_children(proc.pid))
        return (bool(workers) and all(map(_started, workers))) or proc.poll() is not None

    try:
        wait_until(pool_started, interval=0.005)
        if proc.poll() is not None:
            pytest.skip("the scan ended before it could be interrupted")
        proc.send_signal(getattr(signal, how))
        proc.wait(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    try:
        if how == "SIGTERM":
            err = err_file.read_text()
            assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in err, err
        wait_until(lambda: not any(_alive(pid) for pid in workers), timeout=5)
    finally:
        for pid in workers:  # never leave strays behind, even when the test fails
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_watch_ends_with_status_1_when_its_folder_is_deleted(folder: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = _start_watch(folder, env)
    try:
        shutil.rmtree(folder)
        out, err = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert sorted(json.loads(line)["path"] for line in out.splitlines()) == [
        "a.md", "b.md", "broken.md", "c.md", "news/seed.txt", "nofm.txt"]
    assert "deleted or moved away" in err and "Traceback" not in err


def test_range_bounds_read_the_same_for_the_command_line_and_the_window() -> None:
    """`app.queue.bounds` is the one reading: the CLI's argument types and the facet boxes use it."""
    import argparse

    from app.cli.common import parse_quality
    from app.cli.filters import parse_day, parse_heat
    from app.queue.bounds import parse_bounds

    assert parse_bounds("quality", " 10 ", "") == (10, None)
    assert parse_bounds("heat", "", "2.5") == (None, 2.5)
    assert parse_bounds("date", "2022-02", "2022") == ("2022-02", "2022")
    for name, low, high, why in (("quality", "1_0", "", "expected a whole number"),
                                 ("quality", "", "101", "must be from 0 to 100"),
                                 ("heat", "nan", "", "expected a finite number"),
                                 ("date", "2023", "2022-06", "is above the upper one"),
                                 ("quality", "50", "40", "is above the upper one")):
        with pytest.raises(ValueError, match=why):
            parse_bounds(name, low, high)
    for parse, text in ((parse_quality, "1_0"), (parse_heat, "inf"), (parse_day, "May")):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(text)
