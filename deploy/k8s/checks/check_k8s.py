"""Checks of the rendered kustomize overlays that need no cluster (run by deploy/validate.sh).

    python deploy/k8s/checks/check_k8s.py --builtin-out DIR dev=rendered-dev.yaml prod=rendered-prod.yaml

1. Splits every rendered overlay into built-in Kubernetes kinds (written to DIR/<overlay>.yaml for
   kubernetes-validate) and Strimzi custom resources (checked here). Any other custom resource fails:
   nothing would validate it.
2. Strimzi resources against the fields Strimzi documents for kafka.strimzi.io/v1beta2 (Kafka,
   KafkaNodePool, KafkaTopic, KafkaUser): required fields, enums, KRaft + node-pool wiring, forbidden
   broker config keys, ACL shapes. No CRD OpenAPI schema is used: this is a hand-written subset.
3. The agencies' KafkaUsers (label dvc.gov.vn/role=agency) are exactly the systems of
   dvc_contracts.agencies.SYSTEMS, each with exactly its own ACLs: Write+Describe on its
   agency-status-reported.<id>, Read+Describe on its agency-status-rejected.<id>, Read on groups prefixed
   with its name. Nobody but agency-<id> writes agency-status-reported.<id>; only dvc-dossier writes the
   shared agency-status-reported; dvc-dossier writes every rejection topic; no agency reads a rejection
   topic but its own (not the shared one either).
4. Consistency: KafkaTopics == deploy/compose/kafka/topics.tsv + topics-agencies.tsv (names, partitions,
   configs); the contracts' topic names (dvc_contracts.topics.ALL_TOPICS) are all provisioned; HPA
   maxReplicas <= partitions of its scale topic; every Deployment's Kafka user is a KafkaUser with a groups
   prefixed dvc-<service>; no Secret is inlined; ports and commands match the pinned table; the dev
   PostgreSQL init script is the compose one.
5. The web fronts (check_web.py): no development setting in an overlay whose DVC_ENV is production (the
   portal's development sign-in, insecure cookies, the payment sandbox, fake SMS gateways); the portal's secrets
   referenced by name and required; the portal reaches the services' HTTP ports (8001-8005) only; HTTPS out of
   the cluster only from payment, notify and the portal (its OpenID Provider).

Prints one line per check group and exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "contracts" / "src"))  # validate.sh's venv has no workspace packages
from dvc_contracts import agencies as registry  # noqa: E402 (stdlib only)
from dvc_contracts import topics as contracts  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_web import check_web  # noqa: E402
from check_web import mutations as web_mutations  # noqa: E402

SYSTEMS = {s.principal: s for s in registry.SYSTEMS}
TOPIC_TABLES = ("deploy/compose/kafka/topics.tsv", "deploy/compose/kafka/topics-agencies.tsv")
STRIMZI_GROUP = "kafka.strimzi.io"
STRIMZI_VERSION = "kafka.strimzi.io/v1beta2"
STRIMZI_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}

SERVICES = {  # pinned by the lead: name -> HTTP port
    "reporting": 8000,
    "catalog": 8001,
    "dossier": 8002,
    "payment": 8003,
    "feedback": 8004,
    "notify": 8005,
    "portal": 8006,
}
EXTRA_TOPICS = {"sms-outbound", "sms-receipts"}  # notify's Kafka-native SMS channel
INGRESS_TOPIC = "agency-status-reported"
REJECTED_TOPIC = "agency-status-rejected"

# Strimzi documentation (GenericKafkaListener, KafkaAuthorization*, KafkaUserAuthentication, AclRule,
# KafkaNodePoolSpec, storage types, KafkaClusterSpec.config forbidden options).
LISTENER_TYPES = {"internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip"}
LISTENER_AUTH = {"tls", "scram-sha-512", "oauth", "custom"}
CLUSTER_AUTHZ = {"simple", "opa", "keycloak", "custom"}
USER_AUTH = {"tls", "tls-external", "scram-sha-512"}
ACL_RESOURCE_TYPES = {"topic", "group", "cluster", "transactionalId"}
ACL_PATTERN_TYPES = {"literal", "prefix"}
ACL_OPERATIONS = {
    "Read",
    "Write",
    "Create",
    "Delete",
    "Alter",
    "Describe",
    "ClusterAction",
    "AlterConfigs",
    "DescribeConfigs",
    "IdempotentWrite",
    "All",
}
ACL_TYPES = {"allow", "deny"}
NODE_ROLES = {"controller", "broker"}
STORAGE_TYPES = {"ephemeral", "persistent-claim", "jbod"}
JBOD_VOLUME_TYPES = {"ephemeral", "persistent-claim"}
RESERVED_PORTS = {9090, 9091, 9404, 9999}
FORBIDDEN_CONFIG_PREFIXES = (
    "listeners",
    "advertised.",
    "broker.",
    "listener.",
    "host.name",
    "port",
    "inter.broker.listener.name",
    "sasl.",
    "ssl.",
    "security.",
    "password.",
    "log.dir",
    "zookeeper.",
    "authorizer.",
    "super.user",
    "cruise.control.metrics.topic",
    "cruise.control.metrics.reporter.bootstrap.servers",
    "node.id",
    "process.roles",
    "controller.",
    "metadata.log.dir",
)
FORBIDDEN_CONFIG_EXCEPTIONS = (
    "ssl.cipher.suites",
    "ssl.protocol",
    "ssl.enabled.protocols",
    "ssl.secure.random.implementation",
    "cruise.control.metrics.topic.num.partitions",
    "cruise.control.metrics.topic.replication.factor",
    "cruise.control.metrics.topic.retention.ms",
    "cruise.control.metrics.topic.auto.create.retries",
    "cruise.control.metrics.topic.auto.create.timeout.ms",
    "cruise.control.metrics.topic.min.insync.replicas",
    "controller.quorum.election.backoff.max.ms",
    "controller.quorum.election.timeout.ms",
    "controller.quorum.fetch.timeout.ms",
)
# DNS-1123 subdomain: a KafkaTopic's name (agency systems' topics are <event type>.<system id>)
TOPIC_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LISTENER_NAME = re.compile(r"^[a-z0-9]{1,11}$")


class Report:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.notes: list[str] = []

    def check(self, ok: object, msg: str) -> bool:
        if not ok:
            self.errors.append(msg)
        return bool(ok)


def load_docs(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def ident(doc: Any) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def load_topics_tsv() -> dict[str, tuple[int, dict[str, str]]]:
    """The compose topic tables: the portal's own (topics.tsv) and the agency systems' (rendered)."""
    table: dict[str, tuple[int, dict[str, str]]] = {}
    for path in TOPIC_TABLES:
        for raw in (ROOT / path).read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            name, partitions, *configs = line.split()
            if name in table:
                raise SystemExit(f"topic {name} appears twice in {' + '.join(TOPIC_TABLES)}")
            table[name] = (int(partitions), dict(c.split("=", 1) for c in configs))
    return table


def contract_topics() -> set[str]:
    """Every topic the contracts name: dvc_contracts.topics.ALL_TOPICS (each agency system's included)."""
    return set(contracts.ALL_TOPICS)


# ----------------------------------------------------------------------------------- Strimzi
def check_kafka(rep: Report, doc: Any) -> None:
    name = ident(doc)
    ann = doc.get("metadata", {}).get("annotations", {}) or {}
    rep.check(
        ann.get("strimzi.io/kraft") == "enabled", f"{name}: annotation strimzi.io/kraft: enabled missing"
    )
    rep.check(
        ann.get("strimzi.io/node-pools") == "enabled",
        f"{name}: annotation strimzi.io/node-pools: enabled missing",
    )
    spec = doc.get("spec") or {}
    rep.check("zookeeper" not in spec, f"{name}: spec.zookeeper present in a KRaft cluster")
    kafka: Any = spec.get("kafka")
    if not rep.check(isinstance(kafka, dict), f"{name}: spec.kafka is required"):
        return
    rep.check(isinstance(kafka.get("version"), str), f"{name}: spec.kafka.version should be a string")
    listeners = kafka.get("listeners")
    if rep.check(isinstance(listeners, list) and listeners, f"{name}: spec.kafka.listeners is required"):
        seen_names, seen_ports = set(), set()
        for lst in listeners:
            lname = str(lst.get("name"))
            rep.check(
                bool(LISTENER_NAME.match(lname)),
                f"{name}: listener name {lname!r} must match [a-z0-9]{{1,11}}",
            )
            rep.check(lname not in seen_names, f"{name}: listener name {lname} repeated")
            seen_names.add(lname)
            port = lst.get("port")
            rep.check(
                isinstance(port, int) and port >= 9092 and port not in RESERVED_PORTS,
                f"{name}: listener {lname} port {port} must be an int >= 9092 and not 9404/9999",
            )
            rep.check(port not in seen_ports, f"{name}: listener port {port} repeated")
            seen_ports.add(port)
            rep.check(lst.get("type") in LISTENER_TYPES, f"{name}: listener {lname} type {lst.get('type')!r}")
            rep.check(isinstance(lst.get("tls"), bool), f"{name}: listener {lname}: tls (bool) is required")
            auth = lst.get("authentication")
            if auth is not None:
                rep.check(
                    auth.get("type") in LISTENER_AUTH,
                    f"{name}: listener {lname} auth type {auth.get('type')!r}",
                )
                if auth.get("type") == "tls":
                    rep.check(
                        lst.get("tls") is True,
                        f"{name}: listener {lname}: tls authentication needs tls: true",
                    )
    authz = kafka.get("authorization")
    if authz is not None:
        rep.check(
            authz.get("type") in CLUSTER_AUTHZ, f"{name}: spec.kafka.authorization.type {authz.get('type')!r}"
        )
    for key in kafka.get("config") or {}:
        forbidden = key.startswith(FORBIDDEN_CONFIG_PREFIXES) and not key.startswith(
            FORBIDDEN_CONFIG_EXCEPTIONS
        )
        rep.check(not forbidden, f"{name}: spec.kafka.config.{key} is managed by Strimzi and may not be set")
    for key in ("replicas", "storage"):
        if key in kafka:
            rep.notes.append(f"{name}: spec.kafka.{key} is ignored when node pools are enabled")
    eo = spec.get("entityOperator") or {}
    rep.check(
        "topicOperator" in eo, f"{name}: spec.entityOperator.topicOperator needed for KafkaTopic resources"
    )
    rep.check(
        "userOperator" in eo, f"{name}: spec.entityOperator.userOperator needed for KafkaUser resources"
    )


def check_storage(rep: Report, name: str, storage: Any) -> None:
    if not rep.check(isinstance(storage, dict), f"{name}: spec.storage is required"):
        return
    stype = storage.get("type")
    rep.check(stype in STORAGE_TYPES, f"{name}: storage type {stype!r}")
    if stype == "persistent-claim":
        rep.check(bool(storage.get("size")), f"{name}: persistent-claim storage needs size")
    if stype == "jbod":
        vols = storage.get("volumes")
        if rep.check(isinstance(vols, list) and vols, f"{name}: jbod storage needs volumes"):
            ids = [v.get("id") for v in vols]
            rep.check(
                len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids), f"{name}: jbod volume ids"
            )
            shared = [v for v in vols if v.get("kraftMetadata") == "shared"]
            rep.check(len(shared) <= 1, f"{name}: at most one jbod volume may have kraftMetadata: shared")
            for v in vols:
                rep.check(v.get("type") in JBOD_VOLUME_TYPES, f"{name}: jbod volume type {v.get('type')!r}")
                if v.get("type") == "persistent-claim":
                    rep.check(bool(v.get("size")), f"{name}: jbod persistent-claim volume needs size")


