"""The window on a team queue, with real git: a bare repository in tmp_path and a
clone per editor (file paths as remotes), real widgets on the offscreen platform.

Each test runs with its own git configuration (tests.app.team_support.isolate_git),
so neither the developer's git config nor this checkout's repository is touched.
"""
from __future__ import annotations

import json

import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer

from app.team import git as team_git
from app.team import session as team_session
from tests.app.team_support import Team, article, isolate_git, seed_articles
from ui.queue_model import Column
from ui.settings import WindowSettings

ROWS = 6  # seed.txt and news/a1..a5.md (.copydesk/ is Copydesk's own)
WAIT_MS = 30_000


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    isolate_git(tmp_path, monkeypatch)
    (tmp_path / "desks").mkdir()
    return Team(tmp_path / "desks")


def editor_settings(tmp_path: Path, editor: str, **values: object) -> WindowSettings:
    s = WindowSettings(QSettings(str(tmp_path / f"{editor}.ini"), QSettings.Format.IniFormat))
    s.sync_after_s = 3600  # the tests sync with F6 (or say so)
    s.sync_every_s = 86_400
    for name, value in values.items():
        setattr(s, name, value)
    return s


def open_desk(qtbot, make_window, team: Team, editor: str, tmp_path: Path, *, rows: int = ROWS,  # type: ignore[no-untyped-def]
              **values: object):
    window = make_window(team.desk(editor), rows=rows, window_settings=editor_settings(tmp_path, editor, **values))
    # The first sync runs as the queue opens (others' decisions come in).
    qtbot.waitUntil(lambda: window.team.active and sync_text(window).startswith("Synced"), timeout=WAIT_MS)
    return window


def focus(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus, timeout=5000)


def select(qtbot, window, relpath: str) -> None:  # type: ignore[no-untyped-def]
    window.table.select_row(window.table.row_of_relpath(relpath))
    qtbot.waitUntil(lambda: window.current_relpath() == relpath and window.detail.relpath == relpath, timeout=5000)


def commits(team: Team, editor: str) -> int:
    return int(team.git(editor, "rev-list", "--count", "HEAD").strip())


def sync_text(window) -> str:  # type: ignore[no-untyped-def]
    return window.team.button.text()


def test_a_decision_becomes_one_commit_by_the_editor_and_f6_shares_it(qtbot, make_window, team: Team,  # type: ignore[no-untyped-def]
                                                                      tmp_path: Path) -> None:
    window = open_desk(qtbot, make_window, team, "Ana", tmp_path, editor_name="Ana Lima")
    assert window.team.button.isVisible() and sync_text(window).startswith("Synced")
    select(qtbot, window, "news/a2.md")
    qtbot.waitUntil(lambda: window.review.audit.recorder is not None, timeout=WAIT_MS)
    before = commits(team, "Ana")
    qtbot.keyClick(window.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: commits(team, "Ana") == before + 1, timeout=WAIT_MS)
    author = team.git("Ana", "log", "-1", "--format=%an <%ae>").strip()
    assert author == "Ana Lima <ana@desk.example>"  # the name from Preferences, the email from git
    message = team.git("Ana", "log", "-1", "--format=%B")
    assert message.startswith('Publish "Article 2"')
    assert "Copydesk-Action: publish" in message and "Copydesk-Items: 1" in message
    assert "Copydesk-Source: window" in message
    # exactly the article and the editor's audit log, whose new line is the decision
    changed = team.git("Ana", "show", "--name-only", "--format=", "HEAD").splitlines()
    logs = [p for p in changed if p.startswith("desk/.copydesk/log/") and p.endswith(".jsonl")]
    assert sorted(changed) == sorted(["desk/news/a2.md", *logs]) and len(logs) == 1
    line = json.loads(team.git("Ana", "show", f"HEAD:{logs[0]}").splitlines()[-1])
    assert (line["path"], line["field"], line["new"], line["editor"]) == ("news/a2.md", "published", True, "Ana Lima")
    qtbot.waitUntil(lambda: sync_text(window).startswith("1 decision not yet shared"), timeout=WAIT_MS)

    first = team.git("Ana", "rev-parse", "HEAD").strip()
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo: a new commit
    qtbot.waitUntil(lambda: commits(team, "Ana") == before + 2, timeout=WAIT_MS)
    assert team.git("Ana", "rev-parse", "HEAD~1").strip() == first  # history only grows
    assert "Copydesk-Source: undo" in team.git("Ana", "log", "-1", "--format=%B")
    assert b"published: false" in team.read("Ana", "news/a2.md")
    qtbot.waitUntil(lambda: sync_text(window).startswith("2 decisions not yet shared"), timeout=WAIT_MS)

    qtbot.keyClick(window.table, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: sync_text(window).startswith("Synced"), timeout=WAIT_MS)
    assert "s ago" in sync_text(window) and window.team.session.status().unshared == 0
    assert team.git("Ana", "rev-parse", "HEAD").strip() == \
        team.git("Ana", "--git-dir", str(team.remote), "rev-parse", "main").strip()
    assert window.actions_by_name["sync"].shortcut().toString() == "F6"


