"""Packets: `kit packets` on each executor, and the naive loop (papermill CLI + nbconvert CLI per
district and notebook) for comparison.

All run on the same cohort: the six sample districts and --districts synthetic ones made here,
with ratings in a fresh store so every packet has its charts. Each executor in --executor runs
with --jobs workers (local: warm kernels in this process; dask: a local Dask cluster of that many
worker processes). The naive path is slow, so it runs on the first --naive N districts only
(0 skips it); seconds per district are compared.

    .venv/bin/python benchmarks/packets.py [--districts 60] [--executor local,dask] [--modules all]
                                           [--jobs 2] [--naive 2]
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
from kit.packets import EXECUTORS, Outcome, build_packets, parse_modules  # noqa: E402
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


def run_executor(executor: str, cohort: Path, out: Path, modules, jobs: int, url: str, count: int) -> float:
    """Print one executor's figures; returns its seconds per district."""
    first: list[float] = []
    started = time.perf_counter()

    def progress(_outcome: Outcome, done: int, _total: int) -> None:
        if done == 1:
            first.append(time.perf_counter() - started)

    result = build_packets(cohort, out, modules=modules, jobs=jobs, db=url, executor=executor, progress=progress)
    assert not result.failed, [o.error for o in result.failed]
    per = result.seconds / count
    sizes = [o.path.stat().st_size for o in result.outcomes if o.path]
    # After the first packet every worker is up and warm: the rate from then on is what more districts cost.
    steady = (result.seconds - first[0]) / max(count - 1, 1)
    print(f"kit packets --executor {executor:5s}: {result.seconds:7.1f} s for {count} districts"
          f" = {per:6.3f} s per district (first packet after {first[0]:5.1f} s, then {steady:6.3f} s per district);"
          f" packet size mean {statistics.mean(sizes) / 1e6:.2f} MB")
    return per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", "--synthetic", dest="districts", type=int, default=60,
                        help="synthetic districts added to the six samples")
    parser.add_argument("--executor", default="local", help="comma-separated, e.g. local,dask")
    parser.add_argument("--naive", type=int, default=2, help="districts to run the naive way (0: skip)")
    parser.add_argument("--modules", default=None, help="e.g. 02,03 (default: all ten)")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    args = parser.parse_args()
    modules = parse_modules(args.modules)
    executors = [e.strip() for e in args.executor.split(",") if e.strip()]
    if unknown := set(executors) - set(EXECUTORS):
        parser.error(f"--executor: unknown {', '.join(sorted(unknown))}; choose from {', '.join(EXECUTORS)}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ids = make_cohort(tmp / "cohort", args.districts)
        url = f"sqlite:///{tmp / 'kit.db'}"
        seed(url, ids, modules)
        env = {**os.environ, "KIT_COHORT": str(tmp / "cohort"), "KIT_DB_URL": url}
        print(f"cohort: {len(ids)} districts ({args.districts} synthetic), {len(modules)} modules"
              f" ({','.join(m.id[:2] for m in modules)}), {os.cpu_count()} cores, --jobs {args.jobs}")

        per_district = {ex: run_executor(ex, tmp / "cohort", tmp / f"out-{ex}", modules, args.jobs, url, len(ids))
                        for ex in executors}
        base = executors[0]
        for ex in executors[1:]:
            print(f"relative   : --executor {ex} takes {per_district[ex] / per_district[base]:.2f}x the seconds"
                  f" per district of --executor {base}")
        if args.naive <= 0:
            return
        kit_per = per_district[executors[0]]
        sizes = [p.stat().st_size for p in (tmp / f"out-{executors[0]}").glob("*/index.html")]
        (tmp / "naive").mkdir()
        naive_per, naive_size = naive(ids[: args.naive], modules, tmp / "naive", env)
        print(f"naive loop  : {naive_per:7.2f} s per district (over {args.naive} districts);"
              f" HTML per district {naive_size / 1e6:.2f} MB")
        print(f"speed-up    : {naive_per / kit_per:5.1f}x faster per district than --executor {executors[0]}"
              f" (floor: 20x); size: {naive_size / statistics.mean(sizes):.1f}x smaller")


if __name__ == "__main__":
    main()
