"""What generated complaints say and who says it: templates written the way citizens write.

Plain data tables (like dispositions/demo.py); `complaint_text` fills a template of the
complaint's subcategory with a street, a landmark and a duration, and now and then adds
a contact detail the way citizens type it (the public pages must mask those).
"""

from __future__ import annotations

import random

TEMPLATES: dict[str, tuple[str, ...]] = {
    "jalan-rusak": (
        "Jalan berlubang besar di {street} dekat {place}, sudah {n} minggu belum diperbaiki.",
        "jln di {street} bolong gede bgt, udh {n} minggu gk dibenerin, bahaya buat motor",
        "Aspal {street} ambles dan retak depan {place}, mohon segera ditambal.",
    ),
    "jembatan": (
        "Jembatan kecil di {street} dekat {place} papannya lapuk dan ada yang bolong.",
        "Pagar jembatan {street} rusak, anak-anak sekolah lewat tiap hari.",
    ),
    "banjir": (
        "Banjir setinggi lutut di {street} sejak pagi, air tidak surut.",
        "genangan air di {street} depan {place} tiap hujan, motor banyak yang mogok",
    ),
    "drainase": (
        "Saluran air di {street} tersumbat sampah, tiap hujan meluap ke rumah warga.",
        "Gorong-gorong dekat {place} mampet sudah {n} minggu, bau dan banyak nyamuk.",
    ),
    "lampu-jalan": (
        "Lampu PJU di {street} mati {n} tiang berturut-turut, jalan gelap rawan begal.",
        "lampu jalan depan {place} mati udh {n} minggu, gelap bgt kalo malem",
    ),
    "trotoar": (
        "Trotoar {street} dekat {place} rusak dan berlubang, pejalan kaki turun ke jalan.",
    ),
    "harga-bahan-pokok": (
        "Harga beras dan minyak goreng di pasar dekat {place} naik terus, mohon operasi pasar.",
        "Cabai mahal sekali minggu ini di sekitar {street}, warga kesulitan.",
    ),
    "pasar": ("Los pasar dekat {place} bocor dan becek, pedagang dan pembeli kesulitan.",),
    "izin-usaha": ("Pengurusan NIB untuk usaha kecil saya sudah {n} minggu belum selesai.",),
    "layanan-puskesmas": (
        "Antrean di puskesmas dekat {place} sangat lama, petugas datang terlambat.",
        "Puskesmas {place} tutup lebih awal padahal jadwalnya sampai sore.",
    ),
    "layanan-rumah-sakit": (
        "Pasien di IGD RSUD menunggu {n} jam tanpa kejelasan, mohon perbaikan layanan.",
    ),
    "bpjs-kesehatan": (
        "Kartu BPJS ibu saya tidak aktif padahal iuran sudah dibayar, ditolak di {place}.",
    ),
    "demam-berdarah": (
        "Sudah ada {n} warga kena DBD di sekitar {street}, mohon fogging segera.",
        "Banyak jentik nyamuk di selokan dekat {place}, takut DBD.",
    ),
    "bansos": (
        "Keluarga kami terdaftar DTKS tapi bansos tidak pernah cair, mohon dicek.",
        "Penyaluran BLT di {place} tidak tepat sasaran, yang mampu malah dapat.",
    ),
    "orang-terlantar": (
        "Ada ODGJ tidur di trotoar {street} dekat {place} sudah {n} hari, mohon ditangani.",
    ),
    "ppdb": ("Anak saya ditolak PPDB zonasi padahal rumah dekat sekolah di {street}.",),
    "sarana-sekolah": (
        "Atap ruang kelas SD dekat {place} bocor dan hampir roboh, berbahaya bagi murid.",
    ),
    "pungutan-sekolah": ("Sekolah di {street} minta uang gedung dan seragam mahal, apakah boleh?",),
    "adminduk": (
        "Sudah {n} minggu urus KTP-el belum jadi, katanya blangko habis.",
        "KK saya belum diperbarui padahal berkas sudah lengkap sejak {n} minggu lalu.",
    ),
    "pungli": ("Ada oknum yang minta uang pelicin untuk urus surat di {place}.",),
    "pelayanan-aparatur": (
        "Petugas pelayanan di {place} judes dan tidak ramah, antrean tidak diatur.",
    ),
    "upah": ("Gaji karyawan pabrik di {street} dibayar di bawah UMK dan THR belum dibayar.",),
    "phk": ("Saya di-PHK sepihak tanpa pesangon oleh perusahaan di {street}.",),
    "angkutan-umum": ("Angkot trayek {street} ngetem lama dan sopir menaikkan ongkos seenaknya.",),
    "kemacetan": ("Macet parah tiap sore di {street} dekat {place}, tidak ada petugas.",),
    "parkir-liar": (
        "Parkir liar di sepanjang {street} depan {place}, mobil parkir dua lapis.",
        "jukir liar di {place} minta Rp{money} padahal parkirnya di bahu jalan",
    ),
    "rambu-lalu-lintas": ("Lampu lalu lintas di simpang {street} mati, rawan tabrakan.",),
    "sampah": (
        "Sampah menumpuk di TPS dekat {place} sudah {n} hari belum diangkut, bau menyengat.",
        "sampah numpuk di pinggir {street} gk diangkut2, banyak lalat",
        "Warga buang sampah ke sungai dekat {place}, mohon dipasang larangan.",
    ),
    "pohon-tumbang": (
        "Pohon tumbang menutup {street} dekat {place}, kendaraan tidak bisa lewat.",
        "Dahan pohon besar di {street} rawan tumbang, mohon dipangkas.",
    ),
    "pencemaran": (
        "Limbah pabrik di {street} dibuang ke sungai, air hitam dan bau.",
        "Asap pembakaran sampah di dekat {place} tiap malam, warga sesak napas.",
    ),
    "pkl": ("PKL berjualan di trotoar {street} dekat {place}, pejalan kaki turun ke jalan.",),
    "bangunan-liar": ("Ada bangunan liar tanpa PBG di bantaran sungai dekat {place}.",),
    "gangguan-ketertiban": (
        "Balap liar tiap malam minggu di {street}, bising dan membahayakan.",
        "Sering ada tawuran pelajar di dekat {place} sepulang sekolah.",
    ),
    "kebakaran": ("Kebakaran rumah di {street} dekat {place}, mohon bantuan damkar segera.",),
}
GENERIC = (
    "Mohon ditindaklanjuti masalah di {street} dekat {place}, sudah {n} minggu.",
    "Ada masalah di sekitar {place}, warga sudah lapor RT tapi belum ada tindakan.",
)
STREETS = (
    "Jl. Merdeka", "Jl. Sudirman", "Jl. Ahmad Yani", "Jl. Diponegoro", "Jl. Gatot Subroto",
    "Jl. Pahlawan", "Jl. Siliwangi", "Jl. Veteran", "Jl. Pemuda", "Jl. Kartini",
    "Jl. Raya Bogor", "Jl. Cihampelas", "Jl. Dago", "Jl. Pasteur", "Jl. Soekarno-Hatta",
    "Jl. Kebon Jati", "Jl. Braga", "Jl. Setiabudi", "Jl. Cibaduyut", "Jl. Raya Cileunyi",
    "Jl. Margonda", "Jl. Juanda", "Jl. Thamrin", "Jl. Gajah Mada", "Jl. Hayam Wuruk",
    "Gg. Mawar", "Gg. Melati", "Jl. Raya Puncak", "Jl. Pramuka", "Jl. Otista",
)  # fmt: skip
PLACES = (
    "SDN 3", "pasar", "masjid", "terminal", "stasiun", "puskesmas", "kantor kelurahan",
    "alun-alun", "SMP Negeri 2", "pos ronda", "jembatan", "lapangan", "GOR", "RSUD",
    "pertigaan", "minimarket", "kampus", "perumahan", "gereja", "taman kota",
)  # fmt: skip
FIRST_NAMES = (
    "Dedi", "Sri", "Rizky", "Andi", "Maya", "Euis", "Hendra", "Iwan", "Yanti", "Fitri",
    "Agus", "Siti", "Budi", "Dewi", "Asep", "Neng", "Ujang", "Rina", "Yusuf", "Lina",
    "Eko", "Wati", "Joko", "Nur", "Ahmad", "Putri", "Fajar", "Indah", "Rudi", "Ayu",
    "Dadang", "Cucu", "Tono", "Ratna", "Bambang", "Sari", "Hadi", "Wulan", "Irfan", "Tuti",
)  # fmt: skip
LAST_NAMES = (
    "Kurniawan", "Wahyuni", "Pratama", "Setiawan", "Anggraini", "Komariah", "Wijaya",
    "Gunawan", "Rahayu", "Handayani", "Salim", "Santoso", "Hidayat", "Saepudin",
    "Ratnasari", "Suherman", "Marlina", "Nugraha", "Susanto", "Lestari", "Permana",
    "Maulana", "Kusuma", "Firmansyah", "Saputra", "Nurhayati", "Sulastri", "Mulyadi",
)  # fmt: skip
REJECT_REASONS = (
    "Bukan kewenangan pemerintah daerah (urusan instansi vertikal)",
    "Laporan tidak jelas dan pelapor tidak dapat dihubungi",
    "Lokasi di luar wilayah layanan",
    "Laporan berisi ujaran kebencian atau tidak pantas",
    "Sudah ditangani melalui laporan lain",
    "Permintaan informasi, sudah dijawab langsung",
)
RESOLVE_NOTES = (
    "Sudah ditindaklanjuti oleh tim di lapangan.",
    "Perbaikan selesai, terima kasih atas laporannya.",
    "Petugas sudah menangani lokasi sesuai laporan.",
)
QUESTIONS = (
    "Mohon kirim titik lokasi yang lebih tepat atau foto terbaru.",
    "Di RT/RW berapa tepatnya lokasi yang dimaksud?",
)
ANSWERS = ("Di RT 03 RW 05, dekat warung.", "Sudah saya kirim fotonya, lokasinya di ujung gang.")
REOPEN_REASONS = (
    "Belum beres, kondisinya masih sama.",
    "Baru diperbaiki sebagian, sisanya belum.",
)
FORWARD_REASONS = ("Bukan kewenangan kami, dikoordinasikan ke instansi yang berwenang.",)
RETURN_REASONS = ("Bukan kewenangan kami, mohon operator meneruskan ke instansi yang tepat.",)


