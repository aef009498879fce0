"""`copydesk log`, the new forms of `copydesk set` (--reason, --where, --dry-run,
standard input) and `list --review`, as a script or a person runs them."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.audit.log import encode_line
from tests.app.audit_support import (
    log_files,
    log_lines,
    make_queue,
    open_to_everyone,
    run_without_write_access,
    shared_folder,
)
from tests.app.queue_support import WAIT, article, wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), COPYDESK_EDITOR="Ana Lima", PYTHONPATH=str(ROOT))
    return env


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "desk"
    make_queue(folder, 12, quality=lambda i: i * 9)  # qualities 0, 9, ..., 99
    (folder / "broken.md").write_text("---\ntitle: [\n---\n")
    return folder


def copydesk(env: dict[str, str], *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "app", *args], input=stdin, capture_output=True, env=env,
                          cwd=ROOT, timeout=120)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def listed(env: dict[str, str], folder: Path, *filters: str) -> list[str]:
    out = copydesk(env, "list", "--json", str(folder), *filters)
    assert out.returncode == 0, out.stderr
    return [row["relpath"] for row in json.loads(out.stdout)]


# --- set --------------------------------------------------------------------------

def test_set_with_a_reason_logs_it_and_says_a_summary(env: dict[str, str], folder: Path) -> None:
    out = copydesk(env, "set", "--published", "false", "--quality", "5", "--reason", "off-topic",
                   str(folder / "a001.md"), str(folder / "a002.md"), str(folder / "broken.md"))
    assert out.returncode == 1
    err = out.stderr.strip().splitlines()
    assert err[-1] == "written 2, already 0, conflicts 0, failed 1" and err[0].startswith(f"{folder / 'broken.md'}:")
    lines = log_lines(folder)
    assert {(line["path"], line["field"], line["reason"], line["source"], line["editor"]) for line in lines} == {
        (name, field, "off-topic", "cli", "Ana Lima") for name in ("a001.md", "a002.md")
        for field in ("published", "quality")}
    assert len({line["batch"] for line in lines}) == 1 and lines[0]["batch"]  # one decision about two files
    assert "reason" not in (folder / "a001.md").read_text() and "off-topic" not in (folder / "a001.md").read_text()
    quiet = copydesk(env, "set", "--quality", "6", "--quiet", str(folder / "a001.md"))
    assert quiet.returncode == 0 and quiet.stderr == ""
    one = log_lines(folder)[-1]
    assert one["batch"] is None and one["reason"] is None  # one file: no batch


def test_set_where_acts_on_exactly_what_list_prints(env: dict[str, str], folder: Path) -> None:
    for filters in ([], ["--min-quality", "30"], ["--max-quality", "50", "--search", "Article 1"],
                    ["--errors"], ["--if-published", "no", "--min-quality", "90"]):
        list_filters = ["--published" if f == "--if-published" else f for f in filters]
        dry = copydesk(env, "set", "--where", str(folder), *filters, "--quality", "100", "--dry-run")
        would = [line.split(": ")[0] for line in dry.stdout.splitlines()]
        failed = [line.split(": ")[0] for line in dry.stderr.splitlines() if ": would fail:" in line]
        expected = [str(folder / rel) for rel in listed(env, folder, *list_filters)]
        assert sorted(would + failed) == sorted(expected), filters
    assert not log_files(folder)



def test_set_where_finds_similar_stories_as_list_does(env: dict[str, str], folder: Path) -> None:
    """The similar pass runs for `set --where` too: `--similar` and `--no-duplicates` pick what `list` prints."""
    story = ("Chip makers expect demand to recover in the second half while memory prices keep falling "
             "and factories run below capacity across the region this quarter")
    for name, title, site in (("wire-a.md", "Chips recover later", "One"), ("wire-b.md", "Demand for chips", "Two")):
        (folder / name).write_text(f"---\ntitle: {title}\nexcerpt: {story}\nquality: 40\npublished: false\n"
                                   f"provider:\n  name: {site}\n---\n")
    assert sorted(listed(env, folder, "--similar")) == ["wire-a.md", "wire-b.md"]
    for filters in (["--similar"], ["--no-duplicates"], ["--duplicates"]):
        dry = copydesk(env, "set", "--where", str(folder), *filters, "--quality", "100", "--dry-run")
        would = [line.split(": ")[0] for line in dry.stdout.splitlines()]
        failed = [line.split(": ")[0] for line in dry.stderr.splitlines() if ": would fail:" in line]
        assert sorted(would + failed) == sorted(str(folder / rel) for rel in listed(env, folder, *filters)), filters

def test_set_where_dry_run_writes_nothing(env: dict[str, str], folder: Path) -> None:
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}
    out = copydesk(env, "set", "--where", str(folder), "--if-published", "no", "--min-quality", "70",
                   "--published", "true", "--reason", "good", "--dry-run")
    assert out.returncode == 0
    assert out.stdout.splitlines() == [f"{folder / n}: published unpublished -> published"
                                       for n in ("a008.md", "a009.md", "a010.md", "a011.md")]
    assert out.stderr.strip().splitlines()[-1] == "dry run: would write 4, already 0, failed 0; nothing written"
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}
    assert after == before and not log_files(folder) and not (folder / ".copydesk" / "log").exists()


def test_set_where_review_needs_publishes_the_unreviewed_good_ones(env: dict[str, str], folder: Path) -> None:
    assert copydesk(env, "set", "--published", "true", str(folder / "a010.md")).returncode == 0  # reviewed now
    out = copydesk(env, "set", "--where", str(folder), "--review", "needs", "--min-quality", "70",
                   "--published", "true")
    assert out.returncode == 0 and out.stderr.strip().splitlines()[-1] == "written 3, already 0, conflicts 0, failed 0"
    assert listed(env, folder, "--published", "yes") == ["a008.md", "a009.md", "a010.md", "a011.md"]
    batches = {line["batch"] for line in log_lines(folder) if line["path"] != "a010.md"}
    assert len(batches) == 1 and None not in batches
    assert listed(env, folder, "--review", "needs") == [f"a{i:03d}.md" for i in range(8)] + ["broken.md"]
    # An outside rewrite of a decided article: changed since review.
    (folder / "a009.md").write_text(article("Rewritten", quality=99, published=True))
    assert listed(env, folder, "--review", "changed") == ["a009.md"]
    rows = json.loads(copydesk(env, "list", "--json", str(folder)).stdout)
    assert {row["relpath"]: row["review"] for row in rows}["a009.md"] == "changed"
    assert {row["review"] for row in rows} == {"needs", "reviewed", "changed"}
    assert copydesk(env, "list", str(folder), "--review", "reviewed").stdout.count("\n") == 5  # header, 3, total


def test_set_reads_file_names_from_standard_input(env: dict[str, str], folder: Path) -> None:
    odd = folder / "with space.md"
    odd.write_text(article("Spaced", quality=1))
    newline = folder / "new\nline.md"
    newline.write_text(article("Newline", quality=1))
    lines = f"{folder / 'a001.md'}\r\n{odd}\n\n".encode()
    out = copydesk(env, "set", "--quality", "42", "-", stdin=lines)
    assert out.returncode == 0 and out.stderr.strip() == "written 2, already 0, conflicts 0, failed 0"
    assert "quality: 42" in odd.read_text() and "quality: 42" in (folder / "a001.md").read_text()
    nul = b"\0".join(os.fsencode(p) for p in (newline, folder / "a002.md")) + b"\0"
    out = copydesk(env, "set", "--quality", "43", "-0", "-", str(folder / "a003.md"), stdin=nul)
    assert out.returncode == 0 and out.stderr.strip() == "written 3, already 0, conflicts 0, failed 0"
    assert all("quality: 43" in p.read_text() for p in (newline, folder / "a002.md", folder / "a003.md"))
    assert {line["path"] for line in log_lines(folder) if line["new"] == 43} == {"new\nline.md", "a002.md",
                                                                                 "a003.md"}


def test_set_usage_errors(env: dict[str, str], folder: Path) -> None:
    a = str(folder / "a001.md")
    for args, says in ((["--min-quality", "5", a], "give --where"),
                       (["-0", a], "-0 is for names read from standard input"),
                       (["--where", str(folder), a], "not both"),
                       ([], "give FILE names"),
                       (["--where", str(folder / "nope")], "not a folder"),
                       (["--where", str(folder), "--min-quality", "9", "--max-quality", "1"], "larger than")):
        out = copydesk(env, "set", "--quality", "5", *args)
        assert out.returncode == 2 and says in out.stderr, (args, out.stderr)
    out = copydesk(env, "set", "--quality", "-5", a)  # -0 exists, yet -5 is a value out of range
    assert out.returncode == 2 and "must be from 0 to 100, not -5" in out.stderr
    assert copydesk(env, "set", "--quality", "5", "-", stdin=b"\n").returncode == 2
    assert not log_files(folder)


def test_ctrl_c_stops_between_files_and_every_written_file_is_logged(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "big"
    names = make_queue(folder, 400, quality=lambda i: i % 100)  # none holds 100 already
    proc = subprocess.Popen([sys.executable, "-m", "app", "set", "--where", str(folder), "--quality", "100"],
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    log = folder / ".copydesk" / "log"
    wait_until(lambda: any(p.stat().st_size > 5000 for p in log.glob("*.jsonl")) if log.exists() else False,
               interval=0.005)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 130, err
    assert "stopped" in err.strip().splitlines()[-1]
    written = {name for name in names if "quality: 100" in (folder / name).read_text()}
    assert 0 < len(written) < 400
    assert {line["path"] for line in log_lines(folder)} == written  # nothing written unlogged


def _set_as_one_who_cannot_log(args: list[str], err_path: str) -> int:
    os.environ["XDG_CACHE_HOME"] = os.path.join(os.path.dirname(err_path), "cache")
    os.environ["COPYDESK_EDITOR"] = "Ana Lima"
    fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    os.dup2(fd, 2)
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - the child's stderr, for the test to read
    from app.cli import main

    status = main(args)
    sys.stderr.flush()
    return status


def test_set_on_a_read_only_log_folder_writes_and_says_so_once_on_stderr() -> None:
    # The child may run as another user who cannot read this interpreter's
    # library folder: what `set` imports late is imported here, before the fork.
    import app.article.writer  # noqa: F401
    import app.audit.recorder  # noqa: F401
    import app.cli.set_command  # noqa: F401
    import app.decisions  # noqa: F401
    import app.queue.facets  # noqa: F401 - the parser of `set --where` names the facets (numpy)

    with shared_folder() as base:
        folder = base / "desk"
        names = make_queue(folder, 3)
        (folder / ".copydesk" / "log").mkdir()
        open_to_everyone(base)
        (folder / ".copydesk" / "log").chmod(0o555)
        err = base / "stderr.txt"
        status = run_without_write_access(
            _set_as_one_who_cannot_log, ["set", "--published", "true", *[str(folder / n) for n in names]], str(err))
        assert status == 0
        said = err.read_text().splitlines()
        assert sum("audit log is not being kept" in line for line in said) == 1, said
        assert said[-1] == "written 3, already 0, conflicts 0, failed 0"
        assert all("published: true" in (folder / n).read_text() for n in names)


# --- log -------------------------------------------------------------------------------

def test_log_prints_the_trail_newest_last_with_filters(env: dict[str, str], folder: Path) -> None:
    logs = folder / ".copydesk" / "log"
    logs.mkdir()

    def line(time: str, editor: str, path: str, field: str, old: object, new: object, reason: str | None = None,
             batch: str | None = None) -> bytes:
        return encode_line({"time": time, "editor": editor, "path": path, "field": field, "old": old, "new": new,
                            "reason": reason, "source": "window", "batch": batch, "sha256": "ab" * 32})

    (logs / "bob.jsonl").write_bytes(line("2026-03-01T09:00:00.000Z", "bob", "a001.md", "published", True, False,
                                          "duplicate")
                                     + line("2026-03-03T09:00:00.000Z", "bob", "news/x.md", "review", None, True)
                                     + b"not json\n")
    (logs / "Cleo-Dee-0a1b2c3d.jsonl").write_bytes(
        line("2026-03-02T09:00:00.000Z", "Cleo Dee", "a002.md", "quality", None, 40, batch="b" * 16))
    out = copydesk(env, "log", str(folder))
    assert out.returncode == 0
    assert out.stdout.splitlines() == [
        '2026-03-01T09:00:00.000Z  bob  a001.md  published: published -> unpublished  "duplicate"  (window)',
        "2026-03-02T09:00:00.000Z  Cleo Dee  a002.md  quality: not set -> 40  (window, batch bbbbbbbbbbbbbbbb)",
        "2026-03-03T09:00:00.000Z  bob  news/x.md  marked reviewed  (window)"]
    assert out.stderr.strip() == f"copydesk: {logs / 'bob.jsonl'}:3: skipped: not valid JSON (a cut or corrupt line)"
    rows = [json.loads(x) for x in copydesk(env, "log", str(folder), "--json").stdout.splitlines()]
    assert [r["time"][:10] for r in rows] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert list(rows[1]) == ["time", "editor", "path", "field", "old", "new", "reason", "source", "batch", "sha256"]
    assert rows[1]["old"] is None and rows[1]["new"] == 40

    def paths(*filters: str) -> list[str]:
        return [json.loads(x)["path"] for x in copydesk(env, "log", str(folder), "--json", *filters).stdout.splitlines()]

    assert paths("--path", "a001.md") == ["a001.md"]
    assert paths("--path", "news") == ["news/x.md"] and paths("--path", str(folder / "news")) == ["news/x.md"]
    assert paths("--editor", "Cleo Dee") == ["a002.md"] and paths("--editor", "Cleo-Dee-0a1b2c3d") == ["a002.md"]
    assert paths("--since", "2026-03-02") == ["a002.md", "news/x.md"]
    assert paths("--since", "2026-03-02T10:30:00+01:00") == ["news/x.md"]
    assert paths("--field", "review") == ["news/x.md"]
    assert paths("--editor", "bob", "--field", "published") == ["a001.md"]
    assert copydesk(env, "log", str(folder), "--since", "yesterday").returncode == 2
    assert copydesk(env, "log", str(folder / "missing")).returncode == 2


def test_log_of_a_folder_with_no_decisions_prints_nothing(env: dict[str, str], folder: Path) -> None:
    out = copydesk(env, "log", str(folder))
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
