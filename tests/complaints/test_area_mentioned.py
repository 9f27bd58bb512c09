"""Places named in a report's text: SMS and email have no location pin."""

from __future__ import annotations

import pytest

from complaints.areas import area_mentioned
from complaints.models import Area


@pytest.mark.parametrize(
    "text, code",
    [
        ("Lampu jalan mati di Kel. Dago, Kec. Coblong", "32.73.02.1004"),
        ("sampah menumpuk kelurahan sukarasa rt 03", "32.73.01.1001"),
        ("KECAMATAN COBLONG banjir setinggi lutut", "32.73.02"),
        ("jalan rusak parah di kota bandung", "32.73"),
        ("Jalan rusak di kec sukasari kota Bandung", "32.73.01"),
    ],
)
def test_a_place_named_after_an_administrative_word_is_found(world, text, code):
    assert area_mentioned(text).code == code


def test_a_street_named_after_a_place_is_not_the_place(world):
    # Jl. Dago runs through Coblong, but a street name says nothing certain.
    assert area_mentioned("lampu jalan mati di Jl. Dago dekat ITB") is None
    assert area_mentioned("pohon tumbang di dago") is None


def test_kelurahan_and_desa_are_told_apart_and_mentions_narrow_each_other(world):
    regency = Area.objects.create(
        code="32.04", name="KABUPATEN BANDUNG", level=2, parent=world.jabar
    )
    district = Area.objects.create(code="32.04.20", name="Cimenyan", level=3, parent=regency)
    desa = Area.objects.create(code="32.04.20.2003", name="Dago", level=4, parent=district)

    assert area_mentioned("air mati di desa Dago") == desa
    assert area_mentioned("air mati di kel. Dago") == world.dago
    assert area_mentioned("air mati di Dago kab. Bandung, desa dago") == desa


def test_an_ambiguous_name_is_dropped_not_guessed(world):
    other_city = Area.objects.create(code="32.77", name="KOTA CIMAHI", level=2, parent=world.jabar)
    other = Area.objects.create(code="32.77.01", name="Coblong", level=3, parent=other_city)
    assert area_mentioned("banjir di kecamatan Coblong") is None
    # The city settles it.
    assert area_mentioned("banjir di kecamatan Coblong, Kota Cimahi") == other


def test_ordinary_uses_of_the_words_find_nothing(world):
    assert area_mentioned("jalan rusak di kota ini, desa sebelah juga") is None
    assert area_mentioned("") is None