def check_nodepool(rep: Report, doc: Any) -> None:
    name = ident(doc)
    spec = doc.get("spec") or {}
    rep.check(
        isinstance(spec.get("replicas"), int) and spec["replicas"] >= 0,
        f"{name}: spec.replicas (int) required",
    )
    roles = spec.get("roles")
    rep.check(
        isinstance(roles, list) and roles and set(roles) <= NODE_ROLES,
        f"{name}: spec.roles must be a non-empty subset of {sorted(NODE_ROLES)}",
    )
    check_storage(rep, name, spec.get("storage"))


def check_topic(rep: Report, doc: Any, brokers: int) -> None:
    name = ident(doc)
    rep.check(bool(TOPIC_NAME.match(doc["metadata"]["name"])), f"{name}: metadata.name must be DNS-1123")
    spec = doc.get("spec") or {}
    parts, reps = spec.get("partitions"), spec.get("replicas")
    rep.check(isinstance(parts, int) and parts >= 1, f"{name}: spec.partitions must be an int >= 1")
    rep.check(isinstance(reps, int) and 1 <= reps <= 32767, f"{name}: spec.replicas must be an int >= 1")
    if isinstance(reps, int):
        rep.check(reps <= brokers, f"{name}: {reps} replicas but only {brokers} broker(s) in the node pools")
    cfg = spec.get("config") or {}
    rep.check(
        all(isinstance(v, str | int | float | bool) for v in cfg.values()), f"{name}: config values scalar"
    )
    if "cleanup.policy" in cfg:
        rep.check(
            set(str(cfg["cleanup.policy"]).split(",")) <= {"delete", "compact"},
            f"{name}: cleanup.policy {cfg['cleanup.policy']!r}",
        )
    isr = cfg.get("min.insync.replicas")
    if isr is not None and isinstance(reps, int):
        rep.check(
            int(isr) < reps or reps == 1,
            f"{name}: min.insync.replicas {isr} leaves no room for a down broker",
        )


