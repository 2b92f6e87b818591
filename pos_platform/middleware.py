"""Route each request to its tenant's schema by host.

The base domain (and ``POS_PUBLIC_HOSTS``) is the public platform site. ``<slug>.<base>`` and any
custom domain of a tenant route to that tenant's schema; an unknown host gets 404
``tenant_not_found`` and a suspended tenant 403 ``tenant_suspended`` (except on the few paths that
must keep working, such as the upload of offline sales).

:class:`JsonDepthMiddleware` refuses deeply nested JSON bodies before any view runs.
"""

from __future__ import annotations

import ipaddress
import zlib
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.urls import set_urlconf
from django_tenants.postgresql_backend.base import FakeTenant
from django_tenants.utils import get_public_schema_name

from pos_platform.api import error_response
from pos_platform.db import connection
from pos_platform.kernel.http import json_depth_exceeds
from shared_apps.tenants.routing import normalise_host, route_resolve


class PublicTenant(FakeTenant):
    slug = ""
    is_public = True

    def __init__(self) -> None:
        super().__init__(schema_name=get_public_schema_name())


class RoutedRequest(HttpRequest):
    """A request once routed: ``tenant`` is its tenant, or the public stand-in (for typing)."""

    tenant: Any


class TenantRoutingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.public_hosts = {normalise_host(h) for h in settings.POS_PUBLIC_HOSTS}
        self.suspended_paths = tuple(settings.POS_SUSPENDED_ALLOWED_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        routed = cast(RoutedRequest, request)
        connection.set_schema_to_public()
        try:
            host = request.get_host()
        except DisallowedHost:
            return error_response("host_not_allowed", "This host is not served here.", 400)
        hostname = normalise_host(split_domain_port(host)[0])

        if hostname in self.public_hosts:
            routed.tenant = PublicTenant()
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return self.get_response(request)

        route = route_resolve(hostname)
        if route is None:
            return error_response("tenant_not_found", f"No shop is served at {hostname}.", 404)
        if route.is_suspended and not request.path.startswith(self.suspended_paths):
            return error_response(
                "tenant_suspended",
                "This shop's account is suspended; its owner can contact the platform to resume it.",
                403,
            )
        tenant = route.tenant()
        tenant.domain_url = hostname
        routed.tenant = tenant
        connection.set_tenant(tenant)
        return self.get_response(request)


class JsonDepthMiddleware:
    """Refuse a JSON body nested deeper than ``POS_MAX_JSON_DEPTH`` (``400 body_too_deep``) before
    any view runs, for every endpoint and caller, signed in or not.

    Parsers recurse: a few kilobytes of ``[[[[…`` would otherwise exhaust the interpreter's
    recursion limit (a 500) in the JSON parser or in whatever walks the document later. A body
    sent gzip-encoded (terminal uploads) is inflated for the check within
    ``POS_SYNC_MAX_INFLATED_BYTES``; a body over the size limits or not valid gzip is left to the
    view, which answers it with its own error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit = settings.POS_MAX_JSON_DEPTH

    def __call__(self, request: HttpRequest) -> HttpResponse:
        body = self._json_body(request)
        if body is not None and json_depth_exceeds(body, self.limit):
            return error_response(
                "body_too_deep",
                f"The body nests arrays and objects more than {self.limit} levels deep.",
                400,
                {"max_depth": self.limit},
            )
        return self.get_response(request)

    def _json_body(self, request: HttpRequest) -> bytes | None:
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared.isdigit() or int(declared) == 0:
            return None
        if int(declared) > max(
            settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0, settings.POS_SYNC_MAX_REQUEST_BYTES
        ):
            return None
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
            return None
        body = request.body
        if request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower() == "gzip":
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                body = inflater.decompress(body, settings.POS_SYNC_MAX_INFLATED_BYTES + 1)
            except zlib.error:
                return None
            if len(body) > settings.POS_SYNC_MAX_INFLATED_BYTES:
                return None
        return body


class TrustedProxyMiddleware:
    """With ``POS_TRUSTED_PROXIES`` set, drop ``X-Forwarded-Proto`` / ``-For`` / ``X-Request-ID``
    unless the peer is one of them: only the proxy that terminates TLS may say that the client
    used HTTPS (``SECURE_PROXY_SSL_HEADER``) or who the client is (``client_ip``). A client that
    reaches the app directly, past the proxy, can claim neither. Unset, nothing is changed (and
    Django ignores X-Forwarded-Proto)."""

    HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_REQUEST_ID")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.networks = [ipaddress.ip_network(p, strict=False) for p in settings.POS_TRUSTED_PROXIES]

    def trusted(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.networks and not self.trusted(request.META.get("REMOTE_ADDR", "")):
            for header in self.HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
