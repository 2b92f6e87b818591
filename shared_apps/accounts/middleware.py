"""Sessions are bound to the host that signed them in.

Sessions live in the public schema, shared by every tenant. A session cookie signed in at one
tenant's host (or at the platform host) must be worthless at any other, just as an API token is:
on any other host the request is anonymous.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from shared_apps.accounts.sessions import SESSION_TENANT_KEY

PUBLIC = "public"


def session_binding_for(request: HttpRequest) -> str | None:
    """What a session signed in at this request's host is bound to: a tenant id or "public"."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return None
    if getattr(tenant, "is_public", False) or getattr(tenant, "pk", None) is None:
        return PUBLIC
    return str(tenant.pk)


def session_bind(request: HttpRequest) -> None:
    binding = session_binding_for(request)
    if binding is not None:
        request.session[SESSION_TENANT_KEY] = binding


@receiver(user_logged_in, dispatch_uid="accounts.session_bind")
def _bind_on_login(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_bind(request)


class SessionTenantBindingMiddleware:
    """After ``AuthenticationMiddleware``: a session of another host is anonymous here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and hasattr(request, "session"):
            bound = request.session.get(SESSION_TENANT_KEY)
            expected = session_binding_for(request)
            # Reading the session needs no query unless a cookie was sent.
            if bound is None or bound != expected:
                original = user

                def resolve() -> Any:
                    return AnonymousUser() if original.is_authenticated else original

                request.user = SimpleLazyObject(resolve)  # type: ignore[assignment]
        return self.get_response(request)
