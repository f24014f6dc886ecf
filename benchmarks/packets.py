"""Packets: the naive loop (papermill CLI + nbconvert CLI per district and notebook) vs `kit packets`.

Both run on the same cohort: the six sample districts and 60 synthetic ones made here, with
ratings in a fresh store so every packet has its charts. The naive path is slow, so by default
it runs on the first --naive N districts only; seconds per district are compared.

    .venv/bin/python benchmarks/packets.py [--naive 2] [--synthetic 60] [--modules all] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit.content import RatingItem, TextItem  # noqa: E402
from kit.districts import district_files  # noqa: E402
from kit.packets import build_packets, parse_modules  # noqa: E402
from kit.store import Store  # noqa: E402


def make_cohort(folder: Path, synthetic: int) -> list[str]:
    folder.mkdir(parents=True)
    yaml = YAML()
    samples = district_files(ROOT / "sample_districts")
    ids = []
    for path in samples:
        shutil.copy(path, folder / path.name)
        ids.append(path.stem)
    for n in range(synthetic):
        data = yaml.load(samples[n % len(samples)].read_text(encoding="utf-8"))
        data["id"] = f"synthetic-{n:03d}"
        data["name"] = f"Synthetic District {n:03d}"
        with open(folder / f"synthetic-{n:03d}.yaml", "w", encoding="utf-8") as handle:
            yaml.dump(data, handle)
        ids.append(data["id"])
    return ids


def seed(url: str, ids: list[str], modules) -> None:
    rng = random.Random(7)
    store = Store(url)
    for district in ids:
        for module in modules:
            for item in module.items():
                if isinstance(item, RatingItem):
                    store.save(district, "1", module.id, item.id, {"level": rng.randint(1, 4), "evidence": "notes"})
                elif isinstance(item, TextItem):
                    store.save(district, "1", module.id, item.id, f"Answer for {district}")
    store.close()


def naive(ids: list[str], modules, work: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds per district and mean HTML bytes per district, the way people do it by hand."""
    bin_dir = Path(sys.executable).parent
    sizes = []
    started = time.perf_counter()
    for district in ids:
        size = 0
        for module in modules:
            out = work / f"{district}-{module.id}.ipynb"
            subprocess.run([str(bin_dir / "papermill"), str(ROOT / "notebooks" / f"{module.id}.ipynb"), str(out),
                            "-p", "district", district, "-p", "convening", "1", "-p", "mode", "report",
                            "--cwd", str(ROOT / "notebooks")],
                           check=True, env=env, capture_output=True)
            subprocess.run([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
                           check=True, env=env, capture_output=True)
            size += out.with_suffix(".html").stat().st_size
        sizes.append(size)
    return (time.perf_counter() - started) / len(ids), statistics.mean(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive", type=int, default=2, help="districts to run the naive way")
    parser.add_argument("--synthetic", type=int, default=60)
    parser.add_argument("--modules", default=None, help="e.g. 02,03 (default: all ten)")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    args = parser.parse_args()
    modules = parse_modules(args.modules)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ids = make_cohort(tmp / "cohort", args.synthetic)
        url = f"sqlite:///{tmp / 'kit.db'}"
        seed(url, ids, modules)
        env = {**os.environ, "KIT_COHORT": str(tmp / "cohort"), "KIT_DB_URL": url}
        print(f"cohort: {len(ids)} districts ({args.synthetic} synthetic), {len(modules)} modules, "
              f"{os.cpu_count()} cores, kit packets --jobs {args.jobs}")

        result = build_packets(tmp / "cohort", tmp / "out", modules=modules, jobs=args.jobs, db=url)
        assert not result.failed, [o.error for o in result.failed]
        kit_per = result.seconds / len(ids)
        sizes = [o.path.stat().st_size for o in result.outcomes if o.path]
        print(f"kit packets : {result.seconds:7.1f} s for {len(ids)} districts = {kit_per:6.3f} s per district;"
              f" packet size mean {statistics.mean(sizes) / 1e6:.2f} MB, max {max(sizes) / 1e6:.2f} MB")

        (tmp / "naive").mkdir()
        naive_per, naive_size = naive(ids[: args.naive], modules, tmp / "naive", env)
        print(f"naive loop  : {naive_per:7.2f} s per district (over {args.naive} districts);"
              f" HTML per district {naive_size / 1e6:.2f} MB")
        print(f"speed-up    : {naive_per / kit_per:5.1f}x faster per district (floor: 20x);"
              f" size: {naive_size / statistics.mean(sizes):.1f}x smaller")


if __name__ == "__main__":
    main()
