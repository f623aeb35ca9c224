#!/usr/bin/env bash
# Creates every topic in topics.tsv, or brings an existing one up to date (partitions only grow;
# configs are re-applied). Idempotent: the compose `topic-init` one-shot runs it on every `up`.
#
#   BOOTSTRAP           brokers to talk to (default kafka-1:9092,kafka-2:9092,kafka-3:9092)
#   TOPICS_FILE         the table (default /etc/dvc/topics.tsv)
#   REPLICATION_FACTOR  default 3
#   KAFKA_BIN           directory of kafka-topics.sh / kafka-configs.sh (default /opt/kafka/bin)
#   COMMAND_CONFIG      optional client properties file (SASL/SSL) passed as --command-config
#   AGENCY_USERS        space-separated SASL users of agency systems; each gets exactly: Write+Describe
#                       on agency-status-reported, Read+Describe on agency-status-rejected, Read on the
#                       consumer group named like the user (the same shape as the Strimzi KafkaUsers)
#   DRY_RUN=1           print the commands for a cluster with no topics, run nothing
set -euo pipefail

BOOTSTRAP=${BOOTSTRAP:-kafka-1:9092,kafka-2:9092,kafka-3:9092}
TOPICS_FILE=${TOPICS_FILE:-/etc/dvc/topics.tsv}
REPLICATION_FACTOR=${REPLICATION_FACTOR:-3}
KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}
COMMAND_CONFIG=${COMMAND_CONFIG:-}
AGENCY_USERS=${AGENCY_USERS:-}
DRY_RUN=${DRY_RUN:-0}

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
while read -r name partitions configs; do
  [[ -z "${name:-}" || "$name" == \#* ]] && continue
  if ! [[ "$partitions" =~ ^[0-9]+$ ]]; then
    echo "topic-init: bad partition count '$partitions' for $name" >&2
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
done <"$TOPICS_FILE"

acls=0
for user in $AGENCY_USERS; do
  run "$KAFKA_BIN/kafka-acls.sh" "${client[@]}" --add --allow-principal "User:$user" \
    --operation Write --operation Describe --topic agency-status-reported
  run "$KAFKA_BIN/kafka-acls.sh" "${client[@]}" --add --allow-principal "User:$user" \
    --operation Read --operation Describe --topic agency-status-rejected
  run "$KAFKA_BIN/kafka-acls.sh" "${client[@]}" --add --allow-principal "User:$user" \
    --operation Read --group "$user"
  acls=$((acls + 1))
done

echo "topic-init: $acls agency user(s) granted ACLs" >&2
echo "topic-init: $created created, $updated brought up to date (replication factor $REPLICATION_FACTOR)" >&2
