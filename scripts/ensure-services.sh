#!/usr/bin/env bash
# Start what the tests need on this machine if it is not running (CI runs on a clean checkout).
set -euo pipefail
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if [ -n "${DVC_TEST_PG_URL:-}" ]; then
  echo "PostgreSQL: using DVC_TEST_PG_URL"
elif pg_up; then
  echo "PostgreSQL: answering on 127.0.0.1:5432"
elif command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "PostgreSQL: down, starting the local cluster"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 50); do pg_up && break; sleep 0.2; done
  pg_up || { echo "PostgreSQL did not come up" >&2; exit 1; }
else
  echo "PostgreSQL: not running and no local cluster to start; tests will try testcontainers (Docker)" >&2
fi
