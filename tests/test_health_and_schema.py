"""/healthz answers for the database and the broker; the OpenAPI schema and docs are served."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from config import health
from config.celery import app as celery_app


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture(autouse=True)
def _fresh_broker_check():
    """The broker's state is remembered per process; each test starts without it."""
    health._broker_checked["at"] = float("-inf")
    yield
    health._broker_checked["at"] = float("-inf")


@contextlib.contextmanager
def counting_listener() -> Iterator[tuple[int, list[int]]]:
    """A TCP port that counts the connections made to it and closes each at once."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        server.close()


@pytest.mark.django_db
def test_it_reports_healthy_database_and_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_reports_a_dead_broker_as_degraded(client, monkeypatch):
    # Nothing listens on port 9 (discard) on the test machine. Celery reads the
    # environment variable before its configuration, so both point there.
    dead = "redis://127.0.0.1:9/0"
    monkeypatch.setenv("CELERY_BROKER_URL", dead)
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = dead
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.broker_url = original

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error"), body


@pytest.mark.django_db
def test_it_connects_to_the_broker_once_per_interval_not_per_call(client, monkeypatch, settings):
    settings.HEALTHZ_BROKER_CHECK_SECONDS = 3600
    with counting_listener() as (port, accepted):
        broker = f"redis://127.0.0.1:{port}/0"
        monkeypatch.setenv("CELERY_BROKER_URL", broker)
        original = celery_app.conf.broker_url
        celery_app.conf.broker_url = broker
        try:
            answers = [client.get("/healthz") for _ in range(5)]
        finally:
            celery_app.conf.broker_url = original
    assert [a.status_code for a in answers] == [503] * 5
    assert all(a.json()["broker"].startswith("error") for a in answers)
    assert 1 <= len(accepted) <= 2  # one check (a redis client may retry its connect once)


def test_it_serves_the_openapi_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert set(schema["paths"]) >= {
        "/api/v1/complaints/",
        "/api/v1/complaints/{tracking_code}/",
        "/api/v1/categories/",
        "/api/v1/areas/",
        "/api/v1/track/{token}/",
    }
    create = schema["paths"]["/api/v1/complaints/"]["post"]
    assert "security" not in create  # public: no credentials needed
    assert schema["paths"]["/api/v1/complaints/"]["get"]["security"]


def test_it_serves_the_api_docs_page(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_it_generates_the_schema_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    assert "/api/v1/track/{token}/" in out.read_text()
