"""The parameter contract and page pieces the notebooks share."""

from __future__ import annotations

from kit import notebook
from kit.content import get_module
from kit.districts import District, find_district
from kit.paths import sample_cohort_dir
from kit.workspace import footer, header, heading


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


def test_links_open_the_workspace_with_district_module_and_convening_encoded():
    assert notebook.link("02_scale", "windy-city", "1") == \
        "workspace.ipynb?district=windy-city&module=02_scale&convening=1"
    assert notebook.link("02_scale", "x", "a&b") == "workspace.ipynb?district=x&module=02_scale&convening=a%26b"
    assert notebook.link("02_scale", "x") == "workspace.ipynb?district=x&module=02_scale"


def url(module_id: str) -> str:
    return notebook.link(module_id, "o-brien", "1")


def test_header_and_footer_show_hostile_names_as_text():
    hostile = "<script>alert(1)</script> & O'Brien"
    module = get_module("03")
    html = header(module, district(hostile), "convening 1", url) + heading(module) + footer(module, url)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; O&#39;Brien" in html  # MarkupSafe spells ' as &#39;
    assert "workspace.ipynb?district=o-brien&amp;module=02_scale&amp;convening=1" in html
    assert "data-kit-module='04_system_inventory'" in html  # a click swaps the module inside the page
    assert "aria-current='page'" in html
    assert "<h1 data-kit-module='03_fundamentals'>" in html


def test_the_header_names_the_convening_and_not_a_module():
    html = header(get_module("02_scale"), find_district(sample_cohort_dir(), "copper-mine"),
                  "convening 3, 22 Apr 2027", url)
    meta = html.split("</p>")[0]
    assert "convening 3, 22 Apr 2027" in meta and "09 Reflection" not in meta


def test_the_header_gives_the_modules_own_number():
    module = get_module("02_scale")
    html = header(module, find_district(sample_cohort_dir(), "copper-mine"), "convening 1", url) + heading(module)
    assert "module 02 of 00–09" in html and "02 · " in html
    assert "module 3 of" not in html


def test_a_team_link_gets_no_footer_link_to_the_cohort_page():
    first, last = get_module("00_team"), get_module("09_reflection")
    for module in (first, last):
        assert "home.ipynb" in footer(module, url, home="home.ipynb?token=x")
        assert "home.ipynb" not in footer(module, url)


def _page_for(monkeypatch, tmp_path, who: str, query: str) -> str:
    """The HTML a worksheet page shows under Voila, opened with `who`'s link ("" for the program manager)."""
    from kit.store import Store

    url = f"sqlite:///{tmp_path / 'kit.db'}"
    store = Store(url)
    tokens = store.links("sample_districts", ["windy-city", "copper-mine"])
    store.close()
    shown: list[str] = []
    monkeypatch.setattr(notebook, "_display", lambda widget: shown.append(widget.value))
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5")
    monkeypatch.setenv("KIT_DB_URL", url)
    monkeypatch.setenv("KIT_COHORT", str(sample_cohort_dir()))
    monkeypatch.setenv("QUERY_STRING", f"{query}&token={tokens[who]}")
    notebook.workspace(district="windy-city")
    return "".join(shown)


def test_a_team_error_page_offers_the_teams_own_worksheets_not_the_cohort_page(monkeypatch, tmp_path):
    """An unknown module on a team's link: "Back to the cohort" would lead it to "No access"."""
    for query in ("district=windy-city&module=99_nowhere", "district=windy-city&module=../x"):
        page = _page_for(monkeypatch, tmp_path, "windy-city", query)
        assert "cannot open" in page and "unknown module" in page and ("99_nowhere" in page or "../x" in page)
        assert "home.ipynb" not in page and "Back to the cohort" not in page
        assert "Open your team&#39;s worksheets" in page and "district=windy-city" in page
        assert "workspace.ipynb" in page and "token=" in page


def test_the_program_managers_error_page_leads_back_to_the_cohort(monkeypatch, tmp_path):
    page = _page_for(monkeypatch, tmp_path, "", "district=windy-city&module=99_nowhere")
    assert "cannot open" in page and "Back to the cohort" in page and "home.ipynb?token=" in page


def test_the_cohort_page_speaks_to_the_program_manager_not_to_teams(monkeypatch, tmp_path):
    """Teams cannot open the cohort page: it must not tell them to open their worksheet from it."""
    from kit.store import Store

    Store(f"sqlite:///{tmp_path / 'kit.db'}").close()
    shown: list[str] = []
    monkeypatch.setattr(notebook, "_display", lambda widget: shown.append(getattr(widget, "value", "")))
    monkeypatch.setenv("KIT_DB_URL", f"sqlite:///{tmp_path / 'kit.db'}")
    monkeypatch.setenv("KIT_COHORT", str(sample_cohort_dir()))
    monkeypatch.delenv("QUERY_STRING", raising=False)
    notebook.home()
    page = "".join(shown)
    assert "program manager&#x27;s" in page or "program manager's" in page
    assert "Open your district" not in page and "kit links" in page


def test_a_team_link_without_a_module_opens_where_the_room_is(monkeypatch, store):
    from kit import room

    monkeypatch.setattr("kit.notebook.page_store", lambda: store)
    monkeypatch.setattr("kit.notebook.cohort_dir", lambda: sample_cohort_dir())
    assert notebook._room_module() == ""  # no room state yet: the first module
    room.save(store, "sample_districts", room.Room(module="04_system_inventory"))
    assert notebook._room_module() == "04_system_inventory"
    room.save(store, "sample_districts", room.Room(module="99_gone"))  # a module since removed
    assert notebook._room_module() == ""
