"""Per-key scopes and rate limits: the partner API and Open311 answer 403 and 429."""

from __future__ import annotations

import json

import pytest
from django.utils import translation
from django.utils.translation import gettext

from channels_intake import desk
from channels_intake.models import PartnerScope

pytestmark = pytest.mark.django_db
URL = "/api/v1/partner/complaints/"


def key_with(**fields):
    partner, key = desk.partner_key_create(name="Aplikasi Kelurahan")
    for name, value in fields.items():
        setattr(partner, name, value)
    partner.save()
    return key


def post(client, key, external_id="K-1"):
    return client.post(
        URL,
        data=json.dumps({"external_id": external_id, "text": "Lampu jalan mati di gang 3"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )


def test_new_keys_have_every_scope(world):
    partner, _ = desk.partner_key_create(name="x")
    assert set(partner.scopes) == set(PartnerScope.values)


def test_a_key_without_the_scope_is_refused(client, world):
    read_only = key_with(scopes=[PartnerScope.COMPLAINTS_READ])
    response = post(client, read_only)
    assert response.status_code == 403
    # In the default language (Bahasa Indonesia), the reason names the missing scope.
    with translation.override("id"):
        assert response.json()["detail"] == gettext(
            "This API key may not do this: it lacks the scope."
        )
    writer = key_with(scopes=[PartnerScope.COMPLAINTS_WRITE])
    assert post(client, writer).status_code == 201
    assert client.get(f"{URL}K-1/", HTTP_AUTHORIZATION=f"Api-Key {writer}").status_code == 403


def test_the_rate_limit_answers_429_with_retry_after(client, world):
    key = key_with(rate_limit_per_minute=2)
    assert post(client, key, "K-1").status_code == 201
    assert post(client, key, "K-2").status_code == 201
    refused = post(client, key, "K-3")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert refused.json()["detail"]
    other = key_with(rate_limit_per_minute=2)  # each key has its own budget
    assert post(client, other, "K-3").status_code == 201


def test_zero_means_no_limit(client, world):
    key = key_with(rate_limit_per_minute=0)
    for number in range(5):
        assert post(client, key, f"K-{number}").status_code == 201


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_open311_scope_and_rate_limit(client, world, fmt):
    body = {"service_code": "jalan-rusak", "lat": "-6.9", "long": "107.6", "description": "x"}
    url = f"/open311/v2/requests.{fmt}"
    no_scope = key_with(scopes=[PartnerScope.COMPLAINTS_WRITE])
    assert client.post(url, {**body, "api_key": no_scope}).status_code == 403
    limited = key_with(rate_limit_per_minute=1)
    assert client.post(url, {**body, "api_key": limited}).status_code == 201
    refused = client.post(url, {**body, "api_key": limited})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert b"429" in refused.content
