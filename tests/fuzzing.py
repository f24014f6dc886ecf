"""Hypothesis strategies for broken district and module files, and the property every loader must keep.

A case starts from a shipped file, parsed to plain data, and applies a few mutations: a value
swapped for one of the wrong type (huge strings, odd unicode, deep nesting, nulls), a key
deleted or added; then, on the YAML text, tabs, duplicated lines (duplicate keys), alias bombs,
self-referencing aliases, deep flow nesting, explicit tags, null bytes; and on the bytes, another
encoding, binary junk or truncation. `raw_files` writes text and bytes with no shape at all.

The property (`check`): loading either succeeds or raises InvalidFile whose problems each name
the file, and a line or field unless the problem is about the whole file; nothing else escapes,
and nothing runs past a time limit. Used by tests/unit/test_fuzz.py and benchmarks/fuzz.py.
"""

from __future__ import annotations

import copy
import io
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from ruamel.yaml import YAML

from kit.content import load_module
from kit.districts import load_district
from kit.errors import InvalidFile, Problem
from kit.validation import validate

ROOT = Path(__file__).resolve().parents[1]
DISTRICT_BASES = sorted(p for p in (ROOT / "sample_districts").glob("*.yaml") if not p.name.startswith("_"))
MODULE_BASES = sorted((ROOT / "modules").glob("[0-9][0-9]_*.yaml"))
TIME_LIMIT = 30.0  # seconds for one load; a hang, not a slow example, is what this catches
# Problems about the whole file, where no line or field applies.
WHOLE_FILE = ("file is", "cannot read", "not valid YAML (")

ODD_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40) | st.sampled_from([
    "", " ", "~", "null", "yes", "no", "on", "1e400", "-0", "0x1F", ".nan", "2024-02-30", "12:30:00",
    "Ana María Flores", "עברית‏", "👩🏽‍🏫", "e\u0301", "\u2028", "\ufeff", "a\x00b", "\x7f", "${HOME}", "'", '"',
    "- item", "key: value", "&anchor", "*alias", "!tag", "%YAML 1.2", "---", "...", "#", "|", ">",
])


@dataclass
class Case:
    """One generated file: its name, its bytes, and the mutations that made it (for reports)."""

    name: str
    content: bytes
    mutations: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        shown = repr(self.content) if len(self.content) <= 80 else f"{len(self.content)} bytes"
        return f"Case({self.name!r}, {shown}, {self.mutations})"


