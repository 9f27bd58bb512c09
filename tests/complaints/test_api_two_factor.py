"""The staff API does not get around the second factor: not by HTTP Basic, not by a
session that has only given its password. With the code, or a token made after it, the
API works; partner keys are untouched (tests/channels_intake/test_partner_api.py)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from complaints.api.auth import StaffTokenAuthentication, VerifiedSessionAuthentication
from complaints.api_tokens import staff_token_create
from complaints.models import StaffApiToken
from complaints.services import complaint_create
from complaints.two_factor import totp_code_now
from tests.conftest import PASSWORD

LIST_URL = "/api/v1/complaints/"
KEY_HEX = "3132333435363738393031323334353637383930"


def basic(username: str, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def operator_device(operator) -> TOTPDevice:
    return TOTPDevice.objects.create(user=operator, name="authenticator", key=KEY_HEX)


@pytest.fixture
def a_complaint(world):
    return complaint_create(channel="web", text="Lampu jalan mati", area=world.dago)


def sign_in(client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def pass_second_factor(client) -> None:
    response = client.post(reverse("otp_verify"), {"token": totp_code_now(KEY_HEX)})
    assert response.status_code == 302, response.content


def make_token(client, name: str = "spreadsheet") -> str:
    page = client.post(reverse("dashboard:api_tokens"), {"name": name})
    assert page.status_code == 200, page.content
    return page.context["new_key"]


@pytest.mark.two_factor
def test_it_refuses_an_operators_password_by_basic_auth(operator_device, a_complaint):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic("operator"))

    response = client.get(LIST_URL)

    assert response.status_code == 401
    assert "second factor" in response.json()["detail"] or "faktor" in response.json()["detail"]
    assert "results" not in response.json()
    detail = client.get(f"{LIST_URL}{a_complaint.tracking_code}/")
    assert detail.status_code == 401


@pytest.mark.two_factor
def test_it_refuses_basic_auth_to_an_operator_without_a_device_too(operator, a_complaint):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic("operator"))

    assert client.get(LIST_URL).status_code == 401


@pytest.mark.two_factor
def test_it_answers_a_wrong_password_the_same_way_for_every_role(operator_device, staff_roads):
    for username in ("operator", "staff_roads"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=basic(username, "wrong-password"))
        response = client.get(LIST_URL)
        assert response.status_code == 401
        assert "second factor" not in response.json()["detail"]


@pytest.mark.two_factor
def test_a_session_with_only_the_password_gets_nothing(client, operator_device, a_complaint):
    sign_in(client, "operator")

    assert client.get(LIST_URL).status_code == 403
    assert client.get(f"{LIST_URL}{a_complaint.tracking_code}/").status_code == 403
    # ...and cannot make itself a token either.
    page = client.post(reverse("dashboard:api_tokens"), {"name": "x"})
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("otp_verify"))
    assert not StaffApiToken.objects.exists()


@pytest.mark.two_factor
def test_the_session_authentication_itself_ignores_an_unverified_session(operator_device):
    request = APIRequestFactory().get(LIST_URL)
    operator_device.user.is_verified = lambda: False
    request.user = operator_device.user
    request._dont_enforce_csrf_checks = True

    assert VerifiedSessionAuthentication().authenticate(Request(request)) is None
    operator_device.user.is_verified = lambda: True
    found = VerifiedSessionAuthentication().authenticate(Request(request))
    assert found is not None and found[0] == operator_device.user


@pytest.mark.two_factor
def test_with_the_code_the_session_works(client, operator_device, a_complaint):
    sign_in(client, "operator")
    pass_second_factor(client)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert a_complaint.tracking_code in {c["tracking_code"] for c in response.json()["results"]}


@pytest.mark.two_factor
def test_a_token_made_after_the_code_reads_the_api(client, operator_device, a_complaint):
    sign_in(client, "operator")
    pass_second_factor(client)
    key = make_token(client)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    listed = api.get(LIST_URL)
    detail = api.get(f"{LIST_URL}{a_complaint.tracking_code}/")

    assert listed.status_code == 200
    assert a_complaint.tracking_code in {c["tracking_code"] for c in listed.json()["results"]}
    assert detail.status_code == 200
    token = StaffApiToken.objects.get()
    assert token.second_factor and token.last_used_at is not None
    assert token.key_hash != key and key not in str(token.__dict__)
    # The token reads only: on a write it authenticates nobody.
    write = Request(APIRequestFactory().post(LIST_URL, {}, HTTP_AUTHORIZATION=f"Bearer {key}"))
    assert StaffTokenAuthentication().authenticate(write) is None


@pytest.mark.two_factor
def test_a_revoked_or_expired_or_unknown_token_is_refused(client, operator_device, a_complaint):
    sign_in(client, "operator")
    pass_second_factor(client)
    revoked, expired = make_token(client, "one"), make_token(client, "two")
    first = StaffApiToken.objects.get(name="one")
    assert client.post(reverse("dashboard:api_token_revoke", args=[first.pk])).status_code == 302
    StaffApiToken.objects.filter(name="two").update(expires_at=timezone.now() - timedelta(1))

    for key in (revoked, expired, "sgs_not-a-token", "garbage"):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        response = api.get(LIST_URL)
        assert response.status_code == 401, key
        assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.two_factor
def test_nobody_revokes_anothers_token(client, operator_device, staff_roads):
    token, _key = staff_token_create(user=staff_roads, name="mine", second_factor_verified=False)
    sign_in(client, "operator")
    pass_second_factor(client)

    client.post(reverse("dashboard:api_token_revoke", args=[token.pk]))

    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.two_factor
def test_agency_staff_keep_basic_auth_until_they_owe_a_second_factor(settings, staff_roads):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic("staff_roads"))
    assert client.get(LIST_URL).status_code == 200
    _token, key = staff_token_create(user=staff_roads, name="old", second_factor_verified=False)

    settings.TWO_FACTOR_REQUIRED_ROLES = [*settings.TWO_FACTOR_REQUIRED_ROLES, "agency_staff"]

    assert client.get(LIST_URL).status_code == 401
    # A token made when no code was asked of them stops working too.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get(LIST_URL).status_code == 401


@pytest.mark.two_factor
def test_a_token_for_agency_staff_sees_only_their_agency(world, staff_roads):
    own = complaint_create(channel="web", text="Jalan rusak", category=world.road, area=world.dago)
    other = complaint_create(channel="web", text="Sampah", category=world.garbage, area=world.dago)
    from dispositions.services import disposition_route

    for c in (own, other):
        disposition_route(complaint_id=c.pk)
    _token, key = staff_token_create(user=staff_roads, name="mine", second_factor_verified=False)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    codes = {c["tracking_code"] for c in api.get(LIST_URL).json()["results"]}

    assert own.tracking_code in codes and other.tracking_code not in codes
    assert api.get(f"{LIST_URL}{other.tracking_code}/").status_code == 404
