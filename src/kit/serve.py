"""`kit serve`: load the cohort into the store and run Voila on the worksheets."""

from __future__ import annotations

import os
import sys
from importlib.resources import files
from pathlib import Path
from typing import IO

from kit.access import WORKSPACE
from kit.districts import load_cohort
from kit.errors import KitError
from kit.guard import check_sqlite, hold_serve_lock
from kit.paths import data_dir, notebooks_dir
from kit.settings import settings
from kit.store import Store, sqlite_file


def install_template(data: Path) -> Path:
    """Write the kit's Voila template (lab + BokehJS and the widgets' modules as static files) under `data`;
    returns a JUPYTER_PATH entry.

    BokehJS comes from the installed bokeh, so it always matches the Python side; nothing of it is committed.
    """
    import bokeh
    from bokeh.resources import Resources

    root = data / "jupyter"
    folder = root / "voila" / "templates" / "kit"
    (folder / "static").mkdir(parents=True, exist_ok=True)
    source = files("kit").joinpath("voila_template")
    for name in ("conf.json", "index.html.j2"):
        (folder / name).write_text(source.joinpath(name).read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "static" / NO_MATHJAX).write_text(source.joinpath(NO_MATHJAX).read_text(encoding="utf-8"),
                                                encoding="utf-8")
    js = folder / "static" / f"bokeh-{bokeh.__version__}.min.js"
    if not js.exists():
        js.write_text("\n".join(Resources(mode="inline", components=["bokeh"]).js_raw), encoding="utf-8")
    from kit.widgets import _script

    for module in files("kit").joinpath("static").iterdir():  # the widgets' ES modules, shared ones included
        if module.name.endswith(".js"):
            (folder / "static" / module.name).write_text(_script(module.name), encoding="utf-8")
    return root


# The template's stand-in for MathJax (voila_template/no-mathjax.js): Voila's MathJax URL.
NO_MATHJAX = "no-mathjax.js"


def no_mathjax_url(base_url: str) -> str:
    """The stand-in's URL; `?v=` its hash, so each browser fetches it once (Voila appends its own
    `?config=…`, which becomes part of the version and changes nothing)."""
    from kit.widgets import template_static

    text = files("kit").joinpath("voila_template", NO_MATHJAX).read_bytes()
    return f"{url_prefix(base_url)}{template_static(NO_MATHJAX, text)}"


# The serve lock (kit.guard) of the SQLite store: held open here so it lives on in Voila after the exec.
_SERVE_LOCK: IO[str] | None = None


def hold_serve_lock_of(db: str | None, port: int) -> None:
    """Mark the SQLite store as served by this process, so `kit restore` refuses while it runs."""
    global _SERVE_LOCK
    from kit.store import default_url

    url = db or default_url()
    path = sqlite_file(url)
    if path:
        _SERVE_LOCK = hold_serve_lock(path, port)


def release_serve_lock() -> None:
    global _SERVE_LOCK
    if _SERVE_LOCK is not None:
        _SERVE_LOCK.close()
        _SERVE_LOCK = None


def url_prefix(base_url: str) -> str:
    """A URL path as Voila's base_url wants it: "/", or "/services/kit/" with one slash at each end."""
    parts = [part for part in base_url.strip().split("/") if part]
    if any(part in (".", "..") or any(ch in part for ch in "?#") for part in parts) or "://" in base_url:
        raise KitError(f"--base-url {base_url!r} is not a URL path — give one like /services/kit/")
    return "/" + "".join(f"{part}/" for part in parts)


# Seconds before a used pool kernel is replaced. The replacement's start (about 2 s of CPU) would
# otherwise share the cores with the page being drawn; at 0.2 s module 03 took 1.9 s to become
# interactive, at 2 s 1.3 s (benchmarks/worksheet_latency.py, browser and server on two cores).
POOL_FILL_DELAY = 2.0


