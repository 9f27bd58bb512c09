"""The Indonesian catalogue is complete: Bahasa Indonesia is the default language."""

from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "id" / "LC_MESSAGES" / "django.po"


def test_every_message_has_an_indonesian_translation():
    po = polib.pofile(str(CATALOGUE))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_placeholders_survive_translation():
    po = polib.pofile(str(CATALOGUE))
    for entry in po.translated_entries():
        for placeholder in ("%s", "%(", "{"):
            assert entry.msgid.count(placeholder) == entry.msgstr.count(placeholder) or (
                entry.msgid_plural
            ), entry.msgid
