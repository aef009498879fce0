"""The reasons an editor can give for a decision (mostly an unpublish).

A queue folder may list its own in `.copydesk/reasons.txt`: one reason a
line, UTF-8, surrounding whitespace dropped, blank lines and lines starting
with `#` ignored, a repeated reason kept once. Without that file, or when it
lists none or cannot be read (said in `notice`), the defaults apply.

A reason goes to the audit log only; the article file never holds it.

Blocking (one small read); any thread.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.article.messages import describe_os_error
from app.queue.location import QUEUE_MARK

DEFAULT_REASONS = ("duplicate", "off-topic", "low quality", "broken images", "needs edit")
REASONS_FILE = f"{QUEUE_MARK}/reasons.txt"
_MAX_BYTES = 64 * 1024  # a list of reasons, not a document


@dataclass(frozen=True, slots=True)
class Reasons:
    reasons: tuple[str, ...]
    path: Path | None  # the file they came from; None for the defaults
    notice: str = ""  # why the file was not used, when it was there


def reasons_path(queue_folder: str | os.PathLike[str]) -> Path:
    return Path(queue_folder).joinpath(*REASONS_FILE.split("/"))


def load_reasons(queue_folder: str | os.PathLike[str]) -> Reasons:
    path = reasons_path(queue_folder)
    try:
        with open(path, "rb") as fh:
            data = fh.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        return Reasons(DEFAULT_REASONS, None)
    except OSError as exc:
        return Reasons(DEFAULT_REASONS, None, f"{path}: cannot read: {describe_os_error(exc)}; "
                                              "using the default reasons")
    if len(data) > _MAX_BYTES:
        return Reasons(DEFAULT_REASONS, None, f"{path}: larger than {_MAX_BYTES // 1024} KB; "
                                              "using the default reasons")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return Reasons(DEFAULT_REASONS, None, f"{path}:{line}: not UTF-8; using the default reasons")
    reasons = parse_reasons(text)
    if not reasons:
        return Reasons(DEFAULT_REASONS, None, f"{path}: lists no reasons; using the default reasons")
    return Reasons(reasons, path)


def parse_reasons(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for line in text.splitlines():
        reason = " ".join(line.split())  # a tab or a run of spaces inside is one space
        if reason and not reason.startswith("#"):
            seen.setdefault(reason, None)
    return tuple(seen)
