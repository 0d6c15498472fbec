"""Build the image with podman and run its entry points inside it, as its non-root user.

Slow (a few minutes: a debootstrapped base the first time, then the installs), on one worker.
`./wfm test` installs podman and debootstrap where it may (root + apt), so CI builds the image
every run; without podman, or as another user than root (mount and chroot), the tests skip
and say why; WFM_IMAGE_TEST=0 skips them on purpose:   ./wfm test tests/deploy/test_image.py

It follows the recipe for machines without a Docker engine or a registry (docs/deployment.md):
a Debian bookworm base made with debootstrap and imported (kept as localhost/localbase:bookworm
for the next run; WFM_BASE_IMAGE names another), `podman build --isolation=chroot
--network=host` with the machine's CA bundle as a build secret, and, since `podman run` cannot
start containers here, the image exported and entered with chroot as uid 10001.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deploy_files import DOCKER, ROOT, RUNTIME_UID
from wfm_pipeline.simulator_service import busiest_zone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1800),
    pytest.mark.xdist_group("image"),  # one build, on one worker
    pytest.mark.skipif(os.environ.get("WFM_IMAGE_TEST") == "0", reason="WFM_IMAGE_TEST=0"),
    pytest.mark.skipif(not shutil.which("podman"), reason="podman is not installed (./wfm test installs it as root)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the image is entered with mount and chroot: root only"),
]

IMAGE = os.environ.get("WFM_IMAGE_TAG", "localhost/amazon-connect-wfm:test")
LOCAL_BASE = "localhost/localbase:bookworm"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def _run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, text=True, capture_output=True, **kwargs)


def _debian_mirror() -> str:
    for source in Path("/etc/apt/sources.list.d").glob("*.sources"):
        for line in source.read_text().splitlines():
            if line.startswith("URIs:") and "security" not in line:
                return line.split()[1]
    return os.environ.get("WFM_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def _base_image(workdir: Path) -> str:
    if base := os.environ.get("WFM_BASE_IMAGE"):
        return base
    if subprocess.run(["podman", "image", "exists", LOCAL_BASE]).returncode == 0:
        return LOCAL_BASE
    if not shutil.which("debootstrap"):
        pytest.skip("no base image: install debootstrap or set WFM_BASE_IMAGE")
    rootfs = workdir / "base-rootfs"
    _run("debootstrap", "--variant=minbase", "--include=python3,python3-pip,python3-venv,ca-certificates",
         "bookworm", str(rootfs), _debian_mirror())
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(["podman", "import", "-", LOCAL_BASE], stdin=tar.stdout, check=True, capture_output=True)
    tar.wait()
    shutil.rmtree(rootfs)
    return LOCAL_BASE


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> dict:
    workdir = tmp_path_factory.mktemp("image")
    base = _base_image(workdir)
    command = ["podman", "build", "--isolation=chroot", "--network=host",
               "--build-arg", f"BASE_IMAGE={base}", "-f", str(DOCKER / "Dockerfile"), "-t", IMAGE]
    if CA_BUNDLE.exists():
        command += ["--secret", f"id=pipca,src={CA_BUNDLE}"]
    started = time.monotonic()
    build = subprocess.run([*command, str(ROOT)], text=True, capture_output=True)
    seconds = time.monotonic() - started
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    inspect = json.loads(_run("podman", "image", "inspect", IMAGE).stdout)[0]
    size_mb = inspect["Size"] / 1e6
    print(f"\nimage {IMAGE}: built in {seconds:.0f} s from {base}, {size_mb:.0f} MB")

    rootfs = workdir / "rootfs"
    rootfs.mkdir()
    container = _run("podman", "create", IMAGE).stdout.strip()
    try:
        # tar as root keeps modes and owners (1777 /tmp, the root-owned project).
        export = subprocess.Popen(["podman", "export", container], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-C", str(rootfs), "-x"], stdin=export.stdout, check=True)
        assert export.wait() == 0
    finally:
        _run("podman", "rm", container)
    # What a container runtime provides: /proc (Meltano watches its processes with psutil),
    # /dev and a /dev/shm for the plugins' multiprocessing locks.
    mounts = [rootfs / "proc", rootfs / "dev", rootfs / "dev/shm"]
    try:
        _run("mount", "--bind", "/proc", str(mounts[0]))
        _run("mount", "--bind", "/dev", str(mounts[1]))
        _run("mount", "-t", "tmpfs", "-o", "mode=1777,size=64m", "tmpfs", str(mounts[2]))
        yield {"rootfs": rootfs, "config": inspect["Config"], "size_mb": size_mb, "build_seconds": seconds}
    finally:
        for mount in reversed(mounts):
            subprocess.run(["umount", "--lazy", str(mount)], capture_output=True)
        if not any(m.is_mount() for m in mounts):
            shutil.rmtree(rootfs, ignore_errors=True)


def image_argv(image: dict, *command: str, env: dict | None = None) -> list[str]:
    """The command as a container of the image starts it: the entry point, as its user, in its
    working directory, with its environment (and `env`)."""
    config = image["config"]
    environment = [*config["Env"], *(f"{k}={v}" for k, v in (env or {}).items())]
    return ["chroot", f"--userspec={config['User']}", str(image["rootfs"]), "/usr/bin/env", "-i",
            f"--chdir={config.get('WorkingDir') or '/'}", *environment, *config["Entrypoint"], *command]


def in_image(image: dict, *command: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """The command in the image (image_argv), to its end."""
    result = subprocess.run(image_argv(image, *command, env=env), text=True, capture_output=True, timeout=300)
    if check:
        assert result.returncode == 0, f"{command}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result


def test_it_runs_as_the_non_root_user(image):
    assert image["config"]["User"] == f"{RUNTIME_UID}:{RUNTIME_UID}"
    assert in_image(image, "id", "-u").stdout.strip() == str(RUNTIME_UID)
    # The project is not writable by that user: read-only at run time even without a
    # read-only root filesystem; only the run and log folders are.
    assert in_image(image, "test", "-w", "/project", check=False).returncode == 1
    assert in_image(image, "test", "-w", "/project/transform", check=False).returncode == 1
    assert in_image(image, "test", "-w", "/project/.meltano/run").returncode == 0
    assert in_image(image, "test", "-w", "/project/.meltano/logs").returncode == 0


def test_the_entry_points_answer(image):
    assert "meltano, version 4.4.1" in in_image(image, "meltano", "--version").stdout
    for tap in ("tap-amazon-connect", "tap-connect-kinesis", "target-postgres"):
        about = json.loads(in_image(image, tap, "--about", "--format=json").stdout)
        assert about["name"] == tap
    assert "installed: 1.11" in in_image(image, "dbt", "--version").stdout
    missing = in_image(image, "wfm-healthcheck", "/tmp/wfm/collector.alive", "120", check=False)
    assert missing.returncode == 1


def test_the_plugins_start_from_compiled_bytecode(image):
    """The image never writes bytecode at run time (read-only, PYTHONDONTWRITEBYTECODE):
    what is not compiled at build is compiled again by every process, seconds for dbt."""
    rootfs = image["rootfs"]
    dbt_cli = next((rootfs / "project/.meltano/utilities/dbt-postgres/venv/lib").glob("python3*/site-packages/dbt/cli"))
    assert list((dbt_cli / "__pycache__").glob("main.*.pyc"))
    assert list((rootfs / "project/tap-connect-kinesis/tap_connect_kinesis/__pycache__").glob("tap.*.pyc"))


def test_what_only_installs_stayed_in_the_builder_stage(image):
    """pip, uv and virtualenv install Meltano and the plugins in the builder stage; the image's
    virtualenvs have none of them (nor setuptools), there is no compiler, and Meltano still
    invokes a plugin without them (MELTANO_AUTO_INSTALL=false: it only compares fingerprints)."""
    rootfs = image["rootfs"]
    venvs = [rootfs / "opt/meltano", *sorted((rootfs / "project/.meltano").glob("*/*/venv"))]
    assert len(venvs) == 5
    for venv in venvs:
        (site,) = venv.glob("lib/python3*/site-packages")
        for tool in ("pip", "uv", "uvx", "virtualenv", "setuptools"):
            assert not (venv / "bin" / tool).exists(), venv / "bin" / tool
            assert not (site / tool).exists(), site / tool
    for tool in ("uv", "cc", "gcc"):
        assert in_image(image, "sh", "-c", f"command -v {tool}", check=False).returncode != 0, tool
    run_dir = rootfs / "project/.meltano/run"  # writable at run time; the image ships it empty
    before = set(run_dir.iterdir())
    try:
        invoked = in_image(image, "meltano", "invoke", "tap-connect-kinesis", "--about", "--format=json",
                           env={"MELTANO_DATABASE_URI": "sqlite:////tmp/invoke-test.db"})
    finally:  # the other tests share this unpacked image: leave it as shipped
        for made in set(run_dir.iterdir()) - before:
            shutil.rmtree(made) if made.is_dir() and not made.is_symlink() else made.unlink()
    assert json.loads(invoked.stdout)["name"] == "tap-connect-kinesis"


def test_no_secret_and_no_local_state_went_into_the_image(image):
    rootfs = image["rootfs"]
    assert not (rootfs / "project/.env").exists()
    assert not (rootfs / "project/.meltano/meltano.db").exists()
    assert not list((rootfs / "project/.meltano/run").iterdir())
    assert not (rootfs / "run/secrets/pipca").exists()
    assert not (rootfs / "project/tap-connect-kinesis/tests").exists()
    for entry in image["config"]["Env"]:
        assert not any(w in entry.split("=")[0] for w in ("PASSWORD", "SECRET", "TOKEN", "PIP_CERT"))


def test_state_goes_to_the_warehouse_and_dbt_writes_only_to_tmp(image, postgres_database):
    warehouse = {"WFM_PG_HOST": postgres_database.host, "WFM_PG_PORT": str(postgres_database.port),
                 "WFM_PG_USER": postgres_database.user, "WFM_PG_DBNAME": postgres_database.database}
    listed = in_image(image, "meltano", "state", "list", env=warehouse)
    assert "No state IDs found" in listed.stdout + listed.stderr
    with postgres_database.connect() as conn:
        tables = {r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'meltano'")}
    assert {"state", "runs"} <= tables
    parsed = in_image(image, "dbt", "parse", "--project-dir", "/project/transform",
                      "--profiles-dir", "/project/transform", env=warehouse)
    assert "Performance info: /tmp/dbt/target/" in parsed.stdout
    assert (image["rootfs"] / "tmp/dbt/target/manifest.json").exists()


@pytest.fixture(scope="module")
def simulated_centre():
    """The simulated Connect API and a local Kinesis with an hour of agent events, on this
    machine (the chrooted image shares its network). The site is where it is mid-morning now:
    simulated agents work local hours, and at night the stream stays empty."""
    connect_sim = Path(sys.executable).parent / "connect-sim"
    if not connect_sim.exists():
        pytest.skip("connect-sim is not installed (./wfm setup)")
    server = subprocess.Popen(
        [str(connect_sim), "serve", "--port", "0", "--agents", "10", "--speed", "60",
         "--kinesis-endpoint", "moto", "--kinesis-backlog-hours", "1",
         "--time-zone", busiest_zone()],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    urls = {}
    try:
        deadline = time.monotonic() + 120
        while len(urls) < 2 and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            if match := re.search(r"Simulated Amazon Connect at (\S+)", line):
                urls["connect"] = match.group(1)
            if match := re.search(r"Kinesis stream '([^']+)' at (\S+)", line):
                urls["stream"], urls["kinesis"] = match.groups()
        assert len(urls) == 3, "connect-sim serve did not announce its endpoints"
        yield urls
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def test_the_pipeline_runs_in_the_image_and_the_collector_stops_gracefully(
        image, simulated_centre, postgres_database):
    """wfm-config end to end, then the collector: rows land, SIGTERM stops it in time."""
    aws = {"AWS_REGION": "us-west-2", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env = {
        "WFM_PG_HOST": postgres_database.host, "WFM_PG_PORT": str(postgres_database.port),
        "WFM_PG_USER": postgres_database.user, "WFM_PG_PASSWORD": "unused",
        "WFM_PG_DBNAME": postgres_database.database,
        **{f"TAP_AMAZON_CONNECT_{k}": v for k, v in aws.items() if k != "AWS_REGION"},
        "TAP_AMAZON_CONNECT_AWS_REGION": "us-west-2",
        "TAP_AMAZON_CONNECT_AWS_ENDPOINT_URL": simulated_centre["connect"],
        **{f"TAP_CONNECT_KINESIS_{k}": v for k, v in aws.items() if k != "AWS_REGION"},
        "TAP_CONNECT_KINESIS_AWS_REGION": "us-west-2",
        "TAP_CONNECT_KINESIS_AWS_ENDPOINT_URL": simulated_centre["kinesis"],
        "TAP_CONNECT_KINESIS_STREAM_NAME": simulated_centre["stream"],
        "TAP_CONNECT_KINESIS_HEALTH_FILE": "/tmp/wfm/collector.alive",
    }
    in_image(image, "meltano", "run", "wfm-config", env=env)
    with postgres_database.connect() as conn:
        states = {r[0] for r in conn.execute("select state_id from meltano.state")}
        assert "prod:tap-amazon-connect-config-to-target-postgres" in states
        assert conn.execute("select count(*) from raw.queues").fetchone()[0] > 0

    argv = image_argv(image, "meltano", "run", "wfm-adherence", env=env)
    log = image["rootfs"] / "tmp" / "collector-test.log"
    with log.open("w") as out:
        collector = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)  # dumb-init's pid
    try:
        rows = 0
        deadline = time.monotonic() + 180
        while rows == 0 and time.monotonic() < deadline and collector.poll() is None:
            time.sleep(2)
            with postgres_database.connect() as conn:
                if conn.execute("select to_regclass('raw.agent_events')").fetchone()[0]:
                    rows = conn.execute("select count(*) from raw.agent_events").fetchone()[0]
        assert collector.poll() is None, log.read_text()[-3000:]
        assert rows > 0, log.read_text()[-3000:]
        stopped = time.monotonic()
        collector.send_signal(signal.SIGTERM)  # what Kubernetes and compose send
        collector.wait(timeout=55)             # terminationGracePeriodSeconds / stop_grace_period: 60
        took = time.monotonic() - stopped
        print(f"\ncollector: {rows} rows, stopped {took:.1f} s after SIGTERM, status {collector.returncode}")
    finally:
        if collector.poll() is None:
            collector.kill()
    output = log.read_text()
    # Tap first (docker/graceful.py): the tap finishes its batch, the target its input, and
    # Meltano saves the final state and ends the run as a success.
    assert "stopping the tap first" in output
    assert "finishing the batch in hand" in output
    assert collector.returncode == 0, output[-3000:]
    assert took < 30
    with postgres_database.connect() as conn:
        (run_state,) = conn.execute(
            "select state from meltano.runs where job_name = 'prod:tap-connect-kinesis-to-target-postgres' "
            "order by id desc limit 1").fetchone()
        assert run_state == "SUCCESS"
        (saved,) = conn.execute(
            "select completed_state from meltano.state "
            "where state_id = 'prod:tap-connect-kinesis-to-target-postgres'").fetchone()
    shards = json.loads(saved)["singer_state"]["bookmarks"]["agent_events"]["shards"]
    assert shards and all(s["sequence_number"] for s in shards.values())
