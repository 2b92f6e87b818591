"""The production server (gunicorn with ``deploy/gunicorn.conf.py``, started as the benchmarks
start it) on the test database, for tests that must go over real HTTP to real server processes:
concurrency across processes and the schema fuzzing. It binds a free loopback port and is stopped
(its whole process group) after the test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

from bench.common import gunicorn_server

BASE_DIR = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the database the tests run on (pytest-django's ``test_…`` database)."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


@contextmanager
def gunicorn(*, workers: int = 2, threads: int = 4, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the project on the test database; yields the base URL (``http://127.0.0.1:PORT``).
    Requests must carry a host it serves (``ALLOWED_HOSTS``: ``.localhost``) in ``Host``."""
    environment = {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "ALLOWED_HOSTS": f".{settings.POS_BASE_DOMAIN},{settings.POS_BASE_DOMAIN},127.0.0.1",
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        **(env or {}),
    }
    with gunicorn_server(
        url=database_url(), host=settings.POS_BASE_DOMAIN, workers=workers, threads=threads, env=environment
    ) as port:
        yield f"http://127.0.0.1:{port}"
