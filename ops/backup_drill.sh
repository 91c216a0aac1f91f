#!/usr/bin/env bash
# Backup and restore drill (security.md check 36; GB/T 22239-2019 8.1.4.9), run by `make test-ops`.
#
# Against the PostgreSQL server of DATABASE_URL, never its database: a scratch database is created,
# migrated and filled with the demo data; it is dumped with `pg_dump -Fc` and restored with
# `pg_restore -j 2` into a second scratch database; the two fingerprints (ops/fingerprint.py: row counts,
# decimal sums and an md5 over every money table's rows, the django_migrations list) must be identical and
# `manage.py migrate --check` must pass on the restored copy. Roles and grants are saved with
# `pg_dumpall --globals-only`. Both scratch databases are dropped on exit, whatever happened.
#
# Exits non-zero on any difference, and when dump, restore and checks take longer than DRILL_MAX_SECONDS (90).
# Exits 0 with a message when DATABASE_URL is not PostgreSQL (the SQLite laptop run has nothing to dump).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[backup-drill %3ds] %s\n' "$SECONDS" "$*"; }

case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) ;;
  *) log "DATABASE_URL is not a PostgreSQL URL: nothing to drill, skipped."; exit 0 ;;
esac

PY=${PY:-$(if [ -x .venv/bin/python ]; then echo .venv/bin/python; else command -v python3; fi)}
MAX_SECONDS=${DRILL_MAX_SECONDS:-90}
started=$SECONDS
suffix="$(date -u +%Y%m%d%H%M%S)_$$"
src_db="ipfin_drill_${suffix}_src"
dst_db="ipfin_drill_${suffix}_restored"

# The same server, user and options as DATABASE_URL, another database name.
url_for() {
  "$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' \
    "$DATABASE_URL" "$1"
}
admin_url=$(url_for postgres)
src_url=$(url_for "$src_db")
dst_url=$(url_for "$dst_db")

out_dir="${PORTAL_VAR_DIR:-var}/backup-drill"
mkdir -p "$out_dir"
work=$(mktemp -d)

cleanup() {
  local status=$?
  for db in "$src_db" "$dst_db"; do
    psql -q -X "$admin_url" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 \
      || log "could not drop scratch database $db: drop it by hand"
  done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT INT TERM

# The scratch run must not reach the shared broker or cache: no REDIS_URL, its own var directory.
in_db() {  # in_db URL COMMAND...: manage.py against that database
  local url=$1; shift
  env -u REDIS_URL DATABASE_URL="$url" PORTAL_VAR_DIR="$work/var" DJANGO_DEBUG=1 "$PY" manage.py "$@"
}

log "creating $src_db, migrating and loading the demo data"
psql -q -X -v ON_ERROR_STOP=1 "$admin_url" -c "CREATE DATABASE \"$src_db\"" >/dev/null
in_db "$src_url" migrate --noinput -v 0
in_db "$src_url" seed_demo >"$work/seed.log" 2>&1 || { tail -n 40 "$work/seed.log"; exit 1; }
env -u REDIS_URL PORTAL_VAR_DIR="$work/var" "$PY" ops/fingerprint.py "$src_url" >"$work/before.json"

setup_seconds=$((SECONDS - started))
drill_started=$SECONDS
log "pg_dump -Fc"
pg_dump -Fc -d "$src_url" -f "$work/portal.dump"

log "pg_restore -j 2 into $dst_db"
psql -q -X -v ON_ERROR_STOP=1 "$admin_url" -c "CREATE DATABASE \"$dst_db\"" >/dev/null
pg_restore -j 2 --exit-on-error -d "$dst_url" "$work/portal.dump"
env -u REDIS_URL PORTAL_VAR_DIR="$work/var" "$PY" ops/fingerprint.py "$dst_url" >"$work/after.json"

cp "$work/before.json" "$out_dir/fingerprint.json"
if ! diff -u "$work/before.json" "$work/after.json" >"$work/fingerprint.diff"; then
  head -n 60 "$work/fingerprint.diff"
  log "FAILED: the restored database differs from the dumped one"
  exit 1
fi
tables=$(grep -c '"md5"' "$work/before.json" || true)
log "fingerprints match ($tables money tables, every table's row count, the migration list)"

log "manage.py migrate --check on the restored database"
if ! in_db "$dst_url" migrate --check --noinput >"$work/migrate-check.log" 2>&1; then
  cat "$work/migrate-check.log"
  log "FAILED: the restored database lacks migrations of this checkout"
  exit 1
fi

log "pg_dumpall --globals-only (roles and grants)"
pg_dumpall --globals-only -d "$admin_url" -f "$out_dir/globals.sql"
grep -q 'CREATE ROLE' "$out_dir/globals.sql" || { log "FAILED: no roles in the globals dump"; exit 1; }

# The budget covers the backup and restore itself (what a real recovery waits for); creating and seeding the
# scratch database is setup, whose time depends on how busy the machine is.
drill_seconds=$((SECONDS - drill_started))
if [ "$drill_seconds" -gt "$MAX_SECONDS" ]; then
  log "FAILED: dump, restore and checks took ${drill_seconds} s, over the ${MAX_SECONDS} s budget"
  exit 1
fi
log "passed: setup ${setup_seconds} s, dump + restore + checks ${drill_seconds} s; fingerprint and globals in $out_dir"
