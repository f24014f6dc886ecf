"""The JupyterHub deployment (deploy/, docs/deploy.md) agrees with itself and with the kit's commands."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib

import click
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML
from traitlets.config import Config

from kit.cli import main
from kit.errors import KitError
from kit.serve import public_base, voila_command
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
HUB_CONFIG = DEPLOY / "jupyterhub_config.py"
SETTINGS = ("KIT_DB_URL", "KIT_COHORT", "KIT_PUBLIC_URL", "KIT_HOME", "KIT_DATA", "KIT_PYTHON", "KIT_SERVICE_PORT",
            "KIT_SERVICE_USER", "KIT_SERVICE_URL", "KIT_CULL_MINUTES", "KIT_POOL", "KIT_HUB_IP", "KIT_HUB_PORT",
            "KIT_LINKS_BASE_URL")


def load_hub_config(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], c: Config | None = None) -> Config:
    """Run deploy/jupyterhub_config.py as JupyterHub does: `c` and `get_config` from traitlets."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    c = Config() if c is None else c
    namespace = {"c": c, "get_config": lambda: c, "__file__": str(HUB_CONFIG)}
    exec(compile(HUB_CONFIG.read_text(encoding="utf-8"), str(HUB_CONFIG), "exec"), namespace)
    return c


def kit_service(c: Config) -> dict:
    found = [s for s in c.JupyterHub.services if s["name"] == "kit"]
    assert len(found) == 1, c.JupyterHub.services
    return found[0]


def option(args: list[str], name: str) -> str:
    """The value of `--name=value` or `--name value` in a command line."""
    for i, arg in enumerate(args):
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1]
        if arg == name:
            return args[i + 1]
    raise AssertionError(f"{name} not in {args}")


def parses_as_kit_command(args: list[str]) -> click.Command:
    """Parse `kit ARGS…` with the real click commands (options and all) without running anything."""
    command: click.Command = main
    parent = None
    while isinstance(command, click.Group):
        assert args and args[0] in command.commands, f"`kit {' '.join(args)}`: no such kit command"
        # With the group's context settings (-h for help), as `kit` itself runs: click keeps the help
        # option it builds first, so a context without them would change later help output.
        parent = click.Context(command, info_name=command.name, parent=parent, **command.context_settings)
        command, args = command.commands[args[0]], args[1:]
    command.make_context(command.name, list(args), parent=parent)
    return command


