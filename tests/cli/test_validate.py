"""`kit validate`: every shipped file passes; every kind of broken file gets one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kit.cli import main
from kit.content import all_modules
from kit.districts import load_cohort
from tests.conftest import ROOT

GOOD_MODULE = """\
schema_version: 1
id: 42_sample
number: 42
title: A sample module
short_title: Sample
purpose: Used by the tests.
duration_minutes: 30
outcomes: [A checked file]
scales:
  four:
    source: kit
    levels:
      1: {label: One, descriptor: First level}
      2: {label: Two, descriptor: Second level}
      3: {label: Three, descriptor: Third level}
      4: {label: Four, descriptor: Fourth level}
sections:
  - id: main
    title: Main
    items:
      - id: depth
        type: rating
        prompt: How deep is it?
        scale: four
        descriptors: {1: shallow, 4: deep}
        source: "003 § Scale"
      - id: notes
        type: text
        prompt: Notes
        source: kit
diagnostics: []
"""

GOOD_DISTRICT = """\
schema_version: 1
id: test-town
name: Test Town
pseudonym: true
collaboration: p3cc-math
focus: TK–3 mathematics
grades: [TK, K, "1", "2", "3"]
team:
  - {name: A. Person, role: teacher, site: North, source: synthetic}
"""


def run(*args: str):
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.output, result.stderr


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_shipped_files_validate():
    code, out, err = run(str(ROOT / "modules"), str(ROOT / "sample_districts"))
    assert err == ""
    assert code == 0
    assert "10 modules" in out and "6 districts" in out and "all valid" in out


def test_shipped_counts():
    modules = all_modules()
    assert [m.number for m in modules] == list(range(10))
    districts, problems = load_cohort(ROOT / "sample_districts")
    assert not problems
    assert {d.id for d in districts} == {
        "windy-city", "valley-view", "sequoia-grove", "foothills-unified", "copper-mine", "center-city",
    }


def test_good_files_pass(tmp_path):
    write(tmp_path, "42_sample.yaml", GOOD_MODULE)
    write(tmp_path, "test-town.yaml", GOOD_DISTRICT)
    code, out, err = run(str(tmp_path))
    assert (code, err) == (0, "")
    assert "1 modules (2 items), 0 diagnostic rules, 1 districts: all valid" in out


BAD_MODULES = {
    "malformed yaml": (GOOD_MODULE.replace("title: A sample module", "title: [unclosed"), "not valid YAML", 5),
    "tab indentation": (GOOD_MODULE.replace("  - id: main", "\t- id: main"), "tab character", 18),
    "unknown item type": (GOOD_MODULE.replace("type: text", "type: slider"), "unknown type 'slider'", 28),
    "duplicate item id": (GOOD_MODULE.replace("id: notes", "id: depth"), "duplicate item id 'depth'", 27),
    "missing source": (GOOD_MODULE.replace('        source: "003 § Scale"\n', ""), "source: required field", 21),
    "level out of range": (GOOD_MODULE.replace("4: deep}", "5: deep}"), "level 5 is out of range 1–4", 25),
    "unknown brief": (GOOD_MODULE.replace('"003 § Scale"', '"017 § Scale"'), "unknown brief '017'", 26),
    "unknown field": (GOOD_MODULE.replace("purpose:", "purpos:"), "purpos: unknown field", 6),
    "no time": (GOOD_MODULE.replace("duration_minutes: 30", "duration_minutes: 0"),
                "duration_minutes: Input should be greater than or equal to 5", 7),
    "levels with a gap": (GOOD_MODULE.replace("      3: {label: Three, descriptor: Third level}\n", ""),
                          "levels are [1, 2, 4]", None),
    "duplicate key": (GOOD_MODULE.replace("short_title: Sample", "short_title: Sample\ntitle: Again"),
                      "key 'title' appears twice", None),
}


@pytest.mark.parametrize("case", BAD_MODULES, ids=list(BAD_MODULES))
def test_bad_module_file(tmp_path, case):
    text, expected, line = BAD_MODULES[case]
    write(tmp_path, "42_sample.yaml", text)
    code, out, err = run(str(tmp_path))
    assert code == 2
    assert expected in err, err
    assert "42_sample.yaml" in err
    assert "Traceback" not in err + out
    if line:
        assert f"42_sample.yaml:{line}:" in err


GOOD_AGENDA = """\
schema_version: 1
convenings:
  - number: 1
    days:
      - start: "08:30"
        blocks:
          - {title: Welcome, minutes: 15}
          - module: 42_sample
          - {title: Break, minutes: 15}
