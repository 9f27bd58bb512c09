"""A loader shim for the `open311` package (PyPI, 2011), written for Python 2.

Its modules use implicit relative imports (`from api import API`,
`from object_dict import object_dict`) and post a str body. We load its modules by
file under the names they import each other by, and wrap urlopen to encode the body;
the client's own logic (URLs, parameters, XML parsing) runs unchanged.
"""

from __future__ import annotations

import importlib.util
import sys
import urllib.request
from pathlib import Path
from types import ModuleType
from xml.etree import ElementTree as ET


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _urlopen(url, data=None, *args, **kwargs):  # type: ignore[no-untyped-def]
    if isinstance(data, str):
        data = data.encode()
    return urllib.request.urlopen(url, data, *args, **kwargs)


class _Element(ET.Element):
    def getchildren(self) -> list[ET.Element]:  # removed from ElementTree in Python 3.9
        return list(self)


class _ET:
    """The ElementTree the client expects: its elements still have getchildren()."""

    @staticmethod
    def fromstring(text: bytes | str) -> ET.Element:
        parser = ET.XMLParser(target=ET.TreeBuilder(element_factory=_Element))  # noqa: S314
        parser.feed(text)
        return parser.close()


def load_open311_class() -> type:
    spec = importlib.util.find_spec("open311")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    xml_dir = root / "api" / "xml2dict"
    saved = {k: sys.modules.get(k) for k in ("object_dict", "xml2dict", "api", "api.api")}
    try:
        _load("object_dict", xml_dir / "object_dict.py")
        xml_spec = importlib.util.spec_from_file_location(
            "xml2dict", xml_dir / "__init__.py", submodule_search_locations=[str(xml_dir)]
        )
        assert xml_spec is not None and xml_spec.loader is not None
        xml2dict = importlib.util.module_from_spec(xml_spec)
        sys.modules["xml2dict"] = xml2dict
        xml_spec.loader.exec_module(xml2dict)
        sys.modules["xml2dict.xml2dict"].ET = _ET
        api = _load("api", root / "api" / "api.py")
        api.api = api  # `from api.api import ...`
        sys.modules["api.api"] = api
        api.urlopen = _urlopen
        client = _load("open311_client_module", root / "open311.py")
        client.urlopen = _urlopen
        return client.Open311
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
