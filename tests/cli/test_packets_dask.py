"""`kit packets --executor dask`: the same packets as the local executor, failures isolated the same way."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kit.cli import main
from kit.packets import build_packets, parse_modules
from tests.cli.test_packets import cohort, probe_notebooks, seed_ratings
from tests.conftest import ROOT

TWO = ["copper-mine", "windy-city"]
# What legitimately differs between two runs: Bokeh's random document and element ids, the minute written.
VOLATILE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "UUID"),
    (re.compile(r"generated \d\d \w{3} \d{4} \d\d:\d\d UTC"), "generated WHEN"),
]


def normalised(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded Dask workers in this process, reached over TCP like a remote scheduler."""
    from kit.dask_packets import local_cluster

    with local_cluster(2, processes=False) as local:
        yield local


def test_dask_writes_the_same_packets_as_the_local_executor(tmp_path, cluster):
    folder = tmp_path / "cohort"
    folder.mkdir()
    for district_id in TWO:
        shutil.copy(ROOT / "sample_districts" / f"{district_id}.yaml", folder)
    url = f"sqlite:///{tmp_path / 'kit.db'}"
    seed_ratings(url, TWO)
    modules = parse_modules("00,02,03")
    local = build_packets(folder, tmp_path / "local", modules=modules, jobs=2, db=url)
    seen = []
    on_dask = build_packets(folder, tmp_path / "dask", modules=modules, db=url, executor="dask",
                            scheduler=cluster.scheduler_address, progress=lambda o, done, total: seen.append(done))
    assert [o.error for o in local.outcomes + on_dask.outcomes if not o.ok] == []
    assert seen == [1, 2]
    for page in [*(f"{d}/index.html" for d in TWO), "index.html"]:
        expected = normalised(tmp_path / "local" / page)
        assert normalised(tmp_path / "dask" / page) == expected, page
    charts = (tmp_path / "dask" / "copper-mine" / "index.html").read_text(encoding="utf-8")
    assert charts.count("Bokeh.safely") >= 2 and "Risks to scale (" in charts
    from kit import dask_packets

    assert dask_packets._kernels == {}  # the workers' warm kernels were shut down at the end of the run
    assert len(cluster.workers) == 2  # but a cluster given by address is left running


def failing_notebooks(folder: Path) -> Path:
    """A module notebook that raises for the district `bad` and prints the district otherwise."""
    return probe_notebooks(folder, (
        "from IPython.display import HTML, display\n"
        "if district == 'bad':\n    raise ValueError('this district breaks the notebook')\n"
        "display(HTML(f\"<p class='probe'>{district}</p>\"))\n"
    ))


def test_a_district_that_breaks_on_a_worker_is_reported_and_the_rest_written(tmp_path, cluster):
    nb_dir = failing_notebooks(tmp_path / "notebooks")
    folder = cohort(tmp_path, {"first": "First", "bad": "Bad", "last": "Last"})
    result = build_packets(folder, tmp_path / "out", modules=parse_modules("00"), nb_dir=nb_dir, executor="dask",
                           scheduler=cluster.scheduler_address, db=f"sqlite:///{tmp_path / 'none.db'}")
    assert sorted(o.district_id for o in result.outcomes if o.ok) == ["first", "last"]
    assert [(o.district_id, o.error) for o in result.failed] == [
        ("bad", "ValueError: this district breaks the notebook")]
    for slug in ("first", "last"):
        assert f"<p class='probe'>{slug}</p>" in (tmp_path / "out" / slug / "index.html").read_text(encoding="utf-8")
    assert not (tmp_path / "out" / "bad").exists()
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Not written: ValueError: this district breaks the notebook" in index
    assert [p.name for p in (tmp_path / "out").rglob(".*")] == []


def test_cli_on_a_local_dask_cluster_reports_a_broken_file_and_exits_1(tmp_path):
    folder = cohort(tmp_path, {"plain": "Plain Town"})
    (folder / "broken.yaml").write_text("schema_version: 1\nid: broken\nname: [\n", encoding="utf-8")
    result = CliRunner().invoke(main, [
        "packets", "--cohort", str(folder), "--out", str(tmp_path / "out"), "--modules", "00", "--executor", "dask",
        "--jobs", "2", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert result.exit_code == 1, result.output + result.stderr
    assert "Wrote 1 of 2 packets" in result.output
    assert "Error: broken: " in result.stderr and "not valid YAML" in result.stderr
    assert "Plain Town" in (tmp_path / "out" / "plain" / "index.html").read_text(encoding="utf-8")


def test_scheduler_without_dask_or_out_of_reach_is_one_clear_error(tmp_path, monkeypatch):
    import kit.dask_packets

    folder = cohort(tmp_path, {"plain": "Plain Town"})
    args = ["packets", "--cohort", str(folder), "--out", str(tmp_path / "out"), "--modules", "00"]
    wrong = CliRunner().invoke(main, [*args, "--scheduler", "tcp://127.0.0.1:1"])
    assert wrong.exit_code == 2 and "add --executor dask" in wrong.stderr
    monkeypatch.setattr(kit.dask_packets, "CONNECT_TIMEOUT", "1s")
    away = CliRunner().invoke(main, [*args, "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"])
    assert away.exit_code == 2, away.output + away.stderr
    assert away.stderr.startswith("Error: cannot reach the Dask scheduler at tcp://127.0.0.1:1")
    assert "Traceback" not in away.stderr and not (tmp_path / "out").exists()
