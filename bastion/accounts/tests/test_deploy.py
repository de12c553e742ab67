"""Production settings: `check --deploy` is clean, and a dangerous setting stops start-up."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks

PROJECT = Path(settings.PROJECT_DIR)
BASTION = [sys.executable, "-m", "bastion"]


def production(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production server, as README and docs/security.md say."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CAS_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="bastion.example.edu.cn",
        CSRF_TRUSTED_ORIGINS="https://bastion.example.edu.cn",
        DATABASE_URL="postgres://bastion@127.0.0.1:5432/bastion",  # not connected to
        BASTION_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="bastion.settings",
    )
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, env=env, cwd=PROJECT, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    done = run([*BASTION, "check", "--deploy", "--fail-level", "WARNING"], production(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.slow
def test_production_cookies_are_secure_and_https_is_kept(tmp_path):
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SESSION_COOKIE_SAMESITE', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
        "'SESSION_COOKIE_AGE', 'SESSION_EXPIRE_AT_BROWSER_CLOSE')}))"
    )
    done = run([sys.executable, "-c", script], production(tmp_path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_AGE": 8 * 3600,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
    }


@pytest.mark.slow
def test_the_laptop_secret_key_in_production_stops_every_command(tmp_path):
    env = production(tmp_path)
    del env["SECRET_KEY"]
    done = run([*BASTION, "migrate", "--check"], env)
    assert done.returncode != 0 and "bastion.E001" in done.stderr


@pytest.mark.slow
def test_the_web_server_refuses_to_start_on_a_dangerous_setting(tmp_path):
    """granian loads bastion.wsgi and runs no command: the checks run there too."""
    load = [sys.executable, "-c", "import bastion.wsgi"]
    assert run(load, production(tmp_path)).returncode == 0
    done = run(load, production(tmp_path, ALLOWED_HOSTS="*"))
    assert done.returncode != 0 and "bastion.E003" in done.stderr
    done = run(load, production(tmp_path, DEBUG="1"))
    assert done.returncode != 0 and "bastion.E004" in done.stderr


def ids(**overrides) -> set[str]:
    from django.test import override_settings

    with override_settings(**overrides):
        return {m.id for m in run_checks(tags=["security"]) if m.id.startswith("bastion.")}


def test_production_with_the_laptop_secret_key_is_refused():
    key = settings.INSECURE_DEFAULT_SECRET_KEY
    assert "bastion.E001" in ids(DEBUG=False, SECRET_KEY=key)
    assert "bastion.E001" not in ids(DEBUG=False, SECRET_KEY=secrets.token_urlsafe(50))
    assert "bastion.E001" not in ids(DEBUG=True, SECRET_KEY=key)  # a laptop


def test_production_without_allowed_hosts_or_with_any_host_is_refused():
    assert "bastion.E003" in ids(DEBUG=False, ALLOWED_HOSTS=[])
    assert "bastion.E003" in ids(DEBUG=False, ALLOWED_HOSTS=["*"])
    assert "bastion.E003" not in ids(DEBUG=False, ALLOWED_HOSTS=["bastion.example.edu.cn"])


def test_debug_on_a_public_host_name_is_refused_but_a_laptop_or_a_phone_test_is_not():
    assert "bastion.E004" in ids(DEBUG=True, ALLOWED_HOSTS=["bastion.example.edu.cn"])
    assert "bastion.E004" not in ids(DEBUG=True, ALLOWED_HOSTS=["127.0.0.1", "localhost"])
    assert "bastion.E004" not in ids(DEBUG=True, ALLOWED_HOSTS=["192.168.1.20", "[::1]"])


def test_single_sign_on_in_production_must_be_https():
    assert "bastion.E005" in ids(DEBUG=False, CAS_SERVER_URL="http://cas.example.edu.cn/cas/")
    assert "bastion.E005" not in ids(DEBUG=False, CAS_SERVER_URL="https://cas.example.edu.cn/")
