"""docker/compose.yaml: parses, runs the right Meltano jobs from the one image, read-only,
as the image's non-root user, with secrets only interpolated from the environment."""

from __future__ import annotations

import re

import yaml
from deploy_files import DOCKER, WRITABLE_PATHS, meltano_command, meltano_jobs, meltano_schedules


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def pipeline_services() -> dict[str, dict]:
    return {name: s for name, s in compose()["services"].items() if name != "postgres"}


def job_of(service: dict) -> str | None:
    command = service["command"]
    if "run" in command and command[command.index("run") - 1] == "meltano":
        return command[command.index("run") + 1]
    return None


def test_compose_has_postgres_the_schedules_and_the_collector():
    services = compose()["services"]
    assert {"postgres", "migrate", "config", "history", "adherence", "adherence-marts"} <= set(services)
    jobs = {name: job_of(s) for name, s in pipeline_services().items()}
    assert jobs["history"] == "wfm-history"
    assert jobs["config"] == "wfm-config"
    assert jobs["adherence"] == "wfm-adherence"
    assert jobs["marts-tests"] == "wfm-marts-tests"
    marts = compose()["services"]["adherence-marts"]["command"]
    assert marts == ["meltano", "invoke", "dbt-postgres:refresh-adherence"]
    assert "--period 60" in meltano_command("dbt-postgres", "refresh-adherence")
    assert {j for j in jobs.values() if j} <= meltano_jobs()


def test_the_collector_runs_for_ever_and_stops_gracefully():
    adherence = compose()["services"]["adherence"]
    assert adherence["command"] == ["meltano", "run", "wfm-adherence"]
    assert adherence["restart"] == "unless-stopped"
    grace = int(adherence["stop_grace_period"].rstrip("s"))
    assert grace > 10 + 20
    health_file = adherence["environment"]["TAP_CONNECT_KINESIS_HEALTH_FILE"]
    assert adherence["healthcheck"]["test"][:3] == ["CMD", "wfm-healthcheck", health_file]


def test_the_collector_restarts_a_failed_run_itself_under_its_run_lock():
    """docker/graceful.py: the run lock is on (not WFM_RUN_LOCK=off), a failed run is started
    again in the container (WFM_RUN_RESTARTS), and nothing forces Meltano past its check."""
    adherence = compose()["services"]["adherence"]
    env = adherence["environment"]
    assert int(env["WFM_RUN_RESTARTS"]) >= 1
    assert env.get("WFM_RUN_LOCK", "on") != "off"
    assert "MELTANO_RUN_FORCE" not in env and "--force" not in adherence["command"]
    assert "scale" not in adherence and "replicas" not in adherence.get("deploy", {})


def every_arguments(cron: str) -> list[str]:
    """The wfm-every arguments (offset, period in seconds) that run on an hourly cron's minutes:
    "M * * * *", "A-59/B * * * *", "*/B * * * *" (the forms meltano.yml's schedules use)."""
    minute, *rest = cron.split()
    assert rest == ["*"] * 4, f"{cron}: wfm-every runs minute-of-the-hour schedules only"
    start, _, step = minute.partition("/")
    start = start.split("-")[0]
    if step:
        return ["--offset", str(60 * (0 if start == "*" else int(start))), str(60 * int(step))]
    return ["--offset", str(60 * int(start)), "3600"]


def test_every_scheduled_service_runs_on_its_meltano_yml_schedule():
    """meltano.yml's schedules are the one source: each compose service that runs a scheduled job
    runs it on that schedule, and every schedule but the marts' (one warm dbt) has its service."""
    assert every_arguments("6-59/15 * * * *") == ["--offset", "360", "900"]
    assert every_arguments("2 * * * *") == ["--offset", "120", "3600"]
    schedules = meltano_schedules()
    scheduled = {}
    for name, service in pipeline_services().items():
        command = service["command"]
        if command[0] == "wfm-every":
            job = job_of(service)
            assert job in schedules, f"{name} runs {job} on a clock, but meltano.yml does not schedule it"
            assert command[1:4] == every_arguments(schedules[job]), name
            scheduled[job] = name
    assert set(schedules) - set(scheduled) == {"wfm-adherence-marts"}


def test_every_pipeline_service_is_the_one_image_read_only_with_tmpfs_at_the_writable_paths():
    services = pipeline_services()
    images = {s["image"] for s in services.values()}
    assert len(images) == 1
    for name, service in services.items():
        assert service["read_only"] is True, name
        assert service["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}, name
        mounts = {entry.split(":")[0] for entry in service["tmpfs"]}
        assert mounts >= WRITABLE_PATHS, name
        assert "user" not in service, name  # the image's non-root user
    assert services["migrate"]["restart"] == "no"
    for name, service in services.items():
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_secrets_are_never_literal():
    text = (DOCKER / "compose.yaml").read_text()
    for service in compose()["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if any(w in key for w in ("PASSWORD", "SECRET", "TOKEN", "KEY_ID")):
                assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*)?\}", value), key
    assert "change-me" not in text
    env_files = [e["path"] for e in pipeline_services()["adherence"]["env_file"]]
    assert env_files == [".env"]  # docker/.env, git-ignored (.gitignore: .env)
