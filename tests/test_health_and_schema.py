"""/healthz answers for the database and the broker; the OpenAPI schema and docs are served."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from config.celery import app as celery_app


@pytest.fixture
def client() -> Client:
    return Client()


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