def acl_table(doc: Any) -> dict[tuple[Any, Any, Any], set[str]]:
    table: dict[tuple[Any, Any, Any], set[str]] = defaultdict(set)
    for rule in ((doc.get("spec") or {}).get("authorization") or {}).get("acls") or []:
        res = rule.get("resource") or {}
        ops = rule.get("operations") or ([rule["operation"]] if "operation" in rule else [])
        if rule.get("type", "allow") == "allow":
            table[(res.get("type"), res.get("name", ""), res.get("patternType", "literal"))] |= set(ops)
    return table


def check_user(rep: Report, doc: Any, listener_auth: set[Any]) -> None:
    name = ident(doc)
    spec = doc.get("spec") or {}
    auth = (spec.get("authentication") or {}).get("type")
    if auth is not None:
        rep.check(auth in USER_AUTH, f"{name}: spec.authentication.type {auth!r}")
        wanted = "tls" if auth in {"tls", "tls-external"} else auth
        rep.check(wanted in listener_auth, f"{name}: no Kafka listener offers {wanted} authentication")
    authz = spec.get("authorization")
    if authz is None:
        return
    rep.check(authz.get("type") == "simple", f"{name}: spec.authorization.type must be simple")
    acls = authz.get("acls")
    if not rep.check(isinstance(acls, list) and acls, f"{name}: spec.authorization.acls is required"):
        return
    for i, rule in enumerate(acls):
        where = f"{name}: acls[{i}]"
        res = rule.get("resource")
        if not rep.check(isinstance(res, dict), f"{where}: resource is required"):
            continue
        rtype = res.get("type")
        rep.check(rtype in ACL_RESOURCE_TYPES, f"{where}: resource.type {rtype!r}")
        if rtype != "cluster":
            rep.check(bool(res.get("name")), f"{where}: resource.name is required for {rtype}")
        rep.check(
            res.get("patternType", "literal") in ACL_PATTERN_TYPES,
            f"{where}: patternType {res.get('patternType')!r}",
        )
        rep.check(rule.get("type", "allow") in ACL_TYPES, f"{where}: type {rule.get('type')!r}")
        ops = rule.get("operations")
        if "operation" in rule:
            rep.notes.append(f"{where}: 'operation' is deprecated in v1beta2; use 'operations'")
            ops = [rule["operation"]]
        rep.check(
            isinstance(ops, list) and ops and set(ops) <= ACL_OPERATIONS, f"{where}: operations {ops!r}"
        )


