"""The one POST every provider sender makes: how it sends and how it reads the answer."""

from __future__ import annotations

import pytest

from channels_intake.providers.sending import (
    PermanentSendError,
    SendError,
    TemporarySendError,
    json_answer,
    post,
    post_any_status,
)

from .fake_provider import FakeProvider
from .fake_provider import json_answer as fake_json


@pytest.fixture
def api():
    provider = FakeProvider()
    yield provider
    provider.stop()


def answering(api: FakeProvider, status: int, body: bytes, content_type: str = "text/plain"):
    api.routes[("POST", "/send")] = lambda request: (status, content_type, body)
    return api.base + "/send"


def test_it_posts_json_with_the_callers_headers(api):
    api.routes[("POST", "/send")] = lambda request: fake_json({"id": "m1"})
    body = post(api.base + "/send", json_body={"to": "1"}, headers={"Authorization": "Bearer t"})
    assert json_answer(body) == {"id": "m1"}
    sent = api.requests[0]
    assert sent.json() == {"to": "1"}
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Authorization"] == "Bearer t"


def test_it_posts_a_form_urlencoded(api):
    post(answering(api, 201, b"{}"), form={"To": "+62 81", "Body": "é"})
    sent = api.requests[0]
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.body == b"To=%2B62+81&Body=%C3%A9"


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_rate_limit_or_server_error_is_temporary(api, status):
    with pytest.raises(TemporarySendError, match=f"HTTP {status}: busy"):
        post(answering(api, status, b"busy"), json_body={})


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_any_other_client_error_is_permanent(api, status):
    with pytest.raises(PermanentSendError, match=f"HTTP {status}: no"):
        post(answering(api, status, b"no"), json_body={})


def test_the_error_detail_is_cut_short(api):
    with pytest.raises(PermanentSendError) as raised:
        post(answering(api, 400, b"x" * 5000), json_body={})
    assert len(str(raised.value)) == len("HTTP 400: ") + 500


def test_a_provider_can_read_its_own_errors(api):
    def classify(status: int, body: bytes) -> SendError:
        return TemporarySendError(f"provider says {status} {body.decode()}")

    with pytest.raises(TemporarySendError, match="provider says 400 slow down"):
        post(answering(api, 400, b"slow down"), json_body={}, classify=classify)


def test_a_network_error_is_temporary(api):
    api.stop()
    with pytest.raises(TemporarySendError, match="Network error"):
        post(api.base + "/send", json_body={})


def test_an_unreadable_success_is_permanent_never_resent_blindly(api):
    body = post(answering(api, 200, b"<html>ok</html>"), json_body={})
    with pytest.raises(PermanentSendError, match="Unreadable answer"):
        json_answer(body)


def test_an_empty_success_reads_as_an_empty_object(api):
    assert json_answer(post(answering(api, 200, b""), json_body={})) == {}


def test_post_any_status_hands_back_an_error_answer_instead_of_raising(api):
    assert post_any_status(answering(api, 403, b'{"ok": false}'), json_body={}) == (
        403,
        b'{"ok": false}',
    )
