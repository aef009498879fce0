"""Shared fixtures: the seed article, the real-world corpus beside the project."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed-article.txt"
# The read-only corpus of real Jekyll/Hugo files sits beside the checkout.
SHARED = Path(os.environ.get("COPYDESK_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CORPUS = SHARED / "corpus"


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seed-article.txt"
    shutil.copyfile(SEED, target)
    target.chmod(0o644)
    return target