def check_agency_user(rep: Report, doc: Any) -> None:
    user = doc["metadata"]["name"]
    system = SYSTEMS.get(user)
    if not rep.check(system is not None, f"KafkaUser/{user} (agency) is no system of dvc_contracts.agencies"):
        return
    assert system is not None
    expected = {
        ("topic", system.reported_topic, "literal"): {"Write", "Describe"},
        ("topic", system.rejected_topic, "literal"): {"Read", "Describe"},
        ("group", user, "prefix"): {"Read"},
    }
    got = acl_table(doc)
    rep.check(
        dict(got) == expected,
        f"KafkaUser/{user} (agency): ACLs must be exactly {expected}, got {dict(got)}",
    )
    rules = ((doc.get("spec") or {}).get("authorization") or {}).get("acls") or []
    rep.check(
        all(r.get("type", "allow") == "allow" for r in rules), f"KafkaUser/{user}: unexpected deny rule"
    )


# Egress that leaves the cluster (ipBlock): the database for every pod (5432), and HTTPS (443) only from the
# pods that call providers: payment (VNPay, MoMo, PayGov), notify (SMS gateways), the portal (OpenID Provider)
# and dossier (the documents' S3-compatible object store).
EXTERNAL_EGRESS = {
    "dvc-allow-egress-payment-providers": "dvc-payment",
    "dvc-allow-egress-sms-gateways": "dvc-notify",
    "dvc-allow-egress-identity-provider": "dvc-portal",
    "dvc-allow-egress-object-store": "dvc-dossier",
}


def check_egress(rep: Report, overlay: str, policies: list[Any]) -> None:
    by_name = {d["metadata"]["name"]: d for d in policies}
    for name, app in EXTERNAL_EGRESS.items():
        selector = ((by_name.get(name) or {}).get("spec") or {}).get("podSelector", {}).get("matchLabels")
        rep.check(
            selector == {"app.kubernetes.io/name": app}, f"{overlay}: NetworkPolicy {name} must select {app}"
        )
    for name, d in by_name.items():
        for rule in (d.get("spec") or {}).get("egress") or []:
            if not any("ipBlock" in peer for peer in rule.get("to") or []):
                continue
            ports = {pt.get("port") for pt in rule.get("ports") or []}
            allowed = {5432} | ({443} if name in EXTERNAL_EGRESS else set())
            rep.check(
                bool(ports) and ports <= allowed,
                f"{overlay}: NetworkPolicy {name} lets pods out of the cluster on {sorted(ports) or 'every port'}; "
                f"allowed: {sorted(allowed)}",
            )


