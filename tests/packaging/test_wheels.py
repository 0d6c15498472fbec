"""`python -m build`'s way (an sdist, then the wheel from the sdist) for wfm-aws and both taps,
from a tagged snapshot: the version is the tag's, the taps depend on wfm-aws by version, the
wheels install in a clean virtualenv without this checkout and answer `--about`; the Hub-style
plugin definitions under plugins/ are what those installed taps say."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version
from release_helpers import (
    PACKAGES,
    ROOT,
    TAPS,
    UV,
    clean_env,
    release_tag,
    run,
    version_of,
    wfm_aws_requirement,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("packaging-wheels")]

DEFINITIONS = ROOT / "plugins" / "extractors"


@pytest.fixture(scope="module")
def dist(tagged_repo, tmp_path_factory) -> Path:
    """sdist and wheel of each package (uv build: the sdist first, the wheel built from it),
    the three at once."""
    out = tmp_path_factory.mktemp("dist")
    started = time.monotonic()
    builds = [subprocess.Popen([UV, "build", "--quiet", "--out-dir", str(out), str(tagged_repo / folder)],
                               env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
              for folder in PACKAGES.values()]
    for build in builds:
        output, _ = build.communicate(timeout=180)
        assert build.returncode == 0, output
    print(f"built in {time.monotonic() - started:.1f} s")
    return out


@pytest.fixture(scope="module")
def clean_venv(dist, tmp_path_factory) -> Path:
    """A new virtualenv with the three wheels and what they need from PyPI, nothing of this checkout."""
    venv = tmp_path_factory.mktemp("clean") / "venv"
    run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=venv.parent)
    run([UV, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
         *map(str, sorted(dist.glob("*.whl")))], cwd=venv.parent, timeout=300)
    return venv


@pytest.fixture(scope="module")
def answers(clean_venv, tmp_path_factory) -> dict[tuple[str, str], str]:
    """What each tap installed in the clean virtualenv answers to `--about --format json` and to
    `--version`, from outside the checkout (both taps at once)."""
    where = tmp_path_factory.mktemp("elsewhere")
    out = {}
    for option in ("--about --format json", "--version"):  # the first writes the bytecode the second reads
        asked = {tap: subprocess.Popen([str(clean_venv / "bin" / tap), *option.split()], cwd=where,
                                       env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for tap in TAPS}
        for tap, process in asked.items():
            stdout, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, (tap, option, stderr[-2000:])
            out[tap, option] = stdout
    return out


@pytest.fixture(scope="module")
def abouts(answers) -> dict[str, dict]:
    return {tap: json.loads(answers[tap, "--about --format json"]) for tap in TAPS}


def hub_definitions():
    """plugins/hub_definitions.py, the generator, as a module."""
    spec = importlib.util.spec_from_file_location("hub_definitions", ROOT / "plugins" / "hub_definitions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(archive.read(name).decode())


def test_wfm_aws_range_takes_the_version_of_the_latest_tag():
    """The taps' range on wfm-aws covers the version the repository's tags give now (the three
    packages are released from one tag): after tagging a new minor version, widen the range."""
    described = subprocess.run(["git", "describe", "--tags", "--abbrev=0", "--match", "v[0-9]*"], cwd=ROOT,
                               capture_output=True, text=True)
    current = Version(version_of(described.stdout.strip())) if described.returncode == 0 else Version("0.1.dev0")
    for tap in TAPS:
        requirement = wfm_aws_requirement(tap)
        assert requirement.url is None, f"{tap} depends on wfm-aws by a path or URL: {requirement}"
        assert requirement.specifier.contains(current, prereleases=True), (tap, str(requirement), current)
        assert requirement.specifier == wfm_aws_requirement(TAPS[0]).specifier


def test_sdists_and_wheels_carry_the_tag_version_and_no_local_path(dist):
    version = version_of(release_tag())
    wheels = {path.name.split("-")[0]: path for path in dist.glob("*.whl")}
    assert set(wheels) == {name.replace("-", "_") for name in PACKAGES}
    assert sorted(p.name for p in dist.glob("*.tar.gz")) == sorted(
        f"{name.replace('-', '_')}-{version}.tar.gz" for name in PACKAGES)
    for name, wheel in wheels.items():
        info = metadata(wheel)
        assert info["Version"] == version, name
        requirements = [Requirement(r) for r in info.get_all("Requires-Dist") or []]
        assert all(r.url is None for r in requirements), (name, requirements)
        if name != "wfm_aws":
            [wfm_aws] = [r for r in requirements if r.name == "wfm-aws"]
            assert wfm_aws.specifier.contains(version), (name, str(wfm_aws))
        with zipfile.ZipFile(wheel) as archive:
            top = {n.split("/")[0] for n in archive.namelist()}
        assert top == {name, f"{name}-{version}.dist-info"}, top  # no tests, no benchmarks
        print(f"{wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB")


def test_wheels_install_in_a_clean_virtualenv_and_answer_about(clean_venv, abouts, tmp_path):
    python = str(clean_venv / "bin" / "python")
    where = run([python, "-c", "import json, wfm_aws, tap_amazon_connect, tap_connect_kinesis as k; "
                 "print(json.dumps([m.__file__ for m in (wfm_aws, tap_amazon_connect, k)]))"], cwd=tmp_path)
    for path in json.loads(where.stdout):
        assert Path(path).is_relative_to(clean_venv) and not Path(path).is_relative_to(ROOT), path
    freeze = run([UV, "pip", "freeze", "--python", python], cwd=tmp_path).stdout
    assert str(ROOT) not in freeze and "-e " not in freeze, freeze  # the wheels only, none editable
    for tap, info in abouts.items():
        assert info["name"] == tap
        assert {"catalog", "discover", "state", "about"} <= set(info["capabilities"])
        assert "aws_region" in info["settings"]["properties"]


@pytest.mark.parametrize("tap", ["tap-amazon-connect", "tap-connect-kinesis"])
def test_about_and_version_say_the_tag(answers, abouts, tap):
    version = version_of(release_tag())
    assert abouts[tap]["version"] == version
    assert f"{tap} v{version}," in answers[tap, "--version"]


@pytest.mark.parametrize("package", ["tap_amazon_connect", "tap_connect_kinesis"])
def test_package_version_attribute_is_the_tag(clean_venv, tmp_path, package):
    said = run([str(clean_venv / "bin" / "python"), "-c", f"import {package}; print({package}.__version__)"],
               cwd=tmp_path).stdout.strip()
    assert said == version_of(release_tag())


# Settings --about gives no description (the tap's code should): listed so the test says when one is added.
UNDESCRIBED: set[tuple[str, str]] = set()


def test_hub_definitions_are_generated_from_the_installed_taps_about(abouts):
    """plugins/extractors/*.yml are what `--about` of the wheels says (regenerate with
    `.venv/bin/python plugins/hub_definitions.py`), and Meltano reads them: every setting of
    `--about` with a kind of its JSON type and a description, every secret sensitive, no
    other setting; the project's meltano.yml marks the same settings sensitive."""
    from meltano.core.plugin import PluginType
    from meltano.core.plugin.base import PluginDefinition
    from meltano.core.setting_definition import SettingKind

    generator = hub_definitions()
    kinds = {"string": {"string", "options", "date_iso8601"}, "integer": {"integer"}, "number": {"integer"},
             "boolean": {"boolean"}, "array": {"array"}, "object": {"object"}}
    project = {p["name"]: p for p in yaml.safe_load((ROOT / "meltano.yml").read_text())["plugins"]["extractors"]}
    undescribed = set()
    for tap, about in abouts.items():
        path = DEFINITIONS / generator.file_name(tap)
        assert path.read_text() == generator.render(generator.definition(about)), (
            f"{path} is out of date: run .venv/bin/python plugins/hub_definitions.py")
        plugin = yaml.safe_load(path.read_text())
        properties = about["settings"]["properties"]
        settings = {s["name"]: s for s in plugin["settings"]}
        assert list(settings) == list(properties)
        for name, spec in properties.items():
            [json_type] = [t for t in spec["type"] if t != "null"]
            assert settings[name]["kind"] in kinds[json_type], (tap, name)
            SettingKind(settings[name]["kind"])
            assert settings[name].get("sensitive", False) == spec.get("secret", False), (tap, name)
            if not settings[name].get("description"):
                undescribed.add((tap, name))
        for declared in project[tap]["settings"]:
            assert declared.get("sensitive", False) == settings[declared["name"]].get("sensitive", False), declared
        assert plugin["pip_url"] == tap and plugin["namespace"] == tap.replace("-", "_")
        assert set(plugin["capabilities"]) == set(about["capabilities"])
        parsed = PluginDefinition.parse({"plugin_type": PluginType.EXTRACTORS, **plugin})
        assert parsed.name == tap and [v.name for v in parsed.variants] == [plugin["variant"]]
    assert undescribed == UNDESCRIBED