def yaml_file(path):
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def pins() -> dict[str, str]:
    """name → version for every exact pin in pyproject.toml, the extras included."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = {}
    for spec in [*project["dependencies"], *sum(project["optional-dependencies"].values(), [])]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", spec)
        if match:
            found[match[1].lower()] = match[2]
    return found


# deploy/jupyterhub_config.py ------------------------------------------------------------------

def test_on_its_own_the_hub_config_is_a_local_tryout_running_kit_serve_as_a_service(monkeypatch):
    c = load_hub_config(monkeypatch, {})
    service = kit_service(c)
    assert service["url"] == "http://127.0.0.1:8866" and service["display"] is False
    command = service["command"]
    assert command[:4] == [sys.executable, "-m", "kit.cli", "serve"]
    assert option(command, "--base-url") == "/services/kit/" and option(command, "--host") == "127.0.0.1"
    assert option(command, "--port") == "8866" and option(command, "--cull-minutes") == "30"
    assert "--cohort" not in command and "user" not in service
    assert service["environment"] == {}
    assert c.JupyterHub.spawner_class == "simple" and c.JupyterHub.authenticator_class == "dummy"
    assert parses_as_kit_command(command[3:]).name == "serve"


def test_under_tljh_it_keeps_the_hubs_own_settings_and_passes_the_kit_settings_on(monkeypatch):
    before = Config()
    before.JupyterHub.spawner_class = "tljh.user_creating_spawner.UserCreatingSpawner"
    before.JupyterHub.base_url = "/convening"
    before.JupyterHub.services = [{"name": "cull-idle", "admin": True, "command": ["cull"]}]
    before.Spawner.environment = {"LANG": "C.UTF-8"}
    db = "postgresql+psycopg://kit:s3cret@127.0.0.1:5432/kit"
    c = load_hub_config(monkeypatch, {
        "KIT_DB_URL": db, "KIT_COHORT": "/srv/kit/cohorts/bay-area-2027", "KIT_PUBLIC_URL": "https://hub.example.org/",
        "KIT_HOME": "/srv/kit/src", "KIT_DATA": "/srv/kit/data", "KIT_PYTHON": "/opt/tljh/user/bin/python",
        "KIT_SERVICE_USER": "kit", "KIT_SERVICE_PORT": "9000", "KIT_CULL_MINUTES": "45", "KIT_POOL": "1",
    }, before)
    service = kit_service(c)
    command = service["command"]
    assert command[0] == "/opt/tljh/user/bin/python" and service["user"] == "kit"
    assert service["url"] == "http://127.0.0.1:9000" and option(command, "--port") == "9000"
    assert option(command, "--base-url") == "/convening/services/kit/"
    assert option(command, "--cohort") == "/srv/kit/cohorts/bay-area-2027"
    assert option(command, "--cull-minutes") == "45" and option(command, "--pool") == "1"
    assert not any("s3cret" in arg for arg in command), "the password must not show in `ps`"
    links = "https://hub.example.org/convening/services/kit"
    assert service["environment"] == {
        "KIT_DB_URL": db, "KIT_COHORT": "/srv/kit/cohorts/bay-area-2027", "KIT_HOME": "/srv/kit/src",
        "KIT_LINKS_BASE_URL": links, "KIT_DATA": "/srv/kit/data"}
    assert c.Spawner.environment == {"LANG": "C.UTF-8", "KIT_DB_URL": db, "KIT_HOME": "/srv/kit/src",
                                     "KIT_COHORT": "/srv/kit/cohorts/bay-area-2027", "KIT_LINKS_BASE_URL": links}
    assert [s["name"] for s in c.JupyterHub.services] == ["cull-idle", "kit"]
    assert c.JupyterHub.spawner_class == "tljh.user_creating_spawner.UserCreatingSpawner"
    assert "authenticator_class" not in c.JupyterHub
    parses_as_kit_command(command[3:])


def test_loading_it_twice_leaves_one_kit_service(monkeypatch):
    c = load_hub_config(monkeypatch, {})
    c = load_hub_config(monkeypatch, {"KIT_SERVICE_PORT": "8870"}, c)
    assert kit_service(c)["url"] == "http://127.0.0.1:8870"


def test_with_kit_serve_elsewhere_the_hub_only_routes_to_it_as_the_z2jh_values_do(monkeypatch):
    values = yaml_file(DEPLOY / "z2jh" / "config.yaml")
    chart_service = values["hub"]["services"]["kit"]
    c = load_hub_config(monkeypatch, {"KIT_SERVICE_URL": chart_service["url"],
                                      "KIT_PUBLIC_URL": "https://hub.example.org"})
    service = kit_service(c)
    assert "command" not in service and "environment" not in service
    assert {k: v for k, v in service.items() if k != "name"} == chart_service
    assert c.Spawner.environment["KIT_LINKS_BASE_URL"] == values["singleuser"]["extraEnv"]["KIT_LINKS_BASE_URL"]


# deploy/z2jh ----------------------------------------------------------------------------------

def test_z2jh_values_name_the_kit_service_the_image_and_the_database_secret():
    values = yaml_file(DEPLOY / "z2jh" / "config.yaml")
    assert values["hub"]["services"]["kit"] == {"url": "http://kit:8866", "display": False}
    image = values["singleuser"]["image"]
    assert image["name"].endswith("/district-scale-kit") and image["tag"]
    env = values["singleuser"]["extraEnv"]
    assert env["KIT_DB_URL"] == {"valueFrom": {"secretKeyRef": {"name": "kit-db", "key": "url"}}}
    assert env["KIT_LINKS_BASE_URL"].endswith("/services/kit")
    assert {"port": 5432, "protocol": "TCP"} in values["singleuser"]["networkPolicy"]["egress"][0]["ports"]
    assert values["cull"]["enabled"] is True
    assert "dummy" not in str(values["hub"]["config"]).lower(), "a real deployment needs a real login"


def test_the_kit_pod_serves_where_the_values_route_with_the_same_image_secret_and_cohort():
    values = yaml_file(DEPLOY / "z2jh" / "config.yaml")
    documents = list(YAML(typ="safe").load_all((DEPLOY / "z2jh" / "kit-service.yaml").read_text(encoding="utf-8")))
    deployment, service = (next(d for d in documents if d["kind"] == kind) for kind in ("Deployment", "Service"))
    assert deployment["spec"]["replicas"] == 1
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    image = values["singleuser"]["image"]
    assert container["image"] == f"{image['name']}:{image['tag']}"
    command = container["command"]
    assert command[0] == "kit" and parses_as_kit_command(command[1:]).name == "serve"
    assert option(command, "--base-url") == "/services/kit/" and option(command, "--host") == "0.0.0.0"
    port = int(option(command, "--port"))
    assert service["metadata"]["name"] == "kit" and service["spec"]["ports"][0]["port"] == port
    assert values["hub"]["services"]["kit"]["url"] == f"http://{service['metadata']['name']}:{port}"
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}
    singleuser = values["singleuser"]["extraEnv"]
    assert env["KIT_DB_URL"] == singleuser["KIT_DB_URL"]["valueFrom"]
    assert env["KIT_COHORT"] == singleuser["KIT_COHORT"]
    assert env["KIT_LINKS_BASE_URL"] == singleuser["KIT_LINKS_BASE_URL"]


def test_dockerfile_installs_the_kit_with_the_pins_of_pyproject():
    text = (DEPLOY / "z2jh" / "Dockerfile").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = re.search(r"^FROM python:(\d+)\.(\d+)-slim\b", text, re.M)
    assert base, "the image starts from python:3.X-slim"
    minimum = tuple(int(x) for x in re.fullmatch(r">=(\d+)\.(\d+)", project["requires-python"]).groups())
    assert (int(base[1]), int(base[2])) >= minimum
    assert 'pip install "/opt/kit[postgres]"' in text and "postgres" in project["optional-dependencies"]
    pinned = pins()
    found = dict(re.findall(r"ARG ([A-Z_]+)_VERSION=(\S+)", text))
    assert found == {"JUPYTERHUB": pinned["jupyterhub"]}
    for name, version in re.findall(r"\b([A-Za-z][A-Za-z0-9_.-]*)==([0-9][^\s\"']*)", text):
        assert pinned.get(name.lower()) == version, f"Dockerfile pins {name}=={version}; pyproject.toml says " \
                                                    f"{pinned.get(name.lower())}"
    assert "ENV" in text and "KIT_HOME=/opt/kit" in text
    for folder in ("src", "modules", "notebooks", "sample_districts", "facilitator_guides"):
        assert f"COPY {folder} /opt/kit/{folder}" in text, f"the image lacks {folder}/"


# deploy/tljh ----------------------------------------------------------------------------------

def test_tljh_scripts_parse_and_write_the_settings_the_hub_config_reads():
    for script in ("setup.sh", "kit-hub"):
        subprocess.run(["bash", "-n", str(DEPLOY / "tljh" / script)], check=True)
    setup = (DEPLOY / "tljh" / "setup.sh").read_text(encoding="utf-8")
    written = set(re.findall(r"^(KIT_[A-Z_]+)='", setup, re.M))
    config = HUB_CONFIG.read_text(encoding="utf-8")
    documented = set(re.findall(r"^(KIT_[A-Z_]+) ", config, re.M))
    code = config.split('"""', 2)[2]
    assert documented and all(re.search(f"[\"']{name}[\"']", code) for name in documented)
    assert written and written <= documented, f"setup.sh writes settings the hub config ignores: {written - documented}"
    assert "jupyterhub_config.d/kit.py" in setup and "EnvironmentFile=" in setup


