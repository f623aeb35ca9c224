"""Who may do what on Kafka: the one source of the portal's Kafka principals and their ACLs.

Renders deploy/k8s/base/kafka/users-{services,agencies,gateways}.yaml (Strimzi KafkaUser resources) and is read
by the tests, which create the same users and ACLs on a real Apache Kafka with SASL/SCRAM and prove each rule
(tests/security/test_kafka_acls.py). deploy/validate.sh fails when a rendered file is stale.

    python deploy/kafka/access.py --write    # after changing the tables below
    python deploy/kafka/access.py --check    # exit 1 when a rendered file differs

Rules: a service reads every topic, writes only the topics of the events it owns (a topic is named after its
event type) and dead-letter, and uses consumer groups named ``dvc-<service>`` or ``dvc-<service>-…`` (a prefix:
dossier's per-instance group ``dvc-dossier-<host>-<pid>`` follows the procedure topics on every instance).
An agency writes agency-status-reported, reads agency-status-rejected, and uses groups prefixed with its own
user name. An SMS gateway reads sms-outbound and writes sms-receipts. Nobody else writes the agency ingress.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
OUT: Final = ROOT / "deploy" / "k8s" / "base" / "kafka"
CLUSTER: Final = "dvc-kafka"
INGRESS, REJECTED, DEAD_LETTER = "agency-status-reported", "agency-status-rejected", "dead-letter"


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
    note: str | None = None


# Events each service publishes (its topics); every service also reads all topics and writes dead-letter.
SERVICE_WRITES: Final[dict[str, tuple[str, ...]]] = {
    "catalog": ("procedure-published", "procedure-retired"),
    "dossier": ("dossier-submitted", "dossier-status-changed", "dossier-forwarded", REJECTED, "payment-requested",
                "refund-requested", "sms-requested"),
    "payment": ("fee-paid", "payment-failed", "payment-expired", "fee-refunded", "refund-failed", "fine-issued",
                "fine-settled", "sms-requested"),
    "feedback": ("feedback-received", "feedback-answered", "feedback-status-changed", "feedback-overdue",
                 "sms-requested"),
    "notify": ("sms-sent", "sms-delivered", "sms-failed", "sms-outbound"),
    "reporting": (),
}  # fmt: skip
# Agencies' one-stop systems (examples; one user per agency system, mutual TLS on the external listener).
AGENCIES: Final[dict[str, str]] = {
    "agency-ha-noi": "UBND Thành phố Hà Nội — one-stop system (example)",
    "agency-bhxh": "Bảo hiểm xã hội Việt Nam — social insurance (example; month-end bursts)",
}
GATEWAYS: Final[tuple[str, ...]] = ("gateway-sms-example",)


def services() -> list[Principal]:
    out = []
    for svc, writes in SERVICE_WRITES.items():
        acls = [Acl("topic", "*", "literal", ("Read", "Describe"))]
        acls += [Acl("topic", t, "literal", ("Write", "Describe")) for t in (*writes, DEAD_LETTER)]
        acls.append(Acl("group", f"dvc-{svc}", "prefix", ("Read",)))
        if svc == "reporting":  # pipeline health reads every service group's committed offsets
            acls.append(Acl("group", "dvc-", "prefix", ("Describe",)))
        out.append(Principal(f"dvc-{svc}", "service", "scram-sha-512", tuple(acls)))
    return out


def agencies() -> list[Principal]:
    return [
        Principal(
            user,
            "agency",
            "tls",
            (
                Acl("topic", INGRESS, "literal", ("Write", "Describe")),
                Acl("topic", REJECTED, "literal", ("Read", "Describe")),
                Acl("group", user, "prefix", ("Read",)),
            ),
            note,
        )
        for user, note in AGENCIES.items()
    ]


def gateways() -> list[Principal]:
    return [
        Principal(
            user,
            "sms-gateway",
            "tls",
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


HEADERS: Final = {
    "services": """\
# One KafkaUser per service (SCRAM-SHA-512 on the internal listener). Strimzi's User Operator
# creates a Secret of the same name (key "password") that the service's Deployment references.
# Each service may read and describe every topic, write only the topics of the events it owns and
# dead-letter, and use consumer groups prefixed dvc-<service> (its shared group and per-instance groups).
""",
    "agencies": """\
# Agencies' one-stop systems (ministries, provinces) that sync dossier statuses to the portal.
# One KafkaUser per agency, mutual TLS on the external listener: Strimzi's User Operator creates a
# Secret of the same name (user.crt, user.key, user.p12, user.password, ca.crt) to hand to the agency,
# together with the cluster CA (Secret dvc-kafka-cluster-ca-cert).
# Each agency may ONLY write agency-status-reported, read agency-status-rejected, and use consumer
# groups prefixed with its user name. To add an agency, add it to AGENCIES in deploy/kafka/access.py.
""",
    "gateways": """\
# Telecom SMS gateways on notify's Kafka-native channel (mutual TLS on the external listener):
# read sms-outbound (messages to send), write sms-receipts (delivery receipts), own consumer groups.
""",
}


def _user_yaml(p: Principal) -> str:
    labels = f"    strimzi.io/cluster: {CLUSTER}\n"
    labels += (
        "    app.kubernetes.io/part-of: cong-dvc\n"
        if p.role == "service"
        else f"    dvc.gov.vn/role: {p.role}\n"
    )
    note = f'  annotations:\n    dvc.gov.vn/agency: "{p.note}"\n' if p.note else ""
    acls = "".join(
        f'      - resource:\n          type: {a.resource}\n          name: "{a.name}"\n'
        f"          patternType: {a.pattern}\n        operations: [{', '.join(a.operations)}]\n"
        for a in p.acls
    )
    return (
        f"apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaUser\nmetadata:\n  name: {p.name}\n  labels:\n{labels}"
        f"{note}spec:\n  authentication:\n    type: {p.authentication}\n  authorization:\n    type: simple\n"
        f"    acls:\n{acls}"
    )


def rendered() -> dict[Path, str]:
    generated = (
        "# Generated by deploy/kafka/access.py (the one source of Kafka users and ACLs): do not edit.\n"
    )
    groups = {"services": services(), "agencies": agencies(), "gateways": gateways()}
    return {
        OUT / f"users-{name}.yaml": generated
        + HEADERS[name]
        + "---\n".join(_user_yaml(p) for p in principals)
        for name, principals in groups.items()
    }


def main(argv: list[str]) -> int:
    stale = [path for path, text in rendered().items() if not path.exists() or path.read_text() != text]
    if "--write" in argv:
        for path, text in rendered().items():
            path.write_text(text)
        print(f"wrote {len(rendered())} files")
        return 0
    for path in stale:
        print(f"stale: {path.relative_to(ROOT)} (run python deploy/kafka/access.py --write)")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
