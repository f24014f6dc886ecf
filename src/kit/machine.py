"""Whether this machine is busy: work that can wait (a workspace's background builds) waits for it."""

from __future__ import annotations

import os

# Linux's CPU pressure (the share of the last 10 s in which some task waited for a core) above which
# the machine counts as busy. It follows a room's burst within seconds; the 1-minute load average,
# the fallback, trails one by a minute.
BUSY_PRESSURE = 40.0
PRESSURE_FILE = "/proc/pressure/cpu"


def machine_busy() -> bool:
    try:
        with open(PRESSURE_FILE, encoding="ascii") as pressure:
            fields = dict(part.split("=") for part in pressure.readline().split()[1:])
        return float(fields["avg10"]) > BUSY_PRESSURE
    except (OSError, KeyError, ValueError):  # no pressure information (not Linux, or turned off)
        pass
    try:
        return os.getloadavg()[0] > (os.cpu_count() or 1)
    except OSError:  # no load average on this system
        return False
