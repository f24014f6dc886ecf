"""JupyterHub configuration for the district scale kit.

The hub runs `kit serve` as a service: one Voila for the whole room at /services/kit/, behind the
hub's proxy (and its HTTPS). Teams open their worksheets with the links `kit links` prints; they
need no hub account, since every worksheet checks the token in its link. Hub accounts are for the
program staff, whose JupyterLab gets the kit's settings, so `kit links`, `kit export` and
`kit packets` work there on the same answers.

Three ways to use this file:

- on a laptop, to try it:  jupyterhub -f deploy/jupyterhub_config.py
  (any user name logs in, single-user servers run as you; nothing else chose a login or spawner);
- on The Littlest JupyterHub: copy it to /opt/tljh/config/jupyterhub_config.d/kit.py
  (deploy/tljh/setup.sh does); TLJH's login and spawner stay as they are;
- on Zero to JupyterHub the chart writes the hub's configuration from deploy/z2jh/config.yaml,
  which declares the same service, path and variables (tests/unit/test_deploy.py keeps them equal);
  `kit serve` runs in a pod of its own there, the case KIT_SERVICE_URL below is for.

Settings are read from the hub's environment (on TLJH: /srv/kit/kit.env, through systemd):

KIT_DB_URL        the answer store, e.g. postgresql+psycopg://kit:PASSWORD@127.0.0.1/kit
                  (unset: the kit's SQLite file under KIT_DATA, which only the service can write)
KIT_COHORT        folder of the cohort's district files (unset: the kit's sample cohort)
KIT_PUBLIC_URL    the hub's address as people type it, e.g. https://convening.example.org;
                  the team links are made from it
KIT_HOME          the kit's folder (modules/, notebooks/) when the kit is installed from a copy
KIT_DATA          a folder the service can write (the Voila template; the SQLite file)
KIT_PYTHON        the Python that has the kit installed (unset: the hub's own)
KIT_SERVICE_PORT  the local port `kit serve` listens on (8866)
KIT_SERVICE_USER  the system user to run `kit serve` as (only when the hub runs as root, as on TLJH)
KIT_SERVICE_URL   `kit serve` already runs elsewhere, at this URL (a container or another machine):
                  the hub only routes /services/kit/ to it and starts nothing
KIT_CULL_MINUTES  stop a worksheet's kernel after this many idle minutes (30)
KIT_POOL          ready workspace kernels (unset or empty: one per team, at most 8; 0: none)
KIT_HUB_IP        for the local try-out only: the address the hub listens on (127.0.0.1)
KIT_HUB_PORT      for the local try-out only: its port (8000)

It reads only the environment and JupyterHub's own settings: the hub's Python needs nothing of the kit.
"""

import os
import sys

if "c" not in globals():  # traitlets, TLJH and Z2JH all provide `c`; this is for a plain exec
    c = get_config()  # noqa: F821

SERVICE = "kit"

# Settings that single-user servers (the staff's JupyterLab) and the service share.
SHARED = ("KIT_DB_URL", "KIT_COHORT", "KIT_HOME")


def setting(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def service_prefix(config) -> str:
    """/services/kit/ under the hub's base_url: the path JupyterHub's proxy routes to the service."""
    base = config.JupyterHub.get("base_url", "/")
    return "/" + "/".join(part for part in f"{base}/services/{SERVICE}".split("/") if part) + "/"


def merge_environment(section, values: dict) -> None:
    """Add `values` to a spawner's environment, keeping what other configuration put there."""
    current = section.get("environment", {})
    if isinstance(current, dict):
        section["environment"] = {**current, **values}
    else:  # a lazy value from an earlier `.update(...)`: it merges on its own
        current.update(values)


prefix = service_prefix(c)
public_url = setting("KIT_PUBLIC_URL").rstrip("/")
kit_env = {name: setting(name) for name in SHARED if setting(name)}
if public_url:
    # What `kit links` and `kit serve` print the team links with (`kit links --base-url`).
    kit_env["KIT_LINKS_BASE_URL"] = public_url + prefix.rstrip("/")

service = {"name": SERVICE, "display": False}
external_url = setting("KIT_SERVICE_URL")
if external_url:
    service["url"] = external_url
else:
    port = int(setting("KIT_SERVICE_PORT", "8866"))
    command = [
        setting("KIT_PYTHON", sys.executable), "-m", "kit.cli", "serve",
        "--host", "127.0.0.1", f"--port={port}", f"--base-url={prefix}",
        f"--cull-minutes={int(setting('KIT_CULL_MINUTES', '30'))}",
    ]
    if setting("KIT_POOL"):  # otherwise kit serve's default: one ready kernel per team
        command.append(f"--pool={int(setting('KIT_POOL'))}")
    if setting("KIT_COHORT"):
        command += ["--cohort", setting("KIT_COHORT")]
    # The database URL (with its password) goes in the environment, never on the command line,
    # where any user of the machine could read it with `ps`.
    environment = dict(kit_env)
    if setting("KIT_DATA"):
        environment["KIT_DATA"] = setting("KIT_DATA")
    service.update(url=f"http://127.0.0.1:{port}", command=command, environment=environment)
    if setting("KIT_SERVICE_USER"):
        service["user"] = setting("KIT_SERVICE_USER")

services = [s for s in c.JupyterHub.get("services", []) if s.get("name") != SERVICE]
c.JupyterHub.services = [*services, service]

# The staff's JupyterLab: the kit's settings, so its commands and notebooks use the same answers.
merge_environment(c.Spawner, kit_env)

if "spawner_class" not in c.JupyterHub:
    # Nothing chose how people log in or where their servers run: a local try-out on this machine.
    c.JupyterHub.authenticator_class = "dummy"
    c.JupyterHub.spawner_class = "simple"
    c.JupyterHub.ip = setting("KIT_HUB_IP", "127.0.0.1")
    c.JupyterHub.port = int(setting("KIT_HUB_PORT", "8000"))
