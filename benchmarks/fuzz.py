"""Fuzz the district and module loaders: --examples generated files per strategy through the kit's loaders.

Strategies are in tests/fuzzing.py (mutated sample districts, mutated modules, shapeless text and
bytes). Each file goes through kit.districts / kit.content and `kit validate`'s code; it must
load or be refused with problems that name the file. Prints, per strategy, how many examples
were valid, invalid with a clear error, and crashes (anything else raised, or a hang), and the
slowest example. Exit status 1 if anything crashed.

    .venv/bin/python benchmarks/fuzz.py [--examples 1000] [--strategies district,module,raw]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzzing import STRATEGIES, Case, check  # noqa: E402


def run(name: str, examples: int, huge: int) -> tuple[Counter[str], float, Case | None, list[str]]:
    counts: Counter[str] = Counter()
    crashes: list[str] = []
    slowest: tuple[float, Case | None] = (0.0, None)

    strategy = STRATEGIES[name]() if name == "raw" else STRATEGIES[name](huge)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(case: Case) -> None:
        nonlocal slowest
        started = time.perf_counter()
        try:
            counts[check(case)] += 1
        except Exception as exc:  # noqa: BLE001 - a crash is the figure being counted
            counts["crash"] += 1
            crashes.append(f"{case!r}: {type(exc).__name__}: {str(exc)[:300]}")
        seconds = time.perf_counter() - started
        if seconds > slowest[0]:
            slowest = (seconds, case)

    one()
    return counts, slowest[0], slowest[1], crashes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="examples per strategy")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--huge", type=int, default=1_100_000, help="longest generated string (bytes: over 1 MB)")
    args = parser.parse_args()
    total_crashes = 0
    for name in args.strategies.split(","):
        started = time.perf_counter()
        counts, slowest, slowest_case, crashes = run(name, args.examples, args.huge)
        total_crashes += counts["crash"]
        print(f"{name:9}: {sum(counts.values())} examples, {counts['valid']} valid,"
              f" {counts['invalid']} invalid with a clear error, {counts['crash']} crashes;"
              f" slowest {slowest:.2f} s ({slowest_case!r}); {time.perf_counter() - started:.0f} s in all")
        for crash in crashes[:5]:
            print(f"  {crash}")
    sys.exit(1 if total_crashes else 0)


if __name__ == "__main__":
    main()