def check_overlay(rep: Report, overlay: str, docs: list[Any], topics_tsv: Any) -> dict[str, int]:
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for d in docs:
        by_kind[d.get("kind", "?")].append(d)
    start = len(rep.errors)

    # Strimzi kinds and versions
    for d in docs:
        if str(d.get("apiVersion", "")).startswith(STRIMZI_GROUP + "/"):
            rep.check(
                d["apiVersion"] == STRIMZI_VERSION,
                f"{overlay}: {ident(d)} apiVersion must be {STRIMZI_VERSION}",
            )
            rep.check(d["kind"] in STRIMZI_KINDS, f"{overlay}: unknown Strimzi kind {d['kind']}")
    clusters = {d["metadata"]["name"]: d for d in by_kind["Kafka"]}
    rep.check(len(clusters) == 1, f"{overlay}: expected one Kafka resource, found {sorted(clusters)}")
    for d in by_kind["Kafka"]:
        check_kafka(rep, d)
    for kind in ("KafkaNodePool", "KafkaTopic", "KafkaUser"):
        for d in by_kind[kind]:
            label = (d["metadata"].get("labels") or {}).get("strimzi.io/cluster")
            rep.check(
                label in clusters, f"{overlay}: {ident(d)} label strimzi.io/cluster={label!r} names no Kafka"
            )
    namespaces = {d["metadata"].get("namespace") for d in docs if d.get("kind") != "Namespace"}
    rep.check(
        len(namespaces) == 1 and None not in namespaces, f"{overlay}: resources span namespaces {namespaces}"
    )

    # node pools: a controller quorum and brokers
    controllers = brokers = 0
    for d in by_kind["KafkaNodePool"]:
        check_nodepool(rep, d)
        roles = set((d.get("spec") or {}).get("roles") or [])
        n = int((d.get("spec") or {}).get("replicas") or 0)
        controllers += n if "controller" in roles else 0
        brokers += n if "broker" in roles else 0
    rep.check(
        controllers >= 1 and controllers % 2 == 1,
        f"{overlay}: {controllers} KRaft controllers (want odd >= 1)",
    )
    rep.check(brokers >= 3, f"{overlay}: {brokers} brokers; replication 3 needs at least 3")

    # topics
    for d in by_kind["KafkaTopic"]:
        check_topic(rep, d, brokers)
    k8s_topics = {
        (d.get("spec") or {}).get("topicName") or d["metadata"]["name"]: (
            d["spec"]["partitions"],
            {k: str(v) for k, v in (d["spec"].get("config") or {}).items()},
        )
        for d in by_kind["KafkaTopic"]
    }
    rep.check(
        k8s_topics == topics_tsv,
        f"{overlay}: KafkaTopics differ from deploy/compose/kafka/topics.tsv + topics-agencies.tsv: "
        + "; ".join(
            f"{t}: k8s={k8s_topics.get(t)} compose={topics_tsv.get(t)}"
            for t in sorted(set(k8s_topics) | set(topics_tsv))
            if k8s_topics.get(t) != topics_tsv.get(t)
        ),
    )

    # users and ACLs
    listener_auth = {
        (lst.get("authentication") or {}).get("type")
        for k in by_kind["Kafka"]
        for lst in (k.get("spec", {}).get("kafka", {}).get("listeners") or [])
    }
    users = {d["metadata"]["name"]: d for d in by_kind["KafkaUser"]}
    writers: dict[str, set[str]] = defaultdict(set)
    readers: dict[str, set[str]] = defaultdict(set)
    agencies = []
    for d in by_kind["KafkaUser"]:
        check_user(rep, d, listener_auth)
        role = (d["metadata"].get("labels") or {}).get("dvc.gov.vn/role")
        if role == "agency":
            agencies.append(d["metadata"]["name"])
            check_agency_user(rep, d)
        for (rtype, rname, pattern), ops in acl_table(d).items():
            if rtype != "topic":
                continue
            for t in k8s_topics:
                if (pattern == "literal" and rname in (t, "*")) or (
                    pattern == "prefix" and t.startswith(rname)
                ):
                    if ops & {"Write", "All"}:
                        writers[t].add(d["metadata"]["name"])
                    if ops & {"Read", "All"}:
                        readers[t].add(d["metadata"]["name"])
            if pattern == "literal" and rname != "*" and ops & {"Write", "All"}:
                rep.check(
                    rname in k8s_topics,
                    f"{overlay}: KafkaUser/{d['metadata']['name']} writes unknown topic {rname}",
                )
    rep.check(
        set(agencies) == set(SYSTEMS),
        f"{overlay}: agency KafkaUsers {sorted(agencies)} != dvc_contracts.agencies {sorted(SYSTEMS)}",
    )
    rep.check(
        writers[INGRESS_TOPIC] == {"dvc-dossier"},
        f"{overlay}: only dvc-dossier (HTTP ingest) may write {INGRESS_TOPIC}; "
        f"writers: {sorted(writers[INGRESS_TOPIC])}",
    )
    for name, system in SYSTEMS.items():
        own, rejected = system.reported_topic, system.rejected_topic
        rep.check(
            writers[own] == {name}, f"{overlay}: only {name} may write {own}; writers: {sorted(writers[own])}"
        )
        rep.check("dvc-dossier" in writers[rejected], f"{overlay}: dvc-dossier must write {rejected}")
        rep.check("dvc-dossier" in readers[own], f"{overlay}: dvc-dossier must read {own}")
    for t in [REJECTED_TOPIC, *(s.rejected_topic for s in SYSTEMS.values())]:
        agency_readers = readers[t] & set(agencies)
        owner = {n for n, s in SYSTEMS.items() if s.rejected_topic == t}
        rep.check(
            agency_readers <= owner,
            f"{overlay}: no agency but {sorted(owner)} may read {t}; readers: {sorted(agency_readers)}",
        )
    rep.check("dvc-dossier" in writers[REJECTED_TOPIC], f"{overlay}: dvc-dossier must write {REJECTED_TOPIC}")
    for t in sorted(k8s_topics):
        rep.check(bool(writers[t]), f"{overlay}: no KafkaUser may write topic {t}")

    # Deployments: pinned ports/commands, Kafka user exists, secrets by reference
    rep.check(
        not by_kind["Secret"], f"{overlay}: Secrets must be referenced, not rendered: {by_kind['Secret']}"
    )
    deployments = {d["metadata"]["name"]: d for d in by_kind["Deployment"]}
    for svc, port in SERVICES.items():
        dep: Any = deployments.get(f"dvc-{svc}")
        if not rep.check(dep is not None, f"{overlay}: Deployment dvc-{svc} missing"):
            continue
        pod = dep["spec"]["template"]["spec"]
        app: Any = next((c for c in pod["containers"] if c["name"] == "app"), None)
        if not rep.check(app is not None, f"{overlay}: dvc-{svc} has no container 'app'"):
            continue
        cmd = " ".join(app.get("command", []))
        rep.check(
            cmd == f"uvicorn --factory dvc_{svc}.entrypoints.app:create_app --host 0.0.0.0 --port {port}",
            f"{overlay}: dvc-{svc} command {cmd!r}",
        )
        rep.check([p["containerPort"] for p in app.get("ports", [])] == [port], f"{overlay}: dvc-{svc} port")
        # Readiness is /readyz (the database only), never /readyz/broker: a Kafka outage must not take the HTTP
        # front out of the Service (writes wait in the outbox); liveness and start-up never depend on Kafka.
        for probe, path in (
            ("livenessProbe", "/healthz"),
            ("readinessProbe", "/readyz"),
            ("startupProbe", "/healthz"),
        ):
            rep.check(
                (app.get(probe) or {}).get("httpGet", {}).get("path") == path, f"{overlay}: dvc-{svc} {probe}"
            )
        rep.check(bool(app.get("resources", {}).get("requests")), f"{overlay}: dvc-{svc} resource requests")
        env = {e["name"]: e for e in app.get("env", [])}
        db = env.get(f"{svc.upper()}_DATABASE_URL", {})
        rep.check(
            db.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == f"dvc-{svc}-db",
            f"{overlay}: dvc-{svc} {svc.upper()}_DATABASE_URL must come from Secret dvc-{svc}-db",
        )
        kuser = env.get("KAFKA_SASL_USERNAME", {}).get("value")
        pw_secret = (
            env.get("KAFKA_SASL_PASSWORD", {}).get("valueFrom", {}).get("secretKeyRef", {}).get("name")
        )
        rep.check(
            kuser in users and pw_secret == kuser,
            f"{overlay}: dvc-{svc} Kafka user {kuser!r}/secret {pw_secret!r} must be a KafkaUser (Strimzi's Secret)",
        )
        if kuser in users:
            rep.check(
                "Read" in acl_table(users[kuser]).get(("group", f"dvc-{svc}", "prefix"), set()),
                f"{overlay}: KafkaUser/{kuser} needs Read on groups prefixed dvc-{svc} (shared and per-instance)",
            )
        for e in app.get("env", []):
            rep.check(
                "value" not in e or "PASSWORD" not in e["name"], f"{overlay}: dvc-{svc} inlines {e['name']}"
            )
        inits = [c for c in pod.get("initContainers", []) if c["name"] == "migrate"]
        rep.check(
            bool(inits) and inits[0].get("command") == ["python", "-m", "dvckit.migrate", f"dvc_{svc}"],
            f"{overlay}: dvc-{svc} needs the migrate init container",
        )
        rep.check(
            "/" in str(app.get("image")) and ":" in str(app.get("image")),
            f"{overlay}: dvc-{svc} image {app.get('image')!r} not rewritten by the overlay's images:",
        )
        rep.check(
            pod.get("securityContext", {}).get("runAsNonRoot") is True, f"{overlay}: dvc-{svc} runAsNonRoot"
        )

    check_egress(rep, overlay, by_kind["NetworkPolicy"])
    check_web(rep.check, overlay, docs)

    # Services, PDBs, HPAs
    svcs = {d["metadata"]["name"]: d for d in by_kind["Service"]}
    pdbs = {d["metadata"]["name"] for d in by_kind["PodDisruptionBudget"]}
    for svc, port in SERVICES.items():
        s: Any = svcs.get(f"dvc-{svc}")
        rep.check(
            s is not None and s["spec"]["ports"][0]["port"] == port,
            f"{overlay}: Service dvc-{svc} port {port}",
        )
        rep.check(f"dvc-{svc}" in pdbs, f"{overlay}: PodDisruptionBudget dvc-{svc} missing")
    for h in by_kind["HorizontalPodAutoscaler"]:
        hname = h["metadata"]["name"]
        rep.check(
            h["spec"]["scaleTargetRef"]["name"] in deployments, f"{overlay}: HPA {hname} targets nothing"
        )
        rep.check(h["spec"]["minReplicas"] <= h["spec"]["maxReplicas"], f"{overlay}: HPA {hname} min > max")
        topic = (h["metadata"].get("annotations") or {}).get("dvc.gov.vn/scale-topic")
        externals = [m for m in h["spec"].get("metrics", []) if m["type"] == "External"]
        if externals:
            rep.check(
                externals[0]["external"]["metric"]["name"] == "dvc_consumer_lag",
                f"{overlay}: HPA {hname} external metric should be dvc_consumer_lag",
            )
            if rep.check(
                topic in k8s_topics, f"{overlay}: HPA {hname} needs annotation dvc.gov.vn/scale-topic"
            ):
                rep.check(
                    h["spec"]["maxReplicas"] <= k8s_topics[topic][0],
                    f"{overlay}: HPA {hname} maxReplicas {h['spec']['maxReplicas']} > {k8s_topics[topic][0]} "
                    f"partitions of {topic}",
                )
    return {
        "kafka": len(by_kind["Kafka"]),
        "nodepools": len(by_kind["KafkaNodePool"]),
        "topics": len(by_kind["KafkaTopic"]),
        "users": len(by_kind["KafkaUser"]),
        "agencies": len(agencies),
        "controllers": controllers,
        "brokers": brokers,
        "hpas": len(by_kind["HorizontalPodAutoscaler"]),
        "errors": len(rep.errors) - start,
    }


