"""The one door through which integrations put complaint text on a public surface.

Every public surface masks personal data a citizen typed into free text (a phone number,
a NIK, an e-mail address) with the project's one rule, `complaints.privacy`
(docs/public-pages.md).
"""

from __future__ import annotations

from complaints.privacy import mask_personal_data


def public_text(text: str | None) -> str:
    """`text` safe to publish: personal data replaced by a readable placeholder."""
    return mask_personal_data(text or "")
