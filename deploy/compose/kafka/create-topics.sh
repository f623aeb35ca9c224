#!/usr/bin/env bash
# Creates every topic of the topic tables, or brings an existing one up to date (partitions only grow;
# configs are re-applied); then adds the ACLs of acls.tsv and the SCRAM users of its principals.
# Idempotent: the compose `topic-init` one-shot runs it on every `up`.
#
#   BOOTSTRAP           brokers to talk to (default kafka-1:9092,kafka-2:9092,kafka-3:9092)
#   TOPICS_FILE         the tables, space-separated (default /etc/dvc/topics.tsv /etc/dvc/topics-agencies.tsv)
#   ACLS_FILE           ACLs of the EXTERNAL listener's users, rendered by deploy/kafka/access.py (default
#                       /etc/dvc/acls.tsv; empty: none). Columns: principal, topic|group, name,
#                       literal|prefixed, comma-separated operations
#   USERS_DIR           one file per principal of ACLS_FILE, named like it, holding its password (default
#                       /etc/dvc/kafka-users): its SCRAM-SHA-512 credential is created or reset. A principal
#                       without a file keeps its ACLs but cannot log in
#   REPLICATION_FACTOR  default 3
#   KAFKA_BIN           directory of kafka-topics.sh / kafka-configs.sh / kafka-acls.sh (default /opt/kafka/bin)
#   COMMAND_CONFIG      optional client properties file (SASL/SSL) passed as --command-config
#   DRY_RUN=1           print the commands for a cluster with no topics, run nothing (passwords masked)
set -euo pipefail

BOOTSTRAP=${BOOTSTRAP:-kafka-1:9092,kafka-2:9092,kafka-3:9092}
TOPICS_FILE=${TOPICS_FILE:-/etc/dvc/topics.tsv /etc/dvc/topics-agencies.tsv}
ACLS_FILE=${ACLS_FILE-/etc/dvc/acls.tsv}
USERS_DIR=${USERS_DIR:-/etc/dvc/kafka-users}
REPLICATION_FACTOR=${REPLICATION_FACTOR:-3}
KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}
COMMAND_CONFIG=${COMMAND_CONFIG:-}
DRY_RUN=${DRY_RUN:-0}
SCRAM="SCRAM-SHA-512"

client=(--bootstrap-server "$BOOTSTRAP")
if [[ -n "$COMMAND_CONFIG" ]]; then
  client+=(--command-config "$COMMAND_CONFIG")
fi

run() {
  if [[ "$DRY_RUN" == 1 ]]; then
    printf '%s\n' "$*"
  else
    "$@"
  fi
}

existing=""
if [[ "$DRY_RUN" != 1 ]]; then
  ok=0
  for _ in $(seq 1 60); do
    if existing=$("$KAFKA_BIN/kafka-topics.sh" "${client[@]}" --list 2>/dev/null); then
      ok=1
      break
    fi
    echo "topic-init: waiting for $BOOTSTRAP ..." >&2
    sleep 2
  done
  if [[ "$ok" != 1 ]]; then
    echo "topic-init: cluster $BOOTSTRAP did not answer in 120 s" >&2
    exit 1
  fi
fi

created=0
updated=0
read -ra tables <<<"$TOPICS_FILE"
for table in "${tables[@]}"; do
  while read -r name partitions configs; do
    [[ -z "${name:-}" || "$name" == \#* ]] && continue
    if ! [[ "$partitions" =~ ^[0-9]+$ ]]; then
      echo "topic-init: bad partition count '$partitions' for $name in $table" >&2
      exit 1
    fi
    create_args=()
    alter_list=""
    for kv in $configs; do
      create_args+=(--config "$kv")
      alter_list+="${alter_list:+,}$kv"
    done
    if grep -qxF -- "$name" <<<"$existing"; then
      current=$("$KAFKA_BIN/kafka-topics.sh" "${client[@]}" --describe --topic "$name" \
        | sed -n 's/.*PartitionCount:[[:space:]]*\([0-9]*\).*/\1/p' | head -n 1)
      if [[ -n "$current" && "$current" -lt "$partitions" ]]; then
        run "$KAFKA_BIN/kafka-topics.sh" "${client[@]}" --alter --topic "$name" --partitions "$partitions"
      fi
      if [[ -n "$alter_list" ]]; then
        run "$KAFKA_BIN/kafka-configs.sh" "${client[@]}" --alter --entity-type topics \
          --entity-name "$name" --add-config "$alter_list"
      fi
      updated=$((updated + 1))
    else
      run "$KAFKA_BIN/kafka-topics.sh" "${client[@]}" --create --if-not-exists --topic "$name" \
        --partitions "$partitions" --replication-factor "$REPLICATION_FACTOR" "${create_args[@]}"
      created=$((created + 1))
    fi
  done <"$table"
done

# ACLs first: a user that can log in always has exactly its ACLs.
acls=0
users=()
if [[ -n "$ACLS_FILE" ]]; then
  while read -r principal resource name pattern operations; do
    [[ -z "${principal:-}" || "$principal" == \#* ]] && continue
    if ! [[ "$resource" =~ ^(topic|group)$ && "$pattern" =~ ^(literal|prefixed)$ && -n "${operations:-}" ]]; then
      echo "topic-init: bad ACL line for $principal in $ACLS_FILE" >&2
      exit 1
    fi
    ops=()
    IFS=, read -ra list <<<"$operations"
    for op in "${list[@]}"; do
      ops+=(--operation "$op")
    done
    run "$KAFKA_BIN/kafka-acls.sh" "${client[@]}" --add --allow-principal "User:$principal" "${ops[@]}" \
      "--$resource" "$name" --resource-pattern-type "$pattern"
    acls=$((acls + 1))
    if ! [[ " ${users[*]} " == *" $principal "* ]]; then
      users+=("$principal")
    fi
  done <"$ACLS_FILE"
fi

# SCRAM credentials (kept in the cluster metadata) from the password files, re-applied on every run.
logins=0
for user in "${users[@]}"; do
  file="$USERS_DIR/$user"
  password=""
  if [[ -e "$file" && ! -r "$file" ]]; then
    echo "topic-init: cannot read $file (make it readable by the container's user)" >&2
    exit 1
  elif [[ -e "$file" ]]; then
    IFS= read -r password <"$file" || true
  fi
  if [[ -z "$password" ]]; then
    echo "topic-init: no password in $file: $user has its ACLs but cannot log in" >&2
    continue
  fi
  if ! [[ "$password" =~ ^[A-Za-z0-9._~-]{16,}$ ]]; then
    echo "topic-init: the password of $user must be 16+ characters of A-Z a-z 0-9 . _ ~ - (openssl rand -hex 24)" >&2
    exit 1
  fi
  if [[ "$DRY_RUN" == 1 ]]; then
    password="********"
  fi
  run "$KAFKA_BIN/kafka-configs.sh" "${client[@]}" --alter --entity-type users --entity-name "$user" \
    --add-config "$SCRAM=[password=$password]"
  logins=$((logins + 1))
done

echo "topic-init: $acls ACL line(s) for ${#users[@]} user(s), $logins with a $SCRAM login" >&2
echo "topic-init: $created created, $updated brought up to date (replication factor $REPLICATION_FACTOR)" >&2
