"""Channel tests: one message makes one complaint unless a test opts into chat drafts.

Adapter and webhook tests are about one delivery; the drafts that join a photo, a text
and a location into one complaint are tested in test_conversations.py, which sets the
window itself.
"""

import pytest


@pytest.fixture(autouse=True)
def _one_message_one_complaint(settings):
    settings.CONVERSATION_WINDOW_SECONDS = 0
