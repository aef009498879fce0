"""A desk of editors on one queue through git: decisions made vs decisions kept.

    python bench/bench_team.py                                   # 5 editors, 10,000 articles, 500 decisions each
    python bench/bench_team.py --articles 1000 --decisions 100   # a quick run

A bare repository and one clone per editor in a temporary folder, all local.
Each editor is the window's pipeline without the window: a deciding thread
calling `decide()` (with the value it saw, the audit recorder and the
session's CommitRecorder), and a `TeamSession` committing on its own git
thread and syncing when its scheduler says so (debounce 2 s, at most 10 s
after a decision, every 15 s). `--overlap` of each editor's decisions fall on
a small shared pool of articles that other editors decide on too; the rest
on the editor's own. A conflict (two editors, one field, different values)
is settled the way an editor who accepts the remote's value would:
`resolve(..., "theirs")`. After the last decision every editor syncs until
all clones and the remote hold one commit and nothing is left to share.

Then: every decision made must have its line in the final tree's logs, and
its value must be in the final tree, unless a later decision was made on
top of it (that decision saw its value; checked first), or it lost a
conflict (counted and listed). Anything else is an unexplained loss, and
the exit status is 1. Cost per decision is the commit plus its share of sync time,
against a plain `git commit -- FILE` of one edited article in the same
repository, measured in the same run. Last line: the figures as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.article.frontmatter import load_article  # noqa: E402
from app.decisions import Decision, FileTarget, decide, same  # noqa: E402
from app.team.commits import CommitRecorder, CommitRequest, commit_request  # noqa: E402
from app.team.repo import TeamRepo  # noqa: E402
from app.team.schedule import SyncSettings  # noqa: E402
from app.team.session import TeamEvent, TeamSession, open_team  # noqa: E402
from app.team.setup import ensure_registered, init_team  # noqa: E402
from app.audit.recorder import AuditRecorder  # noqa: E402
from app.audit.trail import AuditTrail  # noqa: E402
from tools.synthetic import generate_articles  # noqa: E402

NAMES = ("Ana", "Ben", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal")


@dataclass(frozen=True)
class Made:
    editor: str
    path: str  # queue relpath
    field: str
    value: Any
    saw: Any
    at: float


def isolate(root: Path) -> None:
    """This process's git and caches live in `root` (no developer config leaks in)."""
    home = root / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n[user]\n\tname = Desk Setup\n"
                                     "\temail = setup@desk.example\n[gc]\n\tauto = 0\n")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "COPYDESK_EDITOR", "COPYDESK_EMAIL"):
        os.environ.pop(name, None)
    os.environ.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), GIT_CONFIG_NOSYSTEM="1",
                      GIT_CEILING_DIRECTORIES=str(root.parent), XDG_CACHE_HOME=str(root / "cache"),
                      XDG_CONFIG_HOME=str(home / ".config"))


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def build(root: Path, articles: int, editors: list[str]) -> tuple[Path, list[str]]:
    remote = root / "remote.git"
    git(root, "init", "--quiet", "--bare", str(remote))
    first = root / editors[0]
    paths = generate_articles(first, articles)
    relpaths = sorted(p.relative_to(first).as_posix() for p in paths)
    git(root, "init", "--quiet", str(first))
    git(first, "config", "user.name", editors[0])
    git(first, "config", "user.email", f"{editors[0].lower()}@desk.example")
    init_team(first, str(remote))
    for editor in editors[1:]:
        git(root, "clone", "--quiet", str(remote), str(root / editor))
        git(root / editor, "config", "user.name", editor)
        git(root / editor, "config", "user.email", f"{editor.lower()}@desk.example")
        ensure_registered(TeamRepo.open(root / editor))
    return remote, relpaths


def plan(relpaths: list[str], editors: list[str], decisions: int, overlap: float, rng: random.Random
         ) -> dict[str, list[tuple[str, str]]]:
    """Each editor's (relpath, field) list: `overlap` of them on a shared pool (small enough
    that several editors meet on each article), the rest on articles of its own."""
    shared_n = max(1, int(decisions * overlap))
    pool = rng.sample(relpaths, k=min(len(relpaths), max(2, shared_n * 2)))
    rest = [p for p in relpaths if p not in set(pool)]
    rng.shuffle(rest)
    own_n = decisions - shared_n
    out = {}
    for i, editor in enumerate(editors):
        own = rest[i * own_n:(i + 1) * own_n]
        picks = [(p, rng.choice(("published", "quality"))) for p in own]
        picks += [(p, rng.choice(("published", "quality"))) for p in rng.sample(pool, k=min(shared_n, len(pool)))]
        rng.shuffle(picks)
        out[editor] = picks
    return out


