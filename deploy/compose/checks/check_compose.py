"""Checks of the compose stack, the Dockerfile and the Grafana dashboard that need no Docker engine.

    python deploy/compose/checks/check_compose.py RESOLVED.yaml

RESOLVED.yaml is the output of `docker-compose -f deploy/compose/docker-compose.yml config` (anchors
merged, variables substituted). Checked: the 3-node KRaft cluster (ids, quorum voters, cluster id,
replication 3 / min.insync.replicas 2, listeners), topic-init, PostgreSQL and its init script, each of
the seven services (the portal's calls to the others by their compose names) (image built from deploy/docker/Dockerfile with SERVICE, pinned port and command,
Kafka settings, its own database URL, migration one-shot before it), Prometheus scraping every
/metrics, Grafana provisioning, the dashboard's panels and the Dockerfile's workspace COPY list.
Prints one line per group and exits 1 on any failure.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_DIR = ROOT / "deploy/compose"
SERVICES = {
    "reporting": 8000,
    "catalog": 8001,
    "dossier": 8002,
    "payment": 8003,
    "feedback": 8004,
    "notify": 8005,
    "portal": 8006,
}
# the citizens' portal calls these services' public HTTP APIs (and reads none of their databases)
PORTAL_UPSTREAM = ("catalog", "dossier", "payment", "feedback", "notify")
SECURITY_PROTOCOLS = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}
SASL_MECHANISMS = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}
DASHBOARD_METRICS = {
    "dossiers by status": "dvc_dossiers",
    "events consumed per topic": "faststream_received_messages_total",
    "outbox backlog": "dvc_outbox_backlog",
    "dead letters": "dvc_dead_letters_total",
    "consumer lag": "dvc_consumer_lag",
    "SMS": "dvc_sms_total",
}


class Report:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.passed: list[str] = []

    def check(self, ok: object, msg: str) -> bool:
        if not ok:
            self.errors.append(msg)
        return bool(ok)

    def group(self, name: str, start: int) -> None:
        n = len(self.errors) - start
        self.passed.append(f"  {name}: {'ok' if n == 0 else f'{n} problem(s)'}")


def env_of(svc: Any) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return {k: str(v) for k, v in env.items()}


def mounts(svc: Any) -> dict[str, str]:
    """target -> source for bind mounts and volumes, in either syntax docker-compose prints."""
    out = {}
    for v in svc.get("volumes") or []:
        if isinstance(v, str):
            parts = v.split(":")
            out[parts[1]] = parts[0]
        else:
            out[v["target"]] = str(v.get("source"))
    return out


def depends(svc: Any) -> dict[str, str]:
    dep = svc.get("depends_on") or {}
    if isinstance(dep, list):
        return dict.fromkeys(dep, "service_started")
    return {k: (v or {}).get("condition", "service_started") for k, v in dep.items()}


def check_kafka(rep: Report, services: Any) -> None:
    start = len(rep.errors)
    brokers = {n: s for n, s in services.items() if re.fullmatch(r"kafka-\d+", n)}
    rep.check(
        sorted(brokers) == ["kafka-1", "kafka-2", "kafka-3"], f"expected kafka-1..3, got {sorted(brokers)}"
    )
    ids, cluster_ids, volumes = set(), set(), set()
    for name, svc in brokers.items():
        env = env_of(svc)
        rep.check(
            str(svc.get("image", "")).startswith("apache/kafka:"), f"{name}: image must be apache/kafka"
        )
        rep.check(env.get("KAFKA_PROCESS_ROLES") == "broker,controller", f"{name}: KRaft combined roles")
        ids.add(env.get("KAFKA_NODE_ID"))
        cluster_ids.add(env.get("CLUSTER_ID"))
        voters = env.get("KAFKA_CONTROLLER_QUORUM_VOTERS", "")
        rep.check(
            voters == ",".join(f"{i}@kafka-{i}:9093" for i in (1, 2, 3)), f"{name}: quorum voters {voters!r}"
        )
        for key, want in (
            ("KAFKA_DEFAULT_REPLICATION_FACTOR", "3"),
            ("KAFKA_MIN_INSYNC_REPLICAS", "2"),
            ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3"),
            ("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3"),
            ("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2"),
            ("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false"),
            ("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "false"),
        ):
            rep.check(env.get(key) == want, f"{name}: {key}={env.get(key)!r}, want {want}")
        protocol_map = dict(
            p.split(":") for p in env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "").split(",")
        )
        listeners = [x.split("://")[0] for x in env.get("KAFKA_LISTENERS", "").split(",")]
        rep.check(set(listeners) <= set(protocol_map), f"{name}: listener without a security protocol")
        rep.check(env.get("KAFKA_CONTROLLER_LISTENER_NAMES") in listeners, f"{name}: controller listener")
        rep.check(env.get("KAFKA_INTER_BROKER_LISTENER_NAME") in listeners, f"{name}: inter-broker listener")
        advertised = env.get("KAFKA_ADVERTISED_LISTENERS", "")
        rep.check(
            f"CLIENT://{name}:9094" in advertised, f"{name}: CLIENT listener must advertise {name}:9094"
        )
        for listener, proto in protocol_map.items():
            if proto.startswith("SASL"):
                mech = env.get(f"KAFKA_LISTENER_NAME_{listener}_SASL_ENABLED_MECHANISMS", "")
                rep.check(mech in SASL_MECHANISMS, f"{name}: {listener} SASL mechanism {mech!r}")
                if mech == "PLAIN":
                    jaas = env.get(f"KAFKA_LISTENER_NAME_{listener}_PLAIN_SASL_JAAS_CONFIG", "")
                    rep.check(
                        "PlainLoginModule required" in jaas and jaas.rstrip().endswith(";"),
                        f"{name}: {listener} JAAS config",
                    )
        rep.check(bool(svc.get("healthcheck")), f"{name}: healthcheck missing")
        volumes.add(mounts(svc).get("/var/lib/kafka/data"))
    rep.check(ids == {"1", "2", "3"}, f"node ids {ids}")
    rep.check(len(volumes) == 3 and None not in volumes, f"each broker needs its own data volume: {volumes}")
    rep.check(len(cluster_ids) == 1, f"brokers disagree on CLUSTER_ID: {cluster_ids}")
    cid = next(iter(cluster_ids)) or ""
    try:
        ok = len(base64.urlsafe_b64decode(cid + "=" * (-len(cid) % 4))) == 16 and len(cid) == 22
    except ValueError:
        ok = False
    rep.check(ok, f"CLUSTER_ID {cid!r} must be 16 bytes in base64url without padding (22 characters)")

    init = services.get("topic-init")
    if rep.check(init is not None, "topic-init service missing"):
        m = mounts(init)
        env = env_of(init)
        rep.check(
            m.get("/etc/dvc/topics.tsv", "").endswith("kafka/topics.tsv"), "topic-init must mount topics.tsv"
        )
        rep.check(
            m.get("/etc/dvc/create-topics.sh", "").endswith("kafka/create-topics.sh"),
            "topic-init must mount create-topics.sh",
        )
        rep.check(env.get("REPLICATION_FACTOR") == "3", "topic-init REPLICATION_FACTOR must be 3")
        deps = depends(init)
        rep.check(
            all(deps.get(b) == "service_healthy" for b in brokers), "topic-init must wait for healthy brokers"
        )
    rep.group("kafka (3 KRaft nodes, RF 3, min ISR 2, SASL client listener) + topic-init", start)


def check_postgres(rep: Report, services: Any) -> None:
    start = len(rep.errors)
    pg = services.get("postgres")
    if rep.check(pg is not None, "postgres service missing"):
        src = mounts(pg).get("/docker-entrypoint-initdb.d/10-dvc-databases.sh", "")
        rep.check(src.endswith("postgres/init-databases.sh"), "postgres must mount the init script")
        rep.check(
            bool(env_of(pg).get("DVC_DB_PASSWORD")), "postgres needs DVC_DB_PASSWORD for the init script"
        )
        rep.check(bool(pg.get("healthcheck")), "postgres healthcheck missing")
    script = (COMPOSE_DIR / "postgres/init-databases.sh").read_text(encoding="utf-8")
    default = re.search(r"DVC_DATABASES=\$\{DVC_DATABASES:-([^}]*)\}", script)
    rep.check(
        default is not None and set(default.group(1).split()) == set(SERVICES),
        "init-databases.sh default database list must be the seven services",
    )
    rep.group("postgres (one database + role per service)", start)


def check_services(rep: Report, services: Any) -> None:
    start = len(rep.errors)
    for svc, port in SERVICES.items():
        app, mig = services.get(svc), services.get(f"migrate-{svc}")
        if not rep.check(app is not None and mig is not None, f"{svc} or migrate-{svc} missing"):
            continue
        for s, label in ((app, svc), (mig, f"migrate-{svc}")):
            build = s.get("build") or {}
            rep.check(
                str(build.get("dockerfile", "")).endswith("deploy/docker/Dockerfile")
                and (build.get("args") or {}).get("SERVICE") == svc,
                f"{label}: must build deploy/docker/Dockerfile with SERVICE={svc}",
            )
        rep.check(app.get("image") == mig.get("image"), f"{svc}: app and migration must use the same image")
        cmd = app.get("command")
        cmd = " ".join(cmd) if isinstance(cmd, list) else str(cmd)
        rep.check(
            cmd == f"uvicorn --factory dvc_{svc}.entrypoints.app:create_app --host 0.0.0.0 --port {port}",
            f"{svc}: command {cmd!r}",
        )
        mcmd = mig.get("command")
        rep.check(
            mcmd == ["python", "-m", "dvckit.migrate", f"dvc_{svc}"], f"migrate-{svc}: command {mcmd!r}"
        )
        published = [p if isinstance(p, dict) else {} for p in app.get("ports") or []]
        rep.check(
            any(int(p.get("target", 0)) == port and int(p.get("published", 0)) == port for p in published)
            or any(re.search(rf"(^|:){port}:{port}(/tcp)?$", str(p)) for p in app.get("ports") or []),
            f"{svc}: must publish {port}:{port}",
        )
        env, menv = env_of(app), env_of(mig)
        url_key = f"{svc.upper()}_DATABASE_URL"
        url = env.get(url_key, "")
        rep.check(
            bool(re.fullmatch(rf"postgresql\+asyncpg://{svc}:[^@]+@postgres:5432/{svc}(\?.*)?", url)),
            f"{svc}: {url_key} must point at its own database as its own role",
        )
        rep.check(menv.get(url_key) == url, f"migrate-{svc}: {url_key} differs from the service's")
        rep.check(
            env.get("KAFKA_BOOTSTRAP") == "kafka-1:9094,kafka-2:9094,kafka-3:9094",
            f"{svc}: KAFKA_BOOTSTRAP {env.get('KAFKA_BOOTSTRAP')!r}",
        )
        proto = env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
        rep.check(proto in SECURITY_PROTOCOLS, f"{svc}: KAFKA_SECURITY_PROTOCOL {proto!r}")
        if proto.startswith("SASL"):
            rep.check(env.get("KAFKA_SASL_MECHANISM") in SASL_MECHANISMS, f"{svc}: KAFKA_SASL_MECHANISM")
            rep.check(bool(env.get("KAFKA_SASL_USERNAME")), f"{svc}: KAFKA_SASL_USERNAME")
            rep.check(bool(env.get("KAFKA_SASL_PASSWORD")), f"{svc}: KAFKA_SASL_PASSWORD")
        rep.check(env.get("KAFKA_SESSION_TIMEOUT_MS") == "45000", f"{svc}: production session timeout 45000")
        deps = depends(app)
        rep.check(
            deps.get(f"migrate-{svc}") == "service_completed_successfully"
            and deps.get("topic-init") == "service_completed_successfully",
            f"{svc}: must start after migrate-{svc} and topic-init completed",
        )
        rep.check(depends(mig).get("postgres") == "service_healthy", f"migrate-{svc}: must wait for postgres")
        rep.check(str(mig.get("restart", "no")) == "no", f"migrate-{svc}: a one-shot must not restart")
    portal = env_of(services.get("portal") or {})
    for svc in PORTAL_UPSTREAM:
        key, want = f"PORTAL_{svc.upper()}_URL", f"http://{svc}:{SERVICES[svc]}"
        rep.check(portal.get(key) == want, f"portal: {key}={portal.get(key)!r}, want {want}")
    rep.group("seven services + migration one-shots (image, command, port, Kafka, database, order)", start)


def check_observability(rep: Report, services: Any) -> None:
    start = len(rep.errors)
    prom = services.get("prometheus")
    if rep.check(prom is not None, "prometheus service missing"):
        src = mounts(prom).get("/etc/prometheus/prometheus.yml", "")
        rep.check(
            src.endswith("prometheus/prometheus.yml"), "prometheus must mount prometheus/prometheus.yml"
        )
    cfg = yaml.safe_load((COMPOSE_DIR / "prometheus/prometheus.yml").read_text(encoding="utf-8"))
    targets = {
        t
        for job in cfg.get("scrape_configs", [])
        if job.get("metrics_path", "/metrics") == "/metrics"
        for sc in job.get("static_configs", [])
        for t in sc.get("targets", [])
    }
    for svc, port in SERVICES.items():
        rep.check(f"{svc}:{port}" in targets, f"prometheus does not scrape {svc}:{port}/metrics")

    graf = services.get("grafana")
    grafana_dir = ROOT / "deploy/grafana"
    if rep.check(graf is not None, "grafana service missing"):
        m = mounts(graf)
        rep.check(
            m.get("/etc/grafana/provisioning", "").endswith("grafana/provisioning"), "grafana provisioning"
        )
        rep.check(
            m.get("/var/lib/grafana/dashboards", "").endswith("grafana/dashboards"), "grafana dashboards"
        )
        rep.check(bool(env_of(graf).get("DVC_PROMETHEUS_URL")), "grafana needs DVC_PROMETHEUS_URL")
    ds = yaml.safe_load((grafana_dir / "provisioning/datasources/prometheus.yml").read_text(encoding="utf-8"))
    uids = {d.get("uid") for d in ds.get("datasources", [])}
    prov = yaml.safe_load((grafana_dir / "provisioning/dashboards/dvc.yml").read_text(encoding="utf-8"))
    paths = {p.get("options", {}).get("path") for p in prov.get("providers", [])}
    rep.check(
        "/var/lib/grafana/dashboards" in paths, "dashboard provider must read /var/lib/grafana/dashboards"
    )

    dash_files = sorted((grafana_dir / "dashboards").glob("*.json"))
    rep.check(any(p.name == "dvc-overview.json" for p in dash_files), "dvc-overview.json missing")
    for path in dash_files:
        dash = json.loads(path.read_text(encoding="utf-8"))
        panels = [p for p in dash.get("panels", []) if p.get("type") != "row"]
        exprs = " ".join(t.get("expr", "") for p in panels for t in p.get("targets", []))
        if path.name == "dvc-overview.json":
            for what, metric in DASHBOARD_METRICS.items():
                rep.check(metric in exprs, f"{path.name}: no panel for {what} ({metric})")
        ids = [p.get("id") for p in dash.get("panels", [])]
        rep.check(len(ids) == len(set(ids)), f"{path.name}: panel ids repeat")
        cells: set[tuple[int, int]] = set()
        for p in dash.get("panels", []):
            g = p["gridPos"]
            rep.check(g["x"] + g["w"] <= 24, f"{path.name}: panel {p.get('title')!r} wider than the grid")
            mine = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
            rep.check(not (mine & cells), f"{path.name}: panel {p.get('title')!r} overlaps another")
            cells |= mine
        var = next(
            (v for v in dash.get("templating", {}).get("list", []) if v.get("type") == "datasource"), None
        )
        rep.check(
            var is not None and var.get("current", {}).get("value") in uids,
            f"{path.name}: datasource variable must default to a provisioned datasource uid {uids}",
        )
        for p in panels:
            for t in p.get("targets", []):
                rep.check(bool(t.get("expr")), f"{path.name}: panel {p.get('title')!r} has an empty query")
                rep.check(
                    t.get("expr", "").count("(") == t.get("expr", "").count(")"),
                    f"{path.name}: unbalanced parentheses in {t.get('expr')!r}",
                )
    rep.group(f"prometheus targets + grafana provisioning + {len(dash_files)} dashboard(s)", start)


def check_dockerfile(rep: Report) -> None:
    start = len(rep.errors)
    text = (ROOT / "deploy/docker/Dockerfile").read_text(encoding="utf-8")
    members = sorted(
        str(p.parent.relative_to(ROOT))
        for pattern in ("contracts/pyproject.toml", "libs/*/pyproject.toml", "services/*/pyproject.toml")
        for p in ROOT.glob(pattern)
    )
    for m in members:
        rep.check(f"COPY {m}/pyproject.toml {m}/" in text, f"Dockerfile does not COPY {m}/pyproject.toml")
    rep.check('uv sync --frozen --no-dev --package "dvc-${SERVICE}"' in text, "Dockerfile: uv sync --package")
    rep.check(re.search(r"^USER 10001", text, re.M) is not None, "Dockerfile: non-root USER 10001")
    rep.check("HEALTHCHECK" in text and "/healthz" in text, "Dockerfile: HEALTHCHECK on /healthz")
    for svc, port in SERVICES.items():
        rep.check(f"{svc}) port={port}" in text, f"Dockerfile: port table must map {svc} to {port}")
    rep.group(f"Dockerfile (covers {len(members)} workspace members, non-root, healthcheck, ports)", start)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__)
        return 2
    resolved = yaml.safe_load(Path(args[0]).read_text(encoding="utf-8"))
    services = resolved.get("services", {})
    rep = Report()
    check_kafka(rep, services)
    check_postgres(rep, services)
    check_services(rep, services)
    check_observability(rep, services)
    check_dockerfile(rep)
    for line in rep.passed:
        print(line)
    for err in rep.errors:
        print(f"  FAIL: {err}")
    return 1 if rep.errors else 0


if __name__ == "__main__":
    sys.exit(main())
