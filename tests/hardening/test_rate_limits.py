"""Rate limits that hold: keyed on the client address behind TRUSTED_PROXY_COUNT, on the
web form, the tracking lookup and the API, answered 429 with Retry-After. (The staff
login's lockout is django-axes, docs/sign-in.md.)"""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from complaints.client_ip import client_ip
from complaints.models import Complaint
from tests.complaints.test_api_public import full_payload
from tests.complaints.test_web_form import form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.9"),  # no proxy trusted: the header is the client's word
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the forged left part is ignored
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
        (2, "1.2.3.4", "10.0.0.9"),  # a proxy was skipped: trust only the socket
        (1, "", "10.0.0.9"),
    ],
)
def test_client_ip_trusts_only_the_counted_proxies(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_forged_x_forwarded_for_does_not_bypass_the_api_limit(client, world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"public_create": "2/hour"},
    }
    from complaints.api.views import PublicCreateThrottle

    PublicCreateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        answers = [
            client.post(
                "/api/v1/complaints/",
                full_payload(),
                content_type="application/json",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
            )
            for n in range(4)
        ]
    finally:
        from rest_framework.settings import api_settings

        PublicCreateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert [a.status_code for a in answers] == [201, 201, 429, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert Complaint.objects.count() == 2


def test_the_web_form_is_limited_per_client_with_429_and_retry_after(client, world, settings):
    settings.PUBLIC_FORM_RATE = "3/h"
    url = reverse("complaints:new")
    answers = [client.post(url, form_data(world)) for _ in range(4)]
    assert [a.status_code for a in answers] == [302, 302, 302, 429]
    limited = answers[-1]
    assert 0 < int(limited["Retry-After"]) <= 3600
    assert "Terlalu banyak aduan dikirim" in limited.content.decode()
    assert "Jalan berlubang besar" in limited.content.decode()  # what was typed stays
    assert Complaint.objects.count() == 3
    # Another client is not affected.
    other = client.post(url, form_data(world), REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 302


def test_the_tracking_lookup_limit_answers_429(client, world, settings):
    settings.TRACK_LOOKUP_MAX_FAILURES = 2
    url = reverse("complaints:track_lookup")
    wrong = {"code": "ABCD-2345", "phone": "081200000000"}
    answers = [client.post(url, wrong) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[-1]["Retry-After"]) == settings.TRACK_LOOKUP_WINDOW_MINUTES * 60
    # By target too: the same code from another address is still refused.
    elsewhere = client.post(url, wrong, REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 429
