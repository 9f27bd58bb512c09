"""Open311 GeoReport v2 answers in both formats from one plain structure.

A response is a root tag and a value: a dict becomes child elements (JSON object), a list
becomes repeated elements named by SINGULAR (JSON array). XML carries the UTF-8
declaration the specification shows; JSON lists have an array root, as the spec requires.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

from ..render_time import iso

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
SINGULAR = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "keywords": "keyword",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        tag = SINGULAR.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, tag), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def respond(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(value, default=_json_default, ensure_ascii=False).encode()
        return HttpResponse(body, status=status, content_type=JSON_TYPE)
    return HttpResponse(to_xml(root, value), status=status, content_type=XML_TYPE)


def error(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """`errors > error > code, description`; an array in JSON."""
    errors = [{"code": status, "description": d} for d in descriptions]
    return respond(fmt, "errors", errors, status=status)
