"""The masking corpus: real-looking complaint text, what must be hidden and what must stay."""

import pytest
from django.test import override_settings
from django.utils import translation

from complaints.privacy import mask_personal_data

PHONE = "[nomor telepon disembunyikan]"
NIK = "[nomor NIK/KK disembunyikan]"
EMAIL = "[email disembunyikan]"
ACCOUNT = "[nomor rekening disembunyikan]"
CARD = "[nomor kartu disembunyikan]"
PLATE = "[nomor polisi disembunyikan]"

MASKED = [
    # phones: every common Indonesian writing
    ("hub sy di 0812-3456-7890 ya", "hub sy di " + PHONE + " ya"),
    ("wa 081234567890", "wa " + PHONE),
    ("+62 812 3456 7890", PHONE),
    ("+6281234567890", PHONE),
    ("62812-3456-7890 (WA)", PHONE + " (WA)"),
    ("6281234567890", PHONE),
    ("0812.3456.7890", PHONE),
    ("0812 3456 789", PHONE),
    ("tlp: 0856-2211-334", "tlp: " + PHONE),
    ("(022) 7654321 kantor", PHONE + " kantor"),
    ("(022) 765-4321", PHONE),
    ("021-5551234", PHONE),
    ("022 2501234", PHONE),
    ("(+62) 813-1111-2222", PHONE),
    ("+62-21-5551234", PHONE),
    ("no hp:08111272206.", "no hp:" + PHONE + "."),
    ("telp 0811 2233 4455, makasih", "telp " + PHONE + ", makasih"),
    ("call 0877-1234-5678/0813-9876-5432", "call " + PHONE + "/" + PHONE),
    ("kontak bu RT 0857 2233 1122", "kontak bu RT " + PHONE),
    ("Nomor saya 08 1234 567 890", "Nomor saya " + PHONE),
    ("hp 0812345678", "hp " + PHONE),
    # NIK and KK, also spaced or dotted
    ("NIK 3273021505800003", "NIK " + NIK),
    ("nik: 3273 0215 0580 0003", "nik: " + NIK),
    ("KK 3273012301090012", "KK " + NIK),
    ("no kk 3273.0123.0109.0012", "no kk " + NIK),
    ("NIK saya 3204-1255-0790-0001 tolong", "NIK saya " + NIK + " tolong"),
    ("ktp 3171046502900004", "ktp " + NIK),
    # emails
    ("email budi.santoso@gmail.com", "email " + EMAIL),
    ("kirim ke siti_rahma88@yahoo.co.id.", "kirim ke " + EMAIL + "."),
    ("<ahmad+aduan@mail.bandung.go.id>", "<" + EMAIL + ">"),
    ("EMAIL: DEWI.LESTARI@OUTLOOK.COM", "EMAIL: " + EMAIL),
    # account and card numbers
    ("transfer ke rek BCA 1234567890", "transfer ke rek BCA " + ACCOUNT),
    ("no. rek 123-456-7890 a.n. Budi", "no. rek " + ACCOUNT + " a.n. Budi"),
    ("rekening mandiri 1310012345678", "rekening mandiri " + ACCOUNT),
    ("norek: 0987654321", "norek: " + ACCOUNT),
    ("VA 8808 0812 3456 7890", "VA " + ACCOUNT),
    ("kartu 4111 1111 1111 1111 dipotong", "kartu " + CARD + " dipotong"),
    ("card 5500-0000-0000-0004", "card " + CARD),
    ("amex 378282246310005", "amex " + CARD),
    # several in one text
    (
        "hub sy di 0812-3456-7890 atau email budi.santoso@gmail.com NIK 3273021505800003",
        "hub sy di " + PHONE + " atau email " + EMAIL + " NIK " + NIK,
    ),
]

KEPT = [
    # dates and times
    "kejadian tgl 12-05-2024 jam 08.30",
    "sejak 2024-05-12",
    "tanggal 01/02/2025",
    "12.05.2024 pukul 19:45",
    "dari 1 Januari 2025 sampai 31-12-2025",
    # rupiah amounts
    "dimintai Rp 1.500.000 untuk KTP",
    "pungli Rp50.000 per motor",
    "biaya Rp 625.000.000.000 proyek",
    "Rp. 2.500.000,00",
    "IDR 1,250,000",
    "bayar 62.500 rupiah",
    "denda 1.000.000 rupiah",
    # RT/RW, addresses, postal codes
    "RT 03/RW 05 Kel. Dago",
    "RT.003 RW.012",
    "RT 003 RW 012",
    "Jl. Dago No. 123, Bandung 40135",
    "km 12 jalan tol",
    "Gg. Sukajadi 2 no 17",
    # tracking codes and references
    "kode lacak AB2C-D3EF",
    "aduan 7KQX-M2PZ belum selesai",
    "SP4N-LAPOR 1234567",
    # numbers that are not personal
    "ada 3 lubang besar 50 cm",
    "tahun 2024 dan 2025",
    "sudah 2 minggu, 14 hari",
    "lampu PJU no 0012 mati",
    "tiang listrik 021",
    "nomor induk 1998 pegawai",
    "plat D 1234 ABC parkir liar",  # plates are kept unless the setting is on
]


@pytest.fixture(autouse=True)
def _indonesian():
    with translation.override("id"):
        yield


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_it_masks_personal_data(text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_it_keeps_what_is_not_personal(text):
    assert mask_personal_data(text) == text


def test_the_corpus_is_large():
    assert len(MASKED) + len(KEPT) >= 60


@override_settings(MASK_VEHICLE_PLATES=True)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plat D 1234 ABC parkir liar", "plat " + PLATE + " parkir liar"),
        ("B1234XYZ", PLATE),
        ("RT 03 RW 05", "RT 03 RW 05"),
    ],
)
def test_it_masks_plates_when_configured(text, expected):
    assert mask_personal_data(text) == expected


def test_empty_text_stays_empty():
    assert mask_personal_data("") == ""


def test_placeholders_follow_the_language():
    with translation.override("en"):
        assert mask_personal_data("0812-3456-7890") == "[phone number hidden]"
