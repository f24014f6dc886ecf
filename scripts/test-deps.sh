#!/usr/bin/env bash
# What `make test` needs outside .venv, installed when missing, the way `playwright install --with-deps` does:
#   Debian's chromium (/usr/bin/chromium)                    for the browser tests (Playwright drives it)
#   Debian's postgresql (/usr/lib/postgresql/*/bin/initdb)    for the PostgreSQL store tests (scripts/postgres.sh)
#   Debian's poppler-utils (pdfimages, pdftoppm)              for the packet PDF test (its charts and pages)
#   configurable-http-proxy from npm (npm from apt if absent) for tests/deploy's local JupyterHub
#
# As root with apt-get it installs what is missing (one `apt-get update`, then `apt-get install -y`).
# Otherwise it installs nothing and exits 1 with one line per missing piece naming the command to run.
# Nothing present is installed again, and when nothing is missing it prints nothing.
set -euo pipefail

CHP=configurable-http-proxy@5.3.0

apt_packages=()    # Debian packages to install
need_chp=false
[[ -x /usr/bin/chromium ]] || apt_packages+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || apt_packages+=(postgresql)
command -v pdfimages >/dev/null && command -v pdftoppm >/dev/null || apt_packages+=(poppler-utils)
if ! command -v configurable-http-proxy >/dev/null; then
  need_chp=true
  command -v npm >/dev/null || apt_packages+=(npm)
fi

[[ ${#apt_packages[@]} -eq 0 && $need_chp == false ]] && exit 0

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    how="not root, so not installed; run: sudo"
  else
    how="no apt-get here, so not installed; on Debian run:"
  fi
  for package in "${apt_packages[@]}"; do
    case $package in
      chromium) what="Debian's chromium (/usr/bin/chromium) for the browser tests" ;;
      postgresql) what="Debian's postgresql (/usr/lib/postgresql/*/bin/initdb) for the PostgreSQL tests" ;;
      poppler-utils) what="Debian's poppler-utils (pdfimages, pdftoppm) for the packet PDF test" ;;
      npm) what="npm, to install configurable-http-proxy" ;;
    esac
    echo "missing $what ($how apt-get install -y $package)" >&2
  done
  if $need_chp; then
    echo "missing configurable-http-proxy for the JupyterHub tests ($how npm install --global $CHP)" >&2
  fi
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt=(apt-get -o DPkg::Lock::Timeout=600 -qq)
if [[ ${#apt_packages[@]} -gt 0 ]]; then
  echo "test-deps.sh: installing ${apt_packages[*]} with apt-get" >&2
  "${apt[@]}" update
  "${apt[@]}" install -y "${apt_packages[@]}" >/dev/null
fi
if $need_chp; then
  echo "test-deps.sh: installing $CHP with npm" >&2
  npm install --global --silent "$CHP"
fi
