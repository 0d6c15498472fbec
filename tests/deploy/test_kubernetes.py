"""The Kubernetes manifests (deploy/kubernetes/): valid against a current Kubernetes release,
strictly (no unknown fields), and saying what the deployment promises: non-root, read-only
root filesystem with emptyDirs at the writable paths, secrets only through envFrom, the
jobs and schedules of meltano.yml, graceful termination and a liveness probe for the collector."""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest
import yaml
from deploy_files import (
    KUBERNETES,
    KUBERNETES_VERSION,
    RUNTIME_UID,
    WRITABLE_PATHS,
    all_resources,
    by_name,
    documents,
    manifest_files,
    meltano_command,
    meltano_jobs,
    meltano_schedules,
    pod_spec,
    workloads,
)


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: p.name)
def test_manifest_is_valid_for_a_current_kubernetes(path):
    docs = documents(path)
    assert docs, f"{path.name} holds no resource"
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_strict_validation_is_not_vacuous():
    deployment = copy.deepcopy(by_name("wfm-adherence"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}  # misspelt
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_example():
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    files = {p.name for p in manifest_files()}
    assert listed == files - {"secret.example.yaml"}
    assert all((KUBERNETES / name).exists() for name in listed)
    images = {image["name"] for image in kustomization["images"]}
    used = {c["image"] for w in workloads() for c in pod_spec(w)["containers"]}
    assert used == images == {"amazon-connect-wfm"}


def test_every_workload_is_non_root_read_only_and_mounts_the_writable_paths():
    assert workloads()
    for workload in workloads():
        spec = pod_spec(workload)
        name = workload["metadata"]["name"]
        pod_security = spec["securityContext"]
        assert pod_security["runAsNonRoot"] is True, name
        assert pod_security["runAsUser"] == RUNTIME_UID, name
        assert spec["automountServiceAccountToken"] is False, name
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert set(mounts) >= WRITABLE_PATHS, name
            for path in WRITABLE_PATHS:
                assert "emptyDir" in volumes[mounts[path]], (name, path)
            assert "memory" in container["resources"]["limits"], name


def test_secrets_come_only_from_the_secret_through_envfrom():
    secret_words = ("PASSWORD", "SECRET", "TOKEN", "ACCESS_KEY")
    for workload in workloads():
        for container in pod_spec(workload)["containers"]:
            refs = [e.get("secretRef", {}).get("name") for e in container["envFrom"]]
            assert "wfm-secrets" in refs
            for env in container.get("env", []):
                assert not any(w in env["name"] for w in secret_words), env["name"]
    config = next(r for r in all_resources() if r["kind"] == "ConfigMap")
    assert not [k for k in config["data"] if any(w in k for w in secret_words)]


def test_the_secret_example_holds_placeholders_only():
    (secret,) = documents(KUBERNETES / "secret.example.yaml")
    assert secret["kind"] == "Secret" and secret["metadata"]["name"] == "wfm-secrets"
    values = secret["stringData"]
    assert {"WFM_PG_HOST", "WFM_PG_USER", "WFM_PG_PASSWORD", "WFM_PG_DBNAME"} <= set(values)
    for key, value in values.items():
        if any(w in key for w in ("PASSWORD", "SECRET")):
            assert value == "change-me", key
        if key.endswith("ACCESS_KEY_ID"):
            assert "EXAMPLE" in value, key


def _command(workload: dict) -> list[str]:
    (container,) = pod_spec(workload)["containers"]
    return container["args"]


def test_cronjobs_run_the_meltano_jobs_on_their_meltano_schedules_one_at_a_time():
    schedules = meltano_schedules()
    cronjobs = [w for w in workloads() if w["kind"] == "CronJob"]
    assert {c["metadata"]["name"] for c in cronjobs} == {"wfm-history", "wfm-config", "wfm-marts-tests"}
    for cronjob in cronjobs:
        args = _command(cronjob)
        assert args[:2] == ["meltano", "run"]
        job = args[2]
        assert job in meltano_jobs()
        assert cronjob["spec"]["schedule"] == schedules[job]
        assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
        assert pod_spec(cronjob)["restartPolicy"] == "Never"


def test_the_collector_stops_gracefully_and_has_a_liveness_probe_on_its_health_file():
    collector = by_name("wfm-adherence")
    assert collector["kind"] == "Deployment"
    assert collector["spec"]["replicas"] == 1
    assert collector["spec"]["strategy"]["type"] == "Recreate"
    assert _command(collector) == ["meltano", "run", "wfm-adherence"]
    assert "wfm-adherence" in meltano_jobs()
    spec = pod_spec(collector)
    assert spec["terminationGracePeriodSeconds"] > 10 + 20  # the tap's 10 s, the target's commit
    (container,) = spec["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    health_file = env["TAP_CONNECT_KINESIS_HEALTH_FILE"]
    assert health_file.startswith("/tmp/")
    for probe in ("livenessProbe", "startupProbe"):
        command = container[probe]["exec"]["command"]
        assert command[:2] == ["wfm-healthcheck", health_file], probe
        assert int(command[2]) >= 60  # several polls (1-60 s each) may pass between touches
    liveness = container["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= 60


def test_the_collector_restarts_a_failed_run_itself_under_its_run_lock():
    """docker/graceful.py: the run lock is on, a failed run is started again in the container
    (no kubelet back-off), nothing forces Meltano past its check, one replica."""
    collector = by_name("wfm-adherence")
    (container,) = pod_spec(collector)["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert int(env["WFM_RUN_RESTARTS"]) >= 1
    assert env.get("WFM_RUN_LOCK", "on") != "off"
    assert "MELTANO_RUN_FORCE" not in env and "--force" not in container["args"]
    assert collector["spec"]["replicas"] == 1


def test_the_adherence_marts_run_once_a_minute_and_on_each_load_in_one_warm_loop():
    marts = by_name("wfm-adherence-marts")
    assert marts["spec"]["replicas"] == 1
    args = _command(marts)
    assert args == ["meltano", "invoke", "dbt-postgres:refresh-adherence"]
    loop = meltano_command("dbt-postgres", "refresh-adherence")
    assert "--period 60" in loop and meltano_command("dbt-postgres", "build-adherence").split(" ", 1)[1] in loop
    assert '--on-load "run --selector realtime' in loop and "--watch connect.agent_events" in loop  # real time
    assert meltano_schedules()["wfm-adherence-marts"] == "* * * * *"  # the same, for meltano's scheduler
    (container,) = pod_spec(marts)["containers"]
    assert container["livenessProbe"]["exec"]["command"][:2] == ["wfm-healthcheck", "/tmp/wfm/loop.alive"]