def test_a_decision_is_shared_by_itself_after_the_debounce_from_preferences(qtbot, make_window, team: Team,  # type: ignore[no-untyped-def]
                                                                           tmp_path: Path) -> None:
    window = open_desk(qtbot, make_window, team, "Ana", tmp_path)
    dialog = window.show_preferences()
    assert dialog.sync_after.value() == 3600 and dialog.sync_every.value() == 86_400
    dialog.sync_after.setValue(1)
    dialog.accept()
    assert window.settings.sync_after_s == 1
    focus(qtbot, window)
    select(qtbot, window, "news/a4.md")
    remote_head = team.git("Ana", "--git-dir", str(team.remote), "rev-parse", "main").strip()
    qtbot.keyClick(window.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: team.git("Ana", "--git-dir", str(team.remote), "rev-parse", "main").strip()
                    != remote_head, timeout=WAIT_MS)  # no F6: the sync came a second after the decision
    qtbot.waitUntil(lambda: sync_text(window).startswith("Synced"), timeout=WAIT_MS)
    assert "Copydesk-Action: publish" in team.git("Ana", "--git-dir", str(team.remote), "log", "-1", "--format=%B")


def test_an_unreachable_remote_says_why_and_keeps_count_then_a_click_syncs(qtbot, make_window, team: Team,  # type: ignore[no-untyped-def]
                                                                           tmp_path: Path) -> None:
    window = open_desk(qtbot, make_window, team, "Ana", tmp_path)
    away = team.remote.with_name("remote-away.git")
    team.remote.rename(away)  # the shared disk is gone
    select(qtbot, window, "news/a1.md")
    qtbot.keyClick(window.table, Qt.Key.Key_BracketRight)  # quality +10
    qtbot.waitUntil(lambda: b"quality: 61" in team.read("Ana", "news/a1.md"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.team.session.status().unshared == 1, timeout=WAIT_MS)  # committed (log line too)
    qtbot.keyClick(window.table, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: sync_text(window).startswith("Sync failed"), timeout=WAIT_MS)
    assert "cannot reach origin" in sync_text(window)
    assert sync_text(window).endswith("1 decision not yet shared")
    assert window.team.button.kind == "problem"

    away.rename(team.remote)
    qtbot.mouseClick(window.team.button, Qt.MouseButton.LeftButton)  # the retry
    qtbot.waitUntil(lambda: sync_text(window).startswith("Synced"), timeout=WAIT_MS)
    assert team.sync("Ben").state == "synced" and b"quality: 61" in team.read("Ben", "news/a1.md")


def test_a_conflict_is_listed_with_both_editors_and_settled_by_choosing(qtbot, make_window, team: Team,  # type: ignore[no-untyped-def]
                                                                       tmp_path: Path) -> None:
    team.decide("Ben", "news/a3.md", {"quality": 5})
    assert team.sync("Ben").state == "synced"
    window = open_desk(qtbot, make_window, team, "Ana", tmp_path)  # (its first sync brings Ben's 5 in...)
    qtbot.waitUntil(lambda: window.model.shown_value("news/a3.md", "quality") == 5, timeout=WAIT_MS)
    team.decide("Ben", "news/a3.md", {"quality": 7})  # ... and Ben changes it again
    assert team.sync("Ben").state == "synced"
    select(qtbot, window, "news/a3.md")
    qtbot.keyClick(window.table, Qt.Key.Key_BracketRight)  # Ana: 5 -> 15
    qtbot.waitUntil(lambda: b"quality: 15" in team.read("Ana", "news/a3.md"), timeout=WAIT_MS)
    on_disk = team.read("Ana", "news/a3.md")
    qtbot.keyClick(window.table, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: window.team_conflicts.dialog is not None, timeout=WAIT_MS)
    dialog = window.team_conflicts.dialog
    assert sync_text(window).startswith("1 conflict to settle")
    assert team.read("Ana", "news/a3.md") == on_disk  # nothing half-merged on disk
    mine, theirs = dialog.value_labels[0]
    assert "15" in mine.text() and "Ana &lt;ana@desk.example&gt;" in mine.text()
    assert "7" in theirs.text() and "Ben &lt;ben@desk.example&gt;" in theirs.text()
    assert dialog.conflicts[0].field == "quality"

    qtbot.mouseClick(dialog.mine_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sync_text(window).startswith("Synced"), timeout=WAIT_MS)
    assert window.team_conflicts.dialog is None and window.team.conflicts() == []
    text = team.read("Ana", "news/a3.md")
    assert b"quality: 15" in text and b"<<<<<<<" not in text and b">>>>>>>" not in text
    assert team.sync("Ben").state == "synced" and b"quality: 15" in team.read("Ben", "news/a3.md")


def test_later_leaves_the_conflict_standing_and_a_click_brings_it_back(qtbot, make_window, team: Team,  # type: ignore[no-untyped-def]
                                                                       tmp_path: Path) -> None:
    window = open_desk(qtbot, make_window, team, "Ana", tmp_path)
    team.decide("Ben", "news/a4.md", {"published": True})
    assert team.sync("Ben").state == "synced"
    select(qtbot, window, "news/a4.md")
    window.actions_by_name["quality_up"].trigger()  # Ana: quality 54 -> 55 (Ben's commit set published)
    qtbot.waitUntil(lambda: b"quality: 55" in team.read("Ana", "news/a4.md"), timeout=WAIT_MS)
    team.decide("Ben", "news/a4.md", {"quality": 90})
    assert team.sync("Ben").state == "synced"
    window.team.sync_now()
    qtbot.waitUntil(lambda: window.team_conflicts.dialog is not None, timeout=WAIT_MS)
    qtbot.mouseClick(window.team_conflicts.dialog.later_button, Qt.MouseButton.LeftButton)
    assert window.team_conflicts.dialog is None
    assert sync_text(window).startswith("1 conflict to settle")
    qtbot.mouseClick(window.team.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.team_conflicts.dialog is not None, timeout=5000)
    qtbot.mouseClick(window.team_conflicts.dialog.theirs_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sync_text(window).startswith("Synced"), timeout=WAIT_MS)
    text = team.read("Ana", "news/a4.md")
    assert b"quality: 90" in text and b"published: true" in text  # theirs, and Ben's other field kept


def test_c_claims_and_another_window_shows_it_and_asks_before_deciding(qtbot, make_window, team: Team,  # type: ignore[no-untyped-def]
                                                                       tmp_path: Path) -> None:
    ana = open_desk(qtbot, make_window, team, "Ana", tmp_path)
    select(qtbot, ana, "news/a5.md")
    qtbot.keyClick(ana.table, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: "news/a5.md" in ana.team.claims() and not ana.team.claims()["news/a5.md"].tentative,
                    timeout=WAIT_MS)
    assert ana.team.claims()["news/a5.md"].mine
    qtbot.waitUntil(lambda: ana.claim_banner.isVisible(), timeout=5000)
    assert ana.claim_banner.text().startswith("You claimed this until")

    ben = open_desk(qtbot, make_window, team, "Ben", tmp_path)  # its first sync fetches the claims
    row = ben.table.row_of_relpath("news/a5.md")
    index = ben.proxy.index(row, Column.TITLE)
    qtbot.waitUntil(lambda: index.data(Qt.ItemDataRole.DecorationRole) is not None, timeout=WAIT_MS)
    assert "Claimed by Ana until" in index.data(Qt.ItemDataRole.ToolTipRole)
    other = ben.proxy.index(ben.table.row_of_relpath("news/a1.md"), Column.TITLE)
    assert other.data(Qt.ItemDataRole.DecorationRole) is None
    select(qtbot, ben, "news/a5.md")
    assert ben.claim_banner.isVisible() and ben.claim_banner.text().startswith("⚑ Claimed by Ana until")

    focus(qtbot, ben)
    qtbot.keyClick(ben.table, Qt.Key.Key_P)  # Ben decides on Ana's article: asked first
    qtbot.waitUntil(lambda: ben.claims.question is not None, timeout=5000)
    assert ben.current_relpath() == "news/a5.md"  # no auto-advance while asking
    qtbot.mouseClick(ben.claims.question.button(ben.claims.question.StandardButton.No), Qt.MouseButton.LeftButton)
    qtbot.wait(300)
    assert b"published: false" in team.read("Ben", "news/a5.md")  # "No": nothing written
    qtbot.keyClick(ben.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: ben.claims.question is not None, timeout=5000)
    qtbot.mouseClick(ben.claims.question.button(ben.claims.question.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: b"published: true" in team.read("Ben", "news/a5.md"), timeout=WAIT_MS)

    ben.claim_selected()  # Ben cannot take Ana's claim
    qtbot.waitUntil(lambda: "Ana" in ben.write_label.text() and "Not claimed" in ben.write_label.text(),
                    timeout=WAIT_MS)


def test_expired_claims_are_ignored_and_a_claim_leaves_its_row_when_it_runs_out(  # type: ignore[no-untyped-def]
        qtbot, make_window, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.team.claims import claim as make_claim
    from app.team.repo import Identity

    ben = Identity("Ben", team.email("Ben"))
    [old] = make_claim(team.repo("Ben"), ["desk/news/a1.md"], ben, minutes=1, now=time.time() - 600)
    [short] = make_claim(team.repo("Ben"), ["desk/news/a2.md"], ben, minutes=6 / 60)
    assert old.status == "claimed" and short.status == "claimed"
    monkeypatch.setattr("ui.claims.EXPIRY_CHECK_MS", 200)
    window = open_desk(qtbot, make_window, team, "Ana", tmp_path)

    def flag(relpath: str) -> object:
        return window.proxy.index(window.table.row_of_relpath(relpath), Column.TITLE).data(
            Qt.ItemDataRole.DecorationRole)

    qtbot.waitUntil(lambda: flag("news/a2.md") is not None, timeout=WAIT_MS)
    assert flag("news/a1.md") is None  # expired ten minutes ago: not shown
    select(qtbot, window, "news/a2.md")
    assert window.claim_banner.isVisible()
    qtbot.waitUntil(lambda: flag("news/a2.md") is None, timeout=WAIT_MS)  # ran out while shown
    assert not window.claim_banner.isVisible()


def test_a_claim_made_offline_shows_as_tentative(qtbot, make_window, team: Team, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_desk(qtbot, make_window, team, "Ana", tmp_path)
    away = team.remote.with_name("remote-away.git")
    team.remote.rename(away)
    select(qtbot, window, "news/a1.md")
    window.claim_selected()
    # the session holds the claim a moment before the window hears of it: wait for the banner
    qtbot.waitUntil(lambda: "tentative" in window.claim_banner.text(), timeout=WAIT_MS)
    assert window.team.claims()["news/a1.md"].tentative
    index = window.proxy.index(window.table.row_of_relpath("news/a1.md"), Column.TITLE)
    assert "tentative" in index.data(Qt.ItemDataRole.ToolTipRole)
    away.rename(team.remote)
    window.team.sync_now()  # the sync shares it
    qtbot.waitUntil(lambda: "You claimed" in window.claim_banner.text()
                    and "tentative" not in window.claim_banner.text(), timeout=WAIT_MS)
    assert not window.team.claims()["news/a1.md"].tentative


def test_the_current_article_is_claimed_automatically_when_asked(qtbot, make_window, team: Team,  # type: ignore[no-untyped-def]
                                                                  tmp_path: Path) -> None:
    window = open_desk(qtbot, make_window, team, "Ana", tmp_path, auto_claim=True)
    select(qtbot, window, "news/a2.md")
    qtbot.waitUntil(lambda: "news/a2.md" in window.team.claims(), timeout=WAIT_MS)
    select(qtbot, window, "news/a3.md")  # moving on gives it back and claims the next
    qtbot.waitUntil(lambda: set(window.team.claims()) == {"news/a3.md"}, timeout=WAIT_MS)


def test_a_pull_of_many_files_keeps_the_selection_and_the_window_responsive(qtbot, make_window,  # type: ignore[no-untyped-def]
                                                                            tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(tmp_path, monkeypatch)
    files = seed_articles()
    many = [f"bulk/b{n:03}.md" for n in range(150)]
    for name in many:
        files[name] = article(f"Bulk {name}", quality=40, published=False).encode()
    (tmp_path / "desks").mkdir()
    team = Team(tmp_path / "desks", files=files)
    window = open_desk(qtbot, make_window, team, "Ana", tmp_path, rows=ROWS + len(many))
    select(qtbot, window, "news/a2.md")
    team.decide("Ben", many, {"published": True})  # one bulk decision by Ben over 150 files
    assert team.sync("Ben").state == "synced"

    gaps: list[float] = []
    last = [time.monotonic()]

    def beat() -> None:
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now

    heart = QTimer(window)
    heart.timeout.connect(beat)
    heart.start(10)
    window.team.sync_now()
    qtbot.waitUntil(lambda: all(window.model.shown_value(n, "published") is True for n in many), timeout=WAIT_MS)
    heart.stop()
    assert window.current_relpath() == "news/a2.md" and window.detail.relpath == "news/a2.md"
    assert "Received 1 decision from the team" in window.notice_label.text() \
        or "changed on disk" in window.notice_label.text()
    assert max(gaps) < 1.0, f"the event loop stalled for {max(gaps):.2f} s"


def test_a_repository_mid_rebase_is_left_alone_with_a_clear_message(qtbot, make_window, team: Team,  # type: ignore[no-untyped-def]
                                                                    tmp_path: Path) -> None:
    (team.clone("Ana") / ".git" / "rebase-merge").mkdir()  # someone's own rebase, stopped half-way
    head = team.git("Ana", "rev-parse", "HEAD").strip()
    window = make_window(team.desk("Ana"), rows=ROWS, window_settings=editor_settings(tmp_path, "Ana"))
    qtbot.waitUntil(lambda: window.team.active and sync_text(window).startswith("Not syncing"), timeout=WAIT_MS)
    assert "in the middle of a rebase that Copydesk did not start" in sync_text(window)
    select(qtbot, window, "news/a1.md")
    qtbot.keyClick(window.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: b"published: true" in team.read("Ana", "news/a1.md"), timeout=WAIT_MS)  # still written
    qtbot.waitUntil(lambda: window.team.session.status().not_committed != "", timeout=WAIT_MS)
    assert "saved but not committed" in window.team.button.toolTip()
    window.team.sync_now()
    qtbot.wait(500)
    assert team.git("Ana", "rev-parse", "HEAD").strip() == head  # no commit, no sync
    assert (team.clone("Ana") / ".git" / "rebase-merge").is_dir()


def test_a_detached_head_is_left_alone(qtbot, make_window, team: Team, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    team.git("Ana", "checkout", "--quiet", "--detach")
    window = make_window(team.desk("Ana"), rows=ROWS, window_settings=editor_settings(tmp_path, "Ana"))
    qtbot.waitUntil(lambda: window.team.active and sync_text(window).startswith("Not syncing"), timeout=WAIT_MS)
    assert "detached HEAD" in sync_text(window)


@pytest.fixture
def no_git(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """PATH without git (python only), and git's absence not yet said in this process."""
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    assert shutil.which("git") is None
    monkeypatch.setattr(team_session, "_said_unavailable", False)
    team_git.unavailable_reason.cache_clear()
    team_git.git_executable.cache_clear()
    yield
    team_git.unavailable_reason.cache_clear()  # the next test finds git again
    team_git.git_executable.cache_clear()


def test_without_git_the_window_says_so_once_and_decisions_still_write(qtbot, make_window, team: Team,  # type: ignore[no-untyped-def]
                                                                       tmp_path: Path, no_git: None) -> None:
    notices: list[str] = []
    window = make_window(team.desk("Ana"), rows=ROWS, window_settings=editor_settings(tmp_path, "Ana"))
    window.team.notice.connect(notices.append)
    qtbot.waitUntil(lambda: "git is not installed" in sync_text(window), timeout=WAIT_MS)
    assert sync_text(window).startswith("Team features are off: git is not installed")
    assert not window.team.active and window.team.button.isVisible()
    select(qtbot, window, "news/a1.md")
    qtbot.keyClick(window.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: b"published: true" in team.read("Ana", "news/a1.md"), timeout=WAIT_MS)
    qtbot.keyClick(window.table, Qt.Key.Key_BracketRight)
    qtbot.waitUntil(lambda: b"quality: 61" in team.read("Ana", "news/a1.md"), timeout=WAIT_MS)
    window.open_folder(team.desk("Ana"))  # opened again: not said again
    qtbot.waitUntil(lambda: window.queue is not None and window.model.rowCount() == ROWS, timeout=WAIT_MS)
    qtbot.wait(500)
    assert len([n for n in notices if "git is not installed" in n]) <= 1  # said when the queue opened, once
    assert not window.team.button.isVisible() and window.team.off_message == ""  # the second time: nothing more
    assert os.environ["PATH"] == str(Path(sys.executable).parent)