# kit serve --base-url, links under a prefix -------------------------------------------------------

def test_voila_serves_under_the_base_url():
    assert "--Voila.base_url=/" in voila_command(8866, "127.0.0.1", 30)
    for given in ("/services/kit/", "services/kit", "/services//kit"):
        assert "--Voila.base_url=/services/kit/" in voila_command(8866, "127.0.0.1", 30, base_url=given)


@pytest.mark.parametrize("bad", ["http://hub.example.org/services/kit", "/services/../kit", "/kit?x=1"])
def test_a_base_url_that_is_not_a_path_is_refused(bad):
    with pytest.raises(KitError, match="not a URL path"):
        voila_command(8866, "127.0.0.1", 30, base_url=bad)
    result = CliRunner().invoke(main, ["serve", "--base-url", bad])
    assert result.exit_code == 2 and result.stderr.startswith("Error: --base-url")
    assert "Traceback" not in result.output + result.stderr


def test_printed_links_use_the_hubs_address_when_it_is_set(monkeypatch):
    monkeypatch.delenv("KIT_LINKS_BASE_URL", raising=False)
    assert public_base(8866, "0.0.0.0", "/services/kit/") == "http://localhost:8866/services/kit"
    monkeypatch.setenv("KIT_LINKS_BASE_URL", "https://hub.example.org/services/kit/")
    assert public_base(8866, "127.0.0.1", "/services/kit/") == "https://hub.example.org/services/kit"


