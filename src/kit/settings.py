"""Every `KIT_*` environment variable the kit reads, with its default, in one place.

`kit serve` passes some of them on to Voila's kernels (KIT_DB_URL, KIT_COHORT, KIT_TEMPLATE,
KIT_QUERY_SECRET), and a preheated kernel learns its request's variables late, so `settings()` reads
the environment each time it is called rather than once at import (building the object costs about
5 ms, so it is kept for as long as the `KIT_*` variables stay the same).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kit.errors import KitError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KIT_", extra="ignore")

    home: Path | None = Field(None, description="the kit's folder (modules/, notebooks/); unset: the source checkout")
    data: Path | None = Field(None, description="where the default SQLite store and the served template live; "
                                                "unset: kit-data/ in the kit's folder")
    db_url: str = Field("", description="SQLAlchemy URL of the answer store; unset: kit.db in the data folder")
    cohort: Path | None = Field(None, description="the cohort's folder of district files; unset: the sample cohort")
    sqlite_synchronous: str = Field("FULL", description="FULL (a commit survives a power cut) or NORMAL (faster; "
                                                        "may lose the last commits on a power cut)")
    links_base_url: str = Field("", description="the address people reach the worksheets at (behind a hub)")
    # Sized for a room: a team of about ten shares a link on three to five devices, each holding one
    # page (leaving a page stops its kernel); the program manager opens the cohort page, the dashboard
    # and teams' pages. Behind a proxy every request comes from one address, so that limit is generous.
    max_pages_per_link: int = Field(12, ge=0, description="open pages one team link may hold at once (0: no limit)")
    max_pages_per_address: int = Field(40, ge=0, description="open pages one network address may hold (0: no limit)")
    # Each render starts (or wakes) a kernel and runs the notebook: on two cores, six at once all
    # finished late and some lost their output ("Timeout waiting for IOPub output"); taken in turn,
    # the first are ready sooner (benchmarks/room_start.py: median 19.7 s against 26.1 s with six
    # slots). One link renders one page at a time, so a flood on one link cannot hold every slot.
    render_slots: int = Field(max(2, os.cpu_count() or 2), ge=1,
                              description="pages rendered at once; the others wait their turn")
    query_secret: str = Field("", description="set by `kit serve`: a pool kernel shows it to learn its request")
    template: bool = Field(False, description="set by `kit serve`: pages use the kit's Voila template, which "
                           "serves BokehJS and the widgets' ES modules as files a browser keeps")

    @field_validator("sqlite_synchronous")
    @classmethod
    def _known_mode(cls, value: str) -> str:
        chosen = value.strip().upper()
        if chosen not in ("FULL", "NORMAL"):
            raise ValueError("must be FULL or NORMAL")
        return chosen

    @field_validator("home")
    @classmethod
    def _a_kit_folder(cls, value: Path | None) -> Path | None:
        if value is not None and not (value / "modules").is_dir():
            raise ValueError(f"{value} has no modules/ folder (it should name the kit's folder)")
        return value

    @field_validator("links_base_url", "db_url")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()


def settings() -> Settings:
    """The settings as the environment gives them now; a bad value is a KitError naming the variable."""
    return _settings(tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("KIT_"))))


@lru_cache(maxsize=16)
def _settings(_environment: tuple[tuple[str, str], ...]) -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"KIT_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors())
        raise KitError(f"a setting in the environment is not valid: {problems}") from None
