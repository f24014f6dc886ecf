"""`kit packets`: run the module notebooks for every district of a cohort into offline HTML.

Parameters are injected the papermill way (`papermill.parameterize.parameterize_notebook`,
after the `parameters` cell), so the notebooks stay ordinary papermill notebooks. What makes
it fast: each worker keeps one warm kernel for all its districts (imports paid once) and
resets the user namespace before every notebook, so nothing leaks from one district to the
next. Each packet is one HTML file with BokehJS included once; it is written to a temporary
file and renamed, so a failure never leaves half a packet behind.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jupyter_core.utils import run_sync

from kit.atomic import write_atomic
from kit.content import Module, all_modules, get_module
from kit.districts import District, load_cohort
from kit.errors import KitError
from kit.kernels import Fragment, Job, Rendered, Worker, describe, render_district
from kit.pages import render
from kit.paths import notebooks_dir
from kit.printing import print_pdf
from kit.report import css

OUTPUT_TEMPLATE = "{out}/{district}/index.html"


@dataclass
class Outcome:
    district_id: str
    name: str
    path: Path | None = None
    error: str | None = None
    seconds: float = 0.0
    answered: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Result:
    outcomes: list[Outcome]
    index: Path | None
    seconds: float

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def packet_path(out: Path, district_id: str) -> Path:
    """The one place output paths are made; ids are validated slugs by now."""
    return Path(OUTPUT_TEMPLATE.format(out=out, district=district_id))


def bokeh_js() -> str:
    """BokehJS core, inline, once per packet (the charts use nothing else)."""
    from bokeh.resources import Resources

    return Resources(mode="inline", components=["bokeh"]).render_js()


def packet_html(district: District, convening: str, fragments: list[Fragment], with_charts: bool,
                generated: datetime) -> str:
    """One district's packet; `convening` is its label, e.g. "convening 3, 22 Apr 2027"."""
    return render("packet.html", district=district, convening=convening, fragments=fragments, css=css(),
                  bokeh_js=bokeh_js() if with_charts else "", generated=generated)


def write_packet(district: District, convening: str, out: Path, fragments: list[Fragment], flags: str) -> Path:
    """Put the sections and the risks to scale into one page and write it atomically."""
    with_charts = any("Bokeh" in html for _, _, html in fragments)
    sections = [("flags", "Risks to scale", flags), *fragments]
    path = packet_path(out, district.id)
    write_atomic(path, packet_html(district, convening, sections, with_charts, datetime.now(UTC)))
    return path


def index_html(outcomes: list[Outcome], modules: list[Module], convening: str, generated: datetime) -> str:
    return render("packet_index.html", outcomes=sorted(outcomes, key=lambda o: o.name.lower()), modules=modules,
                  convening=convening, written=sum(o.ok for o in outcomes), css=css(), generated=generated)


def parse_modules(spec: str | None) -> list[Module]:
    if not spec:
        return all_modules()
    return [get_module(part) for part in spec.split(",") if part.strip()]


