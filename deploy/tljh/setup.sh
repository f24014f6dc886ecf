#!/usr/bin/env bash
# Put the district scale kit on a server that runs The Littlest JupyterHub (TLJH).
#
# Run it as root from a copy of the kit's repository, after TLJH is installed:
#
#   sudo deploy/tljh/setup.sh --public-url https://convening.example.org [--cohort DIR] [--db-url URL]
#
# It installs the kit into TLJH's user environment, copies the cohort, sets up the answer store
# (a PostgreSQL on this server unless --db-url names one), writes the settings to /srv/kit/kit.env,
# hands them to the hub through a systemd drop-in, installs deploy/jupyterhub_config.py as a TLJH
# config file (the hub then runs `kit serve` as its service at /services/kit/) and reloads the hub.
# Run it again after pulling a new version of the kit, or to change a setting; settings not given
# again keep their value. Reloading restarts the worksheets: do it between sessions. docs/deploy.md
# walks through it.
set -euo pipefail

SOURCE="$(cd "$(dirname "$0")/../.." && pwd)"
TLJH=/opt/tljh
USER_PYTHON="$TLJH/user/bin/python"
HOME_DIR=/srv/kit
ENV_FILE="$HOME_DIR/kit.env"
SERVICE_USER=kit

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
fail() { echo "setup.sh: $*" >&2; exit 2; }

public_url="" cohort="" db_url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --public-url) public_url="${2:?--public-url needs a URL}"; shift 2 ;;
    --cohort) cohort="${2:?--cohort needs a folder}"; shift 2 ;;
    --db-url) db_url="${2:?--db-url needs a URL}"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "setup.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

[ "$(id -u)" = 0 ] || fail "run it as root (sudo)"
[ -x "$USER_PYTHON" ] || fail "no TLJH user environment at $TLJH/user — install TLJH first (docs/deploy.md, step 1)"
"$USER_PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || fail "the kit needs Python 3.11 or newer; $USER_PYTHON is $("$USER_PYTHON" -V)"
if [ ! -f "$SOURCE/pyproject.toml" ] || [ ! -d "$SOURCE/notebooks" ]; then fail "run it from the kit's repository"; fi

previous() {  # a setting's value from an earlier run, or nothing
  if [ -f "$ENV_FILE" ]; then sed -n "s/^$1='\(.*\)'$/\1/p" "$ENV_FILE" | tail -n 1; fi
}
public_url="${public_url:-$(previous KIT_PUBLIC_URL)}"
db_url="${db_url:-$(previous KIT_DB_URL)}"
[ -n "$public_url" ] || fail "give --public-url, the hub's address as people type it (https://…)"

echo "== the kit's service user and folders"
install -d -o root -g root -m 755 "$HOME_DIR" "$HOME_DIR/cohorts"
id "$SERVICE_USER" >/dev/null 2>&1 \
  || useradd --system --home-dir "$HOME_DIR/home" --create-home --shell /usr/sbin/nologin "$SERVICE_USER"
install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 750 "$HOME_DIR/data"

echo "== the kit's files in $HOME_DIR/src, the package in TLJH's user environment"
rm -rf "$HOME_DIR/src.new" && mkdir "$HOME_DIR/src.new"
tar -C "$SOURCE" --exclude=./.git --exclude=./.venv --exclude=./kit-data --exclude=./packets -cf - . \
  | tar -C "$HOME_DIR/src.new" -xf -
rm -rf "$HOME_DIR/src" && mv "$HOME_DIR/src.new" "$HOME_DIR/src"
chmod -R a+rX "$HOME_DIR/src"
"$USER_PYTHON" -m pip install --quiet --no-cache-dir "$HOME_DIR/src[postgres]"

if [ -n "$cohort" ]; then
  [ -d "$cohort" ] || fail "$cohort: no such folder"
  name="$(basename "$(cd "$cohort" && pwd)")"
  rm -rf "${HOME_DIR:?}/cohorts/$name" && cp -r "$cohort" "$HOME_DIR/cohorts/$name"
  chmod -R a+rX "$HOME_DIR/cohorts/$name"
  cohort="$HOME_DIR/cohorts/$name"
else
  cohort="$(previous KIT_COHORT)"
  cohort="${cohort:-$HOME_DIR/src/sample_districts}"
fi
KIT_HOME="$HOME_DIR/src" "$USER_PYTHON" -m kit.cli validate "$cohort"

if [ -z "$db_url" ]; then
  echo "== a PostgreSQL server on this machine for the answers"
  if ! command -v psql >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  password="$("$USER_PYTHON" -c 'import secrets; print(secrets.token_hex(24))')"
  if sudo -u postgres psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'kit'" | grep -q 1; then
    sudo -u postgres psql -qc "ALTER ROLE kit LOGIN PASSWORD '$password'"
  else
    sudo -u postgres psql -qc "CREATE ROLE kit LOGIN PASSWORD '$password'"
  fi
  sudo -u postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'kit'" | grep -q 1 \
    || sudo -u postgres createdb --owner kit kit
  db_url="postgresql+psycopg://kit:$password@127.0.0.1:5432/kit"
fi

echo "== settings in $ENV_FILE (readable by root only: it holds the database password)"
for value in "$public_url" "$db_url" "$cohort"; do
  case "$value" in *"'"*|*$'\n'*) fail "a setting may not contain a quote or a line break: $value" ;; esac
done
umask 077
cat > "$ENV_FILE" <<EOF
# Written by deploy/tljh/setup.sh; read by the hub (systemd EnvironmentFile) and by kit-hub.
KIT_PUBLIC_URL='${public_url%/}'
KIT_DB_URL='$db_url'
KIT_COHORT='$cohort'
KIT_HOME='$HOME_DIR/src'
KIT_DATA='$HOME_DIR/data'
KIT_PYTHON='$USER_PYTHON'
KIT_SERVICE_USER='$SERVICE_USER'
KIT_CULL_MINUTES='$(previous KIT_CULL_MINUTES | grep . || echo 30)'
KIT_POOL='$(previous KIT_POOL)'
EOF
umask 022
install -m 755 "$SOURCE/deploy/tljh/kit-hub" /usr/local/bin/kit-hub

echo "== the hub: environment, config file, TLJH settings"
install -d /etc/systemd/system/jupyterhub.service.d
printf '[Service]\nEnvironmentFile=%s\n' "$ENV_FILE" > /etc/systemd/system/jupyterhub.service.d/kit.conf
systemctl daemon-reload
install -d "$TLJH/config/jupyterhub_config.d"
install -m 644 "$SOURCE/deploy/jupyterhub_config.py" "$TLJH/config/jupyterhub_config.d/kit.py"
tljh-config set user_environment.default_app jupyterlab
tljh-config set services.cull.timeout 3600
tljh-config reload hub

echo "== checking the worksheets answer at /services/kit/"
for _ in $(seq 60); do
  if curl -fsS -o /dev/null "http://127.0.0.1:8866/services/kit/voila/static/voila.js"; then  # pages need a link
    echo "The worksheets are up. Make the team links: sudo kit-hub links --out links.csv"
    exit 0
  fi
  sleep 2
done
fail "the kit service did not answer; read: journalctl -u jupyterhub --since -5min"
