"""Diagnostics: each rule fires on the answers it describes, stays quiet on empty ones, and is checked."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from kit.cli import main
from kit.content import all_modules
from kit.diagnostics import check, collaboration_year, diagnose, evaluate, load_rules
from kit.districts import find_district, load_cohort
from kit.errors import InvalidFile
from kit.sources import brief_of
from kit.store import Store
from tests.conftest import ROOT

COHORT = ROOT / "sample_districts"
MODULES = {m.id: m for m in all_modules()}




def fired(store: Store, district: str = "copper-mine", convening: str = "1") -> set[str]:
    return {f.rule.id for f in diagnose(store, find_district(COHORT, district), convening)}


def year_of(store: Store, *dates: str) -> None:
    """Record the sample cohort's convenings on these dates (convening 1 first)."""
    for n, day in enumerate(dates, start=1):
        store.add_convening("sample_districts", n, date.fromisoformat(day))


def test_at_least_twelve_rules_each_traceable_to_a_brief():
    rules = load_rules()
    assert len(rules) >= 12
    assert all(brief_of(r.source) in {"000", "001", "003", "004"} for r in rules)
    assert len({r.id for r in rules}) == len(rules)


def test_profiles_alone_flag_the_districts_the_brief_describes():
    districts, _ = load_cohort(COHORT)
    by_id = {d.id: {f.rule.id for f in evaluate(load_rules(), d, {})} for d in districts}
    assert "senior_leadership_delegated" in by_id["windy-city"]
    assert "many_initiatives_none_stopped" in by_id["foothills-unified"]
    assert "structures_for_the_work_all_voluntary" in by_id["valley-view"]
    assert by_id["copper-mine"] == set()
    # Windy City's subject areas are not initiatives; its focus is not counted against it.
    assert "many_initiatives_none_stopped" not in by_id["windy-city"]


def test_the_year_comes_from_the_cohorts_convening_dates(store):
    assert collaboration_year(store, "1") is None  # no dates: unknown
    year_of(store, "2026-09-17", "2027-01-14", "2027-04-22", "2027-09-16", "2029-04-20")
    assert [collaboration_year(store, c) for c in "12345"] == [1, 1, 1, 2, 3]
    assert collaboration_year(store, "4", cohort="sample_districts") == 2
    assert collaboration_year(store, "9") is None
    store.add_convening("another-cohort", 1, date(2030, 9, 1))
    assert collaboration_year(store, "4") is None  # two cohorts and none named: unknown
    assert collaboration_year(store, "4", cohort="sample_districts") == 2


def test_empty_worksheets_raise_no_answer_based_flags(store):
    assert fired(store) == set()


def test_wide_but_shallow(store):
    store.save("copper-mine", "1", "02_scale", "spread", {"level": 4, "evidence": ""})
    assert "wide_but_shallow" not in fired(store)  # depth unknown: no flag
    store.save("copper-mine", "1", "02_scale", "depth", {"level": 1, "evidence": ""})
    assert "wide_but_shallow" in fired(store)
    store.save("copper-mine", "1", "02_scale", "depth", {"level": 3, "evidence": ""})
    assert "wide_but_shallow" not in fired(store)


def test_stuck_at_early_stages_only_past_year_1(store):
    store.save("copper-mine", "1", "02_scale", "stage", "stage_1")
    store.save("copper-mine", "2", "02_scale", "stage", "stage_2")
    assert "stuck_with_early_adopters" not in fired(store, convening="2")  # year unknown: quiet
    year_of(store, "2026-09-17", "2027-01-14", "2027-04-22", "2027-09-16", "2028-01-13")
    assert "stuck_with_early_adopters" not in fired(store, convening="2")  # year 1: piloting is the plan
    store.save("copper-mine", "4", "02_scale", "stage", "stage_2")
    store.save("copper-mine", "5", "02_scale", "stage", "stage_2")
    assert "stuck_with_early_adopters" in fired(store, convening="5")  # still there in year 2
    store.save("copper-mine", "5", "02_scale", "stage", "stage_3")
    assert "stuck_with_early_adopters" not in fired(store, convening="5")


