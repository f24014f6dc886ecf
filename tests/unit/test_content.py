"""The shipped modules hold what the convening sequence needs (issue 3's content list)."""

from __future__ import annotations

import pytest

from kit.content import ChoiceItem, RatingItem, TableItem, TextItem, all_modules, get_module
from kit.districts import load_cohort
from kit.sources import brief_of
from tests.conftest import ROOT


def ratings(module_id: str, section: str | None = None) -> list[RatingItem]:
    module = get_module(module_id)
    sections = [s for s in module.sections if section in (None, s.id)]
    return [i for s in sections for i in s.items if isinstance(i, RatingItem)]


def test_ten_modules_in_sequence_with_durations():
    modules = all_modules()
    assert [m.id for m in modules] == [
        "00_team", "01_approach", "02_scale", "03_fundamentals", "04_system_inventory",
        "05_prioritization", "06_pilot", "07_spread", "08_monitoring", "09_reflection",
    ]
    assert all(m.duration_minutes >= 30 for m in modules)


def test_scale_has_coburns_four_dimensions_each_with_a_four_level_rubric():
    module = get_module("02")
    for dim in ("depth", "ownership", "spread", "sustainability"):
        item = module.item(dim)
        assert isinstance(item, RatingItem) and item.evidence
        assert sorted(module.scales[item.scale].levels) == [1, 2, 3, 4]
        assert sorted(item.descriptors) == [1, 2, 3, 4], dim
        assert len(set(item.descriptors.values())) == 4
    stage = module.item("stage")
    assert isinstance(stage, ChoiceItem) and len(stage.options) == 5
    assert all(o.detail for o in stage.options)
    evidence = module.item("stage_evidence")
    assert isinstance(evidence, TableItem) and len(evidence.rows) == 5
    assert any("next" in c.label.lower() for c in evidence.columns)


def test_fundamentals_four_sections_of_at_least_four_rated_indicators():
    for section in ("expectations", "practices", "capacity", "monitoring"):
        items = ratings("03", section)
        assert len(items) >= 4, section
        assert all(i.evidence for i in items)
        assert all(sorted(get_module("03").scales[i.scale].levels) == [1, 2, 3, 4] for i in items)


def test_system_inventory_tables():
    module = get_module("04")
    tables = [i for i in module.items() if isinstance(i, TableItem)]
    components = next(t for t in tables if len(t.rows) == 5)
    assert any("meeting" in r.lower() for r in components.rows)
    assert any(c.type == "date" for t in tables for c in t.columns), "a PD-days and collaboration calendar"
    inventory = next(t for t in tables if any("redundan" in " ".join(c.options).lower() for c in t.columns))
    labels = " ".join(c.label.lower() for c in inventory.columns)
    assert "grade" in labels and "purpose" in labels


def test_prioritization_pilot_spread_monitoring_reflection():
    assert isinstance(get_module("05").item("initiatives"), TableItem)
    assert len([i for i in get_module("05").items() if isinstance(i, RatingItem)]) >= 3  # three beliefs
    pilot = get_module("06")
    for question in ("learning_experience", "learning_implementation", "learning_supports", "learning_students"):
        assert isinstance(pilot.item(question), TextItem)
    log = pilot.item("decision_log")
    assert {"Adopt", "Adapt", "Abandon"} <= {o for c in log.columns for o in c.options}
    assert isinstance(pilot.item("influencer_map"), TableItem)
    assert isinstance(get_module("07").item("spread_plan"), TableItem)
    audit = get_module("08").item("ryg_audit")
    options = " ".join(o for c in audit.columns for o in c.options)
    assert "Red" in options and "Yellow" in options and "Green" in options
    assert len(ratings("09")) == 6, "six themes of the Reflections companion"


def test_every_item_names_a_source_and_research_items_cite_briefs():
    cited = {brief_of(i.source) for m in all_modules() for i in m.items()}
    assert {"000", "001", "003", "004"} <= cited


def test_sample_cohort_keeps_the_briefs_figures():
    districts, problems = load_cohort(ROOT / "sample_districts")
    assert problems == []
    by_id = {d.id: d for d in districts}
    copper = by_id["copper-mine"]
    grade3 = {(m.year, m.value) for m in copper.metrics if brief_of(m.source) == "000"}
    assert {("2022–23", 28), ("2024–25", 40)} <= {(y.replace("-", "–"), v) for y, v in grade3}
    assert by_id["windy-city"].counts["elementary_schools"].value == 14
    assert all(d.pseudonym for d in districts)
    for district in districts:
        for member in district.team:
            assert member.source == "synthetic" or brief_of(member.source) == "000"


def _texts(node, where=""):
    """Every string in a loaded YAML file, with where it sits."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _texts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _texts(value, f"{where}[{n}]")
    elif isinstance(node, str):
        yield where, node


@pytest.mark.parametrize("path", sorted((ROOT / "modules").glob("*.yaml")), ids=lambda p: p.name)
def test_research_examples_name_their_districts_as_the_studys(path):
    """The sample cohort bears the names of the study's six districts: a flag or help under Windy City that
    said "Foothills Unified's teachers were pulled out…" read as another team's data. Each sentence that
    names one of them says first that it is the study's ("In the study, Copper Mine…", "the study's …")."""
    import re

    from kit.yamlfile import load_yaml

    names = [d.name for d in load_cohort(ROOT / "sample_districts")[0]]
    assert len(names) == 6
    loaded = load_yaml(path)
    unlabelled = []
    for where, text in _texts(loaded[0] if isinstance(loaded, tuple) else loaded):
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
            for name in names:
                at = sentence.find(name)
                if at >= 0 and "study" not in sentence[:at]:
                    unlabelled.append(f"{where}: {sentence[:120]}")
    assert unlabelled == []


GUIDES = sorted((ROOT / "facilitator_guides").glob("*.md"))


def _sentences(markdown: str) -> list[str]:
    """A guide's sentences and table cells, each on one line."""
    import re

    return [s for s in re.split(r"(?<=[.!?])\s+|\s\|\s", " ".join(markdown.split())) if s]


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.name)
def test_a_guides_research_examples_are_the_studys(path):
    """A guide tells the study's stories by district name, to a facilitator whose sample cohort bears the
    same names (a sentence per story would be too many "in the study"s): the first story names the
    study, and no sentence makes a study district a sample one ("a sample district's 05 worksheet: the
    Foothills Unified example")."""
    names = [d.name for d in load_cohort(ROOT / "sample_districts")[0]]
    named = [(s, min(s.find(n) for n in names if n in s)) for s in _sentences(path.read_text(encoding="utf-8"))
             if any(n in s for n in names)]
    if not named:
        return
    first, at = named[0]
    assert "study" in first[:at], f"the first story does not say it is the study's: {first[:160]}"
    mixed = [s[:160] for s, at in named if "sample" in s.lower() and "study" not in s[:at]]
    assert mixed == []


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.name)
def test_a_rendered_guide_shows_no_backtick(path):
    """Markdown's code marks are not the guide page's: a backtick left in the HTML is shown as one."""
    from kit.notebook import guide_html

    html = guide_html(path.read_text(encoding="utf-8"))
    assert "`" not in html, html[max(html.find("`") - 80, 0):html.find("`") + 80]
