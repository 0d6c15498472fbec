"""A full pipeline run with known secret values: none of them may appear in any log line,
in the saved state or in the catalogs — only the proxy (which needs the password) sees it."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("meltano-b")]
SECRETS = {
    "aws_secret_access_key": "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRET1",
    "aws_session_token": "FwoGZXIvYXdzEJr-SESSIONTOKEN-SECRET2",
    "proxy_password": "p@ss:w0rd/SECRET3",
}


def test_no_secret_in_logs_state_or_catalogs(pipeline, forward_proxy):
    proxy = forward_proxy("wfm-proxy", SECRETS["proxy_password"])
    secret_env = {}
    for tap in ("TAP_AMAZON_CONNECT", "TAP_CONNECT_KINESIS"):
        secret_env |= {
            f"{tap}_AWS_ACCESS_KEY_ID": "AKIAKNOWNKEYID0001",
            f"{tap}_AWS_SECRET_ACCESS_KEY": SECRETS["aws_secret_access_key"],
            f"{tap}_AWS_SESSION_TOKEN": SECRETS["aws_session_token"],
            f"{tap}_PROXY_ADDRESS": "127.0.0.1",
            f"{tap}_PROXY_PORT": str(proxy.port),
            f"{tap}_PROXY_USERNAME": "wfm-proxy",
            f"{tap}_PROXY_PASSWORD": SECRETS["proxy_password"],
        }
    runs = [
        pipeline.meltano("run", "tap-amazon-connect-config", "target-postgres", **secret_env),
        pipeline.meltano("run", "tap-connect-kinesis", "target-postgres", **secret_env),
        pipeline.meltano("run", "tap-amazon-connect-history", "target-postgres", **secret_env),
    ]
    assert len(proxy.seen) > 5 and proxy.refused == 0, "the AWS calls went through the proxy, with the password"

    haystacks = {"run output": "\n".join(r.stdout + r.stderr for r in runs)}
    for state_id in ("dev:tap-amazon-connect-config-to-target-postgres",
                     "dev:tap-connect-kinesis-to-target-postgres",
                     "dev:tap-amazon-connect-history-to-target-postgres"):
        haystacks[f"state {state_id}"] = pipeline.meltano("state", "get", state_id).stdout
    sys_dir = Path(pipeline.env["MELTANO_SYS_DIR_ROOT"])  # the test's own .meltano (conftest)
    for folder in (sys_dir / "logs", sys_dir / "run"):
        for path in folder.rglob("*") if folder.exists() else []:
            if path.is_file() and path.suffix in (".log", ".json") and "config" not in path.name:
                haystacks[str(path.relative_to(sys_dir))] = path.read_text(errors="replace")
    assert sum(name.endswith("tap.properties.json") for name in haystacks) >= 2, "the catalogs were searched too"

    # The taps do say which credentials they use — masked: proof that their logs are searched.
    assert "AKIA…01" in haystacks["run output"]
    needles = {form for secret in SECRETS.values() for form in (secret, quote(secret, safe=""))}
    found = {(name, needle) for name, text in haystacks.items() for needle in needles if needle in text}
    assert not found, sorted(found)[:5]
    assert json.loads(haystacks["state dev:tap-connect-kinesis-to-target-postgres"])["singer_state"]
