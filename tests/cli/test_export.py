"""`kit export` from the command line: exit statuses and one-line errors."""

from __future__ import annotations

import shutil

from click.testing import CliRunner
from openpyxl import load_workbook

from kit.cli import main
from kit.store import Store
from tests.conftest import ROOT


def test_export_reports_a_broken_district_and_still_writes_the_others(tmp_path):
    cohort = tmp_path / "cohort"
    shutil.copytree(ROOT / "sample_districts", cohort)
    (cohort / "valley-view.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'kit.db'}"
    store = Store(url)
    store.save("copper-mine", "1", "02_scale", "failure_mode_signs", "=1+1 is what they wrote")
    store.close()
    out = tmp_path / "out" / "answers.xlsx"
    result = CliRunner().invoke(main, ["export", "--cohort", str(cohort), "--db", url, "--out", str(out)])
    assert result.exit_code == 1
    assert "Wrote 1 answer of 1 district, convening 1," in result.output
    assert result.stderr.startswith(f"Error: {cohort / 'valley-view.yaml'}:")
    sheet = load_workbook(out)["answers"]
    assert [c.value for c in sheet[2]][:6] == ["copper-mine", 1, "02_scale", "failure_mode_signs",
                                               sheet["E2"].value, "=1+1 is what they wrote"]

    unknown = CliRunner().invoke(main, ["export", "--cohort", str(cohort), "--db", url, "--convening", "9",
                                        "--out", str(tmp_path / "other.csv")])
    assert unknown.exit_code == 2
    assert unknown.stderr == f"Error: convening '9' has no answers in {url} — convenings with answers: 1\n"
    assert not (tmp_path / "other.csv").exists()