def test_stuck_at_stage_3_without_a_district_route(store):
    year_of(store, "2026-09-17", "2027-09-16", "2028-01-13")
    for convening in ("2", "3"):
        store.save("valley-view", convening, "02_scale", "stage", "stage_3")
    store.save("valley-view", "3", "07_spread", "spread_channels", ["required_staff_meetings"])
    assert "stuck_at_stage_3_without_the_district" in fired(store, "valley-view", "3")
    store.save("valley-view", "3", "07_spread", "spread_channels", ["required_staff_meetings",
                                                                    "required_principals_meetings"])
    assert "stuck_at_stage_3_without_the_district" not in fired(store, "valley-view", "3")
    store.save("valley-view", "3", "07_spread", "spread_channels", ["required_staff_meetings"])
    store.add_convening("sample_districts", 3, date(2027, 4, 22))  # the same answers, in year 1
    assert "stuck_at_stage_3_without_the_district" not in fired(store, "valley-view", "3")


def test_spread_target_beyond_the_arc(store):
    year_of(store, "2026-09-17", "2027-09-16")
    for convening in ("1", "2"):
        store.save("copper-mine", convening, "07_spread", "spread_stage", "stage_4_across_silos")
    assert "spread_target_beyond_the_arc" in fired(store, convening="1")
    assert "spread_target_beyond_the_arc" not in fired(store, convening="2")  # stage 4 is a year-2 aim
    store.save("copper-mine", "2", "07_spread", "spread_stage", "stage_5_districtwide")
    assert "spread_target_beyond_the_arc" in fired(store, convening="2")


def test_district_structures_not_carrying_the_work(store):
    year_of(store, "2026-09-17", "2027-09-16")
    for convening in ("1", "2"):
        store.save("windy-city", convening, "07_spread", "spread_channels", ["required_grade_level_meetings"])
    assert "district_structures_not_carrying_the_work" not in fired(store, "windy-city", "1")  # year 1
    assert "district_structures_not_carrying_the_work" in fired(store, "windy-city", "2")
    # Copper Mine's profile has no principals' meeting or curriculum office left out.
    store.save("copper-mine", "2", "07_spread", "spread_channels", ["required_grade_level_meetings"])
    assert "district_structures_not_carrying_the_work" not in fired(store, "copper-mine", "2")


def test_leadership_turnover_reads_the_roster_across_convenings(store):
    roster = [{"name": "Ana Ruiz", "role": "Principal"}, {"name": "Bo Lee", "role": "Teacher"},
              {"name": "Cy Diaz", "role": "District leader", "lead": "Yes"}]
    store.save("copper-mine", "1", "00_team", "roster_table", roster)
    store.save("copper-mine", "2", "00_team", "roster_table", roster[1:])  # a teacher leaving is not turnover
    assert "leadership_turnover" in fired(store, convening="2")
    store.save("copper-mine", "2", "00_team", "roster_table", roster + [{"name": "Di Fox", "role": "Teacher"}])
    assert "leadership_turnover" not in fired(store, convening="2")
    assert "leadership_turnover" not in fired(store, convening="1")  # nothing to compare with


def test_voluntary_channels_only(store):
    store.save("copper-mine", "1", "07_spread", "spread_channels", ["voluntary_bring_a_friend"])
    assert "spread_through_volunteers_only" in fired(store)
    store.save("copper-mine", "1", "07_spread", "spread_channels",
               ["voluntary_bring_a_friend", "required_pd_days"])
    assert "spread_through_volunteers_only" not in fired(store)


def test_monitoring_and_walkthroughs(store):
    store.save("copper-mine", "1", "08_monitoring", "implementation_measures",
               [{"what": "teachers at PD", "kind": "Quantity"}])
    store.save("copper-mine", "1", "08_monitoring", "walkthrough_purpose", "compliance")
    assert {"counting_not_quality", "walkthroughs_for_compliance"} <= fired(store)
    store.save("copper-mine", "1", "08_monitoring", "implementation_measures",
               [{"what": "teachers at PD", "kind": "Quantity"}, {"what": "task rigor", "kind": "Quality – depth"}])
    assert "counting_not_quality" not in fired(store)


