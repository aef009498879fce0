"""Writing: atomic, compare-and-swap, mode kept, symlinks followed, failures clean."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from app.article.writer import write_front_matter_edit


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".copydesk-")]


def test_write_changes_one_value_and_keeps_mode(seed_copy: Path) -> None:
    seed_copy.chmod(0o664)
    before = seed_copy.read_bytes()
    inode = seed_copy.stat().st_ino
    result = write_front_matter_edit(seed_copy, {"published": True})
    assert result.status == "written", result
    assert result.disk_values == {"published": True, "quality": 57}
    assert seed_copy.read_bytes() == before.replace(b"published: false", b"published: true")
    assert oct(seed_copy.stat().st_mode & 0o7777) == oct(0o664)
    assert seed_copy.stat().st_ino != inode  # replaced, not rewritten in place
    assert temp_files(seed_copy.parent) == []
    import hashlib
    assert result.sha256 == hashlib.sha256(seed_copy.read_bytes()).hexdigest()


def test_same_value_is_unchanged_and_not_written(seed_copy: Path) -> None:
    mtime = seed_copy.stat().st_mtime_ns
    result = write_front_matter_edit(seed_copy, {"quality": 57})
    assert result.status == "unchanged" and result.ok
    assert seed_copy.stat().st_mtime_ns == mtime


def test_compare_and_swap_conflict_names_disk_value(seed_copy: Path) -> None:
    before = seed_copy.read_bytes()
    result = write_front_matter_edit(seed_copy, {"quality": 70}, expected={"quality": 60})
    assert result.status == "conflict" and not result.ok
    assert result.disk_values["quality"] == 57
    assert "now 57, not 60" in result.message
    assert seed_copy.read_bytes() == before
    # the value the editor saw matches: the write goes through
    assert write_front_matter_edit(seed_copy, {"quality": 70}, expected={"quality": 57}).status == "written"


def test_other_fields_changed_on_disk_are_rebased(seed_copy: Path) -> None:
    text = seed_copy.read_text(encoding="utf-8").replace("heat: -1", "heat: 5")
    seed_copy.write_text(text, encoding="utf-8")
    result = write_front_matter_edit(seed_copy, {"published": True}, expected={"published": False})
    assert result.status == "written"
    assert "heat: 5\npublished: true\n" in seed_copy.read_text(encoding="utf-8")


def test_symlink_is_followed_and_stays_a_link(seed_copy: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.md"
    link.symlink_to(seed_copy)
    result = write_front_matter_edit(link, {"quality": 1})
    assert result.status == "written"
    assert link.is_symlink() and os.readlink(link) == str(seed_copy)
    assert b"\nquality: 1\n" in seed_copy.read_bytes()


def test_read_only_file_is_refused_even_for_root(seed_copy: Path) -> None:
    seed_copy.chmod(0o444)
    before = seed_copy.read_bytes()
    result = write_front_matter_edit(seed_copy, {"quality": 1})
    assert result.status == "failed" and "read-only" in result.message
    assert seed_copy.read_bytes() == before


def test_missing_file_and_unreadable_file(tmp_path: Path) -> None:
    result = write_front_matter_edit(tmp_path / "gone.md", {"quality": 1})
    assert result.status == "failed" and "no longer exists" in result.message
    bad = tmp_path / "bad.md"
    bad.write_text("---\nquality: 1\nquality: 2\n---\n")
    result = write_front_matter_edit(bad, {"quality": 3})
    assert result.status == "failed" and "duplicate key 'quality'" in result.message and "line 3" in result.message
    assert bad.read_text() == "---\nquality: 1\nquality: 2\n---\n"


def test_refused_edit_leaves_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    content = "---\nbase: &q 5\nquality: *q\n---\n"
    path.write_text(content)
    result = write_front_matter_edit(path, {"quality": 6})
    assert result.status == "failed" and "alias" in result.message and "line 3" in result.message
    assert path.read_text() == content and temp_files(tmp_path) == []


def test_failed_write_keeps_original_and_leaves_no_temp_file(seed_copy: Path) -> None:
    """A real write failure: a file-size limit makes the temp file's write fail (EFBIG)."""
    before = seed_copy.read_bytes()
    script = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
        from app.article.writer import write_front_matter_edit
        result = write_front_matter_edit({str(seed_copy)!r}, {{"published": True}})
        print(result.status, "|", result.message)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], check=True)
    status, message = (part.strip() for part in out.stdout.split("|"))
    assert status == "failed" and "not saved" in message and "too large" in message
    assert seed_copy.read_bytes() == before
    assert temp_files(seed_copy.parent) == []


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "x.md"
    folder.mkdir()
    result = write_front_matter_edit(folder, {"quality": 1})
    assert result.status == "failed" and "not a regular file" in result.message


