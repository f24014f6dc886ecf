"""`kit export`: every latest answer reaches the workbook or CSV as text, never as a formula."""

from __future__ import annotations

import csv
import shutil

import pytest
from openpyxl import load_workbook
from ruamel.yaml import YAML

from kit.content import all_modules, get_module
from kit.errors import KitError
from kit.export import COLUMNS, export
from kit.sample_answers import load_answers
from kit.spreadsheet import sheet_title
from kit.store import Store
from tests.conftest import ROOT

FORMULAS = ['=HYPERLINK("http://example.com","click")', "+1+2", "-3+4", "@SUM(A1:A2)", "\t=1+1", "\r=2"]
TRICKY_NAME = 'Zoë "O\'Hara" <b>Unified</b> & Co'
TRICKY_TEXT = "O'Brien said \"yes\" — <script>alert(1)</script> café, naïve, 東京"


@pytest.fixture
def cohort(tmp_path):
    """The sample cohort, with one district renamed to a name full of quotes, accents and HTML."""
    folder = tmp_path / "cohort"
    shutil.copytree(ROOT / "sample_districts", folder)
    yaml = YAML()
    path = folder / "windy-city.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"))
    data["name"] = TRICKY_NAME
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    return folder


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'kit.db'}"
    store = Store(url)
    load_answers(ROOT / "sample_districts" / "_sample_answers.yaml", store)
    texts = [i.id for i in get_module("09").items() if i.type == "text"]
    for item_id, value in zip(texts, FORMULAS + [TRICKY_TEXT], strict=False):
        store.save("windy-city", "1", "09_reflection", item_id, value)
    store.save("windy-city", "1", "09_reflection", texts[0], FORMULAS[0])  # a second version
    store.save("copper-mine", "2", "02_scale", "failure_mode_signs", "second convening")
    store.save("not-in-cohort", "1", "02_scale", "failure_mode_signs", "another cohort's answer")
    store.close()
    return url


def stored(url: str, convenings: list[str], districts: list[str]) -> dict[tuple[str, str, str, str], int]:
    """(district, convening, module, item) → version of every latest answer, straight from the store."""
    store = Store(url)
    found = {}
    for convening in convenings:
        for district in districts:
            for module in all_modules():
                for item, answer in store.latest(district, convening, module.id).items():
                    found[(district, convening, module.id, item)] = answer.version
    store.close()
    return found


SAMPLE_IDS = ["center-city", "copper-mine", "foothills-unified", "sequoia-grove", "valley-view", "windy-city"]


def test_xlsx_holds_every_latest_answer_and_a_sheet_per_module(cohort, db, tmp_path):
    out = tmp_path / "answers.xlsx"
    done = export(cohort, out, "xlsx", db=db)
    assert done.convenings == ["1", "2", "3"] and done.left_out == ["not-in-cohort"]
    wb = load_workbook(out)
    modules = all_modules()
    assert wb.sheetnames[0] == "answers" and len(wb.sheetnames) == 1 + len(modules)
    assert all(len(name) <= 31 for name in wb.sheetnames)
    tidy = wb["answers"]
    assert [c.value for c in tidy[1]] == COLUMNS and tidy.freeze_panes == "A2" and tidy["A1"].font.b
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in tidy.iter_rows(min_row=2, values_only=True)]
    got = {(r["district"], str(r["convening"]), r["module"], r["item"]): r["version"] for r in rows}
    assert got == stored(db, ["1", "2", "3"], SAMPLE_IDS)
    at = {c: {(r["district"], r["module"], r["item"]): r for r in rows if str(r["convening"]) == c} for c in "13"}
    depth = at["3"][("windy-city", "02_scale", "depth")]
    assert depth["answer"].startswith("2 · ") and "\nEvidence: Team teachers use the routines well" in depth["answer"]
    assert depth["prompt"] == get_module("02").item("depth").prompt
    channels = at["3"][("windy-city", "07_spread", "spread_channels")]["answer"]
    labels = {o.id: o.label for o in get_module("07").item("spread_channels").options}
    assert channels == f"{labels['voluntary_champion_sharing']}; {labels['required_grade_level_meetings']}"
    table = at["1"][("foothills-unified", "05_prioritization", "initiatives")]["answer"].split("\n")
    columns = {c.id: c.label for c in get_module("05").item("initiatives").columns}
    assert len(table) == 6 and table[0] == (f"{columns['initiative']}: 8th–9th On Track (this work);"
                                            f" {columns['pd_days']}: 2; {columns['decision']}: Keep")


def test_xlsx_cells_are_text_not_formulas(cohort, db, tmp_path):
    out = tmp_path / "answers.xlsx"
    export(cohort, out, db=db, convening="1")
    wb = load_workbook(out)
    answers = [c for c in wb["answers"]["F"][1:]]
    for value in FORMULAS + [TRICKY_TEXT]:
        value = value.replace("\r", "\n")  # line ends are LF in a workbook
        cells = [c for c in answers if c.value == value]
        assert cells, value
        assert all(c.data_type == "s" for c in cells)
    reflection = wb[next(n for n in wb.sheetnames if n.startswith("09 "))]
    header = [c.value for c in reflection[1]]
    assert TRICKY_NAME in header  # the district's name as a column heading, intact
    column = header.index(TRICKY_NAME) + 1
    texts = [reflection.cell(row=r, column=column) for r in range(2, reflection.max_row + 1)]
    formula = next(c for c in texts if c.value == FORMULAS[0])
    assert formula.data_type == "s" and formula.quotePrefix
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)


def test_csv_holds_every_answer_with_formulas_neutralised(cohort, db, tmp_path):
    out = tmp_path / "answers.csv"
    done = export(cohort, out, convening="1", db=db)  # format from the suffix
    assert done.convenings == ["1"]
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == COLUMNS
    assert {(r["district"], r["convening"], r["module"], r["item"]): int(r["version"]) for r in rows} == \
        stored(db, ["1"], SAMPLE_IDS)
    answers = [r["answer"] for r in rows]
    for value in FORMULAS:
        assert "'" + value in answers and value not in answers
    assert TRICKY_TEXT in answers


def test_unknown_convening_cohort_or_store_is_a_clear_error(cohort, db, tmp_path):
    with pytest.raises(KitError, match=r"convening '7' has no answers .* convenings with answers: 1, 2"):
        export(cohort, tmp_path / "a.xlsx", convening="7", db=db)
    with pytest.raises(KitError, match="no such cohort folder"):
        export(tmp_path / "nowhere", tmp_path / "a.xlsx", db=db)
    with pytest.raises(KitError, match="no answer store at"):
        export(cohort, tmp_path / "a.xlsx", db=f"sqlite:///{tmp_path / 'missing.db'}")
    assert not list(tmp_path.glob("a.xlsx*")) and not list(tmp_path.glob(".a.xlsx*"))


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    first = sheet_title("03 Fund/amentals: [what] *is* it? \\ and a very long tail", taken)
    assert len(first) <= 31 and not set(first) & set("[]:*?/\\")
    second = sheet_title("03 Fund/amentals: [what] *is* it? \\ and a very long tail", taken)
    assert second != first and len(second) <= 31 and second.endswith("(2)")
    assert sheet_title("ANSWERS", {"answers"}) == "ANSWERS (2)"