def test_tables_and_started_modules(store):
    store.save("copper-mine", "1", "04_system_inventory", "time_conflicts", "state testing in May")
    assert {"time_not_identified", "nothing_repurposed"} <= fired(store)
    store.save("copper-mine", "1", "04_system_inventory", "time_calendar",
               [{"date": "2027-01-14", "kind": "PD day"}])
    store.save("copper-mine", "1", "04_system_inventory", "repurpose_first", ["meetings"])
    assert not {"time_not_identified", "nothing_repurposed"} & fired(store)
    store.save("copper-mine", "1", "06_pilot", "decision_log",
               [{"practice": "number talks", "evidence": "exit tasks", "decision": ""}])
    assert "pilot_decisions_open" in fired(store)


@pytest.mark.parametrize("when, expected", [
    ('rating("02_scale.nope") >= 3', "unknown item '02_scale.nope'"),
    ('rating("02_scale.stage") >= 3', "is a choice item, not rating"),
    ('checked("07_spread.spread_channels", "teleport")', "has no option 'teleport'"),
    ('count_rows("06_pilot.decision_log", "colour", "x") > 0', "has no column 'colour'"),
    ('__import__("os").system("true")', "is not allowed"),
    ('open("/etc/passwd")', "unknown function 'open'"),
    ('rating("02_scale.depth").real > 1', "is not allowed"),
    ('team_count("princpal") < 2', "unknown role 'princpal'"),
    ("depth >= 3", "unknown name 'depth'"),
    ("rating(", "not a valid expression"),
])
def test_bad_conditions_are_named(when, expected):
    problems, _ = check(when, MODULES)
    assert any(expected in p for p in problems), problems


def test_validate_reports_a_bad_rule_with_its_line(tmp_path):
    (tmp_path / "diagnostics.yaml").write_text(
        "schema_version: 1\nrules:\n  - id: bad\n    when: rating(\"02_scale.nope\") > 1\n    message: m\n"
        "    next_step: n\n    source: \"003 § Scale\"\n", encoding="utf-8")
    with pytest.raises(InvalidFile) as info:
        load_rules(tmp_path / "diagnostics.yaml")
    assert "diagnostics.yaml:4: rules[0].when: rating(): unknown item '02_scale.nope'" in str(info.value)
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2 and "unknown item" in result.stderr


