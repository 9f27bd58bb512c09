"""Twilio SMS webhook: our validator is Twilio's, and what is refused."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from twilio.request_validator import RequestValidator

from channels_intake.models import InboundMessage
from channels_intake.normalized import PayloadError
from channels_intake.providers.twilio import adapter as twilio

from .sms_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PATH,
    PUBLIC_BASE,
    PUBLIC_URL,
    SMS_SID,
    fixture,
    post_twilio,
    twilio_signature,
)
from .sms_support import form

pytestmark = pytest.mark.usefixtures("_twilio_settings")


# --- Our validator is Twilio's ---------------------------------------------------------------


def test_it_signs_twilios_published_vector():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    expected = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert RequestValidator("12345").compute_signature(url, params) == expected
    assert twilio.sign(url, params.items(), "12345") == expected
    raw = urlencode(params).encode()
    assert twilio.verify_signature(raw, url=url, signature=expected, auth_token="12345")


@pytest.mark.parametrize(
    "raw",
    [
        fixture("sms"),
        fixture("mms"),
        fixture("status_undelivered"),
        # Repeated names (sorted by value), a repeated identical pair (counted once by
        # Twilio), blanks, and text that only decodes as UTF-8.
        b"b=2&a=z&a=y&a=y&Body=&c=%C3%A9%F0%9F%98%A7+x%2By",
    ],
)
@pytest.mark.parametrize(
    "url",
    [PUBLIC_URL, "https://lapor.bandung.go.id:443/webhooks/twilio/", PUBLIC_URL + "?kanal=sms"],
)
def test_our_signature_agrees_with_twilios_request_validator(raw, url):
    validator = RequestValidator(AUTH_TOKEN)
    theirs = twilio_signature(raw, url)
    assert twilio.sign(url, twilio.form_fields(raw), AUTH_TOKEN) == theirs
    # Both accept the URL with and without the default port, and nothing else.
    for candidate in (url, url.replace(":443", ""), url.replace(".go.id/", ".go.id:443/")):
        assert twilio.verify_signature(
            raw, url=candidate, signature=theirs, auth_token=AUTH_TOKEN
        ) == validator.validate(candidate, QueryDict(raw.decode()), theirs)
    assert not twilio.verify_signature(raw, url=url, signature=theirs, auth_token="other")
    assert not twilio.verify_signature(
        raw, url=url.replace("lapor", "lapor2"), signature=theirs, auth_token=AUTH_TOKEN
    )


def test_the_public_url_ignores_the_host_and_keeps_the_query():
    assert twilio.public_url("https://lapor.bandung.go.id/", PATH) == PUBLIC_URL
    assert twilio.public_url(PUBLIC_BASE, PATH, "a=1&b=%20") == PUBLIC_URL + "?a=1&b=%20"


# --- Refusals --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_everything_without_an_auth_token(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    response = post_twilio(client, fixture("sms"))
    assert response.status_code == 503
    assert "TWILIO_AUTH_TOKEN" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_missing_signature_is_forbidden(client):
    response = client.post(
        PATH, data=fixture("sms"), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 403
    assert "X-Twilio-Signature" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_tampered_parameter_is_forbidden_and_nothing_is_stored(client):
    raw = fixture("sms")
    tampered = raw.replace(b"Braga", b"Dago")
    response = post_twilio(client, tampered, signature=twilio_signature(raw))
    assert response.status_code == 403
    # An added parameter breaks it too: Twilio signs every parameter, not a list of them.
    added = post_twilio(client, raw + b"&Extra=1", signature=twilio_signature(raw))
    assert added.status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_signature_with_another_token_is_forbidden(client):
    raw = fixture("sms")
    response = post_twilio(client, raw, signature=twilio_signature(raw, token="not-ours"))
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_host_header_plays_no_part_behind_a_proxy(client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    raw = fixture("sms")
    # The proxy hands over its internal name; the public URL still verifies.
    response = post_twilio(
        client,
        raw,
        HTTP_HOST="10.0.0.5:8000",
        HTTP_X_FORWARDED_HOST="attacker.example",
    )
    assert response.status_code == 200
    # A signature over the URL Django sees (the Host header) is not Twilio's: refused.
    spoofed = post_twilio(client, raw, sign_url="http://testserver" + PATH)
    assert spoofed.status_code == 403
    assert InboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_the_query_string_is_part_of_the_signed_url(client):
    raw = fixture("sms")
    signed_with_query = post_twilio(
        client, raw, query="kanal=sms", sign_url=PUBLIC_URL + "?kanal=sms"
    )
    assert signed_with_query.status_code == 200
    other = raw.replace(SMS_SID.encode(), b"SM00000000000000000000000000000001")
    assert post_twilio(client, other, query="kanal=sms").status_code == 403


@pytest.mark.django_db
def test_another_account_is_forbidden(client, settings):
    settings.TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
    response = post_twilio(client, fixture("sms"))
    assert response.status_code == 403
    assert "AccountSid" in response.json()["error"]
    settings.TWILIO_ACCOUNT_SID = ""  # not configured: the signature alone decides
    assert post_twilio(client, fixture("sms")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"From=%2B6281234567890&Body=halo&AccountSid=" + ACCOUNT_SID.encode(), "MessageSid"),
        (form(NumMedia="many"), "NumMedia"),
        (form(NumMedia="1"), "MediaUrl0"),
    ],
)
def test_a_signed_malformed_form_is_a_400_with_a_reason(client, raw, reason):
    response = post_twilio(client, raw)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_bytes_that_are_not_utf8_are_refused(client):
    # Twilio percent-encodes UTF-8; anything else cannot carry its signature.
    raw = b"Body=%FF%FE&MessageSid=SM1&From=%2B6281234567890"
    response = post_twilio(client, raw, signature=twilio.sign(PUBLIC_URL, [], AUTH_TOKEN))
    assert response.status_code == 403
    with pytest.raises(PayloadError, match="UTF-8"):
        twilio.parse(raw)


def test_only_post_is_allowed(client):
    assert client.get(PATH).status_code == 405
