"""Hostile strings, and a cohort built from them, for the injection sweep (worksheets, dashboard, packets, exports).

Every string must come out the other end as inert text: no dialog, no element it tried to create,
no link to `javascript:`, no spreadsheet formula.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from kit.content import RatingItem, TableItem, TextItem, all_modules
from kit.store import Store

HOSTILE = [
    "<script>alert('script tag')</script>",
    "<img src=x onerror=\"alert('img onerror')\">",
    "<svg/onload=alert('svg onload')>",
    "\"><script>alert('attribute breakout')</script>",
    "' onmouseover='alert(1)' data-x='",
    "javascript:alert('js link')",
    "[a link](javascript:alert('markdown link')) **bold** <b>html</b>",
    "<a href=\"javascript:alert('anchor')\">click me</a>",
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "<style>body{display:none}</style>",
    "{{7*7}} ${7*7} {% if true %}jinja{% endif %}",
    "=HYPERLINK(\"http://example.invalid\",\"click\")",
    "+1+1", "-2+3", "@SUM(A1:A2)",
    "\u202eright-to-left override\u202c and \u200fRLM",
    "null\x00byte",
    "O'Brien & Zoë — \"quoted\" 東京",
    "long " * 4000,
]

# Strings a district or school name may hold (a name with a NUL byte is refused by the loader, by design).
NAMES = [s for s in HOSTILE if "\x00" not in s and len(s) < 200]

# What must never appear in a page or file once the strings are rendered.
LIVE_MARKUP = ["<script>alert", "<img src=x", "<svg/onload", "<iframe", "href=\"javascript:", "href='javascript:",
               "<style>body{display:none}", " onmouseover='alert"]


class _Text(HTMLParser):
    """The text a page shows: character data outside <script> and <style>, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def shown_as_text(html: str, strings: list[str]) -> None:
    """No live markup in `html`, and every one of `strings` in the text it shows (an empty render fails)."""
    for marker in LIVE_MARKUP:
        assert marker not in html, marker
    assert strings, "nothing to look for"
    text = text_of(html)
    for string in strings:
        assert string in text, f"not shown as text: {string[:60]!r}"


def answer_texts(store: Store, district: str, module_id: str, convening: str = "1", first: bool = False) -> list[str]:
    """The hostile strings saved for one module of a district: text answers, rating evidence, table cells.

    With `first`, only the first of each answer, cut to 40 characters: what a one-line summary shows.
    """
    texts: list[str] = []
    for answer in store.latest(district, convening, module_id).values():
        value = answer.value
        if isinstance(value, str):
            found = [value]
        elif isinstance(value, dict):
            found = [value["evidence"]]
        else:
            found = [v for row in value for v in row.values() if v in HOSTILE]
        texts += [f[:40] for f in found[:1]] if first else found
    return texts


def hostile_cohort(folder: Path, count: int = 3) -> list[str]:
    """Districts named with hostile strings (and hostile school and team names); returns their ids."""
    folder.mkdir(parents=True, exist_ok=True)
    yaml = YAML()
    ids = []
    for n in range(count):
        slug = f"hostile-{n}"
        name = NAMES[n % len(NAMES)]
        profile: dict[str, Any] = {
            "schema_version": 1, "id": slug, "name": name, "pseudonym": True, "collaboration": "p3cc-math",
            "focus": NAMES[(n + 1) % len(NAMES)], "grades": ["K", "1"],
            "schools": [{"name": NAMES[(n + k) % len(NAMES)], "level": "elementary", "source": "synthetic"}
                        for k in range(3)],
            "team": [{"name": NAMES[(n + 3) % len(NAMES)], "role": "teacher", "site": NAMES[n % len(NAMES)],
                      "source": "synthetic"}],
        }
        with (folder / f"{slug}.yaml").open("w", encoding="utf-8") as handle:
            yaml.dump(profile, handle)
        ids.append(slug)
    return ids


def hostile_answers(store: Store, districts: list[str], convening: str = "1") -> int:
    """Every free-text field of every module (text items, rating evidence, table text cells) gets a hostile string."""
    saved = 0
    k = 0
    for district in districts:
        for module in all_modules():
            for item in module.items():
                value: Any = None
                text = HOSTILE[k % len(HOSTILE)]
                k += 1
                if isinstance(item, TextItem):
                    value = text
                elif isinstance(item, RatingItem):
                    value = {"level": 2, "evidence": text}
                elif isinstance(item, TableItem):
                    row = {c.id: text for c in item.columns if c.type in ("text", "number")}
                    if item.rows:
                        row[item.columns[0].id] = item.rows[0]
                    value = [row]
                if value is not None:
                    store.save(district, convening, module.id, item.id, value)
                    saved += 1
    return saved
