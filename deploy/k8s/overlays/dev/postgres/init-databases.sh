#!/usr/bin/env bash
# One database per service, each owned by its own login role; no role can connect to another
# service's database. Run once by the postgres image on an empty data directory
# (/docker-entrypoint-initdb.d), or by hand against any PostgreSQL as a superuser:
#
#   POSTGRES_USER=postgres DVC_DB_PASSWORD=... PGHOST=db.example PGPORT=5432 bash init-databases.sh
#
# Safe to run again: existing roles and databases are left as they are.
#   DVC_DB_PASSWORD   password given to each service role (required)
#   DVC_DATABASES     default "catalog dossier payment feedback notify reporting portal"
set -euo pipefail

: "${DVC_DB_PASSWORD:?DVC_DB_PASSWORD must be set}"
DVC_DATABASES=${DVC_DATABASES:-catalog dossier payment feedback notify reporting portal}
POSTGRES_USER=${POSTGRES_USER:-postgres}

for db in $DVC_DATABASES; do
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
    -v db="$db" -v pw="$DVC_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'db', :'pw')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'db') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'db')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'db') \gexec
SQL
  echo "init-databases: database '$db' owned by role '$db'"
done
