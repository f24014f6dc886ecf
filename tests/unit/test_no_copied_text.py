"""The kit's text is its own: no 12-word run of the briefs appears in modules, guides or districts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

RUN = 12


def words(text: str) -> list[str]:
    """Words with case and punctuation folded (curly quotes and dashes count as punctuation)."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def kit_text_files() -> list[Path]:
    files = []
    for folder in ("modules", "facilitator_guides", "sample_districts"):
        files += [p for p in sorted((ROOT / folder).rglob("*")) if p.suffix in (".yaml", ".yml", ".md")]
    return files


@pytest.fixture(scope="module")
def brief_runs() -> set[tuple[str, ...]]:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not beside the kit")
    out: set[tuple[str, ...]] = set()
    for path in SEEDS.glob("*.txt"):
        out |= runs(path.read_text(encoding="utf-8"))
    return out


def test_the_check_catches_a_copied_sentence(brief_runs):
    copied = "Teachers and principals play an important role in scaling improvement across a district"
    assert runs(copied) & brief_runs


@pytest.mark.parametrize("path", kit_text_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_twelve_word_run_of_a_brief(path, brief_runs):
    shared = runs(path.read_text(encoding="utf-8")) & brief_runs
    assert not shared, f"{path.name} copies the briefs: " + " | ".join(" ".join(r) for r in sorted(shared)[:3])