def build_packets(
    cohort: Path, out: Path, convening: str = "", modules: list[Module] | None = None, jobs: int = 1,
    db: str | None = None, pdf: bool = False, nb_dir: Path | None = None,
    progress: Callable[[Outcome, int, int], None] | None = None,
    executor: str = "local", scheduler: str | None = None,
) -> Result:
    """Write a packet per district and an index; returns what happened to each district.

    The notebooks run on `jobs` warm kernels in this process (executor "local"), or on Dask
    workers (executor "dask": a local cluster of `jobs` workers, or the cluster whose scheduler
    is at `scheduler`). Either way the packets are assembled and written here.
    """
    if executor not in EXECUTORS:
        raise KitError(f"--executor {executor!r}: choose one of {', '.join(EXECUTORS)}")
    if scheduler and executor != "dask":
        raise KitError("--scheduler is the address of a Dask scheduler: add --executor dask")
    started = time.perf_counter()
    modules = modules if modules is not None else all_modules()
    nb_dir = nb_dir or notebooks_dir()
    districts, problems = load_cohort(cohort)
    failed = [Outcome(Path(p.path).stem, Path(p.path).name, error=str(p)) for p in problems]
    from kit.store import Store, default_url

    url = db or default_url()
    # What a kernel needs to know, wherever it runs: the rest of its environment is its host's own.
    kit_env = {"KIT_COHORT": str(cohort.resolve()), "KIT_DB_URL": url, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    store = Store.if_exists(url)
    convening = convening or (store.current_convening(cohort.name) if store else "1")  # "": the latest
    label = store.convening(cohort.name, convening).label() if store else f"convening {convening}"
    done = store.answered_items(convening) if store else {}

    def answered(district_id: str, module_id: str) -> int:
        return done.get((district_id, module_id), (0, None))[0]

    from kit.diagnostics import diagnose, load_rules
    from kit.report import flag_html

    rules = load_rules()

    def flags(district: District) -> str:
        found = diagnose(store, district, convening, rules, cohort=cohort.name)
        body = flag_html(found) or "<p>The kit sees no risk to scale in these answers and this profile.</p>"
        return (f"<section class='kit-module' id='flags'><h1>Risks to scale ({len(found)})</h1>"
                "<p class='kit-meta'>Read from the team's answers and the district profile; each names the"
                f" research behind it.</p>{body}</section>")

    queue = [Job(d, modules) for d in districts]
    total = len(queue) + len(failed)
    outcomes: list[Outcome] = []
    for outcome in failed:
        outcomes.append(outcome)
        if progress:
            progress(outcome, len(outcomes), total)

    def finish(job: Job, rendered: Rendered) -> None:
        """Turn a district's rendered sections into its packet, here, whichever executor rendered them."""
        outcome = Outcome(job.district.id, job.district.name, error=rendered.error)
        if rendered.error is None:
            try:
                outcome.path = write_packet(job.district, label, out, rendered.fragments, flags(job.district))
                outcome.answered = {m.id: answered(job.district.id, m.id) for m in job.modules}
            except Exception as exc:  # noqa: BLE001 - one district's failure must not stop the others
                outcome.error = describe(exc)
        outcome.seconds = rendered.seconds
        outcomes.append(outcome)
        if progress:
            progress(outcome, len(outcomes), total)

    if queue:
        EXECUTORS[executor](queue, modules, convening, nb_dir, kit_env, finish, jobs, scheduler)
    index = None
    if any(o.ok for o in outcomes):
        index = out / "index.html"
        write_atomic(index, index_html(outcomes, modules, label, datetime.now(UTC)))
    if pdf:
        for outcome in outcomes:
            if outcome.ok and outcome.path:
                try:
                    print_pdf(outcome.path)
                except KitError as exc:
                    outcome.error = str(exc)
    if store:
        store.close()
    return Result(outcomes, index, time.perf_counter() - started)


async def render_locally(queue: list[Job], convening: str, nb_dir: Path, env: dict[str, str], jobs: int,
                         finish: Callable[[Job, Rendered], None]) -> None:
    """`jobs` warm kernels in this process take districts from the queue until it is empty."""
    pending: asyncio.Queue[Job] = asyncio.Queue()
    for job in queue:
        pending.put_nowait(job)

    async def one_worker() -> None:
        worker = Worker(env)
        await worker.start()
        try:
            while not pending.empty():
                job = pending.get_nowait()
                finish(job, await render_district(worker, job, convening, nb_dir))
        finally:
            await worker.stop()

    await asyncio.gather(*(one_worker() for _ in range(max(1, min(jobs, len(queue))))))


def run_here(queue: list[Job], modules: list[Module], convening: str, nb_dir: Path, kit_env: dict[str, str],
             finish: Callable[[Job, Rendered], None], jobs: int, scheduler: str | None) -> None:
    """Executor "local": `jobs` warm kernels in this process (also from code with a loop running)."""
    run_sync(render_locally)(queue, convening, nb_dir, {**os.environ, **kit_env}, jobs, finish)


def run_on_dask(queue: list[Job], modules: list[Module], convening: str, nb_dir: Path, kit_env: dict[str, str],
                finish: Callable[[Job, Rendered], None], jobs: int, scheduler: str | None) -> None:
    """Executor "dask": a local cluster of `jobs` workers, or the cluster at `scheduler`."""
    from kit.dask_packets import render_on_dask  # dask is an optional extra

    render_on_dask(queue, modules, convening, nb_dir, kit_env, finish, workers=jobs, scheduler=scheduler)


Executor = Callable[[list[Job], list[Module], str, Path, dict[str, str], Callable[[Job, Rendered], None], int,
                     str | None], None]
EXECUTORS: dict[str, Executor] = {"local": run_here, "dask": run_on_dask}


def default_jobs() -> int:
    return max(1, min(4, (os.cpu_count() or 1)))


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `kit packets`")
