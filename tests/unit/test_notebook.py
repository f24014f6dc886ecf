"""The parameter contract and page pieces the notebooks share."""

from __future__ import annotations

from kit import notebook
from kit.content import get_module
from kit.districts import District


def district(name: str) -> District:
    return District.model_validate({"schema_version": 1, "id": "o-brien", "name": name, "pseudonym": True,
                                    "collaboration": "p3cc-math", "focus": "math", "grades": ["K"]})


def test_query_string_wins_over_the_parameters_cell(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "district=copper-mine&convening=2")
    assert notebook.resolve("district", "windy-city") == "copper-mine"
    assert notebook.resolve("convening", "1") == "2"
    assert notebook.resolve("mode", "auto") == "auto"


def test_injected_or_default_value_without_a_query_string(monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert notebook.resolve("district", "center-city") == "center-city"


def test_links_carry_district_and_convening_encoded():
    assert notebook.link("02_scale", "windy-city", "1") == "02_scale.ipynb?district=windy-city&convening=1"
    assert notebook.link("02_scale", "x", "a&b") == "02_scale.ipynb?district=x&convening=a%26b"


def test_header_and_footer_show_hostile_names_as_text():
    hostile = "<script>alert(1)</script> & O'Brien"
    html = notebook.header(get_module("03"), district(hostile), "1") + notebook.footer(
        get_module("03"), district(hostile), "1")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; O&#x27;Brien" in html
    assert "02_scale.ipynb?district=o-brien&amp;convening=1" in html
    assert "04_system_inventory.ipynb?district=o-brien" in html
    assert "aria-current='page'" in html


def test_the_header_names_the_convening_and_not_a_module():
    from kit.content import get_module
    from kit.districts import find_district
    from kit.notebook import header
    from kit.paths import sample_cohort_dir

    html = header(get_module("02_scale"), find_district(sample_cohort_dir(), "copper-mine"), "3",
                  "convening 3, 22 Apr 2027")
    meta = html.split("</p>")[0]
    assert "convening 3, 22 Apr 2027" in meta and "09 Reflection" not in meta


def test_the_header_gives_the_modules_own_number():
    from kit.districts import find_district
    from kit.paths import sample_cohort_dir

    html = notebook.header(get_module("02_scale"), find_district(sample_cohort_dir(), "copper-mine"), "1")
    assert "module 02 of 00–09" in html and "02 · " in html
    assert "module 3 of" not in html


def test_a_team_link_gets_no_footer_link_to_the_cohort_page():
    from kit.districts import find_district
    from kit.paths import sample_cohort_dir

    windy = find_district(sample_cohort_dir(), "windy-city")
    first, last = get_module("00_team"), get_module("09_reflection")
    for module in (first, last):
        assert "home.ipynb" in notebook.footer(module, windy, "1")
        assert "home.ipynb" not in notebook.footer(module, windy, "1", manager=False)
