"""Never lose an answer: many writers saving at once, and writers killed in the middle of a save.

Load: --writers writers (processes, like one kernel per open worksheet, then threads) each make
--saves saves through kit.store.Store on one temporary SQLite file, several writers on the same
items so version numbers and `based_on` conflicts are contended. A save made from a version
another writer has since replaced is acknowledged as a *conflict* (kept in the history, not
applied); the figures count applied and conflict saves apart. Crash: a writer process prints an
ack line after every save that returned; it is SIGKILLed at --kills random points of that stream
and restarted each time. Both then read the database back: every acknowledged save must be there
with the value, version and status (saved or conflict) its writer was told (a save cut off by the
kill may or may not be), and `PRAGMA integrity_check` must pass. Exit status 1 otherwise, or if
any save raised an error.

--synchronous FULL,NORMAL runs the load once per SQLite synchronous setting, plus --serial saves
in a row by one writer (where the cost of syncing each commit shows most plainly).

    .venv/bin/python benchmarks/load.py [--writers 50] [--saves 200] [--kills 5] [--crash-saves 2000]
        [--synchronous FULL,NORMAL] [--serial 500] [--rounds 5] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit.store import Conflict, Store, responses, sqlite_synchronous  # noqa: E402

MODULE = "03_fundamentals"
DISTRICTS = 10  # writers n and n + 10 share a district, so five writers share its items
ITEMS = 20
CRASH_CLIENT = "crash-writer"


@dataclass
class Tally:
    """What the writers were told, against what the database holds afterwards."""

    attempted: int = 0
    # (writer, seq) whose save returned → (item, version, status) the writer was told
    acknowledged: dict[tuple[int, int], tuple[str, int, str]] = field(default_factory=dict)
    # (writer, seq) in the database → (item, version, status) stored
    found: dict[tuple[int, int], tuple[str, int, str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    integrity: bool = False
    gapless: bool = False
    kills: int = 0

    @property
    def lost(self) -> set[tuple[int, int]]:
        return set(self.acknowledged) - set(self.found)

    @property
    def differ(self) -> set[tuple[int, int]]:
        """Acknowledged saves stored with another item, version or status than the writer was told."""
        return {key for key, told in self.acknowledged.items() if key in self.found and self.found[key] != told}

    def acked(self, status: str) -> int:
        return sum(1 for _item, _version, told in self.acknowledged.values() if told == status)

    @property
    def ok(self) -> bool:
        return not self.lost and not self.differ and not self.errors and self.integrity and self.gapless

    def line(self) -> str:
        matching = len(set(self.acknowledged) & set(self.found)) - len(self.differ)
        counts = (f"{self.attempted} attempted, {len(self.acknowledged)} acknowledged"
                  f" ({self.acked('saved')} applied, {self.acked('conflict')} kept as conflicts),"
                  f" {matching} found as acknowledged (value, version, status), {len(self.differ)} differ,"
                  f" {len(self.lost)} lost")
        extra = []
        if self.latencies:
            p50, p95, slowest = (percentile(self.latencies, pct) * 1000 for pct in (50, 95, 100))
            extra.append(f"save p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {slowest:.0f} ms")
        extra.append(f"{len(self.errors)} errors")
        extra.append(f"integrity_check {'ok' if self.integrity else 'FAILED'}")
        extra.append(f"versions {'gapless' if self.gapless else 'HAVE GAPS'}")
        return f"{counts}; " + "; ".join(extra)


def percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def write(url: str, writer: int, saves: int, barrier: Any, results: Any) -> None:
    """One writer: `saves` saves, each based on the version it last saw, as a worksheet does."""
    store = Store(url, create=False)
    acked: list[tuple[int, str, int, str]] = []
    latencies: list[float] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    barrier.wait(timeout=300)
    for seq in range(saves):
        item = f"item{(writer + seq) % ITEMS}"
        started = time.perf_counter()
        try:
            answer = store.save(f"district-{writer % DISTRICTS}", "1", MODULE, item,
                                {"writer": writer, "seq": seq}, client=f"writer-{writer}", based_on=seen.get(item, 0))
            seen[item] = answer.version
        except Conflict as exc:  # kept in the history and reported: acknowledged as a conflict
            seen[item] = exc.latest.version
            answer = exc.mine
        except Exception as exc:  # noqa: BLE001 - an unacknowledged save is the figure being measured
            errors.append(f"writer {writer} save {seq}: {exc!r}")
            continue
        latencies.append(time.perf_counter() - started)
        acked.append((seq, item, answer.version, answer.status))
    store.close()
    results.put((writer, acked, latencies, errors))


def count(url: str, tally: Tally) -> Tally:
    """Fill in what the database holds, its integrity check, and whether any item skipped a version."""
    store = Store(url, create=False)
    with store.engine.connect() as conn:
        rows = conn.execute(select(responses.c.value, responses.c.item, responses.c.version, responses.c.status))
        for value, item, version, status in rows:
            saved = json.loads(value)
            tally.found[(saved["writer"], saved["seq"])] = (item, version, status)
        per_item = select(func.count(), func.max(responses.c.version)).group_by(
            responses.c.district, responses.c.convening, responses.c.module, responses.c.item)
        tally.gapless = all(n == top for n, top in conn.execute(per_item))
    tally.integrity = store.integrity_ok()
    store.close()
    return tally


def load_run(url: str, writers: int, saves: int, mode: str) -> Tally:
    """All writers start together (a barrier) and save as fast as they can."""
    Store(url).close()
    if mode == "processes":
        context = multiprocessing.get_context("spawn")  # a fresh interpreter per writer, like a kernel
        barrier, results = context.Barrier(writers), context.Queue()
        workers: list[Any] = [context.Process(target=write, args=(url, n, saves, barrier, results))
                              for n in range(writers)]
    else:
        barrier, results = threading.Barrier(writers), queue.Queue()
        workers = [threading.Thread(target=write, args=(url, n, saves, barrier, results)) for n in range(writers)]
    for worker in workers:
        worker.start()
    tally = Tally(attempted=writers * saves)
    for _ in workers:
        try:
            writer, acked, latencies, errors = results.get(timeout=600)
        except queue.Empty:
            tally.errors.append("a writer never reported back")
            break
        tally.acknowledged.update({(writer, seq): (item, version, status) for seq, item, version, status in acked})
        tally.latencies += latencies
        tally.errors += errors
    for worker in workers:
        worker.join()
    return count(url, tally)


def crash_writer(url: str, start: int, saves: int) -> None:
    """The child of the crash run: `try N` before each save, `ack N ITEM VERSION STATUS` once it returned."""
    store = Store(url, create=False)
    for seq in range(start, start + saves):
        print(f"try {seq}", flush=True)
        item = f"item{seq % ITEMS}"
        answer = store.save("crash-district", "1", MODULE, item, {"writer": -1, "seq": seq}, client=CRASH_CLIENT)
        print(f"ack {seq} {item} {answer.version} {answer.status}", flush=True)
    store.close()


def crash_run(url: str, kills: int, saves: int, seed: int = 7) -> Tally:
    """SIGKILL a saving writer after a random number of acks, `kills` times, then let one finish.

    Every ack line the child wrote before it died counts as acknowledged, including lines still
    in the pipe when the kill landed, so the count is exactly what a person would have been shown.
    """
    rng = random.Random(seed)
    Store(url).close()
    kill_points = sorted(rng.sample(range(1, saves), kills))  # cumulative acks at which to kill
    tally = Tally()
    attempted: set[int] = set()
    next_seq = 0
    for kill_at in [*kill_points, None]:
        with tempfile.TemporaryFile() as stderr:
            child = subprocess.Popen(
                [sys.executable, __file__, "--crash-child", url, "--start", str(next_seq),
                 "--saves", str(saves - len(tally.acknowledged))],
                stdout=subprocess.PIPE, stderr=stderr, text=True,
            )
            assert child.stdout is not None
            killed = False
            for line in child.stdout:
                word, number, *told = line.split()
                seq = int(number)
                if word == "try":
                    attempted.add(seq)
                    next_seq = seq + 1
                else:
                    tally.acknowledged[(-1, seq)] = (told[0], int(told[1]), told[2])
                if not killed and kill_at is not None and len(tally.acknowledged) >= kill_at:
                    time.sleep(rng.random() * 0.004)  # land the kill anywhere inside the next save
                    child.send_signal(signal.SIGKILL)
                    killed = True  # keep reading: acks already in the pipe were shown
            child.wait()
            if child.returncode == -signal.SIGKILL:
                tally.kills += 1
            elif child.returncode != 0:
                stderr.seek(0)
                tally.errors.append(f"writer exited {child.returncode}: {stderr.read().decode()[-500:]}")
    tally.attempted = len(attempted)
    return count(url, tally)


def serial_run(url: str, saves: int) -> float:
    """Seconds per save for one writer saving `saves` answers in a row (each its own commit)."""
    store = Store(url)
    started = time.perf_counter()
    for seq in range(saves):
        store.save("serial-district", "1", MODULE, f"item{seq % ITEMS}", {"writer": -2, "seq": seq}, client="serial")
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed / saves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=50, help="concurrent writers in the load run")
    parser.add_argument("--saves", type=int, default=200, help="saves per writer in the load run")
    parser.add_argument("--modes", default="processes,threads", help="load run writers: processes, threads or both")
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs in the crash run (0 skips it)")
    parser.add_argument("--crash-saves", type=int, default=2000, help="acknowledged saves across the crash run")
    parser.add_argument("--synchronous", default="",
                        help="SQLite synchronous settings to compare, e.g. FULL,NORMAL [default: the store's]")
    parser.add_argument("--serial", type=int, default=500, help="saves in a row by one writer (0 skips it)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of the --serial run")
    parser.add_argument("--dir", type=Path, default=None,
                        help="folder for the databases [default: a temporary one]; fsync costs what its disk costs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--crash-child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.crash_child:
        crash_writer(args.crash_child, args.start, args.saves)
        return

    ok = True
    settings = [s.strip().upper() for s in args.synchronous.split(",") if s.strip()] or [sqlite_synchronous()]
    if args.dir:
        args.dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        if args.serial:  # the settings take turns, round by round, so a busy spell of the machine hits both
            per: dict[str, list[float]] = {setting: [] for setting in settings}
            for rounds in range(args.rounds):
                for setting in settings:
                    os.environ["KIT_SQLITE_SYNCHRONOUS"] = setting
                    url = f"sqlite:///{Path(tmp) / f'serial-{setting}-{rounds}.db'}"
                    per[setting].append(serial_run(url, args.serial) * 1000)
            for setting, each in per.items():
                print(f"synchronous={setting}: one writer, {args.serial} saves in a row, median of {args.rounds}"
                      f" alternating rounds: {percentile(each, 50):.2f} ms per save"
                      f" (rounds: {', '.join(f'{ms:.2f}' for ms in each)})")
        for setting in settings:
            os.environ["KIT_SQLITE_SYNCHRONOUS"] = setting  # read by every connection, here and in the writers
            for mode in filter(None, args.modes.split(",")):
                started = time.perf_counter()
                tally = load_run(f"sqlite:///{Path(tmp) / f'{mode}-{setting}.db'}", args.writers, args.saves, mode)
                print(f"synchronous={setting}: load, {args.writers} {mode} x {args.saves} saves"
                      f" ({time.perf_counter() - started:.1f} s): {tally.line()}")
                for error in tally.errors[:5]:
                    print(f"  {error}")
                ok &= tally.ok
        if args.kills:
            os.environ["KIT_SQLITE_SYNCHRONOUS"] = settings[0]
            started = time.perf_counter()
            tally = crash_run(f"sqlite:///{Path(tmp) / 'crash.db'}", args.kills, args.crash_saves, args.seed)
            cut_off = tally.attempted - len(tally.acknowledged)
            print(f"crash (synchronous={settings[0]}), {tally.kills} SIGKILLs of a saving writer"
                  f" ({time.perf_counter() - started:.0f} s): {tally.line()}; saves cut off by a kill: {cut_off},"
                  f" of which committed anyway: {len(set(tally.found) - set(tally.acknowledged))}")
            for error in tally.errors[:5]:
                print(f"  {error}")
            ok &= tally.ok and tally.kills == args.kills
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
