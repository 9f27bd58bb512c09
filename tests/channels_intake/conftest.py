"""Channel tests: one message makes one complaint unless a test opts into chat drafts.

Adapter and webhook tests are about one delivery; the drafts that join a photo, a text
and a location into one complaint are tested in test_conversations.py, which sets the
window itself.
"""

import pytest


@pytest.fixture(autouse=True)
def _one_message_one_complaint(settings):
    settings.CONVERSATION_WINDOW_SECONDS = 0


@pytest.fixture(autouse=True)
def _recorded_fixtures_are_not_stale(settings):
    """The provider fixtures were recorded in 2024: their stamps are far outside the replay
    window, which tests/hardening/ checks with the window on."""
    settings.INBOUND_MAX_AGE_HOURS = 0