class Editor:
    def __init__(self, name: str, desk: Path, settings: SyncSettings, rng: random.Random) -> None:
        self.name, self.desk, self.rng = name, desk, rng
        self.audit = AuditRecorder(name)
        self.events: list[TeamEvent] = []
        self.made: list[Made] = []
        self.lost: list[dict[str, Any]] = []  # conflicts this editor settled by taking theirs
        self._settled: set[tuple[str, str, str]] = set()
        session = open_team(desk, log_file=self.audit.log_for_commit, settings=settings, on_change=self.events.append)
        assert isinstance(session, TeamSession), session
        self.session = session

    def run(self, picks: list[tuple[str, str]], pace: float) -> None:
        target = FileTarget()
        for relpath, field in picks:
            path = self.desk / relpath
            article = load_article(path)
            saw = getattr(article, field, None)
            value: Any = (not saw) if field == "published" else self.rng.choice(
                [q for q in range(0, 101, 5) if not same(q, saw)])
            with self.session.worktree_guard():
                [outcome] = decide(target, Decision.one(str(path), {field: value}, {field: saw}),
                                   recorders=[self.audit, self.session.recorder])
            if outcome.status == "written":
                self.made.append(Made(self.name, relpath, field, value, saw, time.time()))
            self.settle()
            self.session.tick()
            time.sleep(pace * self.rng.uniform(0.5, 1.5))

    def settle(self) -> None:
        """Conflicts the last sync met: this editor takes the remote's value."""
        for c in self.session.conflicts():
            key = (c.path, c.field, json.dumps(c.theirs))
            if key in self._settled:
                continue
            self._settled.add(key)
            relpath = self.session.queue_relpath(c.path) or c.path
            self.lost.append({"editor": self.name, "path": relpath, "field": c.field, "mine": c.mine,
                              "theirs": c.theirs, "theirs_by": c.theirs_by})
            self.session.resolve(relpath, "theirs", c.field)


def converge(editors: list[Editor], remote: Path, rounds: int = 40) -> int:
    for round_no in range(1, rounds + 1):
        for ed in editors:
            ed.session.sync_now()
            ed.session.flush(600)
            ed.settle()
            ed.session.flush(600)
        heads = {git(ed.desk, "rev-parse", "HEAD").strip() for ed in editors}
        remote_head = git(remote, "rev-parse", "main").strip()
        quiet = all(ed.session.status().unshared == 0 and not ed.session.conflicts() for ed in editors)
        if quiet and heads == {remote_head}:
            return round_no
    raise SystemExit("the clones did not converge")


def read_log_lines(folder: Path) -> list[dict[str, Any]]:
    """Every line of every editor's log under a queue folder."""
    trail = AuditTrail(folder)
    trail.refresh(None)
    return [entry.to_json() for entry in trail.entries()]


def verify(editors: list[Editor], desk: Path) -> dict[str, Any]:
    made = [m for ed in editors for m in ed.made]
    logged: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for line in read_log_lines(desk):
        logged[(line["editor"], line["path"], line["field"], json.dumps(line["new"]))] += 1
    in_logs = 0
    for m in made:
        key = (m.editor, m.path, m.field, json.dumps(m.value))
        if logged[key] > 0:
            logged[key] -= 1
            in_logs += 1
    by_key: dict[tuple[str, str], list[Made]] = defaultdict(list)
    for m in made:
        by_key[(m.path, m.field)].append(m)
    final: dict[str, Any] = {}
    lost_keys = {(x["editor"], x["path"], x["field"], json.dumps(x["mine"])) for ed in editors for x in ed.lost}
    in_tree = superseded = lost_in_conflict = unexplained = 0
    missing: list[Made] = []
    for m in made:
        if m.path not in final:
            final[m.path] = load_article(desk / m.path)
        now = getattr(final[m.path], m.field, None)
        if same(now, m.value):
            in_tree += 1
        elif any(o is not m and same(o.saw, m.value) and o.at >= m.at for o in by_key[(m.path, m.field)]):
            superseded += 1  # a later decision was made on top of it
        elif (m.editor, m.path, m.field, json.dumps(m.value)) in lost_keys:
            lost_in_conflict += 1
        else:
            unexplained += 1
            missing.append(m)
    return {"made": len(made), "in_logs": in_logs, "in_tree": in_tree, "superseded": superseded,
            "lost_in_conflict": lost_in_conflict, "unexplained": unexplained,
            "missing": [m.__dict__ for m in missing[:10]]}


