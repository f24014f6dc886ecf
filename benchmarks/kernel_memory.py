"""Memory held by one open worksheet: the kernel behind a page, after the worksheet has run.

Every page a team has open holds one kernel in `kit serve`, so this is what sizes a hub's machine
(docs/deploy.md, "Capacity"). Each notebook runs in a fresh kernel on a throwaway SQLite store with
the sample cohort's synthetic year of answers; then the kernel's resident (RSS) and proportional
(PSS: shared pages split between the processes sharing them) memory are read from /proc. Linux only.

    .venv/bin/python benchmarks/kernel_memory.py [--notebooks 00_team,03_fundamentals,pm_dashboard]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = "00_team,03_fundamentals,09_reflection,home,pm_dashboard"


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return fields["Rss"], fields["Pss"]


def kernel_after(notebook: Path | None, env: dict[str, str]) -> tuple[float, float]:
    """Run `notebook` (None: an empty kernel) in a fresh kernel and measure that kernel."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4) if notebook else nbformat.v4.new_notebook()
    client = NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(ROOT)}})
    saved = dict(os.environ)
    os.environ.update(env)  # the kernel inherits the environment it is started with
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            return memory_mb(client.km.provisioner.process.pid)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default=NOTEBOOKS, help="comma-separated notebook names")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        db = f"sqlite:///{data}/kit.db"
        subprocess.run([sys.executable, "-m", "kit.cli", "load-answers", "--db", db,
                        str(ROOT / "sample_districts" / "_sample_answers.yaml")], check=True, capture_output=True)
        env = {"KIT_DB_URL": db, "KIT_COHORT": str(ROOT / "sample_districts"), "KIT_DATA": data}
        rss, pss = kernel_after(None, env)
        print(f"{'an empty kernel':<28} RSS {rss:6.0f} MB   PSS {pss:6.0f} MB")
        figures = []
        for name in args.notebooks.split(","):
            rss, pss = kernel_after(ROOT / "notebooks" / f"{name.strip()}.ipynb", env)
            figures.append((rss, pss))
            print(f"{name.strip():<28} RSS {rss:6.0f} MB   PSS {pss:6.0f} MB")
        print(f"{'median of the notebooks':<28} RSS {statistics.median(r for r, _ in figures):6.0f} MB   "
              f"PSS {statistics.median(p for _, p in figures):6.0f} MB")


if __name__ == "__main__":
    main()
