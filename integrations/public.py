"""The one door through which integrations put complaint text on a public surface.

Every public surface masks personal data a citizen typed into free text (a phone number,
a NIK, an e-mail address). The project's masking rule lives in `complaints.privacy`
(`mask_personal_data`); until that module is on main this falls back to a local rule
with the same intent, so nothing an integration publishes ever leaks. When
complaints.privacy exists it is used, and the fallback can go.
"""

from __future__ import annotations

import re

try:  # pragma: no cover - depends on which branch is merged first
    from complaints.privacy import mask_personal_data as _mask
except ImportError:  # pragma: no cover
    _mask = None

MASK = "[disamarkan]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# NIK: 16 digits; phone numbers: +62 / 62 / 0 followed by 8-13 digits, spaces or dashes.
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_PHONE = re.compile(r"(?<![\w])(?:\+?62|0)[\s.-]?8(?:[\s.-]?\d){7,12}(?!\d)")


def _fallback(text: str) -> str:
    text = _EMAIL.sub(MASK, text)
    text = _NIK.sub(MASK, text)
    return _PHONE.sub(MASK, text)


def public_text(text: str | None) -> str:
    """`text` safe to publish: personal data replaced by a mask."""
    if not text:
        return ""
    if _mask is not None:
        return _mask(text)
    return _fallback(text)
