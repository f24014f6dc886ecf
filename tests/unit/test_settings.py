"""Every KIT_* variable is read through kit.settings: defaults in one place, a bad value named."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kit.errors import KitError
from kit.paths import data_dir, project_root
from kit.settings import settings
from kit.store import default_url, sqlite_synchronous

SRC = Path(__file__).resolve().parents[2] / "src" / "kit"


def test_defaults_with_nothing_set(monkeypatch):
    for name in ("KIT_HOME", "KIT_DATA", "KIT_DB_URL", "KIT_SQLITE_SYNCHRONOUS", "KIT_RENDER_SLOTS"):
        monkeypatch.delenv(name, raising=False)
    assert data_dir() == project_root() / "kit-data"
    assert default_url() == f"sqlite:///{data_dir() / 'kit.db'}"
    assert sqlite_synchronous() == "FULL"
    assert settings().render_slots >= 2


def test_values_from_the_environment_are_typed(monkeypatch, tmp_path):
    monkeypatch.setenv("KIT_DATA", str(tmp_path))
    monkeypatch.setenv("KIT_SQLITE_SYNCHRONOUS", " normal ")
    monkeypatch.setenv("KIT_MAX_PAGES_PER_LINK", "0")
    assert data_dir() == tmp_path.resolve()
    assert sqlite_synchronous() == "NORMAL"
    assert settings().max_pages_per_link == 0


@pytest.mark.parametrize(("name", "value"), [("KIT_RENDER_SLOTS", "many"), ("KIT_RENDER_SLOTS", "0"),
                                             ("KIT_SQLITE_SYNCHRONOUS", "OFF"), ("KIT_MAX_PAGES_PER_LINK", "-1")])
def test_a_bad_value_is_an_error_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(KitError, match=name):
        settings()


def test_no_module_but_settings_reads_a_kit_variable_from_the_environment():
    readers = []
    for path in SRC.glob("*.py"):
        if path.name == "settings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("KIT_"):
                readers.append(f"{path.name}: {node.value}")
    # These hand values on to kernels (serve.py, packets.py) or make the query secret (server.py);
    # cli.py names two variables as click options' envvar, so `kit … --help` shows them.
    handed_on = {"serve.py: KIT_DB_URL", "serve.py: KIT_COHORT", "serve.py: KIT_TEMPLATE",
                 "packets.py: KIT_DB_URL", "packets.py: KIT_COHORT", "server.py: KIT_QUERY_SECRET",
                 "cli.py: KIT_COHORT", "cli.py: KIT_LINKS_BASE_URL"}
    assert sorted(set(readers) - handed_on) == []


def test_a_kit_home_without_modules_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("KIT_HOME", str(tmp_path))
    with pytest.raises(KitError, match="KIT_HOME: .* has no modules/ folder"):
        project_root()


def test_kit_is_a_package_with_a_version():
    import kit

    assert kit.__file__ and kit.__file__.endswith("__init__.py")
    assert kit.__version__.count(".") >= 1

