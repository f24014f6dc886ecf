"""Fixtures the worksheet tests share: a module with every item type (the store is tests/conftest.py's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kit.content import load_module
from tests.unit.samples import ALL_TYPES


@pytest.fixture
def module(tmp_path: Path):
    path = tmp_path / "42_sample.yaml"
    path.write_text(ALL_TYPES, encoding="utf-8")
    return load_module(path)


