"""What the commands print reads as a person would write it: "1 answer", "3 flags", never "answer(s)"."""

from __future__ import annotations

from click.testing import CliRunner

from kit.cli import main
from kit.content import level_label
from kit.report import plural
from tests.conftest import ROOT

COHORT = ROOT / "sample_districts"


def test_plural_counts_take_the_right_form():
    assert [plural(n, "answer") for n in (0, 1, 2)] == ["0 answers", "1 answer", "2 answers"]
    assert plural(1, "convening") == "1 convening" and plural(3, "analysis", "analyses") == "3 analyses"


def test_a_level_is_named_as_its_button_says_it():
    assert level_label(2, "Emerging") == "2 · Emerging"


def test_load_answers_diagnose_and_export_print_no_bracketed_plurals(tmp_path):
    db = f"sqlite:///{tmp_path / 'kit.db'}"
    runner = CliRunner()
    loaded = runner.invoke(main, ["load-answers", str(COHORT / "_sample_answers.yaml"), "--db", db])
    assert loaded.exit_code == 0, loaded.output
    assert loaded.output.startswith("Saved ") and " answers from " in loaded.output
    flags = runner.invoke(main, ["diagnose", "--cohort", str(COHORT), "--district", "windy-city", "--convening", "3",
                                 "--db", db])
    assert flags.exit_code == 0, flags.output
    first = flags.output.splitlines()[0]
    assert first.startswith("Windy City, convening 3: ") and first.endswith((" flag", " flags"))
    out = tmp_path / "answers.csv"
    exported = runner.invoke(main, ["export", "--cohort", str(COHORT), "--convening", "2", "--format", "csv",
                                    "--out", str(out), "--db", db])
    assert exported.exit_code == 0, exported.output
    assert " answers of 6 districts, convening 2, to " in exported.output
    for result in (loaded, flags, exported):
        assert "(s)" not in result.output


def test_validate_counts_one_problem_as_one(tmp_path):
    bad = tmp_path / "broken.yaml"
    good = (COHORT / "windy-city.yaml").read_text(encoding="utf-8")
    bad.write_text(good.replace("id: windy-city", "id: Windy City!", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code != 0
    assert "1 problem" in result.output and "problem(s)" not in result.output


def test_a_rule_with_too_many_arguments_is_told_how_many_in_words():
    from kit.content import all_modules
    from kit.diagnostics import check

    modules = {m.id: m for m in all_modules()}
    problems, _refs = check("rating('02_scale.depth', 'x') >= 3", modules)
    assert "rating() takes 1 argument, written as plain values" in problems
    problems, _refs = check("checked('01_approach.x', 'a', 'b')", modules)
    assert any("takes 2 arguments" in p for p in problems), problems
