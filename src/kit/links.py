"""Team links: each district team's worksheet address with its secret token, and the program manager's."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from kit.access import WORKSPACE  # a team's one page: it opens at the first module and holds them all
from kit.districts import load_cohort
from kit.errors import KitError
from kit.store import Store


@dataclass(frozen=True)
class Link:
    district: str  # "" for the program manager
    name: str
    url: str


def make_links(cohort: Path, base_url: str, store: Store, rotate: bool | list[str] = False) -> list[Link]:
    """The program manager's link (the cohort page) first, then one per district of the cohort.

    `rotate`: True makes every link new; a list of district ids ("program-manager" for the
    program manager's) makes those links new.
    """
    districts, _problems = load_cohort(cohort)
    if not districts:
        raise KitError(f"{cohort}: no valid district files — run `kit validate {cohort}`")
    ids = [d.id for d in districts]
    if isinstance(rotate, list):
        unknown = [d for d in rotate if d not in ids and d != "program-manager"]
        if unknown:
            raise KitError(f"--rotate {unknown[0]}: no such district in {cohort} — use one of: "
                           f"{', '.join(['program-manager', *ids])}")
        rotate = ["" if d == "program-manager" else d for d in rotate]
    tokens = store.links(cohort.name, ids, rotate=rotate)
    base = base_url.rstrip("/") + "/voila/render"
    out = [Link("", "Program manager (cohort page and dashboard)",
                f"{base}/home.ipynb?{urlencode({'token': tokens['']})}")]
    out += [Link(d.id, d.name, f"{base}/{WORKSPACE}.ipynb?{urlencode({'district': d.id, 'token': tokens[d.id]})}")
            for d in districts]
    return out


def as_lines(links: list[Link]) -> str:
    """What `kit links` prints: a title, then each name on one line and its whole link on the next."""
    out = ["Team links (keep them private: each opens a district's answers)", ""]
    for link in links:
        out += [f"{link.name}:", link.url, ""]
    return "\n".join(out).rstrip("\n")


def as_csv(links: list[Link]) -> str:
    """district, name, link — a file the program manager can mail-merge; every cell is plain text."""
    from kit.spreadsheet import csv_safe

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["district", "name", "link"])
    for link in links:
        writer.writerow([link.district or "program-manager", csv_safe(link.name), link.url])
    return buffer.getvalue()
