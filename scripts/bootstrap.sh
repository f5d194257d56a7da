#!/usr/bin/env bash
# Prepares a Debian/Ubuntu machine for npm-tracker, idempotently:
#   1. OS packages the project needs (only the missing ones are installed),
#   2. the virtualenv in .venv with the pinned requirements (reinstalled when they change),
#   3. PostgreSQL and Redis: the ones named by DATABASE_URL / REDIS_URL when set, otherwise local
#      instances on loopback, installed and started here (no systemd needed).
# It writes the connection settings it chose into .env, which the Django settings read.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# --- OS packages --------------------------------------------------------------------------------
# chromium: the browser tests (npm_tracker/tests/browser) drive this one headless; Playwright never
# downloads a browser of its own. openssl: the evidence bundle's signature is checked with it, as
# a recipient would (reports/tests/test_bundle.py).
OS_PACKAGES=(postgresql redis-server gettext libpango-1.0-0 libpangoft2-1.0-0 fontconfig poppler-utils
  chromium openssl)
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
missing=()
for p in "${OS_PACKAGES[@]}"; do have_pkg "$p" || missing+=("$p"); done
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  missing+=("python3-venv")
fi
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "Missing OS packages (${missing[*]}) and no apt-get: install them by hand." >&2
    exit 1
  fi
  log "installing OS packages: ${missing[*]}"
  $SUDO apt-get update -qq
  # Package scripts may try to start services through an init system that is not there; the
  # services are started below, so a policy that forbids starting them is fine.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- virtualenv ---------------------------------------------------------------------------------
REQ_HASH=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
STAMP=".venv/.requirements-$REQ_HASH"
if [ ! -f "$STAMP" ]; then
  log "creating the virtualenv (.venv) and installing requirements"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q -r requirements-dev.txt
  rm -f .venv/.requirements-*
  touch "$STAMP"
fi

# --- settings file ------------------------------------------------------------------------------
touch .env
set_env() {  # set_env NAME VALUE: write NAME=VALUE into .env, replacing an earlier value
  grep -v "^$1=" .env > .env.tmp || true
  printf '%s=%s\n' "$1" "$2" >> .env.tmp
  mv .env.tmp .env
}
# A DATABASE_URL or REDIS_URL already in .env is the one the application uses: the local services
# are still started, but that setting is never replaced (and no database is created for it).
in_env_file() { grep -q "^$1=" .env; }

# --- PostgreSQL ---------------------------------------------------------------------------------
if [ -n "${DATABASE_URL:-}" ]; then
  log "using PostgreSQL from DATABASE_URL"
else
  as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
  }
  if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    log "creating PostgreSQL $version cluster"
    $SUDO pg_createcluster "$version" main >/dev/null
  fi
  read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1)
  if [ "$status" != "online" ]; then
    log "starting PostgreSQL $version/$cluster on port $port"
    $SUDO pg_ctlcluster "$version" "$cluster" start
  fi
  for _ in $(seq 1 30); do
    as_postgres psql -p "$port" -qAtc "SELECT 1" >/dev/null 2>&1 && break
    sleep 1
  done
  as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -qAt >/dev/null <<'SQL'
SELECT 'CREATE ROLE npm_tracker LOGIN CREATEDB PASSWORD ''npm_tracker'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'npm_tracker')\gexec
SQL
  if in_env_file DATABASE_URL; then
    log "PostgreSQL $version ready on 127.0.0.1:$port; the database is the one .env names"
  else
    as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -qAt >/dev/null <<'SQL'
SELECT 'CREATE DATABASE npm_tracker OWNER npm_tracker ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'npm_tracker')\gexec
SQL
    set_env DATABASE_URL "postgres://npm_tracker:npm_tracker@127.0.0.1:$port/npm_tracker"
    log "PostgreSQL $version ready on 127.0.0.1:$port"
  fi
fi

# --- Redis --------------------------------------------------------------------------------------
# Append-only persistence in var/redis: queued work survives a restart of Redis (at most the last
# second of writes is lost on a crash).
REDIS_PERSISTENCE=(--appendonly yes --appendfsync everysec)
if [ -n "${REDIS_URL:-}" ]; then
  log "using Redis from REDIS_URL"
else
  if ! redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    mkdir -p var/redis
    log "starting Redis on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$PWD/var/redis" \
      --logfile "$PWD/var/redis/redis.log" --save "" "${REDIS_PERSISTENCE[@]}" >/dev/null
    for _ in $(seq 1 30); do
      redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && break
      sleep 0.5
    done
  fi
  in_env_file REDIS_URL || set_env REDIS_URL "redis://127.0.0.1:6379/0"
  log "Redis ready on 127.0.0.1:6379"
fi
