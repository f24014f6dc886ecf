"""Every `kit` command has help with an example and is shown in the README."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kit.cli import main
from tests.conftest import ROOT

COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_with_an_example(name):
    result = CliRunner().invoke(main, [name, "-h"])
    assert result.exit_code == 0
    assert "Example: kit " + name in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_in_the_readme(name):
    assert f"kit {name}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_unknown_module_is_one_line_not_a_traceback(tmp_path):
    result = CliRunner().invoke(main, ["packets", "--modules", "99", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: unknown module '99' — known modules: 00_team")
    assert "Traceback" not in result.output + result.stderr
