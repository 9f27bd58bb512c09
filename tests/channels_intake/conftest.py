"""Channel tests: one message makes one complaint unless a test opts into chat drafts.

Adapter and webhook tests are about one delivery; the drafts that join a photo, a text
and a location into one complaint are tested in test_conversations_*.py, which set the
window itself.
"""

import pytest

# The fixtures of the split provider test files (test_<provider>_*.py); their settings
# fixtures are not autouse here: each file asks for its own with pytestmark.
from .conversations_support import graph, whatsapp  # noqa: F401
from .email_support import _email_settings  # noqa: F401
from .meta_support import _meta_settings, graph_api  # noqa: F401
from .outbox_support import cloud_api  # noqa: F401
from .sms_support import _twilio_settings, twilio_api  # noqa: F401
from .telegram_support import _telegram_settings, bot_api  # noqa: F401
from .x_support import _x_settings, x_api  # noqa: F401


@pytest.fixture(autouse=True)
def _one_message_one_complaint(settings):
    settings.CONVERSATION_WINDOW_SECONDS = 0


@pytest.fixture(autouse=True)
def _recorded_fixtures_are_not_stale(settings):
    """The provider fixtures were recorded in 2024: their stamps are far outside the replay
    window, which tests/hardening/ checks with the window on."""
    settings.INBOUND_MAX_AGE_HOURS = 0
