"""Checks of the web fronts in a rendered overlay (imported by check_k8s.py): no development setting where the
overlay says production, and the citizens' portal wired as the pages need it.

- ``DVC_ENV=production`` in the shared ConfigMap ``dvc-config`` → the settings every service refuses in production
  are off there: the portal's development sign-in, insecure cookies (portal, dashboard), the payment sandbox, the
  fake SMS gateways (dvckit.production would stop the pods at start; this finds it before a rollout);
- the portal reads its secrets by name, and they are required (a pod without its session secret or its OpenID
  client secret must wait for them, not start with the repository's development values);
- the portal reaches the services' HTTP APIs (8001-8005) and nothing else of theirs.
"""

from __future__ import annotations

from typing import Any

PRODUCTION_VALUES = {
    "PORTAL_DEV_SIGN_IN": "false",
    "PORTAL_COOKIE_SECURE": "true",
    "REPORTING_COOKIE_SECURE": "true",
    "PAYMENT_SANDBOX_ENABLED": "false",
    "NOTIFY_FAKE_GATEWAYS": "false",
}
PORTAL_SECRETS = ("dvc-portal-web", "dvc-accounts")
PORTAL_UPSTREAM = ("PORTAL_CATALOG_URL", "PORTAL_DOSSIER_URL", "PORTAL_PAYMENT_URL", "PORTAL_FEEDBACK_URL")
SERVICE_PORTS = {"port": 8001, "endPort": 8005}


def shared_config(docs: list[Any]) -> dict[str, str]:
    for d in docs:
        if d.get("kind") == "ConfigMap" and d["metadata"]["name"].startswith("dvc-config"):
            return {k: str(v) for k, v in (d.get("data") or {}).items()}
    return {}


def check_web(check: Any, overlay: str, docs: list[Any]) -> None:
    """``check(ok, message)`` records a failure when ``ok`` is false (check_k8s.Report.check)."""
    config = shared_config(docs)
    if config.get("DVC_ENV") == "production":
        for key, want in PRODUCTION_VALUES.items():
            check(config.get(key) == want, f"{overlay}: DVC_ENV=production but {key}={config.get(key)!r}")
    portal = next(
        (d for d in docs if d.get("kind") == "Deployment" and d["metadata"]["name"] == "dvc-portal"), None
    )
    if not check(portal is not None, f"{overlay}: Deployment dvc-portal missing"):
        return
    app = portal["spec"]["template"]["spec"]["containers"][0]
    refs = {
        e["secretRef"]["name"]: bool(e["secretRef"].get("optional"))
        for e in app.get("envFrom") or []
        if "secretRef" in e
    }
    for name in PORTAL_SECRETS:
        check(
            refs.get(name) is False, f"{overlay}: dvc-portal must read Secret {name} (required, not optional)"
        )
    env = {e["name"]: e.get("value") for e in app.get("env") or []}
    for key in PORTAL_UPSTREAM:
        check(
            str(env.get(key, "")).startswith("http://dvc-"), f"{overlay}: dvc-portal {key}={env.get(key)!r}"
        )
    policies = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "NetworkPolicy"}
    to_services = policies.get("dvc-allow-egress-portal-to-services", {}).get("spec") or {}
    ports = [p for rule in to_services.get("egress") or [] for p in rule.get("ports") or []]
    check(
        to_services.get("podSelector") == {"matchLabels": {"app.kubernetes.io/name": "dvc-portal"}}
        and ports
        and all({k: p.get(k) for k in SERVICE_PORTS} == SERVICE_PORTS for p in ports),
        f"{overlay}: NetworkPolicy dvc-allow-egress-portal-to-services must let dvc-portal (only) reach 8001-8005",
    )


def mutations(find: Any) -> list[Any]:
    """Planted mistakes for check_k8s's self-test (each must be reported on every overlay)."""

    def portal_dev_sign_in_in_production(ds: list[Any]) -> None:
        config = next(
            d for d in ds if d.get("kind") == "ConfigMap" and d["metadata"]["name"].startswith("dvc-config")
        )
        config["data"] |= {"DVC_ENV": "production", "PORTAL_DEV_SIGN_IN": "true"}

    def portal_secret_optional(ds: list[Any]) -> None:
        app = find("Deployment", "dvc-portal", ds)["spec"]["template"]["spec"]["containers"][0]
        for e in app["envFrom"]:
            if e.get("secretRef", {}).get("name") == "dvc-portal-web":
                e["secretRef"]["optional"] = True

    def portal_reaches_every_port(ds: list[Any]) -> None:
        find("NetworkPolicy", "dvc-allow-egress-portal-to-services", ds)["spec"]["egress"][0].pop("ports")

    return [portal_dev_sign_in_in_production, portal_secret_optional, portal_reaches_every_port]
