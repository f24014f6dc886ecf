"""Fuzzing the district and module loaders: broken files are refused clearly, never crash or hang.

Strategies and the property live in tests/fuzzing.py; benchmarks/fuzz.py runs 1,000 examples
per strategy. Here a few hundred in all, derandomized so every run tries the same files. The
deadline is a hang guard far above the slowest example (about 1 s), not a speed target.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from kit.cli import main
from kit.districts import load_district
from kit.errors import InvalidFile
from kit.yamlfile import MAX_DEPTH, MAX_VALUES, expanded_size, load_yaml
from tests.conftest import ROOT
from tests.fuzzing import Case, check, district_files, module_files, raw_files, written

FUZZ = settings(derandomize=True, database=None, deadline=timedelta(seconds=20),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(FUZZ, max_examples=120)
@given(district_files())
def test_mutated_districts_load_or_are_refused_clearly(case: Case):
    check(case)


@settings(FUZZ, max_examples=80)
@given(module_files())
def test_mutated_modules_load_or_are_refused_clearly(case: Case):
    check(case)


@settings(FUZZ, max_examples=150)
@given(raw_files())
def test_shapeless_files_are_refused_clearly(case: Case):
    assert check(case) == "invalid"


@settings(FUZZ, max_examples=25)
@given(district_files() | module_files())
def test_kit_validate_exits_0_or_2_without_a_traceback(case: Case):
    with written(case) as path:
        result = CliRunner().invoke(main, ["validate", "-q", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert str(path) in result.output


def test_the_unmutated_sample_files_are_valid():
    """The strategies start from valid files, so a mutation is what makes a case invalid."""
    from tests.fuzzing import DISTRICT_BASES, MODULE_BASES

    for path in DISTRICT_BASES + MODULE_BASES:
        assert check(Case(path.name, path.read_bytes())) == "valid"


def _refusal(tmp_path, text: str) -> str:
    path = tmp_path / "windy-city.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidFile) as info:
        load_yaml(path)
    return str(info.value)


def test_alias_bomb_is_refused_at_its_key(tmp_path):
    lines = ["lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"lol{n}: &lol{n} [{', '.join([f'*lol{n - 1}'] * 9)}]" for n in range(1, 9)]
    message = _refusal(tmp_path, "\n".join(lines) + "\nstory: *lol8\n")
    assert f"more than {MAX_VALUES:,} values" in message
    assert "windy-city.yaml:" in message


def test_alias_that_contains_itself_neither_hangs_nor_loads(tmp_path):
    path = tmp_path / "windy-city.yaml"
    path.write_text((ROOT / "sample_districts" / "windy-city.yaml").read_text(encoding="utf-8")
                    + "\nloop: &loop [*loop]\n", encoding="utf-8")
    with pytest.raises(InvalidFile) as info:
        load_district(path)
    assert [(p.field, p.message) for p in info.value.problems] == [("loop", "unknown field")]


def test_expanded_size_counts_every_copy_and_detects_a_loop():
    shared = ["a", "b"]
    # the dict, its two keys, `shared` (itself and two strings), then a list holding two copies of it
    assert expanded_size({"x": shared, "y": [shared, shared]}) == 1 + 2 + 3 + (1 + 3 + 3)
    looped: list = []
    looped.append([looped])
    assert expanded_size(looped) is None


def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path):
    message = _refusal(tmp_path, "grades: " + "[" * 5000 + "]" * 5000 + "\n")
    assert f"nested more than {MAX_DEPTH} levels deep" in message


def test_value_that_does_not_fit_its_tag_names_the_line(tmp_path):
    assert "windy-city.yaml:2: value does not fit its tag (!!int" in _refusal(tmp_path, "id: x\ngrades: !!int abc\n")
    assert "value does not fit its tag" in _refusal(tmp_path, "!!int")
    # ruamel raises AttributeError and KeyError for these, not a YAML error
    assert "windy-city.yaml:1: value does not fit its tag (!!set" in _refusal(tmp_path, "name: !!set abc\n")
    assert "windy-city.yaml:1: value does not fit its tag (!!bool" in _refusal(tmp_path, "name: !!bool abc\n")


def test_control_character_names_its_line(tmp_path):
    message = _refusal(tmp_path, "id: windy-city\nname: Windy\x18 City\n")
    assert "windy-city.yaml:2: contains the control character U+0018" in message


def test_aliases_that_repeat_small_values_still_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("base: &source '003 § Scale'\nfirst: {source: *source}\nsecond: {source: *source}\n",
                    encoding="utf-8")
    assert load_yaml(path)["second"]["source"] == "003 § Scale"
