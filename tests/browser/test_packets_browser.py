"""Packets in chromium: charts drawn offline, hostile names shown as text, a PDF printed beside the packet."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from kit.cli import main
from kit.packets import build_packets, parse_modules
from tests.cli.test_packets import DISTRICT, HOSTILE, cohort, seed_ratings
from tests.conftest import ROOT

pytestmark = pytest.mark.browser


def test_packets_open_offline_with_charts_drawn(tmp_path, browser):
    folder = tmp_path / "sample_districts"
    folder.mkdir()
    shutil.copy(ROOT / "sample_districts" / "copper-mine.yaml", folder)
    url = f"sqlite:///{tmp_path / 'kit.db'}"
    seed_ratings(url, ["copper-mine"])
    result = build_packets(folder, tmp_path / "out", db=url, jobs=1)
    assert not result.failed, [o.error for o in result.failed]
    context = browser.new_context(offline=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto((tmp_path / "out" / "copper-mine" / "index.html").resolve().as_uri())
    page.wait_for_selector(".kit-charts canvas", timeout=20_000)
    assert page.locator(".kit-charts canvas").count() >= 2
    assert problems == []
    context.close()


def test_hostile_names_render_as_text_and_bad_ids_are_refused(tmp_path, browser):
    folder = cohort(tmp_path, {"obrien": HOSTILE, "plain": "Plain Town"})
    (folder / "sneaky.yaml").write_text(DISTRICT.format(id="../x", name="Sneaky"), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["packets", "--cohort", str(folder), "--out", str(tmp_path / "out"),
                                  "--modules", "00", "--db", f"sqlite:///{tmp_path / 'none.db'}", "--jobs", "1"])
    assert result.exit_code == 1, result.output
    assert "sneaky" in result.stderr and "is not a safe slug" in result.stderr
    assert "Wrote 2 of 3 packets" in result.output
    assert not (tmp_path / "x").exists() and not (tmp_path / "out" / ".." / "x").exists()
    packet = tmp_path / "out" / "obrien" / "index.html"
    html = packet.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    context = browser.new_context(offline=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(packet.resolve().as_uri())
    assert page.locator("header h1").inner_text() == HOSTILE
    page.wait_for_timeout(300)
    context.close()
    assert dialogs == []


def test_pdf_is_printed_next_to_the_packet(tmp_path):
    folder = cohort(tmp_path, {"plain": "Plain Town"})
    result = build_packets(folder, tmp_path / "out", modules=parse_modules("02"), jobs=1, pdf=True,
                           db=f"sqlite:///{tmp_path / 'none.db'}")
    assert not result.failed, [o.error for o in result.failed]
    pdf = tmp_path / "out" / "plain" / "index.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5_000
