"""What counts as a busy machine (the workspace's background builds wait for a quiet one)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("line", "busy"), [
    ("some avg10=85.00 avg60=20.00 avg300=5.00 total=1", True),
    ("some avg10=3.10 avg60=60.00 avg300=50.00 total=1", False),  # busy a minute ago, quiet now
])
def test_the_machine_is_busy_while_tasks_wait_for_a_core(tmp_path, monkeypatch, line, busy):
    from kit.machine import machine_busy

    pressure = tmp_path / "cpu"
    pressure.write_text(line + "\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
    monkeypatch.setattr("kit.machine.PRESSURE_FILE", str(pressure))
    monkeypatch.setattr("os.getloadavg", lambda: (0.0, 0.0, 0.0) if busy else (99.0, 99.0, 99.0))
    assert machine_busy() is busy


def test_without_pressure_information_the_load_average_says(tmp_path, monkeypatch):
    from kit.machine import machine_busy

    monkeypatch.setattr("kit.machine.PRESSURE_FILE", str(tmp_path / "none"))
    monkeypatch.setattr("os.getloadavg", lambda: (99.0, 99.0, 99.0))
    assert machine_busy() is True
    monkeypatch.setattr("os.getloadavg", lambda: (0.1, 0.1, 0.1))
    assert machine_busy() is False
