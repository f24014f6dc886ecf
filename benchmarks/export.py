"""`kit export` on a large cohort: seconds and file size for .xlsx and .csv.

The cohort is the six sample districts and N synthetic ones (made as in benchmarks/packets.py),
with every rating and text item of every module answered in a fresh store.

    .venv/bin/python benchmarks/export.py [--synthetic 60]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.packets import make_cohort, seed  # noqa: E402
from kit.content import all_modules  # noqa: E402
from kit.export import export  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ids = make_cohort(work / "cohort", args.synthetic)
        url = f"sqlite:///{work / 'kit.db'}"
        seed(url, ids, all_modules())
        for fmt in ("xlsx", "csv"):
            out = work / f"answers.{fmt}"
            started = time.perf_counter()
            done = export(work / "cohort", out, fmt, db=url)
            seconds = time.perf_counter() - started
            print(f"{fmt}: {len(done.rows)} answers of {len(ids)} districts in {seconds:.2f} s,"
                  f" {out.stat().st_size / 1_000_000:.2f} MB")


if __name__ == "__main__":
    main()
