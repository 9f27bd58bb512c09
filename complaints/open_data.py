"""Open data: the public complaint list as daily CSV and JSON files, masked and coarse.

The same rows as the public list (complaints/public.py decides what is public), streamed
from the database in chunks so a million complaints never sit in memory, written to a
temporary file and renamed into place: a reader never sees half a file, and running the
export twice in a day just writes the same day's files again (idempotent).
Data dictionary and license: docs/public-pages.md and the /data-terbuka/ page.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation

from .lifecycle import status_colour
from .privacy import mask_personal_data
from .public import coarse, public_complaints

WIB = ZoneInfo("Asia/Jakarta")
CHUNK = 2000
LICENSE = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/deed.id"

# name, meaning: the data dictionary, in the order of the CSV columns.
FIELDS: list[tuple[str, str]] = [
    ("kode", "Kode lacak aduan (tracking code)"),
    ("diterima", "Waktu aduan diterima, WIB (ISO 8601)"),
    ("diperbarui", "Waktu perubahan terakhir, WIB (ISO 8601)"),
    ("kanal", "Kanal masuk: web, whatsapp, sms, hotline, ..."),
    ("topik", "Topik (kategori induk)"),
    ("kategori", "Kategori"),
    ("kode_wilayah", "Kode wilayah Kemendagri kelurahan/desa"),
    ("wilayah", "Nama kelurahan/desa"),
    ("status", "Status: new, triage, assigned, in_progress, resolved, closed, rejected"),
    ("warna", "Warna status: red (menunggu), yellow (ditangani), green (selesai), grey"),
    ("opd", "Perangkat daerah (OPD) yang menangani"),
    ("lintang", "Lintang, dibulatkan ke 0,001 derajat (sekitar 110 m)"),
    ("bujur", "Bujur, dibulatkan ke 0,001 derajat (sekitar 110 m)"),
    ("isi", "Isi aduan; nomor telepon, NIK/KK, email dan nomor rekening disembunyikan"),
]


@dataclass(frozen=True)
class OpenDataFile:
    name: str
    size: int
    written_at: datetime


def open_data_dir() -> Path:
    return Path(settings.OPEN_DATA_DIR)


def _local(value: datetime) -> str:
    return value.astimezone(WIB).isoformat(timespec="seconds")


def open_data_rows() -> Iterator[dict[str, Any]]:
    """Every public complaint as one open-data row, oldest first."""
    qs = (
        public_complaints()
        .order_by("pk")
        .values(
            "tracking_code",
            "created_at",
            "updated_at",
            "channel",
            "category__name",
            "category__parent__name",
            "area__code",
            "area__name",
            "status",
            "agency__name",
            "latitude",
            "longitude",
            "text",
        )
    )
    for c in qs.iterator(chunk_size=CHUNK):
        topic = c["category__parent__name"] or c["category__name"] or ""
        yield {
            "kode": c["tracking_code"],
            "diterima": _local(c["created_at"]),
            "diperbarui": _local(c["updated_at"]),
            "kanal": c["channel"],
            "topik": topic,
            "kategori": c["category__name"] or "",
            "kode_wilayah": c["area__code"] or "",
            "wilayah": c["area__name"] or "",
            "status": c["status"],
            "warna": status_colour(c["status"]),
            "opd": c["agency__name"] or "",
            "lintang": coarse(c["latitude"]),
            "bujur": coarse(c["longitude"]),
            "isi": mask_personal_data(c["text"]),
        }


def _write_atomically(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_data_export(*, directory: Path | None = None) -> int:
    """Write aduan.csv and aduan.json (the whole public list); returns the row count."""
    target = directory or open_data_dir()
    target.mkdir(parents=True, exist_ok=True)
    names = [name for name, _ in FIELDS]
    count = 0

    def write_csv(handle: Any) -> None:
        nonlocal count
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        for row in open_data_rows():
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
            count += 1

    def write_json(handle: Any) -> None:
        # A JSON document written row by row: the list never sits whole in memory.
        meta = {
            "license": LICENSE,
            "license_url": LICENSE_URL,
            "generated_at": _local(timezone.now()),
            "fields": dict(FIELDS),
        }
        handle.write(json.dumps(meta, ensure_ascii=False)[:-1] + ', "aduan": [\n')
        for i, row in enumerate(open_data_rows()):
            handle.write((",\n" if i else "") + json.dumps(row, ensure_ascii=False))
        handle.write("\n]}\n")

    # Placeholders in the deployment's language (Bahasa Indonesia), whoever runs it.
    with translation.override(settings.LANGUAGE_CODE):
        _write_atomically(target / "aduan.csv", write_csv)
        _write_atomically(target / "aduan.json", write_json)
    return count


def open_data_files() -> list[OpenDataFile]:
    """The files on the download page, if the export has run."""
    found = []
    for name in ("aduan.csv", "aduan.json"):
        path = open_data_dir() / name
        if path.is_file():
            stat = path.stat()
            found.append(
                OpenDataFile(name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, tz=WIB))
            )
    return found
