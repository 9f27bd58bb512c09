"""schemathesis fuzzes every documented API operation against the OpenAPI schema.

Bounded examples per operation keep it a suite test; the checks are schemathesis's own:
no server error, status codes, content types and bodies as documented. Run as an
operator (staff and public operations) and as a partner key (partner operations).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from channels_intake import desk
from complaints.api_tokens import staff_token_create
from complaints.models import User
from config.wsgi import application

# Schema-valid but meaningless input (an unknown category slug, base64 that is not a
# picture) is rightly refused with a 400 naming the field; that check is left out. Every
# other check runs: no server error, documented status codes and content types, bodies
# as documented, and schema-violating requests refused.
# For GET operations an empty filter (?created_before=) means "no filter", django-filter's
# convention for HTML forms, which schemathesis would count as accepting invalid input.
EXCLUDED = [positive_data_acceptance]
EXCLUDED_FOR_GET = [positive_data_acceptance, negative_data_rejection]


def excluded(case) -> list:
    return EXCLUDED_FOR_GET if case.method.upper() == "GET" else EXCLUDED


schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

EXAMPLES = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: the WSGI app must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def operator_auth(world):
    """An operator owes a second factor, so the API takes a token made after it, not Basic."""
    user = User.objects.create_user(username="fuzz", password="fuzz-pass-123", role="operator")
    _token, key = staff_token_create(user=user, name="fuzzer", second_factor_verified=True)
    return f"Bearer {key}"


@pytest.fixture
def partner_auth(world):
    _, key = desk.partner_key_create(name="Fuzzer")
    return f"Api-Key {key}"


@pytest.mark.django_db
@schema.exclude(tag="partner").parametrize()
@EXAMPLES
def test_staff_and_public_operations(case, operator_auth):
    case.call_and_validate(headers={"Authorization": operator_auth}, excluded_checks=excluded(case))


@pytest.mark.django_db
@schema.include(tag="partner").parametrize()
@EXAMPLES
def test_partner_operations(case, partner_auth):
    case.call_and_validate(headers={"Authorization": partner_auth}, excluded_checks=excluded(case))