"""

BAD_AGENDAS = {
    "unknown module": (GOOD_AGENDA.replace("42_sample", "42_sampel"),
                       "convenings[0].days[0].blocks[1].module: unknown module '42_sampel' — known modules: 42_sample",
                       8),
    "no minutes": (GOOD_AGENDA.replace("{title: Break, minutes: 15}", "{title: Break}"),
                   "convenings[0].days[0].blocks[2]: a block needs `module:`, or both `title:` and `minutes:`", 9),
    "module with minutes": (GOOD_AGENDA.replace("module: 42_sample", "{module: 42_sample, minutes: 20}"),
                            "convenings[0].days[0].blocks[1]: a module's block takes its title", 8),
    "not a time": (GOOD_AGENDA.replace('"08:30"', "half past eight"), "convenings[0].days[0].start:", 5),
    "unknown field": (GOOD_AGENDA.replace("days:", "dais:"), "convenings[0].dais: unknown field", 4),
    "a convening twice": (GOOD_AGENDA + GOOD_AGENDA.split("convenings:\n", 1)[1],
                          "convenings[1].number: convening 1 is given twice", 10),
}


def test_the_agenda_validates_beside_its_modules(tmp_path):
    write(tmp_path, "42_sample.yaml", GOOD_MODULE)
    write(tmp_path, "agenda.yaml", GOOD_AGENDA)
    code, out, err = run(str(tmp_path))
    assert (code, err) == (0, ""), err


@pytest.mark.parametrize("case", BAD_AGENDAS, ids=list(BAD_AGENDAS))
def test_a_malformed_agenda_names_the_file_the_line_and_the_field(tmp_path, case):
    text, expected, line = BAD_AGENDAS[case]
    write(tmp_path, "42_sample.yaml", GOOD_MODULE)
    write(tmp_path, "agenda.yaml", text)
    code, out, err = run(str(tmp_path))
    assert code == 2
    assert f"agenda.yaml:{line}: {expected}" in err, err
    assert "Traceback" not in err + out


BAD_DISTRICTS = {
    "id with ../": (GOOD_DISTRICT.replace("id: test-town", "id: ../x"), "id: id '../x' is not a safe slug"),
    "id with /": (GOOD_DISTRICT.replace("id: test-town", "id: a/b"), "is not a safe slug"),
    "empty name": (GOOD_DISTRICT.replace("name: Test Town", 'name: ""'), "name: must not be empty"),
    "blank name": (GOOD_DISTRICT.replace("name: Test Town", 'name: "   "'), "name: is blank"),
    "unknown role": (GOOD_DISTRICT.replace("role: teacher", "role: princpal"), "team[0].role:"),
    "empty file": ("", "file is empty"),
    "not a mapping": ("- just\n- a list\n", "expected a mapping"),
}


@pytest.mark.parametrize("case", BAD_DISTRICTS, ids=list(BAD_DISTRICTS))
def test_bad_district_file(tmp_path, case):
    text, expected = BAD_DISTRICTS[case]
    write(tmp_path, "test-town.yaml", text)
    code, out, err = run(str(tmp_path))
    assert code == 2
    assert expected in err, err
    assert "test-town.yaml" in err
    assert "Traceback" not in err + out


def test_bom_and_crlf_are_accepted(tmp_path):
    write(tmp_path, "test-town.yaml", b"\xef\xbb\xbf" + GOOD_DISTRICT.replace("\n", "\r\n").encode())
    code, out, err = run(str(tmp_path))
    assert (code, err) == (0, ""), err


def test_non_utf8_file(tmp_path):
    write(tmp_path, "test-town.yaml", GOOD_DISTRICT.encode().replace(b"Test Town", b"T\xe9st Town"))
    code, _, err = run(str(tmp_path))
    assert code == 2
    assert "test-town.yaml:3: not UTF-8 text (byte 0xe9) — save the file as UTF-8" in err


def test_five_megabyte_file(tmp_path):
    write(tmp_path, "test-town.yaml", GOOD_DISTRICT + "# padding\n" * 500_000)
    code, _, err = run(str(tmp_path))
    assert code == 2
    assert "test-town.yaml: file is 5.0 MB" in err


def test_missing_path():
    code, _, err = run("no/such/folder")
    assert code == 2
    assert "no/such/folder: no such file or folder" in err


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    write(tmp_path, "42_sample.yaml", GOOD_MODULE.replace("type: text", "type: slider"))
    write(tmp_path, "test-town.yaml", GOOD_DISTRICT.replace("id: test-town", "id: ../x"))
    code, _, err = run(str(tmp_path))
    assert code == 2
    assert len(err.strip().splitlines()) == 2
