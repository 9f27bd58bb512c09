"""The SP4N-LAPOR! adapter boundary: what Sigap needs from the national system.

The national API is not public, so Sigap codes against this interface and ships one
HTTP implementation of a documented contract (docs/lapor.md); a city whose LAPOR!
access differs writes another class with the same three methods and names it in
LAPOR_ADAPTER. Tests play the national server with a local HTTP server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from ..delivery import TransportResult

TIMEOUT = (3.05, 15)


@dataclass(frozen=True)
class LaporReport:
    """One report LAPOR! dispositioned to this city."""

    tracking_id: str
    text: str
    disposed_at: str = ""
    report_type: str = ""
    category: str = ""  # a Sigap category slug when LAPOR!'s category maps to one
    area_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    is_anonymous: bool = False
    is_secret: bool = False
    reporter: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


class LaporAdapter(Protocol):
    def fetch_dispositions(self, *, since: str) -> list[LaporReport]:
        """Reports dispositioned to this city after `since` (ISO time, "" for all)."""

    def push_update(
        self, *, tracking_id: str, update: dict[str, Any], idempotency_key: str
    ) -> TransportResult:
        """Send one status change or follow-up note; LAPOR! drops a repeated key."""

    def forward(self, *, report: dict[str, Any], idempotency_key: str) -> TransportResult:
        """File a report with LAPOR! (another government's authority); the answer's
        body is JSON with its `tracking_id`."""


class HttpLaporAdapter:
    """The documented HTTP contract: bearer token, JSON, Idempotency-Key on writes."""

    def __init__(self, base_url: str | None = None, token: str | None = None) -> None:
        self.base_url = (base_url or settings.LAPOR_BASE_URL).rstrip("/")
        self.token = token if token is not None else settings.LAPOR_TOKEN

    def _headers(self, key: str = "") -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}", "User-Agent": "Sigap-LAPOR/1"}
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def fetch_dispositions(self, *, since: str) -> list[LaporReport]:
        response = requests.get(
            f"{self.base_url}/api/v1/disposisi",
            params={"since": since} if since else {},
            headers=self._headers(),
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        return [_report(item) for item in response.json().get("items", [])]

    def _post(self, url: str, body: dict[str, Any], key: str) -> TransportResult:
        try:
            response = requests.post(
                url, json=body, headers=self._headers(key), timeout=TIMEOUT, allow_redirects=False
            )
        except requests.RequestException as exc:
            return TransportResult(status=None, error=f"{type(exc).__name__}: {exc}")
        return TransportResult(status=response.status_code, body=response.text[:2000])

    def push_update(
        self, *, tracking_id: str, update: dict[str, Any], idempotency_key: str
    ) -> TransportResult:
        url = f"{self.base_url}/api/v1/laporan/{tracking_id}/tindak-lanjut"
        return self._post(url, update, idempotency_key)

    def forward(self, *, report: dict[str, Any], idempotency_key: str) -> TransportResult:
        return self._post(f"{self.base_url}/api/v1/laporan", report, idempotency_key)


def _report(item: dict[str, Any]) -> LaporReport:
    def number(value: Any) -> float | None:
        try:
            return None if value in (None, "") else float(value)
        except (TypeError, ValueError):
            return None

    reporter = item.get("reporter") if isinstance(item.get("reporter"), dict) else {}
    return LaporReport(
        tracking_id=str(item.get("tracking_id", "")).strip(),
        text=str(item.get("content") or item.get("title") or "").strip(),
        disposed_at=str(item.get("disposed_at") or ""),
        report_type=str(item.get("report_type") or ""),
        category=str(item.get("category") or ""),
        area_code=str(item.get("area_code") or ""),
        latitude=number(item.get("latitude")),
        longitude=number(item.get("longitude")),
        address=str(item.get("location") or "")[:255],
        is_anonymous=bool(item.get("is_anonymous")),
        is_secret=bool(item.get("is_secret")),
        reporter={k: str(v) for k, v in reporter.items() if k in ("name", "phone", "email") and v},
        raw=item,
    )


def lapor_adapter() -> LaporAdapter:
    return import_string(settings.LAPOR_ADAPTER)()
