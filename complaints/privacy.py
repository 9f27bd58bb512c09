"""Personal data hidden from text that leaves for the public: one function, `mask_personal_data`.

Stored text is never changed; every public surface (tracking page and JSON, public list
and map, open data, replies in public threads) passes text through this function on the
way out, so staff keep seeing the original. What is masked and why: docs/public-pages.md.

The patterns are deliberately conservative about what looks like a phone number: an
Indonesian number starts with 0, 62 or +62 and has 9 to 13 digits in all, so dates
(12-05-2024), amounts (Rp 1.500.000), RT/RW numbers and tracking codes stay readable.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")

# A digit run, allowing one space, dot or dash between digits (how people group numbers).
_RUN = r"\d(?:[ .\-]?\d)*"

# Bank account or e-wallet numbers follow a word that names them ("rek", "rekening",
# "no. rek BCA", "a/n"), with up to a few words (bank name, "a.n. Budi") in between.
ACCOUNT = re.compile(
    r"(?P<lead>\b(?:no\.?\s*)?(?:rek(?:ening)?|norek|account|acc|virtual\s+account|va)\b"
    r"[\s.:#]*(?:(?:bca|bri|bni|mandiri|bsi|btn|cimb|niaga|danamon|permata|bank|an|a\.n\.?|a/n)"
    r"[\s.:]*)*)(?P<number>\d(?:[ .\-]?\d){5,19})(?![\d])",
    re.IGNORECASE,
)

# 13 to 19 digits with optional separators: NIK/KK (16) or a payment card.
LONG_NUMBER = re.compile(r"(?<![\w.,\-/+(])\d(?:[ .\-]?\d){12,18}(?![\w]|[.,\-/]\d)")

# A phone number: +62 / 62 / (0xx) / 0 prefix, digits grouped by spaces, dots or dashes.
PHONE = re.compile(
    r"(?<![\w.,\-+])"
    r"(?:\(?\+62\)?[ .\-]?|\(?62\)?[ .\-]?|\(0)?"
    r"\d{1,4}\)?(?:[ .\-]?\d{2,5}){0,4}"
    r"(?![\w]|[.,\-]\d)"
)

PLATE_REGIONS = [
    "A",
    "B",
    "D",
    "E",
    "F",
    "G",
    "H",
    "K",
    "L",
    "M",
    "N",
    "P",
    "R",
    "S",
    "T",
    "W",
    "Z",
    "AA",
    "AB",
    "AD",
    "AE",
    "AG",
    "BA",
    "BB",
    "BD",
    "BE",
    "BG",
    "BH",
    "BK",
    "BL",
    "BM",
    "BN",
    "BP",
    "DA",
    "DB",
    "DD",
    "DE",
    "DG",
    "DH",
    "DK",
    "DL",
    "DM",
    "DN",
    "DR",
    "DS",
    "DT",
    "EA",
    "EB",
    "ED",
    "KB",
    "KH",
    "KT",
    "KU",
    "PA",
    "PB",
]
PLATE = re.compile(r"\b(?:" + "|".join(PLATE_REGIONS) + r")[ ]?\d{1,4}[ ]?[A-Z]{1,3}\b(?![\w/])")

# Indonesia's province codes (Kemendagri), the first two digits of every NIK and KK.
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "21",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "51",
        "52",
        "53",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "72",
        "73",
        "74",
        "75",
        "76",
        "81",
        "82",
        "91",
        "92",
        "93",
        "94",
        "95",
        "96",
    ]
)

_AMOUNT_BEFORE = re.compile(r"(?:rp\.?|idr|\$)\s*$", re.IGNORECASE)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _nik_shaped(digits: str) -> bool:
    """A NIK/KK: a province code, then a day (01-31, +40 for women) and month of birth."""
    province, day, month = digits[:2], int(digits[6:8]), int(digits[8:10])
    return province in PROVINCE_CODES and (1 <= day <= 31 or 41 <= day <= 71) and 1 <= month <= 12


def _is_phone(digits: str, raw: str) -> bool:
    if raw.startswith(("+62", "(+62", "62", "(62")):
        if raw.startswith(("62", "(62")) and not digits.startswith("628"):
            return False  # a bare 62... is a phone only for mobiles: 62.500.000 is an amount
        digits = "0" + digits[2:]
    if not digits.startswith("0") or digits[1:2] in ("", "0"):
        return False
    return 9 <= len(digits) <= 13


def mask_personal_data(text: str) -> str:
    """`text` with phone numbers, NIK/KK, emails, account and card numbers replaced.

    Vehicle plates too when settings.MASK_VEHICLE_PLATES is on. Placeholders are
    readable words in the active language ("[nomor telepon disembunyikan]").
    """
    if not text:
        return text or ""
    text = EMAIL.sub(lambda m: _("[email hidden]"), text)
    text = ACCOUNT.sub(lambda m: m.group("lead") + _("[account number hidden]"), text)

    def long_number(m: re.Match[str]) -> str:
        digits = _digits(m.group())
        if len(digits) == 16 and (_nik_shaped(digits) or not _luhn(digits)):
            return _("[NIK/KK number hidden]")
        if _luhn(digits) or len(digits) == 16:
            return _("[card number hidden]")
        if digits.startswith(("0", "62")) and len(digits) <= 15:
            return _("[phone number hidden]")
        return m.group()

    text = LONG_NUMBER.sub(long_number, text)

    def phone(m: re.Match[str]) -> str:
        raw = m.group()
        if _AMOUNT_BEFORE.search(text, 0, m.start()):
            return raw
        return _("[phone number hidden]") if _is_phone(_digits(raw), raw) else raw

    text = PHONE.sub(phone, text)
    if getattr(settings, "MASK_VEHICLE_PLATES", False):
        text = PLATE.sub(lambda m: _("[vehicle plate hidden]"), text)
    return text
