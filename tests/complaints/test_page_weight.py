"""Citizen pages stay light: each public page with its own CSS and JavaScript, gzipped as
WhiteNoise serves them, weighs under 100 KB on first load (map tiles not counted).

Run with -s to print the figures recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from complaints.services import complaint_create
from dashboard.reports.facts import facts_rebuild

pytestmark = pytest.mark.django_db
LIMIT = 100_000
ASSET = re.compile(r'(?:href|src)="/static/([^"]+\.(?:css|js))"')


def weight(html: str) -> tuple[int, list[str]]:
    total = len(gzip.compress(html.encode(), 6))
    assets = sorted(set(ASSET.findall(html)))
    for asset in assets:
        path = finders.find(asset)
        assert path, asset
        with open(path, "rb") as handle:
            total += len(gzip.compress(handle.read(), 6))
    return total, assets


def test_public_pages_weigh_under_100_kb(client, world, settings):
    settings.STATIC_URL = "/static/"
    for i in range(20):
        complaint_create(
            channel="web",
            text=f"Jalan berlubang nomor {i} di depan sekolah, sudah dua minggu tidak diperbaiki",
            category=world.road,
            area=world.dago,
            latitude=-6.885,
            longitude=107.613,
        )
    code = complaint_create(channel="web", text="Lampu mati", area=world.dago).tracking_code
    pages = {
        "home": reverse("complaints:home"),
        "list": reverse("complaints:public_list"),
        "map": reverse("complaints:public_map"),
        "complaint": reverse("complaints:public_detail", args=[code]),
        "open data": reverse("complaints:open_data"),
        "form": reverse("complaints:new"),
        "statistics": reverse("public_statistics"),
    }
    facts_rebuild()
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200
        total, assets = weight(response.content.decode())
        print(f"{name:10} {url:24} {total / 1000:6.1f} KB gzipped  {' '.join(assets)}")
        assert total < LIMIT, (name, total)
        if name != "map":
            assert "leaflet" not in " ".join(assets) or name == "form"
