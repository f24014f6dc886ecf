"""Read a YAML file defensively and map validation errors back to line numbers.

Facilitators edit these files by hand, so every way a file can be broken (encoding,
tabs, syntax, size, emptiness) becomes a `Problem` naming the file and line, never a
traceback. ruamel's round-trip loader keeps the line of every mapping and sequence,
which lets a pydantic error location such as ``sections[1].items[0].type`` point at
the line the person has to change.

Hostile or mangled files are bounded too: nesting deeper than MAX_DEPTH stops the parser
before its cost grows (ruamel's scanner is quadratic in flow nesting, its composer recursive),
and anchors and aliases that would expand past MAX_VALUES ("billion laughs"), or loop back into
themselves, are refused before pydantic walks the data.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence, Set
from contextlib import suppress
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import MaxDepthExceededError, ReusedAnchorWarning
from ruamel.yaml.constructor import ConstructorError, DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from kit.errors import InvalidFile, Problem

MAX_BYTES = 1_000_000
MAX_DEPTH = 32  # the shipped files nest 9 levels deep
MAX_VALUES = 100_000  # counting each alias as a copy of what it names; the shipped files hold a few thousand
# What ruamel raises, unwrapped, for a value that does not fit its tag (`!!int ""`, `!!bool abc`, `!!set x`).
CONSTRUCTOR_ERRORS = (ValueError, TypeError, LookupError, AttributeError, ArithmeticError)


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """Return the file's text (UTF-8, BOM and CRLF accepted) or raise InvalidFile."""
    shown = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidFile([Problem(shown, f"cannot read the file ({exc.strerror})")]) from None
    if size > max_bytes:
        raise InvalidFile([Problem(
            shown,
            f"file is {size / 1_000_000:.1f} MB, more than the {max_bytes / 1_000_000:.0f} MB allowed",
            fix="a module or district file is a few KB; check that the right file was given",
        )])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidFile([Problem(
            shown, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", line=line,
            fix="save the file as UTF-8 in your editor",
        )]) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InvalidFile([Problem(shown, "file is empty", fix="start from a shipped example file")])
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InvalidFile([Problem(shown, "contains a null byte", line=line, fix="remove it")])
    return text


