"""The settings' environment helpers are strict: a bad value stops the start, loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "on"])
def test_it_reads_true_booleans(monkeypatch, raw):
    monkeypatch.setenv("SIGAP_FLAG", raw)
    assert env_bool("SIGAP_FLAG", False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_it_reads_false_booleans(monkeypatch, raw):
    monkeypatch.setenv("SIGAP_FLAG", raw)
    assert env_bool("SIGAP_FLAG", True) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y"])
def test_it_refuses_a_boolean_it_does_not_know(monkeypatch, raw):
    monkeypatch.setenv("SIGAP_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="SIGAP_FLAG"):
        env_bool("SIGAP_FLAG", False)


def test_it_uses_the_default_when_a_variable_is_unset(monkeypatch):
    monkeypatch.delenv("SIGAP_UNSET", raising=False)
    assert env_bool("SIGAP_UNSET", True) is True
    assert env_int("SIGAP_UNSET", 7) == 7
    assert env_str("SIGAP_UNSET", "x") == "x"
    assert env_list("SIGAP_UNSET", "a, b") == ["a", "b"]


def test_it_reads_integers_and_treats_blank_as_unset(monkeypatch):
    monkeypatch.setenv("SIGAP_NUMBER", "42")
    assert env_int("SIGAP_NUMBER", 1) == 42
    monkeypatch.setenv("SIGAP_NUMBER", "  ")
    assert env_int("SIGAP_NUMBER", 1) == 1


@pytest.mark.parametrize("raw", ["ten", "1.5", "10MB"])
def test_it_refuses_an_integer_that_is_not_one(monkeypatch, raw):
    monkeypatch.setenv("SIGAP_NUMBER", raw)
    with pytest.raises(ImproperlyConfigured, match="SIGAP_NUMBER"):
        env_int("SIGAP_NUMBER", 1)


def test_it_splits_lists_and_drops_empty_items(monkeypatch):
    monkeypatch.setenv("SIGAP_HOSTS", " sigap.example.go.id, ,localhost ,")
    assert env_list("SIGAP_HOSTS", "") == ["sigap.example.go.id", "localhost"]


def _django_check(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check` in a fresh process with these variables, as a deployment starts."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(SIGAP_VAR_DIR=str(tmp_path), **overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_refuses_to_start_with_a_bad_debug_value(tmp_path):
    result = _django_check(tmp_path, DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr


def test_it_refuses_a_database_engine_it_does_not_support(tmp_path):
    result = _django_check(tmp_path, DATABASE_URL="mysql://sigap@127.0.0.1/sigap")
    assert result.returncode != 0
    assert "is not supported" in result.stderr


def test_it_starts_with_no_configuration_at_all(tmp_path):
    result = _django_check(tmp_path)
    assert result.returncode == 0, result.stderr
    # The embedded run keeps its generated secret key in the var directory, private.
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0
    assert (tmp_path / "broker" / "queue").is_dir()


def test_it_refuses_to_start_with_bad_working_hours(tmp_path):
    result = _django_check(tmp_path, WORKING_HOURS="8 to 4")
    assert result.returncode != 0
    assert "WORKING_HOURS='8 to 4'" in result.stderr


def test_it_refuses_an_inbox_sweeper_interval_below_one_second(tmp_path):
    result = _django_check(tmp_path, INBOX_RELAY_INTERVAL_SECONDS="0")
    assert result.returncode != 0
    assert "INBOX_RELAY_INTERVAL_SECONDS must be at least 1" in result.stderr


def test_it_schedules_the_inbox_sweeper_from_its_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(
        SIGAP_VAR_DIR=str(tmp_path),
        INBOX_RELAY_INTERVAL_SECONDS="20",
        INBOX_RELAY_AFTER_SECONDS="5",
    )
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "entry = settings.CELERY_BEAT_SCHEDULE['relay-stranded-inbound']\n"
        "print(entry['schedule'], entry['options']['expires'], settings.INBOX_RELAY_AFTER_SECONDS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["20.0", "15", "5"]
