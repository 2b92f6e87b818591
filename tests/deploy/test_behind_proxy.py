"""The portal's sign-in behind a TLS-terminating proxy, over real HTTP to gunicorn configured as in
production (HTTPS only, the proxy trusted by address): the form works through the proxy, and a
client that goes around it can neither claim HTTPS nor sign in."""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from shared_apps.tenants.services import TenantCreated
from tests.conftest import host_of
from tests.production_server import database_url, gunicorn

PROXY = "127.0.0.1"
OUTSIDER = "127.0.0.2"


def _request(
    port: int, source: str, method: str, path: str, headers: dict[str, str], body: str | None = None
) -> tuple[int, http.client.HTTPMessage, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        conn.close()


def _cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    """Set-Cookie name -> the whole header line (to read its attributes)."""
    return {line.split("=", 1)[0]: line for line in headers.get_all("Set-Cookie") or []}


def test_portal_sign_in_through_the_proxy_and_not_around_it(
    committed_tenant: Callable[..., TenantCreated],
) -> None:
    # A one-time password to sign in with (a new owner is otherwise e-mailed a link to choose one).
    created = committed_tenant(owner_password=True)
    host = host_of(created.tenant.slug)
    env = {"POS_HTTPS": "1", "POS_TRUSTED_PROXIES": f"{PROXY}/32", "POS_NUM_PROXIES": "1"}
    with gunicorn(database_url=database_url(), env=env) as base:
        port = int(base.rsplit(":", 1)[1])
        via_proxy = {"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}

        # Through the proxy: the page, with HSTS and a CSRF cookie for HTTPS only.
        status, headers, page = _request(port, PROXY, "GET", "/portal/login", via_proxy)
        assert status == 200
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        csrf_cookie = _cookies(headers)["csrftoken"]
        assert "Secure" in csrf_cookie
        assert "HttpOnly" in csrf_cookie
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        jar = SimpleCookie()
        jar.load(csrf_cookie)
        form = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "email": created.owner.email,
                "password": created.owner_password,
                "next": "/portal/",
            }
        )
        post_headers = {
            **via_proxy,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken'].value}",
            "Origin": f"https://{host}",
            "Referer": f"https://{host}/portal/login",
        }
        status, headers, _ = _request(port, PROXY, "POST", "/portal/login", post_headers, form)
        # Password accepted (not refused by CSRF): on to the authenticator code.
        assert status == 302, _
        assert headers["Location"].startswith("/portal/otp")
        session_cookie = _cookies(headers)["sessionid"]
        assert "Secure" in session_cookie
        assert "HttpOnly" in session_cookie

        # Around the proxy: the same headers from another address are not believed.
        status, headers, _ = _request(port, OUTSIDER, "GET", "/portal/login", via_proxy)
        assert status == 301
        assert headers["Location"] == f"https://{host}/portal/login"
        status, headers, _ = _request(port, OUTSIDER, "POST", "/portal/login", post_headers, form)
        assert status == 301
        assert "sessionid" not in _cookies(headers)

        # Probes reach the app in plain HTTP on the internal network.
        status, _, _ = _request(port, OUTSIDER, "GET", "/healthz", {"Host": "127.0.0.1"})
        assert status in (200, 503)