def self_test(docs: list[Any], topics_tsv: Any) -> list[str]:
    """Plant one mistake at a time in a rendered overlay; each must be reported. Returns the misses."""

    def find(kind: str, name: str, ds: list[Any]) -> Any:
        return next(d for d in ds if d.get("kind") == kind and d["metadata"]["name"] == name)

    def agency(ds: list[Any]) -> Any:
        return next(
            d
            for d in ds
            if d.get("kind") == "KafkaUser"
            and (d["metadata"].get("labels") or {}).get("dvc.gov.vn/role") == "agency"
        )

    def extra_agency_read(ds: list[Any]) -> None:
        agency(ds)["spec"]["authorization"]["acls"].append(
            {"resource": {"type": "topic", "name": "dossier-status-changed"}, "operations": ["Read"]}
        )

    def agency_prefix(ds: list[Any]) -> None:
        agency(ds)["spec"]["authorization"]["acls"][0]["resource"]["patternType"] = "prefix"

    def add_acl(user: Any, topic: str, op: str, pattern: str = "literal") -> None:
        user["spec"]["authorization"]["acls"].append(
            {"resource": {"type": "topic", "name": topic, "patternType": pattern}, "operations": [op]}
        )

    def other_system(ds: list[Any]) -> Any:
        return next(s for n, s in SYSTEMS.items() if n != agency(ds)["metadata"]["name"])

    def service_writes_agency_ingress(ds: list[Any]) -> None:
        add_acl(find("KafkaUser", "dvc-dossier", ds), other_system(ds).reported_topic, "Write")

    def service_writes_shared_ingress(ds: list[Any]) -> None:
        add_acl(find("KafkaUser", "dvc-payment", ds), INGRESS_TOPIC, "Write")

    def agency_writes_shared_ingress(ds: list[Any]) -> None:
        add_acl(agency(ds), INGRESS_TOPIC, "Write")

    def agency_writes_other_ingress(ds: list[Any]) -> None:
        add_acl(agency(ds), other_system(ds).reported_topic, "Write")

    def agency_reads_other_rejections(ds: list[Any]) -> None:
        add_acl(agency(ds), other_system(ds).rejected_topic, "Read")

    def agency_reads_shared_rejections(ds: list[Any]) -> None:
        add_acl(agency(ds), REJECTED_TOPIC, "Read")

    def agency_reads_all_rejections(ds: list[Any]) -> None:  # a prefix covers every system's and the shared
        add_acl(agency(ds), REJECTED_TOPIC, "Read", "prefix")

    def dossier_cannot_relay(ds: list[Any]) -> None:
        user = find("KafkaUser", "dvc-dossier", ds)
        acls = user["spec"]["authorization"]["acls"]
        user["spec"]["authorization"]["acls"] = [a for a in acls if a["resource"]["name"] != INGRESS_TOPIC]

    def agency_user_missing(ds: list[Any]) -> None:
        ds.remove(agency(ds))

    def agency_topic_missing(ds: list[Any]) -> None:
        ds.remove(find("KafkaTopic", other_system(ds).rejected_topic, ds))

    def agency_topic_partitions_drift(ds: list[Any]) -> None:
        find("KafkaTopic", other_system(ds).reported_topic, ds)["spec"]["partitions"] = 5

    def bad_operation(ds: list[Any]) -> None:
        find("KafkaUser", "dvc-catalog", ds)["spec"]["authorization"]["acls"][0]["operations"] = ["Publish"]

    def partitions_drift(ds: list[Any]) -> None:
        find("KafkaTopic", INGRESS_TOPIC, ds)["spec"]["partitions"] = 7

    def old_api(ds: list[Any]) -> None:
        next(d for d in ds if d.get("kind") == "Kafka")["apiVersion"] = "kafka.strimzi.io/v1beta1"

    def zookeeper_role(ds: list[Any]) -> None:
        next(d for d in ds if d.get("kind") == "KafkaNodePool")["spec"]["roles"] = ["zookeeper"]

    def forbidden_config(ds: list[Any]) -> None:
        kafka = next(d for d in ds if d.get("kind") == "Kafka")
        kafka["spec"]["kafka"]["config"]["ssl.keystore.location"] = "/x"

    def listener_type(ds: list[Any]) -> None:
        next(d for d in ds if d.get("kind") == "Kafka")["spec"]["kafka"]["listeners"][0]["type"] = "public"

    def inline_password(ds: list[Any]) -> None:
        app = find("Deployment", "dvc-notify", ds)["spec"]["template"]["spec"]["containers"][0]
        app["env"] = [e for e in app["env"] if e["name"] != "KAFKA_SASL_PASSWORD"]
        app["env"].append({"name": "KAFKA_SASL_PASSWORD", "value": "hunter2"})

    def inline_secret(ds: list[Any]) -> None:
        ns = next(d for d in ds if d.get("kind") == "Deployment")["metadata"]["namespace"]
        ds.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x", "namespace": ns}})

    def wrong_port(ds: list[Any]) -> None:
        find("Service", "dvc-payment", ds)["spec"]["ports"][0]["port"] = 8080

    def no_readiness(ds: list[Any]) -> None:
        find("Deployment", "dvc-feedback", ds)["spec"]["template"]["spec"]["containers"][0].pop(
            "readinessProbe"
        )

    def readiness_on_the_broker(ds: list[Any]) -> None:
        probe = find("Deployment", "dvc-dossier", ds)["spec"]["template"]["spec"]["containers"][0]
        probe["readinessProbe"]["httpGet"]["path"] = "/readyz/broker"

    def catalog_reaches_the_internet(ds: list[Any]) -> None:
        ds.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                   "metadata": {"name": "dvc-allow-egress-anything"},
                   "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "dvc-catalog"}},
                            "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}})  # fmt: skip

    def provider_egress_widened(ds: list[Any]) -> None:
        find("NetworkPolicy", "dvc-allow-egress-payment-providers", ds)["spec"]["podSelector"] = {
            "matchLabels": {"app.kubernetes.io/part-of": "cong-dvc"}
        }

    def hpa_over_partitions(ds: list[Any]) -> None:
        hpas = [
            d
            for d in ds
            if d.get("kind") == "HorizontalPodAutoscaler"
            and "dvc.gov.vn/scale-topic" in (d["metadata"].get("annotations") or {})
        ]
        if hpas:
            hpas[0]["spec"]["maxReplicas"] = 100
        else:  # an overlay without HPAs (dev): more topic replicas than brokers instead
            find("KafkaTopic", "fee-paid", ds)["spec"]["replicas"] = 9

    mutations = [
        extra_agency_read, agency_prefix, service_writes_agency_ingress, service_writes_shared_ingress,
        agency_writes_shared_ingress, agency_writes_other_ingress, agency_reads_other_rejections,
        agency_reads_shared_rejections, agency_reads_all_rejections, dossier_cannot_relay,
        agency_user_missing, agency_topic_missing, agency_topic_partitions_drift, bad_operation,
        partitions_drift, old_api, zookeeper_role, forbidden_config, listener_type, inline_password,
        inline_secret, wrong_port, no_readiness, readiness_on_the_broker, hpa_over_partitions,
        catalog_reaches_the_internet, provider_egress_widened, *web_mutations(find),
    ]  # fmt: skip
    missed = []
    for mutate in mutations:
        ds = copy.deepcopy(docs)
        mutate(ds)
        rep = Report()
        check_overlay(rep, "self-test", ds, topics_tsv)
        if not rep.errors:
            missed.append(mutate.__name__)
    print(f"    self-test: {len(mutations) - len(missed)}/{len(mutations)} planted mistakes reported")
    return missed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--builtin-out", type=Path, required=True, help="folder for the built-in kinds, per overlay"
    )
    ap.add_argument("--self-test", action="store_true", help="also check that planted mistakes are caught")
    ap.add_argument("overlays", nargs="+", help="NAME=rendered.yaml")
    args = ap.parse_args(argv)
    rep = Report()
    topics_tsv = load_topics_tsv()
    args.builtin_out.mkdir(parents=True, exist_ok=True)

    # contracts -> provisioned topics
    named = contract_topics()
    missing = sorted(named - set(topics_tsv))
    rep.check(
        not missing, f"topics in contracts but not provisioned in the topic tables/KafkaTopics: {missing}"
    )
    extra = sorted(set(topics_tsv) - named - EXTRA_TOPICS)
    rep.check(not extra, f"topics provisioned but named nowhere in contracts: {extra}")
    not_yet = sorted(EXTRA_TOPICS - named)
    if not_yet:
        rep.notes.append(f"provisioned, not (yet) named in contracts/topics.py: {not_yet}")
    print(
        f"  contracts: {len(named)} topic names in dvc_contracts.topics.ALL_TOPICS "
        f"({len(registry.SYSTEMS)} agency systems), all provisioned"
    )

    # dev PostgreSQL init script == compose's
    compose_init = ROOT / "deploy/compose/postgres/init-databases.sh"
    dev_init = ROOT / "deploy/k8s/overlays/dev/postgres/init-databases.sh"
    rep.check(
        dev_init.read_bytes() == compose_init.read_bytes(),
        "deploy/k8s/overlays/dev/postgres/init-databases.sh differs from deploy/compose/postgres/init-databases.sh",
    )

    for spec in args.overlays:
        overlay, _, path = spec.partition("=")
        docs = load_docs(Path(path))
        builtin = [
            d
            for d in docs
            if "." not in str(d.get("apiVersion", "")).split("/")[0]
            or str(d.get("apiVersion", "")).split("/")[0].endswith(".k8s.io")
        ]
        strimzi = [d for d in docs if str(d.get("apiVersion", "")).startswith(STRIMZI_GROUP + "/")]
        other = [
            ident(d) + " " + str(d.get("apiVersion")) for d in docs if d not in builtin and d not in strimzi
        ]
        rep.check(not other, f"{overlay}: custom resources nobody validates: {other}")
        with (args.builtin_out / f"{overlay}.yaml").open("w", encoding="utf-8") as f:
            yaml.safe_dump_all(builtin, f, sort_keys=False)
        stats = check_overlay(rep, overlay, docs, topics_tsv)
        kinds = sorted({d["kind"] for d in strimzi})
        print(
            f"  {overlay}: {len(docs)} resources = {len(builtin)} built-in (to kubernetes-validate) + "
            f"{len(strimzi)} Strimzi ({', '.join(kinds)}); {stats['controllers']} controllers, "
            f"{stats['brokers']} brokers, {stats['topics']} topics, {stats['users']} users "
            f"({stats['agencies']} agencies), {stats['hpas']} HPAs; {stats['errors']} problem(s)"
        )
        if args.self_test:
            for miss in self_test(docs, topics_tsv):
                rep.errors.append(f"{overlay}: self-test: planted mistake {miss!r} was not reported")

    for note in rep.notes:
        print(f"  note: {note}")
    for err in rep.errors:
        print(f"  FAIL: {err}")
    return 1 if rep.errors else 0


if __name__ == "__main__":
    sys.exit(main())
