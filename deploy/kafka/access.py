"""Who may do what on Kafka: the one source of the portal's Kafka principals, their ACLs, the agency topics.

Renders, from the tables below and the agency systems of dvc_contracts.agencies.SYSTEMS:

    deploy/k8s/base/kafka/users-{services,agencies,gateways}.yaml   Strimzi KafkaUsers (users and ACLs)
    deploy/k8s/base/kafka/topics-agencies.yaml                      KafkaTopics of every system's own topics
    deploy/compose/kafka/topics-agencies.tsv                        the same topics for compose's topic-init
    deploy/compose/kafka/acls.tsv                                   compose's EXTERNAL users (SCRAM) and ACLs

The tests create the same users and ACLs on a real Apache Kafka with SASL/SCRAM and prove each rule
(tests/security/test_kafka_acls.py). deploy/validate.sh fails when a rendered file is stale.

    python deploy/kafka/access.py --write    # after changing the tables below or dvc_contracts.agencies
    python deploy/kafka/access.py --check    # exit 1 when a rendered file differs

Rules: a service reads every topic, writes only the topics of the events it owns (a topic is named after its
event type) and dead-letter, and uses consumer groups named ``dvc-<service>`` or ``dvc-<service>-…`` (a prefix:
dossier's per-instance group ``dvc-dossier-<host>-<pid>`` follows the procedure topics on every instance).
Dossier also writes the shared agency-status-reported (its HTTP ingest relays accepted reports there through
its outbox) and every agency-status-rejected topic (a prefix: the shared one and each system's own).
An agency system ``<id>`` (principal ``agency-<id>``) writes only agency-status-reported.<id>, reads only
agency-status-rejected.<id>, and uses groups prefixed with its principal: nothing on the shared topics,
nothing of another system. An SMS gateway reads sms-outbound and writes sms-receipts. Nobody else writes
an ingress.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
try:
    from dvc_contracts import agencies as registry
except ModuleNotFoundError:  # deploy/validate.sh runs this with its own venv, without the workspace packages
    sys.path.insert(0, str(ROOT / "contracts" / "src"))
    from dvc_contracts import agencies as registry

OUT: Final = ROOT / "deploy" / "k8s" / "base" / "kafka"
COMPOSE: Final = ROOT / "deploy" / "compose" / "kafka"
CLUSTER: Final = "dvc-kafka"
INGRESS, REJECTED, DEAD_LETTER = "agency-status-reported", "agency-status-rejected", "dead-letter"
SYSTEMS: Final = registry.SYSTEMS  # agencies' one-stop systems: one principal and two topics each


@dataclass(frozen=True)
class Acl:
    resource: str  # topic | group
    name: str
    pattern: str  # literal | prefix
    operations: tuple[str, ...]


@dataclass(frozen=True)
class Principal:
    name: str
    role: str  # service | agency | sms-gateway
    authentication: str  # scram-sha-512 | tls
    acls: tuple[Acl, ...]
    annotations: tuple[tuple[str, str], ...] = ()
    system: str | None = None  # an agency's system id


# Events each service publishes (its topics); every service also reads all topics and writes dead-letter.
SERVICE_WRITES: Final[dict[str, tuple[str, ...]]] = {
    "catalog": ("procedure-published", "procedure-retired"),
    "dossier": ("dossier-submitted", "dossier-status-changed", "dossier-forwarded", INGRESS,
                "payment-requested", "refund-requested", "sms-requested"),
    "payment": ("fee-paid", "payment-failed", "payment-expired", "fee-refunded", "refund-failed", "fine-issued",
                "fine-settled", "sms-requested"),
    "feedback": ("feedback-received", "feedback-answered", "feedback-status-changed", "feedback-overdue",
                 "sms-requested"),
    "notify": ("sms-sent", "sms-delivered", "sms-failed", "sms-outbound"),
    # sign-ins: the portal's citizens and the dashboard's operators (a pseudonymous id only)
    "reporting": ("account-registered", "account-signed-in"),
    "portal": ("account-registered", "account-signed-in"),
}  # fmt: skip
# Topics a service writes by name prefix: dossier refuses agency reports to the shared agency-status-rejected
# (records it cannot attribute to a system) and to each system's agency-status-rejected.<id>.
SERVICE_WRITE_PREFIXES: Final[dict[str, tuple[str, ...]]] = {"dossier": (REJECTED,)}
GATEWAYS: Final[tuple[str, ...]] = ("gateway-sms-example",)
# Partitions of each system's own topics; their configs are those of the shared topic in topics.tsv. One
# consumer applies ~7,000 reports/s, so 6 partitions drain a system's 1 M-report backlog in well under a
# minute, and ~100 systems (63 provinces, ministries) stay within a few thousand partitions per cluster.
SYSTEM_TOPIC_PARTITIONS: Final[dict[str, int]] = {INGRESS: 6, REJECTED: 2}
SCRAM: Final = "SCRAM-SHA-512"


def services() -> list[Principal]:
    out = []
    for svc, writes in SERVICE_WRITES.items():
        acls = [Acl("topic", "*", "literal", ("Read", "Describe"))]
        acls += [Acl("topic", t, "literal", ("Write", "Describe")) for t in (*writes, DEAD_LETTER)]
        acls += [
            Acl("topic", t, "prefix", ("Write", "Describe")) for t in SERVICE_WRITE_PREFIXES.get(svc, ())
        ]
        acls.append(Acl("group", f"dvc-{svc}", "prefix", ("Read",)))
        if svc == "reporting":  # pipeline health reads every service group's committed offsets
            acls.append(Acl("group", "dvc-", "prefix", ("Describe",)))
        out.append(Principal(f"dvc-{svc}", "service", "scram-sha-512", tuple(acls)))
    return out


def agencies() -> list[Principal]:
    return [
        Principal(
            s.principal,
            "agency",
            "scram-sha-512",
            (
                Acl("topic", s.reported_topic, "literal", ("Write", "Describe")),
                Acl("topic", s.rejected_topic, "literal", ("Read", "Describe")),
                Acl("group", s.principal, "prefix", ("Read",)),
            ),
            (
                ("dvc.gov.vn/agency", s.name),
                ("dvc.gov.vn/agency-codes", ",".join(sorted(s.agency_codes))),
                ("dvc.gov.vn/provinces", ",".join(sorted(s.provinces)) if s.provinces is not None else "all"),
            ),
            s.id,
        )
        for s in SYSTEMS
    ]


def gateways() -> list[Principal]:
    return [
        Principal(
            user,
            "sms-gateway",
            "scram-sha-512",
            (
                Acl("topic", "sms-outbound", "literal", ("Read", "Describe")),
                Acl("topic", "sms-receipts", "literal", ("Write", "Describe")),
                Acl("group", user, "prefix", ("Read",)),
            ),
        )
        for user in GATEWAYS
    ]


def everyone() -> list[Principal]:
    return [*services(), *agencies(), *gateways()]


def external() -> list[Principal]:
    """The principals outside the portal (agencies' systems, SMS gateways): compose's EXTERNAL users."""
    return [*agencies(), *gateways()]


def acl_lines(principals: list[Principal]) -> list[str]:
    """The ACLs as deploy/kafka/AclTool.java reads them (what Strimzi's User Operator would create)."""
    kind = {"topic": "TOPIC", "group": "GROUP"}
    pattern = {"literal": "LITERAL", "prefix": "PREFIXED"}
    return [
        "\t".join(("ALLOW", f"User:{p.name}", kind[a.resource], a.name, pattern[a.pattern], op.upper()))
        for p in principals
        for a in p.acls
        for op in a.operations
    ]


def _topics_tsv() -> dict[str, tuple[int, tuple[str, ...]]]:
    """deploy/compose/kafka/topics.tsv: the portal's own topics (name -> partitions, key=value configs)."""
    table = {}
    for raw in (COMPOSE / "topics.tsv").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            name, partitions, *configs = line.split()
            table[name] = (int(partitions), tuple(configs))
    return table


def system_topics() -> list[tuple[str, str, int, tuple[str, ...]]]:
    """Every system's own topics: (system id, topic, partitions, configs of the shared topic of its event)."""
    shared = _topics_tsv()
    return [
        (s.id, topic, SYSTEM_TOPIC_PARTITIONS[base], shared[base][1])
        for s in SYSTEMS
        for base, topic in ((INGRESS, s.reported_topic), (REJECTED, s.rejected_topic))
    ]


GENERATED: Final = (
    "# Generated by deploy/kafka/access.py from its tables and dvc_contracts.agencies: do not edit.\n"
)
HEADERS: Final = {
    "services": """\
# One KafkaUser per service (SCRAM-SHA-512 on the internal listener). Strimzi's User Operator
# creates a Secret of the same name (key "password") that the service's Deployment references.
# Each service may read and describe every topic, write only the topics of the events it owns and
# dead-letter, and use consumer groups prefixed dvc-<service> (its shared group and per-instance groups).
# dvc-dossier also writes agency-status-reported (the HTTP ingest's relay) and every topic prefixed
# agency-status-rejected (the shared one and each agency system's own).
""",
    "agencies": """\
# Agencies' one-stop systems (ministries, provinces) that sync dossier statuses to the portal, one
# KafkaUser agency-<id> per system of dvc_contracts.agencies.SYSTEMS, SCRAM-SHA-512 over TLS on the external
# listener (what the agency starter kits in contracts/kits speak): Strimzi's User Operator creates a Secret of
# the same name (key "password") to hand to the agency, with the cluster CA (Secret dvc-kafka-cluster-ca-cert).
# Each system may ONLY write its own agency-status-reported.<id>, read its own agency-status-rejected.<id>
# and use consumer groups prefixed with its user name: nothing on the shared agency topics, nothing of
# another system. Dossier refuses a report for an agency or province the system does not cover.
# To add a system, add it to dvc_contracts/agencies.py and run python deploy/kafka/access.py --write.
""",
    "gateways": """\
# Telecom SMS gateways on notify's Kafka-native channel (SCRAM-SHA-512 over TLS on the external listener):
# read sms-outbound (messages to send), write sms-receipts (delivery receipts), own consumer groups.
""",
    "topics": """\
# Each agency system's own topics (dvc_contracts.agencies.SYSTEMS): agency-status-reported.<id>, its
# status reports (written by agency-<id> alone, read by dossier), and agency-status-rejected.<id>, what
# dossier refused (read by agency-<id> alone). Configs are those of the shared topic in
# deploy/compose/kafka/topics.tsv; partitions per system are set in deploy/kafka/access.py.
# deploy/compose/kafka/topics-agencies.tsv is the same table for compose (validate.sh compares them).
""",
    "topics.tsv": """\
# Each agency system's own topics, for compose's topic-init (create-topics.sh reads it after
# topics.tsv, same columns: name  partitions  configs). The KafkaTopics of
# deploy/k8s/base/kafka/topics-agencies.yaml are the same table.
""",
    "acls.tsv": f"""\
# Users and ACLs of compose's EXTERNAL listener (SASL/{SCRAM}): the agencies' systems and SMS gateways,
# with exactly the ACLs of their Strimzi KafkaUsers. topic-init (create-topics.sh) adds every ACL below and,
# for each principal with a password file in DVC_KAFKA_USERS_DIR (mounted at /etc/dvc/kafka-users), its
# {SCRAM} credential. The services use the super-user dvc on the CLIENT listener.
# Columns: principal  resource (topic|group)  name  pattern (literal|prefixed)  operations (comma-separated)
""",
}


def _user_yaml(p: Principal) -> str:
    labels = f"    strimzi.io/cluster: {CLUSTER}\n"
    labels += (
        "    app.kubernetes.io/part-of: cong-dvc\n"
        if p.role == "service"
        else f"    dvc.gov.vn/role: {p.role}\n"
    )
    if p.system:
        labels += f"    dvc.gov.vn/agency-system: {p.system}\n"
    notes = "".join(f"    {k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in p.annotations)
    notes = f"  annotations:\n{notes}" if notes else ""
    acls = "".join(
        f'      - resource:\n          type: {a.resource}\n          name: "{a.name}"\n'
        f"          patternType: {a.pattern}\n        operations: [{', '.join(a.operations)}]\n"
        for a in p.acls
    )
    return (
        f"apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaUser\nmetadata:\n  name: {p.name}\n  labels:\n{labels}"
        f"{notes}spec:\n  authentication:\n    type: {p.authentication}\n  authorization:\n    type: simple\n"
        f"    acls:\n{acls}"
    )


def _topic_yaml(system: str, topic: str, partitions: int, configs: tuple[str, ...]) -> str:
    config = "".join(f"    {k}: {v}\n" for k, v in (c.split("=", 1) for c in configs))
    return (
        f"apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata:\n  name: {topic}\n  labels:\n"
        f"    strimzi.io/cluster: {CLUSTER}\n    dvc.gov.vn/agency-system: {system}\n"
        f"spec:\n  partitions: {partitions}\n  replicas: 3\n  config:\n{config}"
    )


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)] if rows else []
    return "".join(
        "".join(cell.ljust(w + 2) for cell, w in zip(r, widths, strict=False)) + r[-1] + "\n" for r in rows
    )


def rendered() -> dict[Path, str]:
    groups = {"services": services(), "agencies": agencies(), "gateways": gateways()}
    out = {
        OUT / f"users-{name}.yaml": GENERATED
        + HEADERS[name]
        + "---\n".join(_user_yaml(p) for p in principals)
        for name, principals in groups.items()
    }
    topics = system_topics()
    out[OUT / "topics-agencies.yaml"] = (
        GENERATED + HEADERS["topics"] + "".join("---\n" + _topic_yaml(*t) for t in topics)
    )
    out[COMPOSE / "topics-agencies.tsv"] = (
        GENERATED + HEADERS["topics.tsv"] + _table([(t, str(n), " ".join(c)) for _, t, n, c in topics])
    )
    pattern = {"literal": "literal", "prefix": "prefixed"}
    acl_rows = [
        (p.name, a.resource, a.name, pattern[a.pattern], ",".join(a.operations))
        for p in external()
        for a in p.acls
    ]
    out[COMPOSE / "acls.tsv"] = GENERATED + HEADERS["acls.tsv"] + _table(acl_rows)
    return out


def main(argv: list[str]) -> int:
    files = rendered()
    stale = [
        path for path, text in files.items() if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if "--write" in argv:
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
        print(f"wrote {len(files)} files ({len(stale)} changed)")
        return 0
    for path in stale:
        print(f"stale: {path.relative_to(ROOT)} (run python deploy/kafka/access.py --write)")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