def _plain(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _dump(data: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_unicode = True
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _nested(depth: int, mapping: bool) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"k": value} if mapping else [value]
    return value


def junk_values(huge: int) -> st.SearchStrategy[Any]:
    """Values of every wrong type; `huge` caps the length of the huge strings."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(min_value=10**30), st.floats(), ODD_TEXT,
        st.integers(1000, huge).map(lambda n: "é" * n),
        st.tuples(st.integers(1, 300), st.booleans()).map(lambda args: _nested(*args)),
    )
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(ODD_TEXT, children, max_size=4),
        max_leaves=8,
    )


def _containers(data: Any) -> list[Any]:
    """Every mapping and list in `data`, the top first."""
    found, stack = [], [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list):
            found.append(node)
            stack.extend(node.values() if isinstance(node, dict) else node)
    return found


@st.composite
def _mutate_data(draw: st.DrawFn, data: Any, huge: int, log: list[str]) -> None:
    containers = _containers(data)
    node = containers[draw(st.integers(0, len(containers) - 1))]
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    action = draw(st.sampled_from(["replace", "delete", "add"] if keys else ["add"]))
    if action == "add":
        value = draw(junk_values(huge))
        if isinstance(node, dict):
            key = draw(ODD_TEXT | st.sampled_from(["id", "type", "source", "extra", "Name"]))
            node[key] = value
        else:
            node.append(value)
        log.append(f"add {type(value).__name__}")
        return
    key = draw(st.sampled_from(keys))
    if action == "delete":
        del node[key]
        log.append(f"delete {key!r}")
    else:
        node[key] = draw(junk_values(huge))
        log.append(f"replace {key!r} with {type(node[key]).__name__}")


def _alias_bomb(width: int, depth: int) -> str:
    lines = [f"lol0: &lol0 [{', '.join(['lol'] * width)}]"]
    lines += [f"lol{n}: &lol{n} [{', '.join([f'*lol{n - 1}'] * width)}]" for n in range(1, depth + 1)]
    return "\n".join(lines) + "\n"


@st.composite
def _mutate_text(draw: st.DrawFn, text: str, huge: int, log: list[str]) -> str:
    lines = text.split("\n")
    at = draw(st.integers(0, max(0, len(lines) - 1)))
    kind = draw(st.sampled_from([
        "tab", "duplicate line", "alias bomb", "alias bomb in a field", "alias loop", "deep flow", "deep block",
        "tag", "null byte", "huge line", "crlf and bom", "delete line", "indent line", "stray text",
    ]))
    log.append(kind)
    if kind == "tab":
        lines[at] = draw(st.sampled_from(["\t", " \t", "\t\t"])) + lines[at].lstrip(" ")
    elif kind == "duplicate line":
        lines.insert(at, lines[at])
    elif kind == "alias bomb":
        lines.insert(0, _alias_bomb(draw(st.integers(2, 12)), draw(st.integers(1, 12))))
    elif kind == "alias bomb in a field":
        field_name = draw(st.sampled_from(["story", "team", "sections", "outcomes", "grades", "counts", "scales"]))
        lines = [line for line in lines if not line.startswith(f"{field_name}:")]
        depth = draw(st.integers(1, 12))
        lines.insert(0, _alias_bomb(draw(st.integers(2, 12)), depth) + f"{field_name}: *lol{depth}")
    elif kind == "alias loop":
        lines.insert(at, draw(st.sampled_from(["loop: &loop [*loop]", "loop: &loop {a: *loop}", "? &k [*k]\n: 1"])))
    elif kind == "deep flow":
        depth = draw(st.integers(1, 20_000))
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}")]))
        lines.insert(at, "deep: " + opener * depth + closer * draw(st.sampled_from([depth, depth // 2])))
    elif kind == "deep block":
        depth = draw(st.integers(1, 600))
        lines.insert(at, "\n".join(" " * n + f"k{n}:" for n in range(depth)) + " end")
    elif kind == "tag":
        tag = draw(st.sampled_from([
            "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary", "!!set", "!!omap", "!!pairs", "!!map",
            "!!seq", "!!str", "!!python/object:os.system", "!!python/name:os.system", "!custom", "!<tag:x,2000:y>",
        ]))
        line = lines[at]
        lines[at] = line.replace(": ", f": {tag} ", 1) if ": " in line else f"{line} {tag}"
    elif kind == "null byte":
        line = lines[at]
        cut = draw(st.integers(0, len(line)))
        lines[at] = line[:cut] + "\x00" + line[cut:]
    elif kind == "huge line":
        lines.insert(at, "huge: " + "x" * draw(st.integers(1000, huge)))
    elif kind == "crlf and bom":
        return "\ufeff" + "\r\n".join(lines)
    elif kind == "delete line":
        del lines[at]
    elif kind == "indent line":
        lines[at] = " " * draw(st.integers(1, 7)) + lines[at]
    else:
        lines.insert(at, draw(ODD_TEXT))
    return "\n".join(lines)


@st.composite
def _to_bytes(draw: st.DrawFn, text: str, log: list[str]) -> bytes:
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-16", "latin-1", "cp1252", "utf-32"]))
    if encoding != "utf-8":
        log.append(encoding)
    raw = text.encode(encoding, errors="replace")
    kind = draw(st.sampled_from(["none"] * 6 + ["binary junk", "truncate"]))
    if kind == "binary junk":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=64)) + raw[at:]
        log.append(kind)
    elif kind == "truncate":
        raw = raw[: draw(st.integers(0, len(raw)))]
        log.append(kind)
    return raw


@st.composite
def _mutated_file(draw: st.DrawFn, bases: list[Path], huge: int) -> Case:
    path = draw(st.sampled_from(bases))
    data = copy.deepcopy(_plain_cached(path))
    log: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        draw(_mutate_data(data, huge, log))
    text = _dump(data)
    for _ in range(draw(st.integers(0, 2))):
        text = draw(_mutate_text(text, huge, log))
    return Case(path.name, draw(_to_bytes(text, log)), log)


_PLAIN: dict[Path, Any] = {}


def _plain_cached(path: Path) -> Any:
    if path not in _PLAIN:
        _PLAIN[path] = _plain(path)
    return _PLAIN[path]


def district_files(huge: int = 200_000) -> st.SearchStrategy[Case]:
    """A sample district, mutated; the unmutated file is valid."""
    return _mutated_file(DISTRICT_BASES, huge)


def module_files(huge: int = 200_000) -> st.SearchStrategy[Case]:
    """A shipped module, mutated; the unmutated file is valid."""
    return _mutated_file(MODULE_BASES, huge)


def raw_files() -> st.SearchStrategy[Case]:
    """Text or bytes with no kit shape at all, under a district or a module name."""
    name = st.sampled_from(["windy-city.yaml", "03_fundamentals.yaml"])
    text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300) | st.lists(
        st.sampled_from(["a:", " b: 1", "- x", "? [a]", ": c", "&a", "*a", "{", "}", "[", "]", "!!int", "'", '"',
                         "|", ">-", "#", "---", "...", "%YAML 1.2", "\t", "\x00", "@", "`", "é", ",", "\n"]),
        max_size=60,
    ).map("".join)
    content = text.map(lambda t: t.encode("utf-8")) | st.binary(max_size=300)
    return st.builds(Case, name, content, st.just(["raw"]))


STRATEGIES: dict[str, Callable[[], st.SearchStrategy[Case]]] = {
    "district": district_files, "module": module_files, "raw": raw_files,
}


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError if the block runs longer (main thread only: SIGALRM)."""

    def expire(_signum: int, _frame: Any) -> None:
        raise TimeoutError(f"still running after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def written(case: Case) -> Iterator[Path]:
    """The case as a file in a fresh folder (a fresh path also defeats the loaders' per-file caches)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / case.name
        path.write_bytes(case.content)
        yield path


def check_problems(path: Path, problems: list[Problem]) -> None:
    assert problems, f"{path}: invalid, but no problem reported"
    for problem in problems:
        assert problem.path == str(path), f"problem names {problem.path!r}, not the file {path}"
        assert problem.message.strip(), f"empty message: {problem!r}"
        assert problem.line or problem.field or problem.message.startswith(WHOLE_FILE), \
            f"no line or field: {problem}"


def check(case: Case) -> str:
    """Load the case the way the kit does; return "valid" or "invalid", or fail the property."""
    loader = load_module if case.name[:2].isdigit() else load_district
    with written(case) as path, time_limit(TIME_LIMIT):
        try:
            loader(path)
            outcome = "valid"
        except InvalidFile as exc:
            check_problems(path, exc.problems)
            outcome = "invalid"
        report = validate([path])
        if report.ok:
            assert outcome == "valid", f"validate passed a file that {loader.__name__} refused: {path}"
        else:
            check_problems(path, report.problems)
            assert outcome == "invalid", f"validate refused a file that {loader.__name__} loaded: {report.problems}"
    return outcome
