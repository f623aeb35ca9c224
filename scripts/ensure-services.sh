#!/usr/bin/env bash
# Start what the tests need on this machine if it is not running (CI runs on a clean checkout).
# PostgreSQL: installed from Debian's packages when missing, started when down, and opened to the
# local `postgres` user on loopback (trust, 127.0.0.1 only) when it asks for a password.
set -euo pipefail
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
pg_install() {
  echo "PostgreSQL: not installed, installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -q postgresql >/dev/null 2>&1 \
    || { as_root apt-get update -q >/dev/null && as_root apt-get install -y -q postgresql >/dev/null; }
}
pg_trust_loopback() {
  PGCONNECT_TIMEOUT=5 psql -w "postgresql://postgres@127.0.0.1:5432/postgres" -qtAc 'select 1' >/dev/null 2>&1 && return 0
  local version hba
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  echo "PostgreSQL: asks the postgres user for a password on 127.0.0.1; adding a loopback trust line to $hba"
  as_root sed -i '1i host all postgres 127.0.0.1/32 trust  # added by scripts/ensure-services.sh (test machine)' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  for _ in $(seq 50); do psql -w "postgresql://postgres@127.0.0.1:5432/postgres" -qtAc 'select 1' >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "PostgreSQL: still refuses the postgres user on 127.0.0.1" >&2
  return 1
}
if [ -n "${DVC_TEST_PG_URL:-}" ]; then
  echo "PostgreSQL: using DVC_TEST_PG_URL"
  exit 0
fi
if pg_up; then
  echo "PostgreSQL: answering on 127.0.0.1:5432"
else
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    pg_install
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  echo "PostgreSQL: down, starting the local cluster $version/main"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 100); do pg_up && break; sleep 0.2; done
  pg_up || { echo "PostgreSQL did not come up" >&2; exit 1; }
fi
pg_trust_loopback
