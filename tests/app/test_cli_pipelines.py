"""Real pipelines: `copydesk` as a shell, a pre-commit hook, xargs and jq use it,
its --help, its completion, and its desktop entry."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.cli.entry import build_parser
from tests.app.queue_support import article

VENV_BIN = Path(sys.executable).parent
COPYDESK = VENV_BIN / "copydesk"  # the console script `make test` installs
needs_script = pytest.mark.skipif(not COPYDESK.is_file(), reason="copydesk is not installed beside this Python")


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def queue(tmp_path: Path) -> Path:
    root = tmp_path / "desk"
    (root / "news").mkdir(parents=True)
    (root / "a.md").write_text(article("Alpha", quality=80, published=True))
    (root / "b.md").write_text(article("Bravo", quality=20, published=False))
    (root / "news" / "c.md").write_text(article("Charlie", quality=None, published=None))
    (root / "broken.md").write_text("---\ntitle: [\n---\n")
    return root


def shell(script: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`script` run by a real bash, with the installed copydesk first on PATH."""
    environment = {**os.environ, **(env or {}), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["bash", "-c", "set -o pipefail\n" + script], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


def listed(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["list", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


# --- list's paths ---------------------------------------------------------------

def test_list_paths_name_the_files_from_where_it_ran(queue: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    rows = listed(capsys, "../desk")
    assert [(r["path"], r["relpath"]) for r in rows] == [
        ("../desk/a.md", "a.md"), ("../desk/b.md", "b.md"), ("../desk/broken.md", "broken.md"),
        ("../desk/news/c.md", "news/c.md")]
    assert all(Path(str(r["path"])).is_file() for r in rows)
    monkeypatch.chdir(queue / "news")
    assert [r["path"] for r in listed(capsys)] == ["c.md"]  # FOLDER defaults to "."


def test_json_says_null_for_every_missing_value(queue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = {r["relpath"]: r for r in listed(capsys, str(queue))}

    def strings(value: object) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        return []

    assert all("" not in strings(row) for row in rows.values())
    assert rows["news/c.md"]["published"] is None and rows["news/c.md"]["published_at"] is None
    assert rows["broken.md"]["title"] is None and rows["broken.md"]["provider"] is None


def test_show_and_list_use_the_same_names_for_the_same_things(queue: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    rows = {r["relpath"]: r for r in listed(capsys, str(queue))}
    for rel in ("a.md", "broken.md"):
        status = main(["show", "--json", str(queue / rel)])
        assert status == (0 if rel == "a.md" else 1)
        shown = json.loads(capsys.readouterr().out)
        assert shown["path"] == str(queue / rel)
        row = rows[rel]
        # queue_root_of(a file outside git and any .copydesk) is its own folder: relpath is its name here.
        assert {k: shown[k] for k in row if k not in ("path", "relpath")} == \
               {k: v for k, v in row.items() if k not in ("path", "relpath")}
        assert shown["relpath"] == rel.rpartition("/")[2]
    assert shown["error"].startswith("line ") and shown["images"] == [] and shown["excerpt"] is None


def test_list_published_takes_what_set_takes(queue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for word, expected in (("true", ["a.md"]), ("YES", ["a.md"]), ("1", ["a.md"]),
                           ("False", ["b.md", "news/c.md"]), ("no", ["b.md", "news/c.md"])):
        assert [r["relpath"] for r in listed(capsys, str(queue), "--published", word)] == expected
    with pytest.raises(SystemExit) as exc:
        main(["list", str(queue), "--published", "maybe"])
    assert exc.value.code == 2 and "expected true, false or unset" in capsys.readouterr().err  # (unset: list only)


# --- pipelines through a real shell ------------------------------------------------

@needs_script
@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_list_jq_xargs_set_from_another_folder(queue: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = (queue / "a.md").read_bytes()
    done = shell("copydesk list ../desk --json --published false | jq -r '.[].path' "
                 "| xargs copydesk set --published true", cwd=elsewhere)
    assert done.returncode == 0, done.stderr  # error rows have no value, so --published leaves them out
    assert "published: true" in (queue / "b.md").read_text()
    assert "published: true" in (queue / "news/c.md").read_text()
    assert (queue / "a.md").read_bytes() == before
    # An absolute FOLDER works as well, and a file set fails the pipeline with its name.
    (queue / "b.md").write_text(article("Bravo", quality=20, published=False))
    done = shell(f"copydesk list {queue} --json | jq -r '.[] | select(.published != true) | .path' "
                 "| xargs copydesk set --published yes", cwd=elsewhere)
    assert done.returncode == 123, done  # xargs: a command failed (broken.md cannot be edited)
    assert done.stderr.startswith(f"{queue}/broken.md: cannot edit an unreadable file: line 3")
    assert "published: true" in (queue / "b.md").read_text()


@needs_script
def test_list_null_feeds_xargs_0_with_any_name(queue: Path, tmp_path: Path) -> None:
    odd = queue / "with space's and\nnewline.md"
    odd.write_text(article("Odd name", quality=5, published=False))
    before = (queue / "a.md").read_bytes()
    done = shell("copydesk list desk --null --max-quality 30 | xargs -0 copydesk set --quality 31", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "quality: 31" in odd.read_text() and "quality: 31" in (queue / "b.md").read_text()
    assert (queue / "a.md").read_bytes() == before  # 80: not selected
    raw = subprocess.run([sys.executable, "-m", "app", "list", "--null", "desk"], cwd=tmp_path,
                         capture_output=True, timeout=60).stdout
    assert raw.split(b"\0")[-1] == b"" and b"desk/with space's and\nnewline.md" in raw.split(b"\0")


@needs_script
def test_check_takes_files_as_a_pre_commit_hook_passes_them(queue: Path, tmp_path: Path) -> None:
    (queue / ".copydesk").mkdir()
    (queue / ".copydesk" / "config.toml").write_text('exclude = ["drafts/"]\n')
    (queue / "drafts").mkdir()
    (queue / "drafts" / "half.md").write_text("---\ntitle: [\n---\n")  # broken, but excluded
    (queue / "notes.py").write_text("print('not an article')\n")
    good = shell("copydesk check a.md news/c.md drafts/half.md notes.py", cwd=queue)
    # Warnings (news/c.md has no quality) leave the exit status at 0.
    assert good.returncode == 0 and all(": warning: " in line for line in good.stdout.splitlines()), good
    assert "skipped 2 files" in good.stderr
    bad = shell("copydesk check a.md broken.md", cwd=queue)
    assert bad.returncode == 1 and bad.stdout.startswith("broken.md:3:1: YAML error")
    folder = shell("copydesk check .", cwd=queue)  # the excluded file does not fail the folder either
    errors = [line for line in folder.stdout.splitlines() if ": warning: " not in line]
    assert folder.returncode == 1 and errors == [bad.stdout.strip()]
    (queue / "broken.md").unlink()
    assert shell("copydesk check", cwd=queue).returncode == 0  # "." by default, excludes honoured
    missing = shell("copydesk check gone.md", cwd=queue)
    assert missing.returncode == 2 and "gone.md: no such file or folder" in missing.stderr


def test_a_bad_config_stops_each_command_with_its_place(queue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (queue / ".copydesk").mkdir()
    path = queue / ".copydesk" / "config.toml"
    path.write_text('profile = "news"\n[fields]\nquality_range = [0, "ten"]\n')
    where = f"{path}:3:1: quality_range must be"
    before = (queue / "b.md").read_bytes()
    for args in (["list", str(queue)], ["set", "--published", "true", str(queue / "b.md")],
                 ["show", str(queue / "b.md")]):
        capsys.readouterr()
        assert main(args) == 1, args
        assert where in capsys.readouterr().err, args
    assert main(["check", str(queue)]) == 1
    assert capsys.readouterr().out.startswith(where)
    assert main(["check", str(queue / "a.md")]) == 1
    assert capsys.readouterr().out.startswith(where)
    assert (queue / "b.md").read_bytes() == before


# --- help, mistakes, completion ------------------------------------------------------

def test_every_subcommand_has_a_description_exit_codes_and_examples() -> None:
    parser, commands = build_parser()
    assert {"list", "check", "watch", "set", "show", "completion", "install-desktop"} <= commands
    for name in commands:
        text = parser._subparsers_by_name[name].format_help()  # type: ignore[attr-defined]
        head, _, rest = text.partition("\n\n")
        assert rest.split("\n\n")[0].strip(), (name, "no description")
        assert "exit status:\n  0 " in text and "\n  2    usage error" in text, name
        assert f"examples:\n  copydesk {name}" in text or "examples:\n  " in text, name


@pytest.mark.parametrize(("command", "rest"), [
    ("list", []), ("check", []), ("watch", []), ("set", ["a.md"]), ("show", ["a.md"]), ("completion", ["bash"]),
    ("install-desktop", [])])
def test_a_mistyped_option_shows_the_subcommands_usage(command: str, rest: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "app", command, "--bogus", *rest], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith(f"usage: copydesk {command} "), done.stderr
    assert "--bogus" in done.stderr and "Traceback" not in done.stderr


def test_a_mistyped_command_is_not_a_folder_for_the_window(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "app", "lst", "."], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert done.returncode == 2 and "did you mean 'list'?" in done.stderr
    assert done.stderr.startswith("usage: copydesk [-h] [--version] COMMAND")
    unknown = subprocess.run([sys.executable, "-m", "app", "frobnicate"], capture_output=True, text=True,
                             cwd=tmp_path, timeout=60)
    assert unknown.returncode == 2 and "neither a command nor a folder" in unknown.stderr


def completion(shell_name: str) -> str:
    done = subprocess.run([sys.executable, "-m", "app", "completion", shell_name], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bash_completion_parses_and_completes(tmp_path: Path) -> None:
    script = tmp_path / "copydesk.bash"
    script.write_text(completion("bash"))
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    (tmp_path / "site").mkdir()

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        probe = (f"source {script}\nCOMP_WORDS=({line})\nCOMP_CWORD={len(words) - 1}\n_copydesk\n"
                 'printf "%s\\n" "${COMPREPLY[@]}"')
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert done.returncode == 0, done.stderr
        return sorted(done.stdout.split())

    assert {"list", "check", "watch", "set", "show", "completion", "install-desktop"} <= set(complete("copydesk", ""))
    assert complete("copydesk", "l") == ["list", "log"]
    assert complete("copydesk", "li") == ["list"]
    assert complete("copydesk", "list", "--pu") == ["--published"]
    assert complete("copydesk", "list", "--published", "") == ["false", "no", "true", "unset", "yes"]
    assert complete("copydesk", "set", "--published", "y") == ["yes"]
    assert complete("copydesk", "check", "si") == ["site"]
    assert complete("copydesk", "completion", "") == ["bash", "zsh"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completion_parses(tmp_path: Path) -> None:
    script = tmp_path / "_copydesk"
    text = completion("zsh")
    script.write_text(text)
    assert text.startswith("#compdef copydesk\n") and "'list:print the review queue of a folder'" in text
    done = subprocess.run(["zsh", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # Loaded as an autoload function, it defines _copydesk without errors.
    probe = f"autoload -Uz compinit && compinit -u -d {tmp_path}/zcd; source {script}; whence -w _copydesk"
    done = subprocess.run(["zsh", "-f", "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "_copydesk: function" in done.stdout, done.stderr


# --- the desktop entry -----------------------------------------------------------------

def test_install_desktop_into_the_xdg_data_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    entry = data / "applications" / "copydesk.desktop"
    icon = data / "icons" / "hicolor" / "scalable" / "apps" / "copydesk.svg"
    assert main(["install-desktop"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [f"installed {entry}", f"installed {icon}"] and out.err == ""
    text = entry.read_text()
    assert "MimeType" not in text and "Icon=copydesk\n" in text
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    program = exec_line.removeprefix("Exec=").split(" ")[0]
    assert os.path.isabs(program) and os.access(program, os.X_OK), exec_line  # no PATH needed
    assert icon.read_bytes().lstrip().startswith(b"<")
    tool = shutil.which("desktop-file-validate")
    if tool is not None:
        check = subprocess.run([tool, str(entry)], capture_output=True, text=True)
        assert check.returncode == 0 and check.stdout.strip() == "", check.stdout
    assert main(["install-desktop", "--uninstall"]) == 0
    assert not entry.exists() and not icon.exists()
    assert main(["install-desktop", "--uninstall"]) == 0
    assert "nothing to remove" in capsys.readouterr().out
    entry.write_text("[Desktop Entry]\nName=Someone else's\n")  # not ours: left alone
    assert main(["install-desktop", "--uninstall"]) == 0 and entry.exists()


def test_the_exec_line_quotes_what_the_spec_reserves() -> None:
    from app.cli.desktop import quote_exec_argument

    assert quote_exec_argument("/usr/bin/copydesk") == "/usr/bin/copydesk"
    assert quote_exec_argument("/home/a b/bin/copydesk") == '"/home/a b/bin/copydesk"'
    assert quote_exec_argument('/x/"q"$') == '"/x/\\\\"q\\\\"\\\\$"'
    assert quote_exec_argument("/x/100%") == "/x/100%%"


def test_the_shipped_entry_is_valid() -> None:
    from app.paths import resources_dir

    entry = resources_dir() / "copydesk.desktop"
    assert "MimeType" not in entry.read_text()
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils)")
    done = subprocess.run([tool, str(entry)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout
