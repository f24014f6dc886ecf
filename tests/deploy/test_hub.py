"""A local JupyterHub with deploy/jupyterhub_config.py runs `kit serve` as its service at /services/kit/."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import free_port
from tests.conftest import ROOT, http_get

pytestmark = pytest.mark.skipif(
    shutil.which("configurable-http-proxy") is None,
    reason="JupyterHub's proxy is missing: `npm install --global configurable-http-proxy@5.3.0`"
           " (`make test` does this as root)",
)

COHORT = ROOT / "sample_districts"


get = http_get


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The hub on free ports, its state in a temporary folder; yields its public URL and the kit's data folder."""
    state = tmp_path_factory.mktemp("hub")
    data = state / "kit-data"
    port = free_port()
    # A config that loads the deployment's, as TLJH does, then keeps the hub's own ports off the defaults.
    (state / "jupyterhub_config.py").write_text(
        f"c = get_config()  # noqa\n"
        f"load_subconfig({str(ROOT / 'deploy' / 'jupyterhub_config.py')!r})\n"
        f"c.JupyterHub.hub_port = {free_port()}\n"
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{free_port()}'\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIT_", "JUPYTERHUB_"))}
    env.update(KIT_HUB_PORT=str(port), KIT_SERVICE_PORT=str(free_port()), KIT_DATA=str(data),
               KIT_COHORT=str(COHORT), KIT_PUBLIC_URL=f"http://127.0.0.1:{port}")
    base = f"http://127.0.0.1:{port}"
    # JupyterHub gives a managed service ten seconds to answer, then stops. Importing Voila takes
    # 3.5 s of CPU; on two cores busy with the rest of the suite it can take longer, so the hub is
    # given a second start (the imports are then in the page cache), never more.
    for attempt in (1, 2):
        log = open(state / "hub.log", "w")  # noqa: SIM115 - closed at teardown
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(state / "jupyterhub_config.py")],
                                cwd=state, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 120
        while get_or_none(f"{base}/services/kit/") not in (200, 403):  # 403: the kit answers, asking for a link
            if proc.poll() is not None or time.time() > deadline:
                break
            time.sleep(0.5)
        else:
            break
        stop(proc, log)
        if attempt == 2 or "Cannot connect to kit service" not in (state / "hub.log").read_text():
            pytest.fail(f"the hub or its kit service did not start:\n{(state / 'hub.log').read_text()[-3000:]}")
    try:
        yield base, data
    finally:
        stop(proc, log)


def stop(proc: subprocess.Popen, log) -> None:
    proc.send_signal(signal.SIGTERM)  # the hub stops its services, and Voila its kernels
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


def get_or_none(url: str) -> int | None:
    try:
        return get(url)[0]
    except OSError:
        return None


def test_a_worksheet_opens_through_the_hubs_proxy_with_the_program_managers_link(hub):
    from kit.links import make_links
    from kit.store import Store

    base, data = hub
    store = Store(f"sqlite:///{data / 'kit.db'}")
    links = make_links(COHORT, f"{base}/services/kit", store)
    store.close()
    manager, team = links[0], links[1]
    assert manager.url.startswith(f"{base}/services/kit/voila/render/home.ipynb?token=")
    status, html = get(manager.url)
    assert status == 200 and "voila" in html.lower()
    # The kit's template, under the service's path, with the BokehJS its charts fetch (kit.widgets.BokehChart).
    assert "kit-open-retries" in html, "the page is not the kit's Voila template"
    import bokeh

    status, js = get(f"{base}/services/kit/voila/templates/kit/static/bokeh-{bokeh.__version__}.min.js"
                     f"?v={bokeh.__version__}")
    assert status == 200 and "Bokeh" in js[:5000]
    status, html = get(team.url)
    assert status == 200 and "voila" in html.lower()
