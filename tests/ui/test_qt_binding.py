"""The Qt binding must not leak or drop references on plain calls.

PySide6 6.12.0's wheel under Python 3.11 lowers None's reference count on
every void call until the interpreter aborts; pyproject.toml keeps it out.
This guards the pin."""
from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_calls_keep_none_alive(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
    assert abs(sys.getrefcount(None) - before) < 100
