"""The first load of a typical page, with its style sheet and scripts, is at most 100 KB once
compressed (what whitenoise sends gzip-encoded): the back office on a slow, expensive link."""

from __future__ import annotations

import gzip
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from tests.conftest import Shop, sell_a_few
from tests.portal.conftest import html

FIRST_LOAD_LIMIT = 100 * 1024


def compressed(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def assets(page: str) -> list[str]:
    """The static files the page makes a browser fetch (style sheets, scripts, images)."""
    static = re.escape(settings.STATIC_URL)
    return sorted(set(re.findall(rf"""(?:src|href)=["']{static}([^"'?#]+)""", page)))


@pytest.fixture
def sold(shop: Shop) -> None:
    """The dashboard and the lists have rows."""
    sell_a_few(shop)


@pytest.mark.parametrize("path", ["/portal/", "/portal/sales", "/portal/products", "/portal/stock"])
def test_a_first_load_is_at_most_100_kb_compressed(sold: None, owner_portal: Client, path: str) -> None:
    response = owner_portal.get(path)
    page = html(response)
    assert response.status_code == 200

    files = assets(page)
    sizes = {"page": compressed(response.content)}
    for name in files:
        found = finders.find(name)
        assert found, f"{name} is not a static file"
        with open(found, "rb") as f:
            sizes[name] = compressed(f.read())

    assert "portal/portal.css" in files
    assert any(name.endswith(".js") for name in files)
    assert sum(sizes.values()) <= FIRST_LOAD_LIMIT, sizes
