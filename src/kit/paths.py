"""Where the kit's folders are: one place, so every command agrees."""

from __future__ import annotations

from pathlib import Path

from kit.settings import settings


def project_root() -> Path:
    """The kit's folder (with modules/ and notebooks/): $KIT_HOME, or the source checkout."""
    home = settings().home
    if home:
        return home.resolve()
    return Path(__file__).resolve().parents[2]


def modules_dir() -> Path:
    return project_root() / "modules"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def sample_cohort_dir() -> Path:
    return project_root() / "sample_districts"


def guides_dir() -> Path:
    return project_root() / "facilitator_guides"


def data_dir() -> Path:
    """Where the default SQLite store (and the served Voila template) live: $KIT_DATA or kit-data/."""
    return (settings().data or project_root() / "kit-data").resolve()
