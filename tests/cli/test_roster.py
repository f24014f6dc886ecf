"""`kit template roster` and `kit import`: a filled-in roster becomes valid district files, or nothing changes."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from kit.cli import main
from kit.districts import ROLES, load_district
from tests.conftest import ROOT

TRICKY = 'Zoë "Bo" O\'Hara <b>&amp;</b>'


@pytest.fixture
def cohort(tmp_path) -> Path:
    """Two sample districts; windy-city gets a comment that an update must keep."""
    folder = tmp_path / "cohort"
    folder.mkdir()
    for name in ("windy-city", "copper-mine"):
        shutil.copy(ROOT / "sample_districts" / f"{name}.yaml", folder)
    path = folder / "windy-city.yaml"
    path.write_text("# Kept by kit import\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def template(tmp_path) -> Path:
    out = tmp_path / "roster.xlsx"
    result = CliRunner().invoke(main, ["template", "roster", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def fill(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = load_workbook(path)
    for sheet, rows in sheets.items():
        for row in rows:
            wb[sheet].append(row)
    wb.save(path)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_template_has_sheets_headers_and_a_role_list(tmp_path):
    wb = load_workbook(template(tmp_path))
    assert wb.sheetnames == ["instructions", "districts", "schools", "team"]
    team = wb["team"]
    assert [c.value for c in team[1]] == ["district", "name", "role", "site", "lead", "attends_meetings"]
    assert team.freeze_panes == "A2" and team["A1"].font.b
    roles = [v for v in team.data_validations.dataValidation if "C2" in str(v.sqref)]
    assert roles and roles[0].formula1 == '"' + ",".join(ROLES) + '"'
    assert any(row[1] == "role" for row in wb["instructions"].iter_rows(values_only=True))


def test_filled_roster_creates_and_updates_valid_district_files(tmp_path, cohort):
    before = load_district(cohort / "windy-city.yaml")
    original = (cohort / "windy-city.yaml").read_text(encoding="utf-8")
    kept = before.team[0]
    roster = fill(template(tmp_path), {
        "districts": [["harbor-bay", "Harbor Bay Unified", "p3cc-math", "TK, K, 1, 2", "Early math routines."],
                      ["windy-city", None, None, None, None]],
        "schools": [["harbor-bay", "Escuela Bahía", "elementary", 420, "yes"],
                    ["harbor-bay", "Bayside Middle", "middle", None, None]],
        "team": [["harbor-bay", TRICKY, "Teacher on special assignment", "Escuela Bahía", "yes", None],
                 ["harbor-bay", "Sam Lee", "principal", "Bayside Middle", None, "no"],
                 ["windy-city", kept.name, kept.role, "District office", None, None],
                 ["windy-city", "New Coach", "coach", "District office", None, None]],
    })
    result = CliRunner().invoke(main, ["import", str(roster), "--cohort", str(cohort)])
    assert result.exit_code == 0, result.output + result.stderr
    assert "Created in" in result.output and "harbor-bay.yaml" in result.output
    assert "Updated in" in result.output and "windy-city.yaml" in result.output

    checked = CliRunner().invoke(main, ["validate", str(cohort)])
    assert checked.exit_code == 0, checked.output + checked.stderr
    new = load_district(cohort / "harbor-bay.yaml")
    assert (new.name, new.collaboration, new.grades, new.pseudonym) == (
        "Harbor Bay Unified", "p3cc-math", ["TK", "K", "1", "2"], False)
    assert [(s.name, s.students, s.on_team) for s in new.schools] == [("Escuela Bahía", 420, True),
                                                                      ("Bayside Middle", None, False)]
    assert [(m.name, m.role, m.lead, m.attends_meetings, m.source) for m in new.team] == [
        (TRICKY, "tosa", True, True, "roster"), ("Sam Lee", "principal", False, False, "roster")]

    after = load_district(cohort / "windy-city.yaml")
    assert [(m.name, m.site, m.source) for m in after.team] == [
        (kept.name, "District office", kept.source), ("New Coach", "District office", "roster")]
    assert after.model_dump(exclude={"team"}) == before.model_dump(exclude={"team"})
    text = (cohort / "windy-city.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Kept by kit import\n")
    assert [line for line in text.splitlines() if "role:" not in line] == \
        [line for line in original.splitlines() if "role:" not in line]  # quotes, comments, order: all kept

    again = CliRunner().invoke(main, ["import", str(roster), "--cohort", str(cohort)])
    assert again.exit_code == 0 and "Unchanged in" in again.output and "Updated" not in again.output


def test_bad_rows_change_nothing_and_name_sheet_row_and_column(tmp_path, cohort):
    roster = fill(template(tmp_path), {
        "districts": [["Harbor Bay", "Harbor Bay", "p3cc-math", "K", "Focus."],
                      ["new-one", "New One", "p3cc-art", "K", "Focus."]],
        "schools": [["windy-city", "Lakeview", "castle", -5, None]],
        "team": [["windy-city", "Ana", "teacher", "Lakeview", None, None],
                 ["windy-city", "Bob", "boss", "Lakeview", None, None],
                 ["windy-city", "Cy", "coach", None, "maybe", None],
                 ["nowhere", "Di", "coach", "Office", None, None]],
    })
    before = snapshot(cohort)
    result = CliRunner().invoke(main, ["import", str(roster), "--cohort", str(cohort)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output + result.stderr
    errors = result.stderr.splitlines()
    assert f"Error: {roster}: sheet team, row 3, column role: 'boss' is not a role — use one of: teacher, principal" \
        in "\n".join(errors)
    for expected in ("sheet districts, row 2, column id: id 'Harbor Bay' is not a safe slug",
                     "sheet districts, row 3, column collaboration: 'p3cc-art' is not a collaboration",
                     "sheet schools, row 2, column level: 'castle' is not a school level",
                     "sheet schools, row 2, column students: -5:",
                     "sheet team, row 4, column site: is empty — fill it in",
                     "sheet team, row 4, column lead: 'maybe' is not yes or no",
                     "sheet team, row 5, column district: unknown district 'nowhere'"):
        assert any(expected in line for line in errors), expected
    assert snapshot(cohort) == before


@pytest.mark.parametrize("kind", ["text", "zip", "missing", "ods", "damaged"])
def test_a_file_that_is_not_a_workbook_is_one_clear_line(tmp_path, cohort, kind):
    path = tmp_path / ("roster.ods" if kind == "ods" else "roster.xlsx")
    if kind == "text":
        path.write_text("name,role\nAna,teacher\n")
    elif kind == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "not a workbook")
    elif kind == "ods":
        path.write_bytes(b"PK\x03\x04 not really")
    elif kind == "damaged":  # a real workbook whose team sheet is cut in half
        good = template(tmp_path / "good")
        with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
            for info in source.infolist():
                data = source.read(info.filename)
                target.writestr(info, data[: len(data) // 2] if info.filename.endswith("sheet4.xml") else data)
    before = snapshot(cohort)
    result = CliRunner().invoke(main, ["import", str(path), "--cohort", str(cohort)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output + result.stderr
    assert result.stderr.startswith(f"Error: {path}: ")
    assert ("no such file" if kind == "missing" else "not a readable .xlsx workbook") in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(cohort) == before


def test_a_csv_file_updates_the_team(tmp_path, cohort):
    path = tmp_path / "team.csv"
    path.write_text("district,name,role,site\ncopper-mine,Rosa Díaz,Coach,District office\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(path), "--cohort", str(cohort)])
    assert result.exit_code == 0, result.output + result.stderr
    team = load_district(cohort / "copper-mine.yaml").team
    assert [(m.name, m.role) for m in team] == [("Rosa Díaz", "coach")]