def port_in_use(host: str, port: int) -> bool:
    """True if something already listens on `port` (another `kit serve`, a notebook server)."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Tornado binds: a lingering TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


# Preheated workspace kernels kept ready: one per team of the cohort, at most this many. A room's
# teams open their links within seconds of each other; each takes a ready kernel (the notebook
# already imported and the content read) instead of starting one while the others do too.
MAX_POOL = 8


def pool_size(teams: int, asked: int | None = None) -> int:
    """How many workspace kernels to keep ready: `asked` (--pool), else one per team up to MAX_POOL."""
    return max(asked, 0) if asked is not None else min(max(teams, 1), MAX_POOL)


def voila_command(port: int, host: str, cull_minutes: int, pool: int = 0, base_url: str = "/") -> list[str]:
    """Voila's command line; `base_url` is the path it serves under (behind JupyterHub: /services/kit/)."""
    preheat = [
        # Keep `pool` workspace kernels started and imported ahead of the next team's page (no other
        # page is preheated: the program manager's pages are opened once or twice a day). The
        # notebook waits for the request (kit.preheat) before reading the query string.
        "--preheat_kernel=True", f"--VoilaKernelManager.fill_delay={POOL_FILL_DELAY}",
        "--VoilaKernelManager.kernel_pools_config="
        f"{{'default': {{'pool_size': 0}}, '{WORKSPACE}.ipynb': {{'pool_size': {pool}}}}}",
    ] if pool > 0 else []
    return [
        # Voila with the kit's access rules (kit.server): a page without a valid link for it gets
        # "No access" from the server, before any kernel starts.
        sys.executable, "-m", "kit.server", str(notebooks_dir()),
        f"--port={port}", f"--Voila.ip={host}", f"--Voila.base_url={url_prefix(base_url)}",
        "--no-browser", "--template=kit",
        "--Voila.port_retries=0",  # never move to another port than the one printed and linked
        # Voila's front end asks to stop a page's kernel as the team leaves the page, but its pages
        # carry no XSRF token, so the request was refused (403) and every page a team had visited
        # kept a kernel until the idle cull. The kit's cookies (kit.server) are SameSite=Strict, so
        # another site's page cannot make a browser send them: the forgery XSRF guards against fails.
        "--Voila.tornado_settings={'disable_check_xsrf': True}",  # a literal: key=value gives the string 'True'
        # Kernels talk to the server over Unix sockets in Voila's private folder, not TCP ports: many
        # kernels starting at once raced for ports ("Address already in use") and a page hung.
        "--KernelManager.transport=ipc",
        # A cell's output may arrive after its reply when the cores are busy; past nbclient's 4 s
        # Voila gave up on it and the page came out blank ("Timeout waiting for IOPub output").
        "--VoilaExecutor.iopub_timeout=60",
        "--VoilaConfiguration.show_tracebacks=False",
        # The answer history names the device each version came from (kit.notebook.device).
        "--VoilaConfiguration.http_header_envs=['User-Agent']",
        # Pages left open in a closed laptop hold a kernel each; cull them after a quiet spell. Only
        # pages no browser holds: a sleeping laptop's socket is closed by the server's pings within
        # 90 s (jupyter_server's ws_ping_interval), while a page open on the table sends nothing for
        # as long as nobody types. Culled connected too, every team's page of a 45-minute lunch
        # (modules/agenda.yaml) came back "no longer connected", and the room reloaded at once.
        f"--MappingKernelManager.cull_idle_timeout={cull_minutes * 60}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        *preheat,
        # No MathJax: Voila's own (MathJax 3, 0.9 MB in 16 chunks) was fetched, compiled and set up on
        # every page open as the first widget label was drawn; the kit writes no mathematics.
        f"--Voila.mathjax_url={no_mathjax_url(base_url)}",
        # Front-end extensions no kit page uses: the kit draws its charts itself (kit.widgets.BokehChart).
        "--VoilaConfiguration.extension_denylist=['jupyterlab_pygments', '@bokeh/jupyter_bokeh']",
    ]


