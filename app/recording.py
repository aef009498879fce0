"""What a recorder sees of a decision (`app.decisions.Recorder`): the shapes of
the decision module's `WriteTarget`, `Decision` and `Outcome` that the audit
trail (`app.audit.recorder`) and team commits (`app.team.commits`) read.

They sit below the decision module (it hands them its own objects), so they
describe what they read here instead of importing it; one description for both.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol


class TargetLike(Protocol):
    def locate(self, path: str) -> tuple[Path, str]: ...


class DecisionLike(Protocol):
    @property
    def source(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def batch(self) -> str | None: ...


class OutcomeLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def values(self) -> Mapping[str, Any]: ...
    @property
    def previous(self) -> Mapping[str, Any]: ...
    @property
    def sha256(self) -> str | None: ...
    @property
    def row(self) -> Any: ...
    @property
    def article(self) -> Any: ...
