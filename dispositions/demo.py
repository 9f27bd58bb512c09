"""Demo data for Sigap (Jawa Barat and DKI Jakarta) as plain data, and the idempotent loader.

`manage.py load_demo` calls `demo_load`. Categories, agencies, routing rules and users are
matched by slug or username and brought to the values below on every run (only what
differs is written); demo complaints go through the real services, once, into an empty
database. The agencies and rules are plausible, not an official org chart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import models, transaction

from complaints import services as complaint_services
from complaints.areas import AreaLoadResult, areas_load_provinces
from complaints.lifecycle import CITIZEN_ACTOR, Actor, complaint_transition
from complaints.models import Agency, Area, Category, Channel, Complaint, User
from complaints.two_factor import demo_totp_device, two_factor_required

from . import services
from .categorizer import services as categorizer
from .models import CategorizerModel, CategoryKeyword, RoutingRule

# Printed by the command so everybody trying the demo can log in; never used in production.
DEMO_PASSWORD = "sigap-demo-2026"  # noqa: S105 -- public demo password, documented

JABAR, BANDUNG, COBLONG = "32", "32.73", "32.73.02"
DAGO, LEBAK_SILIWANGI = "32.73.02.1004", "32.73.02.1006"
DKI = "31"


# ---------------------------------------------------------------------------------------
# Categories: JQR's eight topics, plus Jakarta's most common subjects. Hours are working
# hours (8 to a working day) the agency has to respond (accept) and to resolve;
# emergencies are short and run on wall time (docs/deadlines.md).


@dataclass(frozen=True)
class CategoryDef:
    slug: str
    name: str
    response_hours: int
    resolution_hours: int
    description: str = ""
    children: tuple[CategoryDef, ...] = ()
    is_emergency: bool = False


def _sub(
    slug: str,
    name: str,
    response: int,
    resolution: int,
    description: str = "",
    *,
    emergency: bool = False,
) -> CategoryDef:
    return CategoryDef(slug, name, response, resolution, description, is_emergency=emergency)


TOPICS: tuple[CategoryDef, ...] = (
    CategoryDef("infrastruktur", "Infrastruktur", 12, 56, "Jalan, jembatan, drainase, PJU", (
        _sub("jalan-rusak", "Jalan rusak/berlubang", 6, 56),
        _sub("jembatan", "Jembatan rusak", 6, 56),
        _sub("banjir", "Banjir/genangan", 2, 24, "Genangan air di jalan atau permukiman",
             emergency=True),
        _sub("drainase", "Saluran air/drainase tersumbat", 12, 40),
        _sub("lampu-jalan", "Lampu jalan (PJU) mati", 12, 24),
        _sub("trotoar", "Trotoar rusak", 8, 56),
    )),
    CategoryDef("ekonomi", "Ekonomi", 8, 56, "Harga, pasar, perizinan usaha", (
        _sub("harga-bahan-pokok", "Harga bahan pokok", 8, 40),
        _sub("pasar", "Pasar tradisional", 8, 56),
        _sub("izin-usaha", "Perizinan usaha", 8, 40),
    )),
    CategoryDef("kesehatan", "Kesehatan", 12, 40, "Layanan kesehatan dan jaminan kesehatan", (
        _sub("layanan-puskesmas", "Layanan puskesmas", 12, 24),
        _sub("layanan-rumah-sakit", "Layanan rumah sakit", 6, 24),
        _sub("bpjs-kesehatan", "BPJS Kesehatan", 8, 40),
        _sub("demam-berdarah", "Demam berdarah/fogging", 12, 24),
    )),
    CategoryDef("sosial", "Sosial", 8, 56, "Bantuan sosial dan kesejahteraan sosial", (
        _sub("bansos", "Bantuan sosial (bansos)", 8, 56),
        _sub("orang-terlantar", "Orang terlantar/ODGJ di jalan", 6, 16),
    )),
    CategoryDef("pendidikan", "Pendidikan", 8, 56, "Sekolah dan penerimaan murid baru", (
        _sub("ppdb", "Penerimaan murid baru (PPDB/SPMB)", 8, 40),
        _sub("sarana-sekolah", "Sarana dan prasarana sekolah", 8, 56),
        _sub("pungutan-sekolah", "Pungutan di sekolah", 8, 40),
    )),
    CategoryDef("birokrasi", "Birokrasi", 8, 40, "Pelayanan publik dan aparatur", (
        _sub("adminduk", "KTP-el/KK (administrasi kependudukan)", 8, 40),
        _sub("pungli", "Pungutan liar (pungli)", 8, 40),
        _sub("pelayanan-aparatur", "Sikap dan pelayanan aparatur", 8, 56),
    )),
    CategoryDef("ketenagakerjaan", "Ketenagakerjaan", 8, 56, "Hubungan kerja dan upah", (
        _sub("upah", "Upah tidak dibayar/di bawah UMK", 8, 56),
        _sub("phk", "Pemutusan hubungan kerja (PHK)", 8, 56),
    )),
    CategoryDef("transportasi", "Transportasi", 12, 40, "Lalu lintas, parkir, angkutan umum", (
        _sub("angkutan-umum", "Angkutan umum", 8, 40),
        _sub("kemacetan", "Kemacetan", 6, 24),
        _sub("parkir-liar", "Parkir liar", 6, 16),
        _sub("rambu-lalu-lintas", "Rambu dan lampu lalu lintas", 12, 24),
    )),
    CategoryDef("lingkungan-kebersihan", "Lingkungan & Kebersihan", 12, 24, "", (
        _sub("sampah", "Sampah menumpuk/tidak diangkut", 6, 16),
        _sub("pohon-tumbang", "Pohon tumbang/rawan tumbang", 2, 24, emergency=True),
        _sub("pencemaran", "Pencemaran (limbah, bau, asap)", 12, 56),
    )),
    CategoryDef("ketertiban-umum", "Ketertiban Umum", 12, 24, "", (
        _sub("pkl", "Pedagang kaki lima (PKL)", 12, 24),
        _sub("bangunan-liar", "Bangunan liar", 8, 56),
        _sub("gangguan-ketertiban", "Gangguan ketertiban (kebisingan, tawuran)", 6, 16),
        _sub("kebakaran", "Kebakaran", 1, 12, "Kebakaran rumah, lahan atau bangunan",
             emergency=True),
    )),
)  # fmt: skip


def all_category_slugs() -> list[str]:
    return [c.slug for topic in TOPICS for c in (topic, *topic.children)]


# ---------------------------------------------------------------------------------------
# Starter keyword rules for the categorizer, as citizens write them (the normalizer folds
# slang and affixes). Weight 2: the phrase alone says the category; 1: a hint.

KEYWORDS: dict[str, tuple[tuple[str, float], ...]] = {
    "jalan-rusak": (("jalan rusak", 2), ("jalan berlubang", 2), ("lubang", 1.5), ("aspal", 1),
                    ("bolong", 1.5), ("ambles", 1.5), ("tambal", 1), ("retak", 1)),
    "jembatan": (("jembatan", 2), ("jembatan rusak", 1), ("jembatan putus", 1)),
    "banjir": (("banjir", 2), ("genangan", 2), ("tergenang", 2), ("air naik", 1)),
    "drainase": (("selokan", 2), ("saluran air", 2), ("gorong gorong", 2), ("mampet", 1.5),
                 ("tersumbat", 1.5), ("drainase", 2)),
    "lampu-jalan": (("lampu jalan", 2), ("pju", 2), ("penerangan jalan", 2),
                    ("lampu mati", 1.5), ("gelap", 1)),
    "trotoar": (("trotoar", 2), ("pedestrian", 1), ("pejalan kaki", 1)),
    "harga-bahan-pokok": (("harga", 1), ("bahan pokok", 2), ("sembako", 2), ("beras", 1),
                          ("minyak goreng", 1.5), ("cabai", 1), ("mahal", 1)),
    "pasar": (("pasar", 1.5), ("los pasar", 1), ("kios", 1)),
    "izin-usaha": (("izin usaha", 2), ("perizinan", 2), ("nib", 1.5), ("siup", 1.5),
                   ("oss", 1)),
    "layanan-puskesmas": (("puskesmas", 2),),
    "layanan-rumah-sakit": (("rumah sakit", 2), ("rsud", 2), ("igd", 1.5), ("pasien", 1)),
    "bpjs-kesehatan": (("bpjs", 2), ("kis", 1), ("jkn", 1.5), ("iuran", 1)),
    "demam-berdarah": (("demam berdarah", 2), ("dbd", 2), ("fogging", 2), ("nyamuk", 1.5),
                       ("jentik", 1.5)),
    "bansos": (("bansos", 2), ("bantuan sosial", 2), ("blt", 2), ("pkh", 2),
               ("dtks", 1.5)),
    "orang-terlantar": (("odgj", 2), ("gangguan jiwa", 2), ("terlantar", 2), ("gelandangan", 2),
                        ("pengemis", 1.5), ("anak jalanan", 1.5)),
    "ppdb": (("ppdb", 2), ("spmb", 2), ("zonasi", 2), ("pendaftaran sekolah", 2),
             ("murid baru", 1.5)),
    "sarana-sekolah": (("ruang kelas", 1.5), ("atap sekolah", 2), ("gedung sekolah", 2),
                       ("sekolah rusak", 2), ("toilet sekolah", 1.5)),
    "pungutan-sekolah": (("pungutan sekolah", 2), ("uang gedung", 2), ("iuran sekolah", 2),
                         ("seragam", 1), ("lks", 1), ("sumbangan sekolah", 2)),
    "adminduk": (("ktp", 2), ("kartu keluarga", 2), ("akta kelahiran", 2), ("disdukcapil", 2),
                 ("blangko", 1.5), ("kk", 1.5), ("domisili", 1)),
    "pungli": (("pungli", 2), ("pungutan liar", 2), ("minta uang", 1.5), ("uang pelicin", 2),
               ("calo", 1.5), ("suap", 1.5)),
    "pelayanan-aparatur": (("pelayanan", 1), ("petugas", 1), ("tidak ramah", 1.5), ("judes", 1.5),
                           ("pegawai", 1), ("lambat", 1)),
    "upah": (("upah", 2), ("gaji", 2), ("umk", 2), ("thr", 2), ("lembur", 1)),
    "phk": (("phk", 2), ("pemutusan hubungan kerja", 2), ("dipecat", 2), ("pesangon", 2)),
    "angkutan-umum": (("angkot", 2), ("angkutan umum", 2), ("bus", 1.5), ("sopir", 1),
                      ("trayek", 1.5), ("ojek", 1), ("ongkos", 1)),
    "kemacetan": (("macet", 2), ("kemacetan", 2), ("antrean kendaraan", 1)),
    "parkir-liar": (("parkir liar", 2), ("juru parkir", 1.5), ("jukir", 1.5), ("parkir", 1.5),
                    ("markir", 1.5)),
    "rambu-lalu-lintas": (("rambu", 2), ("lampu lalu lintas", 2), ("lampu merah", 2),
                          ("traffic light", 2), ("zebra cross", 1.5), ("marka", 1.5)),
    "sampah": (("sampah", 2), ("tumpukan sampah", 1), ("tps", 1.5),
               ("bau", 0.5), ("lalat", 1)),
    "pohon-tumbang": (("pohon tumbang", 2), ("pohon", 1.5), ("dahan", 1.5), ("ranting", 1),
                      ("rawan tumbang", 2)),
    "pencemaran": (("limbah", 2), ("pencemaran", 2), ("asap", 1.5), ("bau menyengat", 1),
                   ("tercemar", 2), ("polusi", 2), ("keruh", 1)),
    "pkl": (("pkl", 2), ("pedagang kaki lima", 2), ("lapak", 1.5), ("gerobak", 1),
            ("berjualan", 1), ("jualan", 1)),
    "bangunan-liar": (("bangunan liar", 2), ("bangli", 2), ("tanpa imb", 2), ("tanpa pbg", 2),
                      ("bangunan tanpa izin", 2)),
    "gangguan-ketertiban": (("tawuran", 2), ("bising", 1.5), ("berisik", 1.5), ("balap liar", 2),
                            ("mabuk", 1.5), ("keributan", 1.5), ("preman", 1.5)),
}  # fmt: skip


# ---------------------------------------------------------------------------------------
# Agencies: provincial dinas cover Jawa Barat, Kota Bandung's dinas cover the city (they
# are not children of the provincial ones), and Kecamatan Coblong heads two kelurahan.

Level = Agency.Level


@dataclass(frozen=True)
class AgencyDef:
    slug: str
    name: str
    short_name: str
    level: str
    areas: tuple[str, ...]
    parent: str | None = None


AGENCIES: tuple[AgencyDef, ...] = (
    AgencyDef("dbmpr-jabar", "Dinas Bina Marga dan Penataan Ruang Provinsi Jawa Barat",
              "DBMPR Jabar", Level.PROVINCE, (JABAR,)),
    AgencyDef("dlh-jabar", "Dinas Lingkungan Hidup Provinsi Jawa Barat",
              "DLH Jabar", Level.PROVINCE, (JABAR,)),
    AgencyDef("dishub-jabar", "Dinas Perhubungan Provinsi Jawa Barat",
              "Dishub Jabar", Level.PROVINCE, (JABAR,)),
    AgencyDef("dinkes-jabar", "Dinas Kesehatan Provinsi Jawa Barat",
              "Dinkes Jabar", Level.PROVINCE, (JABAR,)),
    AgencyDef("disdik-jabar", "Dinas Pendidikan Provinsi Jawa Barat",
              "Disdik Jabar", Level.PROVINCE, (JABAR,)),
    AgencyDef("dinsos-jabar", "Dinas Sosial Provinsi Jawa Barat",
              "Dinsos Jabar", Level.PROVINCE, (JABAR,)),
    AgencyDef("satpolpp-jabar", "Satuan Polisi Pamong Praja Provinsi Jawa Barat",
              "Satpol PP Jabar", Level.PROVINCE, (JABAR,)),
    AgencyDef("inspektorat-jabar", "Inspektorat Daerah Provinsi Jawa Barat",
              "Inspektorat Jabar", Level.PROVINCE, (JABAR,)),
    AgencyDef("disnakertrans-jabar", "Dinas Tenaga Kerja dan Transmigrasi Provinsi Jawa Barat",
              "Disnakertrans Jabar", Level.PROVINCE, (JABAR,)),
    AgencyDef("disperindag-jabar", "Dinas Perindustrian dan Perdagangan Provinsi Jawa Barat",
              "Disperindag Jabar", Level.PROVINCE, (JABAR,)),
    AgencyDef("dsdabm-bandung", "Dinas Sumber Daya Air dan Bina Marga Kota Bandung",
              "DSDABM Kota Bandung", Level.CITY, (BANDUNG,)),
    AgencyDef("dlh-bandung", "Dinas Lingkungan Hidup Kota Bandung",
              "DLH Kota Bandung", Level.CITY, (BANDUNG,)),
    AgencyDef("dishub-bandung", "Dinas Perhubungan Kota Bandung",
              "Dishub Kota Bandung", Level.CITY, (BANDUNG,)),
    AgencyDef("satpolpp-bandung", "Satuan Polisi Pamong Praja Kota Bandung",
              "Satpol PP Kota Bandung", Level.CITY, (BANDUNG,)),
    AgencyDef("dinkes-bandung", "Dinas Kesehatan Kota Bandung",
              "Dinkes Kota Bandung", Level.CITY, (BANDUNG,)),
    AgencyDef("disdik-bandung", "Dinas Pendidikan Kota Bandung",
              "Disdik Kota Bandung", Level.CITY, (BANDUNG,)),
    AgencyDef("dinsos-bandung", "Dinas Sosial Kota Bandung",
              "Dinsos Kota Bandung", Level.CITY, (BANDUNG,)),
    AgencyDef("disdukcapil-bandung", "Dinas Kependudukan dan Pencatatan Sipil Kota Bandung",
              "Disdukcapil Kota Bandung", Level.CITY, (BANDUNG,)),
    AgencyDef("kec-coblong", "Kecamatan Coblong", "Kec. Coblong", Level.DISTRICT, (COBLONG,)),
    AgencyDef("kel-dago", "Kelurahan Dago", "Kel. Dago", Level.VILLAGE, (DAGO,),
              parent="kec-coblong"),
    AgencyDef("kel-lebak-siliwangi", "Kelurahan Lebak Siliwangi", "Kel. Lebak Siliwangi",
              Level.VILLAGE, (LEBAK_SILIWANGI,), parent="kec-coblong"),
    # A stand-in for the unit that dispatches Jakarta's CRM tickets, so DKI never dead-ends.
    AgencyDef("crm-dki", "Unit Pengelola CRM Provinsi DKI Jakarta", "CRM DKI",
              Level.PROVINCE, (DKI,)),
)  # fmt: skip


# ---------------------------------------------------------------------------------------
# Routing: the most specific area wins, then the most specific category. Jawa Barat has a
# provincial default per topic; Kota Bandung overrides per topic or subcategory; Coblong's
# kelurahan take their own garbage and the kecamatan takes street vendors.


@dataclass(frozen=True)
class RuleDef:
    category: str
    area: str
    agency: str
    note: str = ""


PROVINCE_DEFAULTS = {
    "infrastruktur": "dbmpr-jabar",
    "ekonomi": "disperindag-jabar",
    "kesehatan": "dinkes-jabar",
    "sosial": "dinsos-jabar",
    "pendidikan": "disdik-jabar",
    "birokrasi": "inspektorat-jabar",
    "ketenagakerjaan": "disnakertrans-jabar",
    "transportasi": "dishub-jabar",
    "lingkungan-kebersihan": "dlh-jabar",
    "ketertiban-umum": "satpolpp-jabar",
}

BANDUNG_RULES = {
    "infrastruktur": "dsdabm-bandung",
    "lampu-jalan": "dishub-bandung",  # PJU is run by the city's transport agency
    "transportasi": "dishub-bandung",
    "lingkungan-kebersihan": "dlh-bandung",
    "ketertiban-umum": "satpolpp-bandung",
    "kesehatan": "dinkes-bandung",
    "pendidikan": "disdik-bandung",
    "sosial": "dinsos-bandung",
    "adminduk": "disdukcapil-bandung",
}

RULES: tuple[RuleDef, ...] = (
    *(RuleDef(c, JABAR, a, "Default Provinsi Jawa Barat") for c, a in PROVINCE_DEFAULTS.items()),
    *(RuleDef(c, BANDUNG, a, "Kewenangan Kota Bandung") for c, a in BANDUNG_RULES.items()),
    RuleDef("pkl", COBLONG, "kec-coblong", "PKL di Coblong ditertibkan kecamatan"),
    RuleDef("sampah", DAGO, "kel-dago", "Sampah lingkungan ditangani kelurahan"),
    RuleDef("sampah", LEBAK_SILIWANGI, "kel-lebak-siliwangi",
            "Sampah lingkungan ditangani kelurahan"),
    *(RuleDef(c, DKI, "crm-dki", "Default Provinsi DKI Jakarta") for c in PROVINCE_DEFAULTS),
)  # fmt: skip


# ---------------------------------------------------------------------------------------
# Users: one per role, all with DEMO_PASSWORD.


@dataclass(frozen=True)
class UserDef:
    username: str
    role: str
    first_name: str
    last_name: str
    agency: str | None = None
    is_superuser: bool = False


Role = User.Role

USERS: tuple[UserDef, ...] = (
    UserDef("operator", Role.OPERATOR, "Rina", "Marlina"),
    UserDef("dinas.binamarga", Role.AGENCY_STAFF, "Asep", "Saepudin", "dsdabm-bandung"),
    UserDef("kepala.binamarga", Role.AGENCY_HEAD, "Yusuf", "Hidayat", "dsdabm-bandung"),
    UserDef("dinas.lh", Role.AGENCY_STAFF, "Neng", "Ratnasari", "dlh-bandung"),
    UserDef("kel.dago", Role.AGENCY_STAFF, "Ujang", "Suherman", "kel-dago"),
    UserDef("supervisor", Role.SUPERVISOR, "Budi", "Santoso"),
    UserDef("admin", Role.ADMIN, "Fajar", "Nugraha", is_superuser=True),
)


# ---------------------------------------------------------------------------------------
# Complaints, in the order they are made. `steps` are what the holding agency's demo user
# does after routing; "confirm" is the citizen closing a resolved complaint.

Step = Literal["accept", "start", "resolve", "confirm"]


@dataclass(frozen=True)
class ComplaintDef:
    text: str
    category: str | None
    area: str
    channel: str
    reporter: str = ""
    phone: str = ""
    address: str = ""
    is_anonymous: bool = False
    is_confidential: bool = False
    steps: tuple[Step, ...] = ()
    actor: str = ""
    resolution_note: str = ""


COMPLAINTS: tuple[ComplaintDef, ...] = (
    ComplaintDef(
        "Jalan berlubang besar di Jl. Ir. H. Juanda (Dago) depan SD, sudah 2 minggu belum "
        "diperbaiki, membahayakan pengendara motor terutama malam hari.",
        "jalan-rusak", DAGO, Channel.WHATSAPP, "Dedi Kurniawan", "081220031001",
        "Jl. Ir. H. Juanda, depan SD Negeri Dago",
        steps=("accept", "start", "resolve", "confirm"), actor="dinas.binamarga",
        resolution_note="Lubang sudah ditambal aspal hotmix oleh tim pemeliharaan jalan "
        "(± 3 m²). Terima kasih atas laporannya.",
    ),
    ComplaintDef(
        "Sampah menumpuk di TPS dekat Terminal Dago sejak 4 hari, belum diangkut, bau "
        "menyengat dan mulai banyak lalat.",
        "sampah", DAGO, Channel.WEB, "Sri Wahyuni", "085721004455", "TPS Terminal Dago",
        steps=("accept", "start"), actor="kel.dago",
    ),
    ComplaintDef(
        "Ada yang buang sampah rumah tangga ke pinggir Sungai Cikapundung dekat jembatan, "
        "tiap pagi makin banyak. Mohon dipasang papan larangan dan diangkut.",
        "sampah", "32.73.09.1001", Channel.INSTAGRAM, "Rizky Pratama", "081394002233",
        "Bantaran Sungai Cikapundung, Cihapit",
        steps=("accept",), actor="dinas.lh",
    ),
    ComplaintDef(
        "Parkir liar di sepanjang Jl. Braga tiap malam minggu, mobil parkir dua lapis "
        "sampai jalan tinggal satu lajur. Juru parkirnya minta Rp10.000.",
        "parkir-liar", "32.73.19.1001", Channel.TWITTER, "Andi Setiawan", "087822115566",
        "Jl. Braga",
    ),
    ComplaintDef(
        "PKL berjualan di trotoar Jl. Tamansari dekat kampus, pejalan kaki terpaksa turun "
        "ke badan jalan.",
        "pkl", LEBAK_SILIWANGI, Channel.WEB, "Maya Anggraini", "081310203040",
        "Jl. Tamansari",
    ),
    ComplaintDef(
        "Lampu PJU di Jl. Terusan Jakarta mati 5 tiang berturut-turut, jalan gelap dan "
        "rawan begal.",
        "lampu-jalan", "32.73.20.1004", Channel.SMS, phone="085691112233",
        address="Jl. Terusan Jakarta, Antapani",
    ),
    ComplaintDef(
        "Sudah 3 minggu mengurus KTP-el baru karena pindah domisili tapi belum jadi, "
        "katanya blangko habis. Mohon kepastian.",
        "adminduk", "32.73.07.1002", Channel.WALK_IN, "Euis Komariah", "082116667788",
    ),
    ComplaintDef(
        "Ada oknum petugas yang meminta uang Rp50.000 supaya pembuatan KK dipercepat. "
        "Saya tidak mau nama saya diketahui.",
        "pungli", "32.73.02.1005", Channel.WEB, "Hendra Wijaya", "081287650012",
        is_anonymous=True, is_confidential=True,
    ),
    ComplaintDef(
        "Genangan setinggi lutut di Jl. Raya Dayeuhkolot setelah hujan deras, air tidak "
        "surut sejak pagi, banyak motor mogok.",
        "banjir", "32.04.12.2002", Channel.HOTLINE, "Iwan Gunawan", "081220031002",
        "Jl. Raya Dayeuhkolot",
    ),
    ComplaintDef(
        "Sampah di sekitar Pasar Ciawitali menumpuk dan meluber ke jalan, truk pengangkut "
        "sudah seminggu tidak datang.",
        "sampah", "32.05.05.2008", Channel.FACEBOOK, "Yanti Rahayu", "085721004456",
        "Pasar Ciawitali, Tarogong",
    ),
    ComplaintDef(
        "PKL menutup trotoar dan sebagian jalan di depan Pasar Tanah Abang Blok G, macet "
        "setiap sore.",
        "pkl", "31.71.07.1007", Channel.TWITTER, "Fitri Handayani", "081310203041",
        "Jl. Jatibaru Raya, Tanah Abang",
    ),
    ComplaintDef(
        "Air PDAM di rumah kami keruh dan berbau sejak kemarin sore. Ke mana harus melapor?",
        None, "32.73.02.1002", Channel.WHATSAPP, "Agus Salim", "081394002234",
    ),
)  # fmt: skip


def demo_area_codes() -> set[str]:
    """Every area code the demo refers to (all must be loaded before the demo)."""
    codes = {code for a in AGENCIES for code in a.areas}
    codes |= {r.area for r in RULES} | {c.area for c in COMPLAINTS}
    return codes


# ---------------------------------------------------------------------------------------
# The loader.

Change = Literal["created", "updated", "unchanged"]


@dataclass
class DemoLoadResult:
    areas: AreaLoadResult | None = None
    changes: dict[str, Counter[Change]] = field(default_factory=dict)
    complaints_created: int = 0
    users: list[User] = field(default_factory=list)
    training_examples_loaded: int = 0
    model_trained: CategorizerModel | None = None


class DemoDataError(RuntimeError):
    """The database lacks what the demo needs (areas not loaded)."""


def _differs(obj: models.Model, name: str, value: Any) -> bool:
    model_field = obj._meta.get_field(name)
    if model_field.is_relation:
        return getattr(obj, model_field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def _upsert(
    model: type[models.Model],
    *,
    lookup: dict[str, Any],
    values: dict[str, Any],
    password: str | None = None,
) -> tuple[Any, Change]:
    """Create the row, or bring it to `values`, writing only what differs.

    `password` is set on creation only, so a demo user's changed password survives a rerun.
    """
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        if password is not None:
            obj.set_password(password)  # type: ignore[attr-defined]
        obj.save()
        return obj, "created"
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
        return obj, "updated"
    return obj, "unchanged"


def categories_load() -> tuple[dict[str, Category], Counter[Change]]:
    found: dict[str, Category] = {}
    changes: Counter[Change] = Counter()
    for topic_order, topic in enumerate(TOPICS, start=1):
        parent: Category | None = None
        for order, c in enumerate((topic, *topic.children)):
            category, change = _upsert(
                Category,
                lookup={"slug": c.slug},
                values={
                    "name": c.name,
                    "parent": parent,
                    "description": c.description,
                    "response_hours": c.response_hours,
                    "resolution_hours": c.resolution_hours,
                    "is_emergency": c.is_emergency,
                    "sort_order": topic_order * 100 + order,
                    "is_active": True,
                },
            )
            parent = parent or category
            found[c.slug] = category
            changes[change] += 1
    return found, changes


def agencies_load(*, areas: dict[str, Area]) -> tuple[dict[str, Agency], Counter[Change]]:
    found: dict[str, Agency] = {}
    changes: Counter[Change] = Counter()
    for a in AGENCIES:  # parents come before their children in AGENCIES
        agency, change = _upsert(
            Agency,
            lookup={"slug": a.slug},
            values={
                "name": a.name,
                "short_name": a.short_name,
                "level": a.level,
                "parent": found[a.parent] if a.parent else None,
                "is_active": True,
            },
        )
        wanted = {areas[code].pk for code in a.areas}
        if set(agency.areas.values_list("pk", flat=True)) != wanted:
            agency.areas.set(wanted)
            change = "updated" if change == "unchanged" else change
        found[a.slug] = agency
        changes[change] += 1
    return found, changes


def routing_rules_load(
    *, categories: dict[str, Category], areas: dict[str, Area], agencies: dict[str, Agency]
) -> Counter[Change]:
    changes: Counter[Change] = Counter()
    for r in RULES:
        _rule, change = _upsert(
            RoutingRule,
            lookup={
                "category": categories[r.category],
                "area": areas[r.area],
                "agency": agencies[r.agency],
            },
            values={"note": r.note, "is_active": True},
        )
        changes[change] += 1
    return changes


def keywords_load(*, categories: dict[str, Category]) -> Counter[Change]:
    changes: Counter[Change] = Counter()
    for slug, phrases in KEYWORDS.items():
        for phrase, weight in phrases:
            _keyword, change = _upsert(
                CategoryKeyword,
                lookup={"category": categories[slug], "phrase": phrase},
                values={"weight": float(weight), "is_active": True},
            )
            changes[change] += 1
    return changes


def categorizer_load() -> tuple[int, CategorizerModel | None]:
    """The starter training set, and a first model when the set changed or none is active.

    A few hundred examples train in a second or two, so `make run` categorizes at once.
    """
    loaded = categorizer.starter_examples_load()
    if not loaded and CategorizerModel.objects.filter(is_active=True).exists():
        return 0, None
    try:
        return loaded, categorizer.categorizer_train()
    except ValueError:  # no starter file and no other examples: rules alone
        return loaded, None


def users_load(*, agencies: dict[str, Agency]) -> tuple[list[User], Counter[Change]]:
    users: list[User] = []
    changes: Counter[Change] = Counter()
    for u in USERS:
        user, change = _upsert(
            User,
            lookup={"username": u.username},
            values={
                "role": u.role,
                "first_name": u.first_name,
                "last_name": u.last_name,
                "agency": agencies[u.agency] if u.agency else None,
                "email": f"{u.username}@sigap.test",
                "is_staff": u.is_superuser,
                "is_superuser": u.is_superuser,
                "is_active": True,
            },
            password=DEMO_PASSWORD,
        )
        if two_factor_required(user):
            # A documented key so the demo stays usable (docs/sign-in.md); never in production.
            demo_totp_device(user=user)
        users.append(user)
        changes[change] += 1
    return users, changes


def _run_steps(complaint: Complaint, spec: ComplaintDef, users: dict[str, User]) -> None:
    actor = Actor.for_user(users[spec.actor]) if spec.actor else None
    for step in spec.steps:
        if step == "confirm":
            complaint_transition(complaint=complaint, action="confirm", actor=CITIZEN_ACTOR)
            continue
        if actor is None:
            raise DemoDataError(f"Demo complaint {spec.text[:30]!r} has steps but no actor")
        if step == "accept":
            services.disposition_accept(complaint=complaint, actor=actor)
        elif step == "start":
            services.disposition_start(complaint=complaint, actor=actor)
        else:
            services.disposition_resolve(
                complaint=complaint, actor=actor, note=spec.resolution_note
            )


def complaints_load(
    *, categories: dict[str, Category], areas: dict[str, Area], users: dict[str, User]
) -> int:
    """Make the demo complaints through the real services, only into an empty database."""
    if Complaint.objects.exists():
        return 0
    for spec in COMPLAINTS:
        complaint = complaint_services.complaint_create(
            channel=spec.channel,
            text=spec.text,
            category=categories[spec.category] if spec.category else None,
            area=areas[spec.area],
            address=spec.address,
            reporter_name=spec.reporter,
            reporter_phone=spec.phone,
            is_anonymous=spec.is_anonymous,
            is_confidential=spec.is_confidential,
        )
        # Production routes after commit in a worker; the demo routes at once (the worker,
        # if it later runs the queued task too, finds the complaint routed and stops).
        services.disposition_route(complaint_id=complaint.pk)
        complaint.refresh_from_db()
        _run_steps(complaint, spec, users)
    return len(COMPLAINTS)


DEMO_PROVINCES = ("31", "32")


def _demo_areas(*, load_areas: bool) -> tuple[dict[str, Area], AreaLoadResult | None]:
    loaded = None
    if load_areas and not Area.objects.exists():
        # The demo's two provinces only: data/wilayah/ also holds others (35 Jawa Timur).
        _paths, loaded = areas_load_provinces(provinces=DEMO_PROVINCES)
    codes = demo_area_codes()
    areas = {a.code: a for a in Area.objects.filter(code__in=codes)}
    missing = sorted(codes - areas.keys())
    if missing:
        raise DemoDataError(
            f"Areas {', '.join(missing)} are missing: run `manage.py load_areas` first."
        )
    return areas, loaded


@transaction.atomic
def demo_load(*, load_areas: bool = True) -> DemoLoadResult:
    """Load (or bring back) the whole demo; safe to run any number of times."""
    result = DemoLoadResult()
    areas, result.areas = _demo_areas(load_areas=load_areas)
    categories, result.changes["categories"] = categories_load()
    agencies, result.changes["agencies"] = agencies_load(areas=areas)
    result.changes["routing rules"] = routing_rules_load(
        categories=categories, areas=areas, agencies=agencies
    )
    result.changes["category keywords"] = keywords_load(categories=categories)
    result.training_examples_loaded, result.model_trained = categorizer_load()
    result.users, result.changes["users"] = users_load(agencies=agencies)
    result.complaints_created = complaints_load(
        categories=categories, areas=areas, users={u.username: u for u in result.users}
    )
    return result
