"""Packets in chromium: charts drawn offline, hostile names shown as text, a PDF printed beside the packet
with every chart of the HTML."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from click.testing import CliRunner

from kit.cli import main
from kit.packets import build_packets, parse_modules
from kit.printing import TEXT_WIDTH
from kit.sample_answers import load_answers
from kit.store import Store
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


def pdf_images(pdf) -> list[tuple[int, int, float]]:
    """(page, width, width in inches) of each image in a PDF, by poppler's `pdfimages -list`."""
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    return [(int(r[0]), int(r[3]), int(r[3]) / float(r[12])) for r in rows if r[2] == "image"]


def content_ends(pdf) -> list[float]:
    """How far down each page of a PDF its content reaches, as a share of the page's height."""
    from PIL import Image

    with TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", "20", "-gray", str(pdf), f"{folder}/page"], check=True)
        ends = []
        for page in sorted(Path(folder).glob("page-*.pgm")):
            image = Image.open(page)
            width, height = image.size
            pixels = image.load()
            inked = [y for y in range(height) if any(pixels[x, y] < 235 for x in range(width))]
            ends.append(max(inked, default=0) / height)
    return ends


def sample_packet(tmp_path: Path, modules: str = "", pdf: bool = False) -> Path:
    """Copper Mine's packet at the sample year's last convening, from the sample answers; its HTML's path."""
    folder = tmp_path / "sample_districts"  # the sample cohort's name: its convenings are filed under it
    folder.mkdir()
    shutil.copy(ROOT / "sample_districts" / "copper-mine.yaml", folder)
    url = f"sqlite:///{tmp_path / 'kit.db'}"
    store = Store(url)
    load_answers(ROOT / "sample_districts" / "_sample_answers.yaml", store)
    store.close()
    result = build_packets(folder, tmp_path / "out", modules=parse_modules(modules), db=url, jobs=1, pdf=pdf)
    assert not result.failed, [o.error for o in result.failed]
    return tmp_path / "out" / "copper-mine" / "index.html"


def test_the_pdf_keeps_every_chart_of_the_packet(tmp_path):
    """Copper Mine with the sample answers: each chart the HTML draws is one picture in the PDF, as wide as
    the page's text at most (no legend cut off), and no page but the last is left almost empty."""
    html = sample_packet(tmp_path, "00,01,02,03", pdf=True).read_text(encoding="utf-8")
    charts = len(re.findall(r"data-root-id=", html))
    assert charts >= 3  # at convening 3: 02's four dimensions, and its stage and dimensions across convenings
    images = pdf_images(tmp_path / "out" / "copper-mine" / "index.pdf")
    assert len(images) == charts
    assert all(inches <= TEXT_WIDTH / 96 + 0.01 for _, _, inches in images), images
    ends = content_ends(tmp_path / "out" / "copper-mine" / "index.pdf")
    assert [n + 1 for n, end in enumerate(ends[:-1]) if end < 0.3] == [], ends
