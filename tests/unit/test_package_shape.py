"""The package's shape: no import cycles, counting the imports made inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "kit"


def imports_of(path: Path) -> set[str]:
    """The kit modules `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kit":
            parts = node.module.split(".")
            found.update([parts[1]] if len(parts) > 1 else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("kit."))
    return found - {path.stem}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle once, as the path that closes it."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == path[0]:
                if frozenset(path) not in seen:
                    seen.add(frozenset(path))
                    found.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:  # each cycle from its smallest name only
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_the_kit_imports_itself_back():
    graph = {path.stem: imports_of(path) for path in SRC.glob("*.py")}
    assert "packets" in graph and "store" in graph["notebook"]  # the walk read the real modules
    assert cycles(graph) == []


# Values the templates may print unescaped: CSS and JavaScript the kit ships, and HTML that the kit's
# own code made from escaped parts (a packet's notebook sections; kit.report's flags).
TRUSTED = {"css", "bokeh_js", "html", "flags", "charts", "flag_html"}


def test_every_template_escapes_and_marks_only_the_kits_own_html_as_safe():
    import re

    from kit.pages import environment

    env = environment()
    assert env.autoescape is True
    templates = sorted((SRC / "templates").glob("*.html"))
    assert len(templates) >= 7
    for template in templates:
        text = template.read_text()
        env.parse(text)  # each one compiles
        marked = {expression.split("(")[0].strip() for expression in re.findall(r"\{\{([^|}]+)\|\s*safe", text)}
        assert marked <= TRUSTED, f"{template.name} prints {marked - TRUSTED} unescaped"
        assert "|e" not in text.replace(" ", "") and "autoescape false" not in text, template.name
