"""The deploy files run as shipped: the cron line in a temporary install, the systemd units through
`systemd-analyze verify`, the compose file's effective environments and the image's context."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core.settings import PROJECT_ROOT
from crawler.profile import PROFILES_DIR
from wildwatch.config import load_config

DEPLOY = PROJECT_ROOT / "deploy"
VENV = Path(sys.prefix)


def _crontab() -> tuple[dict[str, str], list[str], str]:
    """(environment assignments, the five schedule fields, the command) of deploy/crontab."""
    env: dict[str, str] = {}
    jobs = []
    for line in (DEPLOY / "crontab").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if sep and " " not in name:
            env[name] = value
        else:
            jobs.append(line)
    assert len(jobs) == 1, jobs
    fields = jobs[0].split(None, 5)
    return env, fields[:5], fields[5]


def test_the_cron_line_runs_a_nightly_in_a_fresh_install(tmp_path: Path) -> None:
    cron_env, schedule, command = _crontab()
    assert schedule == ["30", "2", "*", "*", "*"]
    install = tmp_path / "opt" / "wildwatch"
    (install / "deploy").mkdir(parents=True)
    shutil.copy2(DEPLOY / "cron-nightly.sh", install / "deploy" / "cron-nightly.sh")
    (install / ".venv").symlink_to(VENV)
    var = tmp_path / "state"
    env_file = tmp_path / "env"
    env_file.write_text(
        f"WILDWATCH_DATABASE_URL=sqlite:///{tmp_path / 'ww.db'}\n"
        f"WILDWATCH_VAR_DIR={var}\n"
        f"WILDWATCH_CONFIG_FILE={tmp_path / 'no-such-ops.yaml'}\n",
        encoding="utf-8",
    )
    # cron's own environment: nearly empty, plus the crontab's assignments.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WILDWATCH_ENV_FILE": str(env_file), **cron_env}
    shell = cron_env.get("SHELL", "/bin/sh")
    result = subprocess.run(
        [shell, "-c", command.replace("/opt/wildwatch", shlex.quote(str(install)))],
        env=env, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    log = (var / "log" / "nightly.log").read_text(encoding="utf-8")
    assert "nightly run #1 completed" in log
    assert any(line.startswith("{") for line in log.splitlines()), "WILDWATCH_LOG_JSON=true: JSON lines"
    assert (tmp_path / "ww.db").exists(), "the env file's database was used"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    units = sorted((DEPLOY / "systemd").iterdir())
    assert units
    for unit in units:
        # Point the units at this checkout's virtualenv, as an install in /opt/wildwatch would have one.
        text = unit.read_text(encoding="utf-8").replace("/opt/wildwatch/.venv", str(VENV))
        assert unit.suffix == ".timer" or any(
            line.startswith("EnvironmentFile=") and line.endswith("/etc/wildwatch/env") for line in text.splitlines()
        ), f"{unit.name} does not load /etc/wildwatch/env"
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / u.name) for u in units)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_every_wildwatch_service_gets_the_whole_environment() -> None:
    services = _compose()["services"]
    ours = {name: spec for name, spec in services.items() if "build" in spec}
    assert set(ours) == {"api", "nightly", "crawl-worker"}
    for name, spec in ours.items():
        environment = spec["environment"]
        for key in ("WILDWATCH_ENV", "WILDWATCH_DATABASE_URL", "WILDWATCH_CONFIG_FILE", "WILDWATCH_SECRET_KEY"):
            assert key in environment, f"{name} lacks {key}"
        # Production refuses to start without a private secret: compose must refuse first, clearly.
        assert environment["WILDWATCH_SECRET_KEY"].startswith("${WILDWATCH_SECRET_KEY:?"), name


def test_the_mounted_config_finds_its_profiles_inside_the_container(tmp_path: Path) -> None:
    mounts = [v for v in _compose()["services"]["nightly"]["volumes"] if v.endswith(":ro")]
    source, target = mounts[0].split(":")[:2]
    container_path = tmp_path / target.lstrip("/")
    container_path.parent.mkdir(parents=True)
    shutil.copy(DEPLOY / source, container_path)
    config = load_config(container_path)
    profiles = [site.profile for site in config.sites if site.profile is not None]
    assert profiles
    for profile in profiles:
        assert profile.is_file() and profile.parent == PROFILES_DIR, profile


def test_the_image_leaves_local_state_out() -> None:
    patterns = {
        line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", ".git", "deploy/.env"} <= patterns
