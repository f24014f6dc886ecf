"""`kit packets`: a packet per district, BokehJS once, failures isolated, either store, changes since last time.

In chromium (offline charts, hostile names, PDF): tests/browser/test_packets_browser.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from kit.content import RatingItem, get_module
from kit.districts import district_files
from kit.packets import build_packets, parse_modules
from kit.store import Store
from tests.conftest import ROOT

DISTRICT = """\
schema_version: 1
id: {id}
name: {name}
pseudonym: true
collaboration: p3cc-math
focus: TK–3 mathematics
grades: [TK, K, "1", "2", "3"]
"""
HOSTILE = "<script>alert(1)</script> & O'Brien"


def cohort(tmp_path: Path, districts: dict[str, str]) -> Path:
    folder = tmp_path / "cohort"
    folder.mkdir()
    for slug, name in districts.items():
        text = DISTRICT.format(id=slug, name=name.replace("'", "''").join("''"))
        (folder / f"{slug}.yaml").write_text(text, encoding="utf-8")
    return folder


def seed_ratings(url: str, districts: list[str]) -> None:
    store = Store(url)
    for n, district in enumerate(districts):
        for module_id in ("02_scale", "03_fundamentals"):
            for k, item in enumerate(i for i in get_module(module_id).items() if isinstance(i, RatingItem)):
                store.save(district, "1", module_id, item.id, {"level": 1 + (n + k) % 4, "evidence": "seen in visits"})
    store.close()


@pytest.fixture(scope="module")
def sample_packets(tmp_path_factory):
    """Packets of all ten modules for the six sample districts, with ratings in the store."""
    tmp = tmp_path_factory.mktemp("packets")
    url = f"sqlite:///{tmp / 'kit.db'}"
    ids = [p.stem for p in district_files(ROOT / "sample_districts")]
    seed_ratings(url, ids)
    result = build_packets(ROOT / "sample_districts", tmp / "out", db=url, jobs=2)
    return result, tmp / "out", ids


def test_a_packet_per_sample_district_and_an_index(sample_packets):
    result, out, ids = sample_packets
    assert [o.error for o in result.outcomes if not o.ok] == []
    assert sorted(o.district_id for o in result.outcomes) == sorted(ids)
    index = (out / "index.html").read_text(encoding="utf-8")
    for district_id in ids:
        packet = out / district_id / "index.html"
        assert packet.is_file()
        assert f"href='{district_id}/index.html'" in index
    html = (out / "copper-mine" / "index.html").read_text(encoding="utf-8")
    assert html.count("<section class='kit-module'") == 11  # ten modules and the risks to scale
    assert "Risks to scale (" in html
    assert "thinly" in html  # seeded ratings: spread 4, depth 2 for Copper Mine -> wide but shallow
    assert "from kit.notebook import" not in html and "district = " not in html  # no code cells


def test_bokehjs_is_included_once_and_packets_are_small(sample_packets):
    _, out, ids = sample_packets
    for district_id in ids:
        html = (out / district_id / "index.html").read_text(encoding="utf-8")
        assert html.count("/* BEGIN bokeh.min.js */") == 1, district_id
        assert html.count("Bokeh.safely") >= 2  # one embed script per module with charts
        assert (out / district_id / "index.html").stat().st_size < 1_500_000


def probe_notebooks(folder: Path, body: str) -> Path:
    """A folder with a stand-in module 00: the kit's parameters cell, then `body`."""
    folder.mkdir()
    params = nbformat.v4.new_code_cell('district = "a"\nconvening = "1"\nmode = "auto"',
                                       metadata={"tags": ["parameters"]})
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(body)], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, folder / "00_team.ipynb")
    return folder


