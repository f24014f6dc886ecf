"""`kit packets --executor dask`: the notebooks of each district run on dask.distributed workers.

A task renders one district's module sections and hands them back; the client writes the
packet, the risks to scale and the index exactly as the local executor does, so a worker
needs the kit, the cohort folder and the notebooks at the same paths and a database it can
reach (PostgreSQL when the workers are other machines), but not the output folder.

Each worker thread keeps one warm kernel between tasks, as the local workers do. Kernels are
driven by one private event loop per worker process, in a thread of its own, because a Dask
task is plain synchronous code; they are shut down when the run ends.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable, Coroutine
from contextlib import suppress
from pathlib import Path
from typing import Any, TypeVar

from kit.content import Module
from kit.districts import District
from kit.errors import KitError
from kit.kernels import Job, Rendered, Worker, describe, render_modules

T = TypeVar("T")
CONNECT_TIMEOUT = "20s"  # how long to keep trying a --scheduler address before giving up

# Per worker process: the loop that drives the kernels, and the warm kernel of each worker thread,
# keyed by "<dask worker address>/<thread id>" (with processes=False several workers share a process).
_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()
_kernels: dict[str, tuple[dict[str, str], Worker]] = {}


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on this process's kernel loop and wait for it.

    Not jupyter_core's `run_sync`, whose loop is per thread: a worker's warm kernels outlive each
    task, and `close_kernels` stops them from another thread, so they all live on one loop.
    """
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="kit-kernels", daemon=True).start()
    return asyncio.run_coroutine_threadsafe(coroutine, _loop).result()


async def _warm_kernel(key: str, kit_env: dict[str, str]) -> Worker:
    """This thread's kernel, started on first use; a run with another cohort or database gets a fresh one."""
    cached = _kernels.get(key)
    if cached and cached[0] == kit_env:
        return cached[1]
    if cached:
        del _kernels[key]
        await cached[1].stop()
    worker = Worker({**os.environ, **kit_env})
    await worker.start()
    _kernels[key] = (kit_env, worker)
    return worker


def render_task(district: District, modules: list[Module], convening: str, nb_dir: str,
                kit_env: dict[str, str]) -> Rendered:
    """The Dask task: one district's module sections, or the reason it failed (never raised)."""
    from distributed import get_worker

    key = f"{get_worker().address}/{threading.get_ident()}"
    started = time.perf_counter()

    async def render() -> list[Any]:
        worker = await _warm_kernel(key, kit_env)
        return await render_modules(worker, district, modules, convening, Path(nb_dir))

    try:
        fragments = _run(render())
    except Exception as exc:  # noqa: BLE001 - one district's failure must not stop the others
        return Rendered(district.id, error=describe(exc), seconds=time.perf_counter() - started)
    return Rendered(district.id, fragments, seconds=time.perf_counter() - started)


def close_kernels(dask_worker: Any) -> int:
    """Shut down the warm kernels of one Dask worker (run on each through Client.run); returns how many."""
    mine = [key for key in _kernels if key.startswith(f"{dask_worker.address}/")]

    async def stop() -> None:
        for key in mine:
            _, worker = _kernels.pop(key)
            await worker.stop()

    if mine:
        _run(stop())
    return len(mine)


def _connect(workers: int, scheduler: str | None) -> tuple[Any, Any]:
    """A client of the scheduler at `scheduler`, or of a new local cluster of `workers` processes."""
    from distributed import Client

    if scheduler:
        try:
            return Client(scheduler, timeout=CONNECT_TIMEOUT), None
        except (OSError, TimeoutError) as exc:
            raise KitError(f"cannot reach the Dask scheduler at {scheduler} ({exc}) — check --scheduler, e.g."
                           " tcp://10.0.0.5:8786, and that `dask scheduler` is running there") from None
    cluster = local_cluster(workers)
    return Client(cluster), cluster


def local_cluster(workers: int, processes: bool = True) -> Any:
    """Single-threaded workers on this machine, over TCP on the loopback only, without the dashboard.

    Dask's own log stays quiet: a failing district is reported by the kit, and closing a cluster
    can log a heartbeat that raced the scheduler's exit as an error.
    """
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes, protocol="tcp://",
                        host="127.0.0.1", dashboard_address=None,
                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, silence_logs=logging.CRITICAL)


def render_on_dask(queue: list[Job], modules: list[Module], convening: str, nb_dir: Path, kit_env: dict[str, str],
                   finish: Callable[[Job, Rendered], None], workers: int = 2, scheduler: str | None = None) -> None:
    """Render every job on Dask workers; `finish` gets each result in this process as it arrives."""
    from distributed import as_completed

    client, cluster = _connect(workers, scheduler)
    try:
        shared_modules = client.scatter(modules, broadcast=True)  # sent once per worker, not once per task
        futures = {
            client.submit(render_task, job.district, shared_modules, convening, str(nb_dir), kit_env,
                          key=f"kit-packet-{job.district.id}-{os.getpid()}-{time.time_ns()}", pure=False): job
            for job in queue
        }
        for future in as_completed(futures):
            job = futures[future]
            try:
                rendered = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. the worker died: report it, keep the rest
                rendered = Rendered(job.district.id, error=f"the Dask worker failed: {describe(exc)}")
            finish(job, rendered)
    finally:
        # A worker that cannot be reached any more takes its kernels with it (a kernel exits with its parent).
        with suppress(Exception):
            client.run(close_kernels)
        client.close()
        if cluster is not None:
            cluster.close()
