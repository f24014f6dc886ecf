"""Facilitator guides and agendas cannot drift from the module durations."""

from __future__ import annotations

import re
from datetime import datetime, time

import pytest
from click.testing import CliRunner

from kit.agenda import agenda
from kit.cli import main
from kit.content import all_modules, get_module
from kit.errors import KitError
from tests.conftest import ROOT

GUIDES = ROOT / "facilitator_guides"
MODULES = all_modules()


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_every_module_has_a_guide_whose_time_matches(module):
    text = (GUIDES / f"{module.id}.md").read_text(encoding="utf-8")
    stated = re.search(r"\*\*Time:\*\* (\d+) minutes", text)
    assert stated, "the guide's third line states **Time:** N minutes"
    assert int(stated[1]) == module.duration_minutes
    table = text.split("## Facilitation moves", 1)[1].split("\n## ", 1)[0]
    minutes = [int(m) for m in re.findall(r"^\|[^|]*\|\s*(\d+)\s*\|", table, flags=re.M)]
    assert minutes, "the facilitation moves table lists minutes"
    assert sum(minutes) == module.duration_minutes, f"steps add up to {sum(minutes)}"
    for heading in ("Purpose and outcomes", "Materials", "Discussion prompts", "What to listen for",
                    "Common pitfalls and the research behind them", "Using the cohort dashboard", "Debrief"):
        assert f"## {heading}" in text, heading


def test_the_guides_index_gives_each_modules_own_minutes():
    index = (GUIDES / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d\d) \| [^|]+\| (\d+) \|", index, flags=re.M)
    listed = {number: int(minutes) for number, minutes in rows}
    assert listed == {f"{m.number:02d}": m.duration_minutes for m in MODULES}


def guide_files():
    return sorted(GUIDES.glob("*.md"))


@pytest.mark.parametrize("path", guide_files(), ids=lambda p: p.name)
def test_every_link_in_the_guides_resolves(path):
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://", "mailto:", "#")):
            continue
        resolved = (path.parent / target.split("#")[0]).resolve()
        assert resolved.exists(), f"{path.name} links to {target}, which does not exist"


def test_run_of_show_module_blocks_match_durations():
    text = (GUIDES / "run-of-show.md").read_text(encoding="utf-8")
    for start, end, module_id in re.findall(r"\|\s*(\d{1,2}:\d{2})\s*\|\s*(\d{1,2}:\d{2})\s*\|[^|\n]*\|\s*\[?(\d{2})",
                                            text):
        h1, m1 = map(int, start.split(":"))
        h2, m2 = map(int, end.split(":"))
        assert (h2 * 60 + m2) - (h1 * 60 + m1) == get_module(module_id).duration_minutes, (start, end, module_id)


def test_agenda_adds_up_and_respects_the_end_of_day():
    start = datetime(2027, 1, 14, 8, 30)
    mods = [get_module(m) for m in ("00", "01", "02", "03", "04", "05", "06", "07")]
    blocks = agenda(mods, start, day_end=time(16, 0))
    for before, after in zip(blocks, blocks[1:], strict=False):
        assert after.start >= before.end
    for block in blocks:
        limit = time(16, 0) if block.start.date() == start.date() else time(12, 30)
        assert block.end.time() <= limit
        if block.module:
            assert block.minutes == block.module.duration_minutes
    assert [b.module.id for b in blocks if b.module] == [m.id for m in mods]
    assert sum(b.title == "Lunch" for b in blocks) == 1


def test_agenda_refuses_what_does_not_fit():
    with pytest.raises(KitError, match="do not fit in 2 days"):
        agenda(MODULES, datetime(2027, 1, 14, 8, 30))


def test_agenda_also_lays_out_a_two_day_convening():
    """Brief 000 describes two 2-day convenings a year; brief 003 three 1.5-day events."""
    with pytest.raises(KitError, match="do not fit"):
        agenda(MODULES, datetime(2027, 1, 14, 8, 30))
    blocks = agenda(MODULES, datetime(2027, 1, 14, 8, 30), last_day_end=time(16, 0))
    assert [b.module.id for b in blocks if b.module] == [m.id for m in MODULES]
    result = CliRunner().invoke(main, ["agenda", "--start", "2027-01-14T08:30", "--modules",
                                       ",".join(m.id[:2] for m in MODULES), "--last-day-end", "16:00"])
    assert result.exit_code == 0 and "09 · " in result.output


def test_agenda_command_prints_markdown_and_html():
    runner = CliRunner()
    md = runner.invoke(main, ["agenda", "--start", "2027-01-14T08:30", "--modules", "02,03"])
    assert md.exit_code == 0
    assert "| 08:30 | 09:45 | 75 | 02 · " in md.output
    html = runner.invoke(main, ["agenda", "--start", "2027-01-14T08:30", "--modules", "02", "--format", "html"])
    assert "<td>08:30</td><td>09:45</td>" in html.output
    bad = runner.invoke(main, ["agenda", "--start", "2027-01-14T08:30", "--modules", "42"])
    assert bad.exit_code == 2 and "unknown module '42'" in bad.stderr


def test_guide_command_prints_a_guide():
    result = CliRunner().invoke(main, ["guide", "03"])
    assert result.exit_code == 0
    assert "facilitator guide" in result.output and "Fundamentals" in result.output


def test_the_run_of_show_days_are_the_first_convenings_agenda():
    """modules/agenda.yaml (what the room view's timer walks through) and the run of show's day tables
    give the same blocks: the same times and the same modules."""
    from kit.agenda import convening_blocks

    text = (GUIDES / "run-of-show.md").read_text(encoding="utf-8")
    shown = []
    for day in ("Day 1", "Day 2"):
        table = text.split(f"\n## {day}\n", 1)[1].split("\n## ", 1)[0]
        for start, end, module in re.findall(r"^\|\s*(\d{2}:\d{2})\s*\|\s*(\d{2}:\d{2})\s*\|[^|\n]*\|\s*(\S+)", table,
                                             flags=re.M):
            shown.append((day, start, end, module[1:3] if module.startswith("[") else None))
    blocks = convening_blocks(1)
    first = blocks[0].start.date()
    assert shown == [(f"Day {(b.start.date() - first).days + 1}", f"{b.start:%H:%M}", f"{b.end:%H:%M}",
                      f"{b.module.number:02d}" if b.module else None) for b in blocks]
