"""load_areas: the Kemendagri tree from data/wilayah/ into Area, in display style, idempotently."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from complaints.areas import (
    AreaDataError,
    AreaRow,
    areas_load,
    display_name,
    read_province_file,
)
from complaints.models import Area

pytestmark = pytest.mark.django_db


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_areas", *args, stdout=out)
    return out.getvalue()


def test_it_loads_dki_jakarta_with_levels_parents_and_display_names():
    output = load("--province", "31")

    assert "318 new, 0 updated, 0 unchanged" in output
    assert Area.objects.count() == 318
    assert [Area.objects.filter(level=level).count() for level in (1, 2, 3, 4)] == [1, 6, 44, 267]
    province = Area.objects.get(code="31")
    assert (province.name, province.level, province.parent) == ("DKI Jakarta", 1, None)
    central = Area.objects.get(code="31.71")
    assert (central.name, central.level, central.parent) == (
        "Kota Administrasi Jakarta Pusat",
        2,
        province,
    )
    assert Area.objects.get(code="31.01").name == "Kabupaten Administrasi Kepulauan Seribu"
    kampung_bali = Area.objects.select_related("parent__parent").get(code="31.71.07.1007")
    assert (kampung_bali.name, kampung_bali.level) == ("Kampung Bali", 4)
    assert kampung_bali.parent.name == "Tanah Abang"
    assert kampung_bali.parent.parent == central
    assert (central.latitude, central.longitude) == (Decimal("-6.180500"), Decimal("106.828400"))
    assert kampung_bali.latitude is None


def test_it_loads_jawa_barat_with_the_real_codes():
    load("--province", "32")

    assert Area.objects.count() == 6612
    assert Area.objects.filter(level=2).count() == 27
    dago = Area.objects.select_related("parent__parent").get(code="32.73.02.1004")
    assert dago.name == "Dago"
    assert dago.parent.name == "Coblong"
    assert dago.parent.parent.name == "Kota Bandung"
    assert Area.objects.get(code="32.04").name == "Kabupaten Bandung"
    # Roman numerals survive; a naive str.title() would give "Cibeber Ii".
    assert Area.objects.filter(name="Cibeber II").exists()
    assert Area.objects.get(code="32.73").latitude == Decimal("-6.914700")
    # Pangandaran's position is not known reliably, so it stays empty.
    assert Area.objects.get(code="32.18").latitude is None


def test_it_is_idempotent():
    load("--province", "31")
    ids = dict(Area.objects.values_list("code", "pk"))

    output = load("--province", "31")

    assert "0 new, 0 updated, 318 unchanged" in output
    assert dict(Area.objects.values_list("code", "pk")) == ids


def test_it_loads_every_province_file_by_default():
    output = load()

    assert "31.csv, 32.csv, 35.csv" in output
    assert set(Area.objects.filter(level=1).values_list("code", flat=True)) == {"31", "32", "35"}


def test_it_repairs_a_changed_name_but_keeps_hand_set_coordinates():
    load("--province", "31")
    Area.objects.filter(code="31.71").update(name="Jakpus")
    Area.objects.filter(code="31.71.07.1007").update(latitude=-6.186, longitude=106.816)

    output = load("--province", "31")

    assert "0 new, 1 updated, 317 unchanged" in output
    assert Area.objects.get(code="31.71").name == "Kota Administrasi Jakarta Pusat"
    assert Area.objects.get(code="31.71.07.1007").latitude == Decimal("-6.186000")


def test_it_refuses_an_unknown_province():
    with pytest.raises(CommandError, match=r"No data file for 99\.csv"):
        load("--province", "99")


@pytest.mark.parametrize(
    ("code", "raw", "expected"),
    [
        ("32", "JAWA BARAT", "Jawa Barat"),
        ("31", "DKI JAKARTA", "DKI Jakarta"),
        ("34", "DI YOGYAKARTA", "DI Yogyakarta"),
        ("32.73", "KOTA BANDUNG", "Kota Bandung"),
        ("32.04", "KAB. BANDUNG", "Kabupaten Bandung"),
        ("32.17", "KAB.  BANDUNG BARAT ", "Kabupaten Bandung Barat"),
        ("31.71", "KOTA ADM. JAKARTA PUSAT", "Kota Administrasi Jakarta Pusat"),
        ("31.01", "KAB. ADM. KEP. SERIBU", "Kabupaten Administrasi Kepulauan Seribu"),
        ("32.01.33", "TAJURHALANG", "Tajurhalang"),
        ("32.01.33.2001", "cibeber ii", "Cibeber II"),
        ("32.01.33.2002", "Cibeber II", "Cibeber II"),
        ("32.73.02.1006", "Lebak Siliwangi", "Lebak Siliwangi"),
        ("74.01.01.2001", "LA'ALA", "La'ala"),
    ],
)
def test_display_name(code, raw, expected):
    assert display_name(code, raw) == expected


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_rejects_a_duplicate_code(tmp_path):
    path = write(tmp_path, "32.csv", "code,name\n32,JAWA BARAT\n32.73,KOTA BANDUNG\n32.73,X\n")

    with pytest.raises(AreaDataError, match=r"32\.csv:4: duplicate code 32\.73"):
        read_province_file(path)


def test_it_rejects_a_code_of_another_province(tmp_path):
    path = write(tmp_path, "32.csv", "code,name\n32,JAWA BARAT\n33.01,KAB. CILACAP\n")

    with pytest.raises(AreaDataError, match=r"32\.csv:3: bad code '33\.01'"):
        read_province_file(path)


def test_it_rejects_an_area_without_its_parent():
    with pytest.raises(AreaDataError, match=r"32\.73: its parent 32 is not loaded"):
        areas_load(rows=[AreaRow("32.73", "Kota Bandung")])
    assert not Area.objects.exists()