def check_store(db: str | None, new_store: bool = False) -> None:
    """Refuse to start on a damaged store, or on an empty or missing one that had team links.

    SQLite: `PRAGMA quick_check` (kit.guard.check_sqlite). PostgreSQL: the server answers and,
    if the kit's tables are there, each of them can be read at the schema version this kit knows.
    """
    from kit.store import default_url

    url = db or default_url()
    restore = "kit restore BACKUP --force" + (f" --db {db}" if db else "")
    path = sqlite_file(url)
    if path:
        check_sqlite(path, Path(f"{path}.links").exists(), new_store, restore)
        return
    if url.startswith("sqlite"):
        return
    store = Store.if_exists(url)  # connects (a clear message if it cannot) and migrates an older schema
    if store is None:
        return
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from kit.store import metadata

    try:
        with store.engine.connect() as conn:
            for table in metadata.sorted_tables:
                conn.execute(select(table).limit(1)).all()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise KitError(f"the store {store.shown_url} cannot be read ({reason}) — restore it from a pg_dump"
                       " backup, then serve again") from None
    finally:
        store.close()


def prepare(cohort: Path, db: str | None, new_store: bool = False) -> tuple[Store, list[str], str]:
    """Check the store, open it (or create it), load the cohort's districts and make sure every team has a link.

    Returns the store, the district files skipped, and the program manager's token.
    """
    districts, problems = load_cohort(cohort)
    if not districts:
        raise KitError(f"{cohort}: no valid district files — run `kit validate {cohort}`")
    check_store(db, new_store)
    store = Store(db)
    store.load_districts(cohort.name, districts)
    tokens = store.links(cohort.name, [d.id for d in districts])
    return store, [str(p) for p in problems], tokens[""]


def public_base(port: int, host: str, base_url: str = "/") -> str:
    """Where people reach the worksheets: $KIT_LINKS_BASE_URL (set behind a hub), else this machine's address."""
    configured = settings().links_base_url
    if configured:
        return configured.rstrip("/")
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    return f"http://{shown}:{port}{url_prefix(base_url)}".rstrip("/")


def serve(cohort: Path, port: int = 8866, host: str = "127.0.0.1", db: str | None = None,
          cull_minutes: int = 30, pool: int | None = None, base_url: str = "/", new_store: bool = False) -> None:
    url_prefix(base_url)  # a bad --base-url stops here, before any work
    settings()  # and so does a bad KIT_* variable, rather than in every kernel
    if port_in_use(host, port):
        raise KitError(f"port {port} on {host} is already in use (another `kit serve`?): stop it, or "
                       "choose another with --port")
    hold_serve_lock_of(db, port)
    try:
        store, problems, token = prepare(cohort, db, new_store)
    except BaseException:
        release_serve_lock()
        raise
    for problem in problems:
        print(f"Warning: skipped {problem}", file=sys.stderr)
    teams = len(store.district_ids())
    command = voila_command(port, host, cull_minutes, pool_size(teams, pool), base_url)
    template_root = install_template(data_dir())
    env = {**os.environ, "KIT_DB_URL": store.url, "KIT_COHORT": str(cohort.resolve()), "KIT_TEMPLATE": "1",
           "JUPYTER_PATH": os.pathsep.join(p for p in (str(template_root), os.environ.get("JUPYTER_PATH")) if p)}
    public = public_base(port, host, base_url)
    print(f"Answers are stored in {store.shown_url}")
    print(f"Serving {teams} districts. Program manager, open (keep it private):")
    print(f"  {public}/voila/render/home.ipynb?token={token}")
    where = public if settings().links_base_url else public_base(port, "<this laptop>", base_url)
    print(f"Each team's own link: kit links --cohort {cohort} --base-url {where}")
    print("Press Ctrl-C to stop.", flush=True)
    store.close()
    # Become Voila (exec, not a child process): a SIGTERM or Ctrl-C then reaches Voila itself,
    # which shuts its kernels down, instead of orphaning it.
    os.execve(command[0], command, env)
