"""Running the kit's notebooks for a district on a warm kernel: what packets need from a kernel,
wherever it runs (this process, or a Dask worker: kit.dask_packets)."""

from __future__ import annotations

import subprocess
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from markupsafe import Markup

from kit.content import Module
from kit.districts import District
from kit.errors import KitError

RESET = 'get_ipython().run_line_magic("reset", "-f")'

@dataclass
class Job:
    district: District
    modules: list[Module]


def parameterized(notebook: Path, params: dict[str, Any]) -> Any:
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(notebook))  # papermill's own reader: adds the metadata it relies on
    nb = parameterize_notebook(nb, params)
    nb.cells.insert(0, nbformat.v4.new_code_cell(RESET, metadata={"tags": ["kit-reset"]}))
    return nb


def html_outputs(nb: Any) -> str:
    """The HTML the notebook displayed, without code cells."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code" or set(cell.metadata.get("tags", [])) & {"parameters", "injected-parameters",
                                                                             "kit-reset"}:
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                parts.append(data["text/html"])
            elif output.get("output_type") == "execute_result" and "text/plain" in data:
                parts.append(Markup("<pre>{}</pre>").format(data["text/plain"]))
    return "\n".join(parts)


class Worker:
    """One warm kernel that executes notebooks one after another."""

    def __init__(self, env: dict[str, str], timeout: int = 120):
        from jupyter_client.manager import AsyncKernelManager

        self.km = AsyncKernelManager(kernel_name="python3")
        self.env = env
        self.timeout = timeout

    async def start(self, attempts: int = 3) -> None:
        """Start the kernel; retried, because a kernel can die at birth on a busy machine (e.g. a port
        taken between being chosen and being bound by a kernel started at the same moment)."""
        from jupyter_client.manager import AsyncKernelManager

        problem: BaseException | None = None
        for _ in range(attempts):
            try:
                await self.km.start_kernel(env=self.env, stderr=subprocess.DEVNULL)
                self.kc = self.km.client()
                self.kc.start_channels()
                await self.kc.wait_for_ready(timeout=120)
                return
            except (RuntimeError, TimeoutError) as exc:
                problem = exc
                with suppress(Exception):
                    self.kc.stop_channels()
                with suppress(Exception):
                    await self.km.shutdown_kernel(now=True)
                self.km = AsyncKernelManager(kernel_name="python3")
        raise KitError(f"could not start a kernel for the packets ({problem}) — try again, or with --jobs 1")

    async def run(self, nb: Any, cwd: Path) -> Any:
        from nbclient import NotebookClient

        if not await self.km.is_alive():  # a notebook crashed the kernel: start a fresh one
            self.kc.stop_channels()
            await self.km.restart_kernel(now=True)
            self.kc = self.km.client()
            self.kc.start_channels()
            await self.kc.wait_for_ready(timeout=120)
        client = NotebookClient(nb, km=self.km, timeout=self.timeout, allow_errors=False,
                                resources={"metadata": {"path": str(cwd)}})
        client.kc = self.kc  # reuse the warm kernel and its channels; nbclient leaves both running
        await client.async_execute(cleanup_kc=False)
        return nb

    async def stop(self) -> None:
        self.kc.stop_channels()
        await self.km.shutdown_kernel(now=True)


def describe(exc: BaseException) -> str:
    """One line for a failed district: a cell's error as "ErrorName: message", the kit's own as written."""
    from nbclient.exceptions import CellExecutionError

    if isinstance(exc, CellExecutionError):
        return f"{exc.ename}: {exc.evalue}"[:300]
    if isinstance(exc, KitError):
        return str(exc)[:300]
    return f"{type(exc).__name__}: {exc}"[:300]


Fragment = tuple[str, str, str]  # (anchor, title, html) of one section of a packet


@dataclass
class Rendered:
    """A district's module sections, or why they could not be made: what a worker hands back."""

    district_id: str
    fragments: list[Fragment] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


async def render_modules(worker: Worker, district: District, modules: list[Module], convening: str,
                         nb_dir: Path) -> list[Fragment]:
    """Run each module's notebook for one district on a warm kernel; the first failure raises."""
    fragments = []
    for module in modules:
        notebook = nb_dir / f"{module.id}.ipynb"
        if not notebook.is_file():
            raise KitError(f"no notebook {notebook.name} for module {module.id}")
        nb = parameterized(notebook, {"district": district.id, "convening": convening, "mode": "report"})
        await worker.run(nb, nb_dir)
        fragments.append((f"m{module.number:02d}", f"{module.number:02d} · {module.title}", html_outputs(nb)))
    return fragments


async def render_district(worker: Worker, job: Job, convening: str, nb_dir: Path) -> Rendered:
    """The same as render_modules, but a failure is reported in the result instead of raised."""
    started = time.perf_counter()
    try:
        fragments = await render_modules(worker, job.district, job.modules, convening, nb_dir)
    except Exception as exc:  # noqa: BLE001 - one district's failure must not stop the others
        return Rendered(job.district.id, error=describe(exc), seconds=time.perf_counter() - started)
    return Rendered(job.district.id, fragments, seconds=time.perf_counter() - started)


