"""`kit links`: a secret link per team and one for the program manager, stable until rotated."""

from __future__ import annotations

import csv
import stat

from click.testing import CliRunner

from kit.cli import main
from kit.store import Store
from tests.conftest import ROOT

COHORT = ROOT / "sample_districts"


def run(tmp_path, *args: str):
    db = f"sqlite:///{tmp_path / 'kit.db'}"
    return CliRunner().invoke(main, ["links", "--cohort", str(COHORT), "--db", db, *args])


def read(path):
    with path.open(encoding="utf-8") as handle:
        return {row["district"]: row["link"] for row in csv.DictReader(handle)}


def test_each_team_gets_its_own_link_and_the_file_is_private(tmp_path):
    out = tmp_path / "links.csv"
    result = run(tmp_path, "--base-url", "http://10.0.0.5:8866/", "--out", str(out))
    assert result.exit_code == 0, result.output
    links = read(out)
    assert set(links) == {"program-manager", "center-city", "copper-mine", "foothills-unified", "sequoia-grove",
                          "valley-view", "windy-city"}
    assert links["windy-city"].startswith("http://10.0.0.5:8866/voila/render/workspace.ipynb?district=windy-city&token=")
    tokens = {d: link.split("token=")[1] for d, link in links.items()}
    assert len(set(tokens.values())) == len(tokens) and all(len(t) >= 20 for t in tokens.values())
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    store = Store(f"sqlite:///{tmp_path / 'kit.db'}")
    assert store.holder(tokens["windy-city"]) == ("sample_districts", "windy-city")
    assert store.holder(tokens["program-manager"]) == ("sample_districts", "")
    assert store.holder("guess") is None and store.holder("") is None


def test_links_are_stable_until_rotated(tmp_path):
    first, again = tmp_path / "a.csv", tmp_path / "b.csv"
    run(tmp_path, "--out", str(first))
    run(tmp_path, "--out", str(again))
    assert read(first) == read(again)
    run(tmp_path, "--rotate", "--out", str(again))
    rotated = read(again)
    assert all(rotated[d] != read(first)[d] for d in rotated)
    store = Store(f"sqlite:///{tmp_path / 'kit.db'}")
    assert store.holder(read(first)["windy-city"].split("token=")[1]) is None  # old links stop working


def test_serve_makes_the_links_before_voila_starts(tmp_path):
    from kit.serve import prepare

    store, _problems, token = prepare(COHORT, f"sqlite:///{tmp_path / 'kit.db'}")
    assert store.guarded() and store.holder(token) == ("sample_districts", "")


def test_one_team_link_is_rotated_by_name(tmp_path):
    first, again = tmp_path / "a.csv", tmp_path / "b.csv"
    run(tmp_path, "--out", str(first))
    result = run(tmp_path, "--rotate", "windy-city", "--out", str(again))
    assert result.exit_code == 0, result.output
    before, after = read(first), read(again)
    assert after["windy-city"] != before["windy-city"]
    assert all(after[d] == before[d] for d in before if d != "windy-city")


def test_rotating_an_unknown_district_names_the_valid_ones(tmp_path):
    result = run(tmp_path, "--rotate", "windy-citty")
    assert result.exit_code == 2
    assert "--rotate windy-citty: no such district" in result.output and "windy-city" in result.output


def test_the_terminal_shows_every_link_whole(tmp_path):
    out = tmp_path / "links.csv"
    result = run(tmp_path, "--base-url", "http://10.0.0.5:8866/", "--out", str(out))
    assert result.exit_code == 0, result.output
    printed = result.output.splitlines()
    assert "…" not in result.output
    for link in read(out).values():
        assert link in printed  # alone on its own line: nothing cut, nothing around it to copy by mistake
