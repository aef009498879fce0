"""A stand-in for the audit trail (issue 11, `app.audit`), for team tests and the team bench.

It writes the issue's format: one JSON line per decision per field in
`.copydesk/log/<editor>.jsonl` inside the queue folder (time, editor, path,
field, old, new, reason, source, batch, sha256), one O_APPEND write per
decision. It is a `Recorder` for `app.decisions.decide`; put it before
`CommitRecorder` so the commit carries the line. Not part of the app: when
`app.audit` lands, tests and bench use it instead.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class StandInAuditLog:
    def __init__(self, editor: str) -> None:
        self.editor = editor

    def log_file(self, queue_folder: Path) -> Path:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", self.editor).strip("-.").lower() or "editor"
        return queue_folder / ".copydesk" / "log" / f"{safe}.jsonl"

    def on_written(self, target: Any, decision: Any, outcome: Any) -> None:
        folder, relpath = target.locate(outcome.path)
        now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        lines = [json.dumps({"time": now, "editor": self.editor, "path": relpath, "field": name,
                             "old": outcome.previous.get(name), "new": value, "reason": decision.reason,
                             "source": decision.source, "batch": decision.batch, "sha256": outcome.sha256},
                            ensure_ascii=False) + "\n" for name, value in outcome.values.items()]
        path = self.log_file(folder)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, "".join(lines).encode("utf-8"))
        finally:
            os.close(fd)

    def on_decided(self, target: Any, decision: Any, outcomes: Sequence[Any]) -> None:
        pass


def read_log_lines(folder: Path) -> list[dict[str, Any]]:
    """Every line of every editor's log under a queue folder."""
    lines = []
    for log in sorted((folder / ".copydesk" / "log").glob("*.jsonl")):
        for text in log.read_text(encoding="utf-8").splitlines():
            if text.strip():
                lines.append(json.loads(text))
    return lines