def test_kit_links_takes_the_hubs_address_and_the_cohort_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_LINKS_BASE_URL", "https://hub.example.org/services/kit")
    monkeypatch.setenv("KIT_COHORT", str(ROOT / "sample_districts"))
    out = tmp_path / "links.csv"
    result = CliRunner().invoke(main, ["links", "--db", f"sqlite:///{tmp_path / 'kit.db'}", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "https://hub.example.org/services/kit/voila/render/home.ipynb?token=" in text
    assert "https://hub.example.org/services/kit/voila/render/workspace.ipynb?district=copper-mine&token=" in text


# docs/deploy.md -------------------------------------------------------------------------------

KIT = r"(?:[\w.-]+/)*kit(?:-hub)?"  # kit, .venv/bin/kit, or kit-hub (which runs kit)


def kit_commands_in_docs() -> list[list[str]]:
    """Every `kit …` (and `kit-hub …`, which runs kit) command line in docs/deploy.md's code blocks."""
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line.strip().removeprefix("$ "))
            line = line.split(" -- ", 1)[1] if re.search(r"\s--\s+kit\s", line) else line  # kubectl exec … -- kit
            # Past `sudo`, its options and VAR=value settings, does the line run kit?
            if not re.match(rf"(?:sudo(?:\s+-\S+)*\s+)?(?:[A-Z_]+=\S+\s+)*{KIT}\s", line + " "):
                continue
            words = shlex.split(line)
            while not re.fullmatch(KIT, words[0]):
                words = words[1:]
            found.append(words[1:])
    return found


def test_docs_show_kit_commands_that_exist_with_options_that_parse():
    commands = kit_commands_in_docs()
    assert len(commands) >= 5
    for args in commands:
        parses_as_kit_command(args)


def test_readme_links_the_deployment_guide():
    assert "docs/deploy.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_voila_reads_the_kits_settings_as_values_not_strings():
    from voila.app import Voila

    app = Voila()
    app.parse_command_line([a for a in voila_command(8866, "127.0.0.1", 30, pool=6) if a.startswith("--")])
    assert app.tornado_settings == {"disable_check_xsrf": True}
    # Only the workspace is preheated, one kernel per team: the program manager's pages are not.
    from traitlets import Dict

    assert app.config.VoilaKernelManager.kernel_pools_config.get_value(Dict()) == {
        "default": {"pool_size": 0}, "workspace.ipynb": {"pool_size": 6}}
    assert app.config.VoilaConfiguration.http_header_envs == ["User-Agent"]
    # A page open on the table through a 45-minute lunch is not culled; a closed laptop's page is.
    from traitlets import Bool, Int

    assert app.config.MappingKernelManager.cull_connected.get_value(Bool()) is False
    assert app.config.MappingKernelManager.cull_idle_timeout.get_value(Int()) == 30 * 60
    assert app.port_retries == 0
    assert app.mathjax_url.startswith("/voila/templates/kit/static/no-mathjax.js?v=")


def test_pages_load_the_templates_mathjax_stand_in_under_the_base_url(tmp_path):
    """Voila's own MathJax 3 (16 chunks, 0.9 MB) is never fetched: its MathJax URL is the template's stand-in."""
    from kit.serve import install_template

    given = next(a for a in voila_command(8866, "127.0.0.1", 30, base_url="/services/kit/")
                 if a.startswith("--Voila.mathjax_url="))
    path = given.split("=", 1)[1]
    assert path.startswith("/services/kit/voila/templates/kit/static/no-mathjax.js?v=")
    served = install_template(tmp_path) / "voila" / "templates" / "kit" / "static" / "no-mathjax.js"
    assert "window.MathJax" in served.read_text(encoding="utf-8")


def test_a_hub_without_kit_pool_gets_kit_serves_pool_and_setup_writes_none(monkeypatch):
    """The default `kit serve` is the fast one behind a hub too: TLJH's setup once wrote KIT_POOL=0."""
    for value in (None, ""):
        env = {"KIT_COHORT": "/srv/kit/cohorts/c"} | ({} if value is None else {"KIT_POOL": value})
        command = kit_service(load_hub_config(monkeypatch, env))["command"]
        assert not any(arg.startswith("--pool") for arg in command), command
    setup = (DEPLOY / "tljh" / "setup.sh").read_text(encoding="utf-8")
    assert "KIT_POOL='$(previous KIT_POOL)'" in setup


def test_the_pool_holds_one_ready_kernel_per_team_unless_told():
    from kit.serve import MAX_POOL, pool_size

    assert pool_size(6) == 6
    assert pool_size(40) == MAX_POOL
    assert pool_size(0) == 1
    assert pool_size(6, 0) == 0 and pool_size(6, 2) == 2
    assert not any("preheat" in a for a in voila_command(8866, "127.0.0.1", 30, pool=0))
