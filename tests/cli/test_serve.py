"""`kit serve` refuses what it cannot do before it prints a link."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from kit.cli import main
from kit.serve import port_in_use, voila_command


def test_a_port_already_taken_is_refused_by_name_and_voila_never_moves(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_DATA", str(tmp_path))
    with socket.socket() as other:  # another server already listening there
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert port_in_use("127.0.0.1", port)
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code != 0
    assert f"port {port}" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.output + result.stderr and "http://" not in result.output
    assert not port_in_use("127.0.0.1", port)  # free again once the other server is gone
    # and Voila itself is told not to drift to a neighbouring port the printed links do not name
    assert "--Voila.port_retries=0" in voila_command(port, "127.0.0.1", 30)
