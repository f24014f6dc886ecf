"""Where a fact or prompt comes from: a research brief and its section, `synthetic`, `kit` or `roster`.

A source is written in YAML as one short string so facilitators can type it:
``"003 § Scale"`` (brief 003, section "Scale"), ``synthetic`` (filled in to make a sample
district useful, not stated by any brief), ``kit`` (a facilitation prompt written for
the kit, not a claim from research) or ``roster`` (given by the district itself in a
roster spreadsheet read by ``kit import``). The briefs themselves are listed in
``modules/sources.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator

from kit.paths import modules_dir

SOURCE_RE = re.compile(r"^(?P<id>\d{3}|synthetic|kit|roster)(?:\s*§\s*(?P<section>\S.*))?$")


@dataclass(frozen=True)
class Brief:
    id: str
    title: str
    kind: str
    year: int
    url: str


def _check_source(value: str) -> str:
    value = value.strip()
    match = SOURCE_RE.match(value)
    if not match:
        raise ValueError(
            f"source {value!r} is not in the form `003 § Section`, `synthetic`, `kit` or `roster`"
            " — name the brief id and its section, e.g. `003 § Scale`"
        )
    if match["id"].isdigit() and not match["section"]:
        raise ValueError(
            f"source {value!r} names a brief but no section"
            f" — add the section, e.g. `{match['id']} § Scale`"
        )
    if match["id"].isdigit() and match["id"] not in briefs():
        known = ", ".join(sorted(briefs()))
        raise ValueError(f"unknown brief {match['id']!r} — known briefs: {known}")
    return value


Source = Annotated[str, AfterValidator(_check_source)]


def brief_of(source: str) -> str:
    """The brief id of a source string ('003'), or 'synthetic' / 'kit' / 'roster'."""
    match = SOURCE_RE.match(source.strip())
    return match["id"] if match else source


@cache
def briefs(path: Path | None = None) -> dict[str, Brief]:
    """The research briefs the kit may cite, read from modules/sources.yaml."""
    from ruamel.yaml import YAML

    path = path or modules_dir() / "sources.yaml"
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return {str(b["id"]): Brief(**{**b, "id": str(b["id"])}) for b in data["briefs"]}