def test_nothing_leaks_from_one_district_to_the_next(tmp_path):
    nb_dir = probe_notebooks(tmp_path / "notebooks", (
        "from IPython.display import HTML, display\n"
        "display(HTML(f\"<p class='probe'>{'LEAK ' + previous if 'previous' in globals() else 'clean'}</p>\"))\n"
        "previous = district\n"
    ))
    folder = cohort(tmp_path, {"one": "One", "two": "Two", "three": "Three"})
    result = build_packets(folder, tmp_path / "out", modules=parse_modules("00"), jobs=1, nb_dir=nb_dir,
                           db=f"sqlite:///{tmp_path / 'none.db'}")
    assert all(o.ok for o in result.outcomes), [o.error for o in result.outcomes]
    for slug in ("one", "two", "three"):
        html = (tmp_path / "out" / slug / "index.html").read_text(encoding="utf-8")
        assert "<p class='probe'>clean</p>" in html, slug


def test_a_failing_district_does_not_stop_the_rest_and_rerun_replaces(tmp_path):
    folder = cohort(tmp_path, {"good": "Good", "also-good": "Also Good"})
    (folder / "broken.yaml").write_text("schema_version: 1\nid: broken\nname: [\n", encoding="utf-8")
    out = tmp_path / "out"
    first = build_packets(folder, out, modules=parse_modules("00,01"), jobs=2, db=f"sqlite:///{tmp_path / 'n.db'}")
    assert sorted(o.district_id for o in first.outcomes if o.ok) == ["also-good", "good"]
    failure = next(o for o in first.outcomes if not o.ok)
    assert failure.district_id == "broken" and "broken.yaml:4: not valid YAML" in (failure.error or "")
    before = (out / "good" / "index.html").stat().st_mtime_ns
    second = build_packets(folder, out, modules=parse_modules("00,01"), jobs=1, db=f"sqlite:///{tmp_path / 'n.db'}")
    assert len(second.failed) == 1
    assert (out / "good" / "index.html").stat().st_mtime_ns > before
    leftovers = [p.name for p in out.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
    assert not (out / "broken").exists()


def test_papermill_runs_a_notebook_with_a_district_parameter(tmp_path):
    import papermill

    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "03_fundamentals.ipynb"), str(out),
                               parameters={"district": "center-city"}, cwd=str(ROOT / "notebooks"),
                               progress_bar=False)
    executed = nbformat.read(out, as_version=4)
    html = "".join(o.get("data", {}).get("text/html", "") for c in executed.cells for o in c.get("outputs", []))
    assert "Center City" in html and "03 · The four Fundamentals" in html
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)


def test_packets_read_the_answers_from_either_store(tmp_path, store_url):
    folder = cohort(tmp_path, {"plain": "Plain Town"})
    seed_ratings(store_url, ["plain"])
    ratings = [i for i in get_module("02_scale").items() if isinstance(i, RatingItem)]
    result = build_packets(folder, tmp_path / "out", modules=parse_modules("02"), jobs=1, db=store_url)
    assert not result.failed, [o.error for o in result.failed]
    assert result.outcomes[0].answered == {"02_scale": len(ratings)}
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert f"<td>{len(ratings)}/{len(get_module('02_scale').items())}</td>" in index
    html = (tmp_path / "out" / "plain" / "index.html").read_text(encoding="utf-8")
    assert "seen in visits" in html  # the kernel read the evidence from the same store


def test_a_packet_says_what_changed_since_the_last_convening(tmp_path):
    from kit.sample_answers import load_answers

    url = f"sqlite:///{tmp_path / 'kit.db'}"
    store = Store(url)
    load_answers(ROOT / "sample_districts" / "_sample_answers.yaml", store)
    store.close()
    folder = tmp_path / "sample_districts"  # the sample cohort's name, under which its convenings are stored
    folder.mkdir()
    shutil.copy(ROOT / "sample_districts" / "center-city.yaml", folder)
    result = build_packets(folder, tmp_path / "out", db=url, jobs=1, modules=[get_module("02")])
    assert not result.failed
    html = (tmp_path / "out" / "center-city" / "index.html").read_text(encoding="utf-8")
    assert "convening 3, 22 Apr 2027" in html.split("</header>")[0]  # the latest convening, by default
    since = html.split("Since convening 2, 14 Jan 2027")[1].split("</table>")[0]
    assert "Stage 1: Team pilot" in since and "Stage 2: Willing colleagues" in since
    assert html.count("data-root-id") == 3  # this convening's chart and the two trends
