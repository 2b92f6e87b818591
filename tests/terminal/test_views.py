"""The terminal app's page, manifest and service worker, and the app's size."""

from __future__ import annotations

import gzip
import json
import re

from pos_platform.terminal.views import ASSETS, STATIC_DIR, app_version
from shared_apps.tenants.models import Tenant
from tests.conftest import api_client

PAYLOAD_LIMIT = 150 * 1024


def test_the_page_loads_its_modules_without_inline_script_under_the_csp(tenant_a: Tenant) -> None:
    response = api_client("alpha").get("/pos/")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"<script[^>]*>", html) == ['<script type="module" src="/static/pos/app.js">']
    assert "style=" not in html
    assert "<style" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert f'data-version="{app_version()}"' in html


def test_the_service_worker_caches_this_version_of_every_file(tenant_a: Tenant) -> None:
    response = api_client("alpha").get("/pos/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    body = response.content.decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*\]);", body).group(1))  # type: ignore[union-attr]
    assert shell == ["/pos/", "/pos/manifest.webmanifest", *(f"/static/pos/{name}" for name in ASSETS)]
    assert f'const VERSION = "{app_version()}"' in body
    for url in shell[2:]:
        assert api_client("alpha").get(url).status_code == 200, url


def test_the_manifest_makes_the_app_installable(tenant_a: Tenant) -> None:
    manifest = api_client("alpha").get("/pos/manifest.webmanifest").json()

    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/pos/", "/pos/", "standalone")
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}


def test_the_app_is_not_served_on_the_platform_host(db: None) -> None:
    assert api_client(None).get("/pos/").status_code == 404


def test_the_whole_app_is_at_most_150_kb_compressed() -> None:
    files = [STATIC_DIR / name for name in (*ASSETS, "sw.js")]
    compressed = sum(len(gzip.compress(path.read_bytes(), 9)) for path in files)

    assert compressed <= PAYLOAD_LIMIT, compressed