def test_kit_diagnose_prints_flags_with_sources(tmp_path):
    result = CliRunner().invoke(main, ["diagnose", "--district", "windy-city",
                                       "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert result.exit_code == 0
    assert "[RISK] senior_leadership_delegated" in result.output
    assert "Source: 000 §" in result.output


A = "1"
# rule id -> (district, answers that make it fire, district, answers that keep it quiet)
# answers: {(module, item): value}
CASES = {
    "wide_but_shallow": ("copper-mine", {("02_scale", "spread"): {"level": 4}, ("02_scale", "depth"): {"level": 2}},
                         "copper-mine", {("02_scale", "spread"): {"level": 4}, ("02_scale", "depth"): {"level": 4}}),
    "team_without_two_principals": ("valley-view", {}, "copper-mine", {}),
    "team_without_senior_leader": ("valley-view", {}, "copper-mine", {}),
    "senior_leadership_delegated": ("windy-city", {}, "copper-mine", {}),
    "senior_leader_at_a_distance": ("windy-city-without-competing-duties", {}, "windy-city", {}),
    "lead_with_competing_portfolio": ("windy-city", {}, "copper-mine", {}),
    "work_in_no_job_description": ("windy-city", {}, "copper-mine", {}),
    "spread_through_volunteers_only": (
        "copper-mine", {("07_spread", "spread_channels"): ["voluntary_informal_networks"]},
        "copper-mine", {("07_spread", "spread_channels"): ["voluntary_informal_networks", "required_walkthroughs"]}),
    "structures_for_the_work_all_voluntary": ("valley-view", {}, "center-city", {}),
    "many_initiatives_none_stopped": (
        "foothills-unified", {("05_prioritization", "initiatives"): [{"initiative": "MTSS", "decision": "Keep"}]},
        "foothills-unified", {("05_prioritization", "initiatives"): [{"initiative": "MTSS", "decision": "Pause"}]}),
    "blocking_belief_strong": (
        "copper-mine", {("05_prioritization", "belief_schools"): {"level": 1},
                        ("05_prioritization", "belief_teachers"): {"level": 3}},
        "copper-mine", {("05_prioritization", "belief_schools"): {"level": 1},
                        ("05_prioritization", "belief_teachers"): {"level": 2},
                        ("05_prioritization", "belief_priorities"): {"level": 2}}),
    "foundations_thin": (
        "copper-mine", {("03_fundamentals", "monitoring_1"): {"level": 1},
                        ("03_fundamentals", "monitoring_2"): {"level": 2},
                        ("03_fundamentals", "capacity_1"): {"level": 3}},
        "copper-mine", {("03_fundamentals", "monitoring_1"): {"level": 1},
                        ("03_fundamentals", "monitoring_2"): {"level": 3},
                        ("03_fundamentals", "capacity_1"): {"level": 2}}),
    "not_yet_safe_to_fail": (
        "copper-mine", {("01_approach", "safe_to_fail"): {"level": 1}},
        "copper-mine", {("01_approach", "safe_to_fail"): {"level": 2}}),
    "information_stuck": (
        "copper-mine", {("08_monitoring", "info_flow"): {"level": 1}},
        "copper-mine", {("08_monitoring", "info_flow"): {"level": 3}}),
    "pilot_only_early_adopters": (
        "copper-mine", {("06_pilot", "pilot_plan"): [{"who": "A", "profile": "Early adopter"},
                                                    {"who": "B", "profile": "Newer teacher"}]},
        "copper-mine", {("06_pilot", "pilot_plan"): [{"who": "A", "profile": "Early adopter"},
                                                    {"who": "B", "profile": "Respected veteran"}]}),
    "members_missing_meetings": (
        "copper-mine", {("00_team", "roster_table"): [{"name": n, "attends_monthly": "No"} for n in "ABC"]},
        "copper-mine", {("00_team", "roster_table"): [{"name": n, "attends_monthly": a}
                                                      for n, a in zip("ABC", ("No", "No", "Yes"), strict=True)]}),
    "inventory_without_a_stop": (
        "copper-mine", {("05_prioritization", "initiatives"): [{"initiative": f"I{n}", "decision": "Keep"}
                                                              for n in range(4)]},
        "copper-mine", {("05_prioritization", "initiatives"): [{"initiative": f"I{n}", "decision": "Keep"}
                                                              for n in range(3)] + [{"initiative": "X",
                                                                                    "decision": "Stop"}]}),
    "nothing_repurposed": (
        "copper-mine", {("04_system_inventory", "repurpose_first"): []},
        "copper-mine", {("04_system_inventory", "repurpose_first"): ["meetings"]}),
    "redundant_assessments_unaddressed": (
        "copper-mine", {("04_system_inventory", "assessment_inventory"): [{"gap_or_redundancy": "Redundancy"}]},
        "copper-mine", {("04_system_inventory", "assessment_inventory"): [{"gap_or_redundancy": "Redundancy"}],
                        ("05_prioritization", "overlaps"): "We drop the fall screener."}),
    "time_not_identified": (
        "copper-mine", {("04_system_inventory", "time_calendar"): []},
        "copper-mine", {("04_system_inventory", "time_calendar"): [{"kind": "PD day"}]}),
    "counting_not_quality": (
        "copper-mine", {("08_monitoring", "implementation_measures"): [{"kind": "Quantity"}]},
        "copper-mine", {("08_monitoring", "implementation_measures"): [{"kind": "Quantity"},
                                                                       {"kind": "Quality – ownership"}]}),
    "walkthroughs_for_compliance": (
        "copper-mine", {("08_monitoring", "walkthrough_purpose"): "compliance"},
        "copper-mine", {("08_monitoring", "walkthrough_purpose"): "learning"}),
    "pilot_decisions_open": (
        "copper-mine", {("06_pilot", "decision_log"): [{"practice": "number talks", "evidence": "exit tasks",
                                                       "decision": ""}]},
        "copper-mine", {("06_pilot", "decision_log"): [{"practice": "number talks", "evidence": "exit tasks",
                                                       "decision": "Adapt"},
                                                      {"practice": "math talk", "decision": ""}]}),  # no evidence yet
    "loose_tight_undefined": (
        "copper-mine", {("07_spread", "crowded_months"): "May"},
        "copper-mine", {("07_spread", "loose_tight"): [{"practice": "number talks",
                                                        "setting": "Tight (everyone implements)"}]}),
}


# tested above, over several convenings
YEAR_RULES = {"stuck_with_early_adopters", "stuck_at_stage_3_without_the_district", "spread_target_beyond_the_arc",
              "district_structures_not_carrying_the_work", "leadership_turnover"}


def test_every_rule_has_a_firing_and_a_quiet_case():
    assert {r.id for r in load_rules()} == set(CASES) | YEAR_RULES


def variant(district_id: str):
    """A sample district, or a variant of one named `<id>-without-competing-duties` (its lead's duties cleared)."""
    base, _, change = district_id.partition("-without-")
    base = base if change else district_id
    district = find_district(COHORT, base)
    if change == "competing-duties":
        team = [m.model_copy(update={"competing_duties": False}) for m in district.team]
        district = district.model_copy(update={"team": team})
    return district


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_and_stays_quiet(rule_id, tmp_path):
    for case, should_fire in ((CASES[rule_id][:2], True), (CASES[rule_id][2:], False)):
        district_id, answers = case
        district = variant(district_id)
        store = Store(f"sqlite:///{tmp_path / f'{should_fire}.db'}")
        for (module, item), value in answers.items():
            store.save(district.id, A, module, item, value)
        found = {f.rule.id for f in diagnose(store, district, A)}
        assert (rule_id in found) is should_fire, (rule_id, district_id, answers)
        store.close()


def test_sample_answers_reproduce_each_districts_story(store):
    from kit.sample_answers import load_answers

    assert load_answers(COHORT / "_sample_answers.yaml", store) > 100
    assert load_answers(COHORT / "_sample_answers.yaml", store) == 0  # loading twice adds nothing
    assert [c.number for c in store.convenings("sample_districts")] == [1, 2, 3]
    assert {collaboration_year(store, c) for c in "123"} == {1}  # the sample is year 1
    for convening in ("1", "2", "3"):  # the brief's risks hold across the year
        assert "many_initiatives_none_stopped" in fired(store, "foothills-unified", convening)
        assert "senior_leadership_delegated" in fired(store, "windy-city", convening)
        assert "structures_for_the_work_all_voluntary" in fired(store, "valley-view", convening)
        for quiet in ("copper-mine", "center-city"):
            assert not risks(store, quiet, convening), (quiet, convening)
        for district in ("copper-mine", "center-city", "windy-city", "valley-view", "sequoia-grove",
                         "foothills-unified"):  # year 1: piloting is the plan, not a risk
            assert not {"stuck_with_early_adopters", "spread_target_beyond_the_arc"} & fired(store, district, convening)
    # Valley View's spread plan (convening 3, when the run of show reaches 07) leans on volunteers only.
    assert "spread_through_volunteers_only" in fired(store, "valley-view", "3")
    # Nobody reaches stage 5, or depth 4, in year 1; nobody passes stage 2.
    for convening in ("1", "2", "3"):
        for district in ("copper-mine", "center-city", "windy-city", "valley-view", "sequoia-grove",
                         "foothills-unified"):
            answers = store.latest(district, convening, "02_scale")
            assert answers["stage"].value in ("stage_1", "stage_2"), (district, convening)
            assert all(answers[d].value["level"] <= 3 for d in ("depth", "ownership", "spread", "sustainability"))


def risks(store: Store, district: str, convening: str) -> set[str]:
    return {f.rule.id for f in diagnose(store, find_district(COHORT, district), convening) if f.rule.severity == "risk"}


def test_a_bad_answers_file_is_refused_whole(tmp_path, store):
    from kit.sample_answers import load_answers

    bad = tmp_path / "_answers.yaml"
    bad.write_text('convening: "1"\nanswers:\n  copper-mine:\n    02_scale:\n      depth: {level: 2}\n'
                   "      stage: stage_9\n", encoding="utf-8")
    with pytest.raises(InvalidFile, match="_answers.yaml:6: answers.copper-mine.02_scale.stage: value does not fit"):
        load_answers(bad, store)
    assert store.count() == 0
