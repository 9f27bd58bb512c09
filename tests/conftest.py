"""Shared test world: a small slice of Jawa Barat, agencies, categories, rules and personas.

Every test module uses these named people instead of inventing its own: `operator`,
`staff_roads` and `head_roads` (Dinas Bina Marga Kota Bandung), `staff_env` (Dinas
Lingkungan Hidup Kota Bandung), `supervisor`, `admin_user`. Data is made through the
services where a service exists.
"""

from __future__ import annotations

import io
import socket
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from complaints.models import Agency, Area, Category, User
from config.celery import app as celery_app
from dispositions.models import RoutingRule

PASSWORD = "test-pass-123"


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """Tasks run in-process in ordinary tests; tests marked slow start real workers."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104 - a name, not a bind


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Tests talk to local servers only (PostgreSQL, Redis, servers playing the providers).

    A payload that names a real provider URL (a Meta CDN link in a fixture) must fail at
    once as a network error, never reach out or wait on DNS.
    """
    real = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in _LOCAL_HOSTS:
            raise socket.gaierror(socket.EAI_NONAME, f"tests do not reach the internet ({name})")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Personas log in thousands of times across the suite; hashing strength is not tested."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_done(request, settings):
    """Personas sign in with a password alone; tests marked two_factor get the real gate."""
    if request.node.get_closest_marker("two_factor") is None:
        settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture(autouse=True)
def _login_with_a_request(monkeypatch):
    """django-axes checks every authenticate() against the request's address: the test
    client's login() has none, so it gets a plain one (the real /login/ form has its own)."""
    from django.http import HttpRequest
    from django.test import Client

    real = Client.login

    def login(self, **credentials):
        credentials.setdefault("request", HttpRequest())
        return real(self, **credentials)

    monkeypatch.setattr(Client, "login", login)


@pytest.fixture
def english():
    """Service-level tests match the English msgids; pages are tested in Indonesian."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CATEGORIZER_MODEL_DIR = tmp_path / "models"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages render {% static %} without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@dataclass
class World:
    jabar: Area
    bandung: Area
    sukasari: Area
    sukarasa: Area
    coblong: Area
    dago: Area
    bekasi: Area
    infra: Category
    road: Category
    streetlight: Category
    env: Category
    garbage: Category
    health: Category
    roads_bdg: Agency
    env_bdg: Agency
    kel_sukarasa: Agency
    roads_prov: Agency
    env_prov: Agency


def _area(code: str, name: str, level: int, parent: Area | None) -> Area:
    return Area.objects.create(code=code, name=name, level=level, parent=parent)


@pytest.fixture
def world(db) -> World:
    jabar = _area("32", "JAWA BARAT", 1, None)
    bandung = _area("32.73", "KOTA BANDUNG", 2, jabar)
    sukasari = _area("32.73.01", "Sukasari", 3, bandung)
    sukarasa = _area("32.73.01.1001", "Sukarasa", 4, sukasari)
    coblong = _area("32.73.02", "Coblong", 3, bandung)
    dago = _area("32.73.02.1004", "Dago", 4, coblong)
    bekasi = _area("32.75", "KOTA BEKASI", 2, jabar)

    infra = Category.objects.create(slug="infrastruktur", name="Infrastruktur")
    road = Category.objects.create(
        slug="jalan-rusak", name="Jalan rusak", parent=infra, response_hours=6, resolution_hours=72
    )
    streetlight = Category.objects.create(slug="lampu-jalan", name="Lampu jalan", parent=infra)
    env = Category.objects.create(slug="lingkungan", name="Lingkungan")
    garbage = Category.objects.create(slug="sampah", name="Sampah", parent=env)
    health = Category.objects.create(slug="kesehatan", name="Kesehatan")

    def agency(slug: str, name: str, level: str, areas: list[Area]) -> Agency:
        a = Agency.objects.create(slug=slug, name=name, level=level)
        a.areas.set(areas)
        return a

    roads_prov = agency("dbmpr-jabar", "Dinas Bina Marga Provinsi Jawa Barat", "province", [jabar])
    env_prov = agency(
        "dlh-jabar", "Dinas Lingkungan Hidup Provinsi Jawa Barat", "province", [jabar]
    )
    roads_bdg = agency("dbmsda-bandung", "Dinas Bina Marga Kota Bandung", "city", [bandung])
    env_bdg = agency("dlh-bandung", "Dinas Lingkungan Hidup Kota Bandung", "city", [bandung])
    kel_sukarasa = agency("kel-sukarasa", "Kelurahan Sukarasa", "village", [sukarasa])

    RoutingRule.objects.create(category=infra, area=jabar, agency=roads_prov)
    RoutingRule.objects.create(category=infra, area=bandung, agency=roads_bdg)
    RoutingRule.objects.create(category=env, area=jabar, agency=env_prov)
    RoutingRule.objects.create(category=env, area=bandung, agency=env_bdg)
    RoutingRule.objects.create(category=garbage, area=sukarasa, agency=kel_sukarasa)
    return World(**{k: v for k, v in locals().items() if k in World.__dataclass_fields__})


def _user(username: str, role: str, agency: Agency | None = None, **extra) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, role=role, agency=agency, **extra
    )


@pytest.fixture
def operator(world) -> User:
    return _user("operator", User.Role.OPERATOR, first_name="Ovi")


@pytest.fixture
def staff_roads(world) -> User:
    return _user("staff_roads", User.Role.AGENCY_STAFF, world.roads_bdg, first_name="Rudi")


@pytest.fixture
def head_roads(world) -> User:
    return _user("head_roads", User.Role.AGENCY_HEAD, world.roads_bdg)


@pytest.fixture
def staff_env(world) -> User:
    return _user("staff_env", User.Role.AGENCY_STAFF, world.env_bdg, first_name="Lina")


@pytest.fixture
def supervisor(world) -> User:
    return _user("supervisor", User.Role.SUPERVISOR)


@pytest.fixture
def admin_user(world) -> User:
    return User.objects.create_superuser(username="admin", password=PASSWORD, role="admin")


def make_image_bytes(
    fmt: str = "JPEG", size: tuple[int, int] = (64, 48), exif_gps: bool = False
) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "SigapTestCam"  # Make
        gps = exif.get_ifd(0x8825)
        gps[1] = "S"
        gps[2] = (6.0, 54.0, 0.0)
        gps[3] = "E"
        gps[4] = (107.0, 36.0, 0.0)
        kwargs["exif"] = exif
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


@pytest.fixture
def photo_upload():
    def make(name: str = "foto.jpg", **kwargs) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, make_image_bytes(**kwargs), content_type="image/jpeg")

    return make


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache, which outlives a test; each starts at zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