def complaint_text(rng: random.Random, slug: str | None) -> str:
    templates = TEMPLATES.get(slug or "", GENERIC)
    text = rng.choice(templates).format(
        street=rng.choice(STREETS),
        place=rng.choice(PLACES),
        n=rng.randint(1, 6),
        money=rng.choice(("5.000", "10.000", "20.000")),
    )
    roll = rng.random()
    # Citizens type contact details into the text; the public pages must mask them.
    if roll < 0.01:
        text += f" Hub saya di 0812-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}."
    elif roll < 0.015:
        text += f" Email {rng.choice(FIRST_NAMES).lower()}{rng.randint(1, 99)}@gmail.com"
    return text


def make_title(text: str) -> str:
    """complaints.services.make_title, without Truncator's per-call cost."""
    line = " ".join(text.split())
    return line if len(line) <= 80 else line[:79] + "…"


def reporter_identity(rng: random.Random, index: int) -> tuple[str, str, str]:
    """A name, an E.164 phone and sometimes an email; unique by `index`."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    phone = f"+628{(index * 7919 + 1_000_000_123) % 9_000_000_000 + 1_000_000_000}"
    email = f"{first.lower()}.{last.lower()}{index}@mail.test" if rng.random() < 0.2 else ""
    return f"{first} {last}", phone, email
