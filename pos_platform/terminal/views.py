"""The terminal app's page, web app manifest and service worker (see the package docstring)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "pos"
TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "pos" / "app.html"
# What the service worker keeps for offline use; the app imports its modules by these names.
ASSETS = (
    "app.js",
    "db.js",
    "decimal.js",
    "i18n.js",
    "pricing.js",
    "sync.js",
    "app.css",
    "icon.svg",
    "icon-192.png",
    "icon-512.png",
)


@lru_cache(maxsize=1)
def app_version() -> str:
    """The shell's version: a digest of every file of it. A deployment that changes one gives the
    service worker a new version, which the app offers to load once no sale is in progress."""
    digest = hashlib.sha256()
    for path in [TEMPLATE, STATIC_DIR / "sw.js", *(STATIC_DIR / name for name in ASSETS)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _asset_urls() -> list[str]:
    return [f"{settings.STATIC_URL}pos/{name}" for name in ASSETS]


@require_safe
def app(request: HttpRequest) -> HttpResponse:
    return render(request, "pos/app.html", {"version": app_version(), "static": f"{settings.STATIC_URL}pos/"})


@require_safe
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    shell = ["/pos/", "/pos/manifest.webmanifest", *_asset_urls()]
    head = f"const VERSION = {json.dumps(app_version())};\nconst SHELL = {json.dumps(shell)};\n"
    response = HttpResponse(head + (STATIC_DIR / "sw.js").read_text(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/pos/"
    return response


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    icons = f"{settings.STATIC_URL}pos/"
    body = {
        "name": "POS terminal",
        "short_name": "Till",
        "start_url": "/pos/",
        "scope": "/pos/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#14532d",
        "icons": [
            {"src": f"{icons}icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": f"{icons}icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": f"{icons}icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any maskable"},
        ],
    }
    return HttpResponse(json.dumps(body), content_type="application/manifest+json")
