"""Read a YAML file defensively and map validation errors back to line numbers.

Facilitators edit these files by hand, so every way a file can be broken (encoding,
tabs, syntax, size, emptiness) becomes a `Problem` naming the file and line, never a
traceback. ruamel's round-trip loader keeps the line of every mapping and sequence,
which lets a pydantic error location such as ``sections[1].items[0].type`` point at
the line the person has to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from kit.errors import InvalidFile, Problem

MAX_BYTES = 1_000_000


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
    try:
        data = yaml.load(text)
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        key = str(exc.problem).split('"')[1] if '"' in str(exc.problem) else ""
        raise InvalidFile([Problem(
            shown, f"key {key!r} appears twice", line=line, field=key,
            fix="keep one of them",
        )]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InvalidFile([Problem(
            shown, f"not valid YAML: {exc.problem or exc.context}", line=line,
            fix="check indentation, colons and quotes on this line or the one before",
        )]) from None
    except YAMLError as exc:
        raise InvalidFile([Problem(shown, f"not valid YAML: {exc}")]) from None
    if not isinstance(data, CommentedMap):
        raise InvalidFile([Problem(
            shown, f"expected a mapping of keys at the top, found {type(data).__name__}",
            line=1, fix="start the file with `key: value` lines",
        )])
    return data


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