def file_stamp(path: Path) -> int:
    """The file's version for a cache keyed by (path, stamp): its mtime in ns, 0 when it is missing
    (the loader then says what is wrong with the path)."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def load_yaml(path: Path, max_bytes: int = MAX_BYTES) -> CommentedMap:
    """Parse a YAML mapping with line information, or raise InvalidFile."""
    shown = str(path)
    text = read_text(path, max_bytes)
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            raise InvalidFile([Problem(
                shown, "tab character in the indentation", line=number,
                fix="YAML indents with spaces only; replace the tab with spaces",
            )])
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.max_depth = MAX_DEPTH
    try:
        with warnings.catch_warnings():  # a reused anchor name is valid YAML: the later one wins
            warnings.simplefilter("ignore", ReusedAnchorWarning)
            data = yaml.load(text)
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        key = str(exc.problem).split('"')[1] if '"' in str(exc.problem) else ""
        raise InvalidFile([Problem(
            shown, f"key {key!r} appears twice", line=line, field=key,
            fix="keep one of them",
        )]) from None
    except _TagMismatch as exc:
        raise InvalidFile([Problem(
            shown, f"value does not fit its tag ({exc.problem})", line=_line(exc),
            fix="remove the `!!` tag or correct the value",
        )]) from None
    except MaxDepthExceededError as exc:
        raise InvalidFile([Problem(
            shown, f"nested more than {MAX_DEPTH} levels deep", line=_line(exc),
            fix="a kit file nests a few levels; check the brackets and indentation here",
        )]) from None
    except ReaderError as exc:
        character = exc.character if isinstance(exc.character, int) else 0
        raise InvalidFile([Problem(
            shown, f"contains the control character U+{character:04X}, which YAML does not allow",
            line=text[: exc.position].count("\n") + 1,
            fix="delete it (such characters often come in with text pasted from another program)",
        )]) from None
    except MarkedYAMLError as exc:
        raise InvalidFile([Problem(
            shown, f"not valid YAML: {exc.problem or exc.context}", line=_line(exc),
            fix="check indentation, colons and quotes on this line or the one before",
        )]) from None
    except (YAMLError, *CONSTRUCTOR_ERRORS) as exc:  # in case one escapes the constructor's own check
        raise InvalidFile([Problem(
            shown, f"not valid YAML ({exc})",
            fix="look for an unusual construct: a `!!` tag, a `?` key, or an alias (`*name`) used as a key",
        )]) from None
    if not isinstance(data, CommentedMap):
        raise InvalidFile([Problem(
            shown, f"expected a mapping of keys at the top, found {type(data).__name__}",
            line=1, fix="start the file with `key: value` lines",
        )])
    _check_aliases(shown, data)
    return data


def _line(exc: MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark else None


class _TagMismatch(ConstructorError):
    """A value that does not fit its explicit tag, such as `!!int abc` or `!!timestamp 2024-13-01`."""


class _Constructor(RoundTripConstructor):
    """Report a value that does not fit its tag at its line; ruamel raises a bare ValueError or worse."""

    def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
        try:
            return super().construct_non_recursive_object(node, tag)
        except CONSTRUCTOR_ERRORS as exc:
            short = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            detail = str(exc) if isinstance(exc, ValueError | ArithmeticError) else "it does not apply to this value"
            raise _TagMismatch(None, None, f"{short}: {detail}", node.start_mark) from None


def expanded_size(value: Any, sizes: dict[int, int] | None = None) -> int | None:
    """How many values `value` holds once every alias is expanded; None if it contains itself.

    ruamel builds an aliased node once and shares it, so loading is cheap, but anything that
    walks the result (pydantic, JSON) visits every copy. Memoised per object: linear in the file.
    (ruamel turns an alias inside its own anchor into null, so the loop guard is a safety net.)
    """
    sizes = {} if sizes is None else sizes
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        node, children_done = stack.pop()
        if not isinstance(node, Mapping | list | tuple | Set) or (id(node) in sizes and not children_done):
            continue
        children = [*node.keys(), *node.values()] if isinstance(node, Mapping) else list(node)
        if children_done:
            on_path.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes.get(id(child), 1) for child in children)
            continue
        if id(node) in on_path:
            return None
        on_path.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children)
    return sizes.get(id(value), 1)


def _check_aliases(shown: str, data: CommentedMap) -> None:
    """Refuse alias loops and alias bombs, naming the top-level key that holds them."""
    sizes: dict[int, int] = {}
    total = 1
    for key, value in data.items():
        key_size, size = expanded_size(key, sizes), expanded_size(value, sizes)
        line = _key_line(data, key)
        if key_size is None or size is None:
            raise InvalidFile([Problem(
                shown, "an alias (`*name`) refers back to the anchor (`&name`) it sits inside", line, str(key),
                fix="a value cannot contain itself; copy the text instead of using the alias",
            )])
        total += key_size + size
        if total > MAX_VALUES:
            raise InvalidFile([Problem(
                shown, f"holds more than {MAX_VALUES:,} values once its aliases (`*name`) are expanded", line,
                str(key), fix="a kit file holds a few thousand; remove the aliases that repeat large blocks",
            )])


def _key_line(data: CommentedMap, key: Any) -> int | None:
    with suppress(KeyError, TypeError):
        return data.lc.key(key)[0] + 1
    return None


def loc_to_field(loc: Sequence[Any]) -> str:
    """Turn a pydantic location like ('sections', 1, 'items', 0, 'type') into text."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "tagged-union")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def line_of(data: Any, loc: Sequence[Any]) -> int | None:
    """The line of the deepest node of `loc` that exists in the parsed YAML."""
    node, line = data, getattr(getattr(data, "lc", None), "line", None)
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            with suppress(KeyError, TypeError):
                line = node.lc.key(part)[0]
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            with suppress(KeyError, TypeError):
                line = node.lc.item(part)[0]
            node = node[part]
        else:
            continue
    return None if line is None else line + 1


def problems_from(path: Path, data: Any, error: ValidationError) -> list[Problem]:
    """Rewrite pydantic's errors as Problems with line numbers and a fix."""
    problems = []
    for err in error.errors():
        loc = [p for p in err["loc"] if not str(p).startswith(("function-", "tagged-union"))]
        # A discriminated union puts the tag value in loc ('items', 0, 'rating', 'levels'); drop it.
        loc = _drop_union_tags(data, loc)
        if err["type"] == "union_tag_invalid":
            loc.append("type")
        message, fix = _friendly(err)
        problems.append(Problem(str(path), message, line_of(data, loc), loc_to_field(loc), fix))
    return problems


def _drop_union_tags(data: Any, loc: list[Any]) -> list[Any]:
    out: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part not in node and isinstance(part, str) and out:
            tag = node.get("type") or node.get("kind")
            if part == tag:
                continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return out


def _friendly(err: dict[str, Any]) -> tuple[str, str]:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "required field is missing", "add it (see the shipped files for an example)"
    if kind == "extra_forbidden":
        return "unknown field", "remove it or fix its spelling"
    if kind == "union_tag_invalid":
        return (
            f"unknown type {ctx.get('tag')!r}",
            f"use one of: {ctx.get('expected_tags')}",
        )
    if kind == "union_tag_not_found":
        return "has no `type`", "add `type:` with one of the item types"
    if kind in ("string_too_short",):
        return "must not be empty", "write a value"
    if kind == "string_pattern_mismatch":
        return "is not in the expected form", str(err.get("msg", ""))
    if kind == "value_error":
        msg = str(err["msg"]).removeprefix("Value error, ")
        message, _, fix = msg.partition(" — ")
        return message, fix
    if kind == "literal_error":
        return str(err["msg"]).replace("Input should be", "must be"), ""
    return str(err["msg"]), ""


def plain(value: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists (for JSON and pydantic)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
