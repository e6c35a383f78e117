"""deploy/k8s: every manifest valid against the Kubernetes 1.28 OpenAPI schemas (offline), and consistent.

kubernetes-validate ships the schemas in its wheel (requirements/project.in says why this version);
strict mode rejects unknown fields, so a typo such as `readinesProbe` fails here, not in a cluster.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bot.config import REPO_ROOT

K8S = REPO_ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.28.0"
# What scripts/prod_config.py requires of the environment, and the Secret must therefore hold.
SECRET_KEYS = {"BOT_JWT_SECRET", "BOT_ACTION_SECRET", "RASA_AUTH_TOKEN", "BOT_CONSOLE_SECRET", "DATABASE_URL"}
# docs/benchmarks.md: a Rasa process's peak RSS under `make load` (200 conversations), 2026-12-03
RASA_MEASURED_RSS_BYTES = 1.19e9


def _documents() -> list[tuple[str, dict[str, Any]]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [(name, doc) for doc in yaml.safe_load_all((K8S / name).read_text()) if doc]
    return docs


DOCS = _documents()


def _kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for _, d in DOCS if d["kind"] == kind}


def _bytes(quantity: str) -> float:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            return float(quantity[: -len(suffix)]) * factor
    return float(quantity)


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize(("source", "doc"), DOCS, ids=[f"{s}:{d['kind']}/{d['metadata']['name']}" for s, d in DOCS])
def test_manifest_is_valid_against_the_kubernetes_schema(source: str, doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_a_typo_is_caught() -> None:
    deployment = _kind("Deployment")["credit-assistant-rasa"]
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_every_container_has_probes_and_resource_requests() -> None:
    for name, deployment in _kind("Deployment").items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert {"readinessProbe", "livenessProbe"} <= container.keys(), name
            assert {"cpu", "memory"} <= container["resources"]["requests"].keys(), name
            assert "memory" in container["resources"]["limits"], name


def test_rasa_pods_get_the_measured_memory_and_at_least_two_replicas() -> None:
    rasa = _kind("Deployment")["credit-assistant-rasa"]
    container = rasa["spec"]["template"]["spec"]["containers"][0]
    assert _bytes(container["resources"]["requests"]["memory"]) >= RASA_MEASURED_RSS_BYTES
    assert _bytes(container["resources"]["limits"]["memory"]) > _bytes(container["resources"]["requests"]["memory"])
    assert rasa["spec"]["replicas"] >= 2 and _kind("Deployment")["credit-assistant-actions"]["spec"]["replicas"] >= 2
    assert "startupProbe" in container  # the model loads for minutes: liveness must not kill it meanwhile
    assert _kind("HorizontalPodAutoscaler")["credit-assistant-rasa"]["spec"]["minReplicas"] >= 2


def test_services_select_their_deployments_and_rasa_calls_the_actions_service() -> None:
    deployments, services = _kind("Deployment"), _kind("Service")
    for name, service in services.items():
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
    config = _kind("ConfigMap")["credit-assistant-config"]["data"]
    port = services["credit-assistant-actions"]["spec"]["ports"][0]["port"]
    assert config["ACTION_ENDPOINT_URL"] == f"http://credit-assistant-actions:{port}/webhook"
    assert config["BOT_DEV_MODE"] == "false"
    assert services["credit-assistant-rasa"]["spec"]["sessionAffinity"] == "ClientIP"


def test_endpoints_settings_come_from_the_configmap_and_secrets_from_the_secret() -> None:
    config = _kind("ConfigMap")["credit-assistant-config"]["data"]
    lines = (REPO_ROOT / "endpoints.production.yml").read_text().splitlines()
    endpoints = "\n".join(line.split("#")[0] for line in lines)
    needed = {word.split("}")[0] for word in endpoints.split("${")[1:]}
    passwords = {"TRACKER_DB_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_PASSWORD", "BOT_ACTION_SECRET"}
    assert needed - passwords <= config.keys()  # the rest is in the Secret
    assert not (SECRET_KEYS | passwords) & config.keys()  # no secret in a ConfigMap
    for name, deployment in _kind("Deployment").items():
        sources = deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"]
        assert {"secretRef": {"name": "credit-assistant-secrets"}} in sources, name
    assert not _kind("Secret"), "secrets are not shipped: docs/scaling.md says how to create them"


def test_the_ingress_sticks_a_client_to_a_pod_and_keeps_the_api_private() -> None:
    ingress = _kind("Ingress")["credit-assistant"]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    paths = {p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
    assert paths == {"/webhooks/", "/socket.io", "/console"}  # not /conversations, /model, /status


def test_docs_name_the_files(tmp_path: Path) -> None:
    scaling = (REPO_ROOT / "docs" / "scaling.md").read_text()
    for name in yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]:
        assert name in scaling