def plain_commit_ms(clone: Path, relpaths: list[str], n: int) -> float:
    times = []
    for relpath in relpaths[:n]:
        path = clone / relpath
        data = path.read_bytes()
        path.write_bytes(data.replace(b"\nheat:", b"\nbenchmark: 1\nheat:", 1) if b"\nheat:" in data
                         else data + b"\n")
        started = time.perf_counter()
        git(clone, "commit", "--quiet", "--no-verify", "-m", "plain", "--", relpath)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def copydesk_commit_ms(clone: Path, relpaths: list[str], n: int, editor: str) -> float:
    repo = TeamRepo.open(clone)
    audit = AuditRecorder(editor)
    times = []
    for relpath in relpaths[:n]:
        requests: list[CommitRequest] = []
        path = clone / relpath
        current = getattr(load_article(path), "quality", None)
        decide(FileTarget(), Decision.one(str(path), {"quality": 1 if current != 1 else 2}),
               recorders=[audit, CommitRecorder(requests.append, log_file=audit.log_for_commit)])
        started = time.perf_counter()
        for request in requests:
            commit_request(repo, request)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--editors", type=int, default=5)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=500, help="per editor")
    parser.add_argument("--overlap", type=float, default=0.10)
    parser.add_argument("--pace", type=float, default=0.1, help="seconds between one editor's decisions")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    names = list(NAMES[:args.editors])
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="copydesk-team-bench-"))
    try:
        isolate(root)
        print(f"git {git(root, 'version').split()[-1]}; {args.editors} editors, {args.articles:,} articles, "
              f"{args.decisions} decisions each, {args.overlap:.0%} overlap", flush=True)
        started = time.perf_counter()
        remote, relpaths = build(root, args.articles, names)
        print(f"set up in {time.perf_counter() - started:.1f} s", flush=True)
        picks = plan(relpaths, names, args.decisions, args.overlap, rng)
        settings = SyncSettings(debounce_s=2, interval_s=15, max_delay_s=10, retry_s=2)
        editors = [Editor(name, root / name, settings, random.Random(args.seed + i)) for i, name in enumerate(names)]
        for ed in editors:
            ed.session.flush(600)
        started = time.perf_counter()
        threads = [threading.Thread(target=ed.run, args=(picks[ed.name], args.pace), name=f"editor-{ed.name}")
                   for ed in editors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        deciding = time.perf_counter() - started
        rounds = converge(editors, remote)
        total = time.perf_counter() - started
        report = verify(editors, root / names[0])
        conflicts = [x for ed in editors for x in ed.lost]
        syncs = [e.seconds for ed in editors for e in ed.events if e.kind == "synced"]
        commits_run = [e.seconds for ed in editors for e in ed.events if e.kind == "committed"]
        decision_commits = int(git(remote, "rev-list", "--count", "--grep=^Copydesk-Action:", "main").strip())
        all_commits = int(git(remote, "rev-list", "--count", "main").strip())
        for ed in editors:
            ed.session.close(600)
        own = [p for p, _ in picks[names[0]]][:40]
        plain = plain_commit_ms(root / names[0], own[:20], 20)
        ours = copydesk_commit_ms(root / names[0], own[20:40], 20, names[0])
        per_decision_sync = sum(syncs) / max(1, report["made"]) * 1000
        run_commit = statistics.median(commits_run) * 1000 if commits_run else 0.0
        figures = {
            "editors": args.editors, "articles": args.articles, "decisions_per_editor": args.decisions,
            "overlap": args.overlap, "decisions_made": report["made"], "in_logs": report["in_logs"],
            "in_tree": report["in_tree"], "superseded": report["superseded"],
            "lost_in_conflict": report["lost_in_conflict"], "unexplained_losses": report["unexplained"],
            "conflicts": len(conflicts),
            "decisions_in_conflicts": len({(x["editor"], x["path"], x["field"], json.dumps(x["mine"]))
                                           for x in conflicts}),
            "decision_commits": decision_commits, "commits": all_commits,
            "syncs": len(syncs), "sync_p50_s": round(pct(syncs, 0.5), 3), "sync_p95_s": round(pct(syncs, 0.95), 3),
            "commit_ms_during_run_p50": round(run_commit, 1), "commit_ms_alone_p50": round(ours, 1),
            "plain_git_commit_ms_p50": round(plain, 1), "sync_ms_per_decision": round(per_decision_sync, 1),
            "cost_per_decision_ms": round(run_commit + per_decision_sync, 1),
            "cost_vs_plain_commit": round((run_commit + per_decision_sync) / plain, 2) if plain else None,
            "commit_alone_vs_plain": round(ours / plain, 2) if plain else None,
            "deciding_s": round(deciding, 1), "until_quiet_s": round(total, 1), "converge_rounds": rounds,
        }
        print(f"decisions made {report['made']}; in the final logs {report['in_logs']}; in the final tree "
              f"{report['in_tree']} (+{report['superseded']} decided over later, +{report['lost_in_conflict']} "
              f"lost a conflict, {report['unexplained']} unexplained)")
        print(f"conflicts {len(conflicts)} (met by {figures['decisions_in_conflicts']} decisions; one that met "
              f"a second as the remote moved on counts once); commits {all_commits} ({decision_commits} decisions); "
              f"{len(syncs)} syncs, p50 {figures['sync_p50_s']} s, p95 {figures['sync_p95_s']} s")
        print(f"per decision: commit {run_commit:.1f} ms during the run ({ours:.1f} ms alone) + sync "
              f"{per_decision_sync:.1f} ms = {figures['cost_per_decision_ms']} ms; plain git commit {plain:.1f} ms "
              f"-> {figures['cost_vs_plain_commit']}x")
        print(f"deciding took {deciding:.1f} s, quiet after {total:.1f} s ({rounds} final rounds)")
        for x in conflicts[:10]:
            print(f"  conflict: {x['path']} {x['field']}: {x['editor']} {x['mine']!r} lost to "
                  f"{x['theirs']!r} ({x['theirs_by']})")
        for m in report["missing"]:
            print(f"  UNEXPLAINED: {m}")
        print(json.dumps(figures))
        ok = report["in_logs"] == report["made"] and report["unexplained"] == 0
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