def test_setuid_bits_and_xattrs_survive(seed_copy: Path) -> None:
    seed_copy.chmod(0o4755)
    try:
        os.setxattr(seed_copy, "user.review", b"desk-3")
    except OSError:
        has_xattr = False
    else:
        has_xattr = True
    assert write_front_matter_edit(seed_copy, {"quality": 3}).status == "written"
    assert seed_copy.stat().st_mode & 0o7777 == 0o4755
    if has_xattr:
        assert os.getxattr(seed_copy, "user.review") == b"desk-3"


def test_hard_linked_file_is_refused(seed_copy: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-name.md"
    os.link(seed_copy, other)
    result = write_front_matter_edit(seed_copy, {"quality": 3})
    assert result.status == "failed" and "hard links" in result.message
    assert other.read_bytes() == seed_copy.read_bytes()


def test_invalid_values_are_refused_even_when_equal(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\nquality: 250\ntitle: x\n---\n")
    assert write_front_matter_edit(path, {"quality": 250}).status == "failed"
    assert write_front_matter_edit(path, {"title": "x"}).status == "failed"
    assert write_front_matter_edit(tmp_path / "a\0b.md", {"quality": 1}).status == "failed"


def test_symlink_conflict_reports_disk_values(tmp_path: Path) -> None:
    target = tmp_path / "blob"  # a target without an article suffix
    target.write_text("---\nquality: 5\n---\n")
    link = tmp_path / "a.md"
    link.symlink_to(target)
    result = write_front_matter_edit(link, {"quality": 6}, expected={"quality": 4})
    assert result.status == "conflict" and result.disk_values["quality"] == 5


def test_mode_owner_and_group_survive_whichever_way_the_temp_file_starts(tmp_path: Path) -> None:
    """The temp file starts with the target's mode when it has our owner and group (no chmod/chown,
    two inotify events less), else private (0600) and is given away: either way the result is the same."""
    from app.article import writer

    text = "---\ntitle: x\npublished: false\n---\nBody.\n"
    old_umask = os.umask(0o027)  # strips bits the file has: the mode must still come out whole
    try:
        for mode in (0o644, 0o666, 0o600, 0o640, 0o2775):
            path = tmp_path / f"m{mode:o}.md"
            path.write_text(text)
            path.chmod(mode)
            assert write_front_matter_edit(path, {"published": True}).status == "written"
            assert path.stat().st_mode & 0o7777 == mode, oct(mode)
    finally:
        os.umask(old_umask)
    if os.geteuid() != 0:
        return
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chown(shared, 0, 65534)
    shared.chmod(0o2775)  # setgid: a new file here takes the folder's group
    assert writer._gives_another_group(str(shared), os.getegid())  # noqa: SLF001
    mine = shared / "mine.md"
    mine.write_text(text)
    os.chown(mine, os.geteuid(), os.getegid())
    mine.chmod(0o640)
    theirs = tmp_path / "theirs.md"
    theirs.write_text(text)
    os.chown(theirs, 65534, 65534)
    theirs.chmod(0o644)
    for path, owner in ((mine, (os.geteuid(), os.getegid())), (theirs, (65534, 65534))):
        assert write_front_matter_edit(path, {"published": True}).status == "written"
        st = path.stat()
        assert (st.st_uid, st.st_gid) == owner and st.st_mode & 0o7777 in (0o640, 0o644), path
