"""Route each request to its tenant's schema by host.

The base domain (and ``POS_PUBLIC_HOSTS``) is the public platform site. ``<slug>.<base>`` and any
custom domain of a tenant route to that tenant's schema; an unknown host gets 404
``tenant_not_found`` and a suspended tenant 403 ``tenant_suspended`` (except on the few paths that
must keep working, such as the upload of offline sales).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.urls import set_urlconf
from django_tenants.postgresql_backend.base import FakeTenant
from django_tenants.utils import get_public_schema_name

from pos_platform.api import error_response
from pos_platform.db import connection
from shared_apps.tenants.routing import normalise_host, route_resolve


class PublicTenant(FakeTenant):
    slug = ""
    is_public = True

    def __init__(self) -> None:
        super().__init__(schema_name=get_public_schema_name())


class TenantRoutingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.public_hosts = {normalise_host(h) for h in settings.POS_PUBLIC_HOSTS}
        self.suspended_paths = tuple(settings.POS_SUSPENDED_ALLOWED_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        try:
            host = request.get_host()
        except DisallowedHost:
            return error_response("host_not_allowed", "This host is not served here.", 400)
        hostname = normalise_host(split_domain_port(host)[0])

        if hostname in self.public_hosts:
            request.tenant = PublicTenant()  # type: ignore[attr-defined]
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
        request.tenant = tenant  # type: ignore[attr-defined]
        connection.set_tenant(tenant)
        return self.get_response(request)


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
