"""Every back-office page goes through :func:`portal_page`: the same rules as the API, as pages.

* a session of a member of the shop whose host serves the request (sessions are bound to their
  host, so a session of another shop is anonymous here and gets the sign-in page);
* the OTP step for a person with an authenticator, and authenticator set-up for an owner or admin
  who has none (the API's MFA gate, ``mfa_enrollment_due``);
* the action, judged by the permission hook's ``can()``; a refusal is a page that says what the
  role does not allow (403), never a traceback;
* an ``ApplicationError`` a service raises is rendered as a page with its status and message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import logout as session_logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.errors import ApplicationError, PermissionDenied
from pos_platform.kernel.http import client_ip
from pos_platform.portal.errors import error_text
from shared_apps.accounts import mfa
from shared_apps.accounts.models import Membership, User
from shared_apps.accounts.permissions import can, membership_for, mfa_enrollment_due, storefront_scope
from tenant_apps.shop.services import shop_timezone

View = Callable[..., HttpResponseBase]


class ShopRequest(HttpRequest):
    """A request to a shop's host, for the type checker (Django builds a plain ``HttpRequest``):
    ``tenant`` is set by the routing middleware, ``htmx`` by django-htmx's."""

    tenant: Any
    htmx: HtmxDetails


class PortalRequest(ShopRequest):
    """The request a page behind :func:`portal_page` receives: the signed-in ``user`` and their
    ``membership``, which the decorator checked and set."""

    membership: Membership
    user: User  # narrower than HttpRequest's: a member, signed in


OTP_STEP, ENROLLING = "otp_step", "enrolling"

# What each action lets a person do, in words a shop owner understands (refusals, the role table).
ACTION_WORDS: dict[str, Any] = {
    "storefront.view": gettext_lazy("see storefronts"),
    "storefront.manage": gettext_lazy("add and change storefronts"),
    "settings.manage": gettext_lazy("change the shop's settings and payment methods"),
    "settings.timezone": gettext_lazy("change the shop's time zone"),
    "catalog.view": gettext_lazy("see products and prices"),
    "catalog.manage": gettext_lazy("add and change products and prices"),
    "tax.manage": gettext_lazy("change taxes"),
    "stock.view": gettext_lazy("see stock levels and movements"),
    "stock.receive": gettext_lazy("receive deliveries"),
    "stock.adjust": gettext_lazy("adjust stock"),
    "stock.count": gettext_lazy("record stock counts"),
    "stock.transfer": gettext_lazy("transfer stock between storefronts"),
    "sale.create": gettext_lazy("record sales"),
    "sale.view": gettext_lazy("see sales"),
    "sale.void": gettext_lazy("void sales"),
    "sale.refund": gettext_lazy("refund sales"),
    "shift.operate": gettext_lazy("open and close your own shifts"),
    "shift.view": gettext_lazy("see shifts"),
    "shift.manage": gettext_lazy("manage other people's shifts"),
    "report.view": gettext_lazy("see reports and the dashboard"),
    "report.export": gettext_lazy("export sales and stock movements"),
    "staff.view": gettext_lazy("see staff"),
    "staff.manage": gettext_lazy("invite and change staff"),
    "token.manage_others": gettext_lazy("see and revoke staff's API tokens"),
    "staff.mfa_reset": gettext_lazy("reset a staff member's two-factor sign-in"),
    "audit.view": gettext_lazy("read the audit log"),
    "terminal.manage": gettext_lazy("manage terminals"),
    "conflict.view": gettext_lazy("see sync conflicts"),
    "conflict.resolve": gettext_lazy("resolve sync conflicts"),
    "billing.view": gettext_lazy("see the subscription and invoices"),
}


def next_step(user: User, membership: Membership) -> str | None:
    """Where a signed-in session must go before the rest of the portal, or None."""
    # A verified session has a device: the query is for the others only.
    if not user.is_verified() and mfa.user_has_otp_device(user):
        return OTP_STEP
    if mfa_enrollment_due(membership):
        return ENROLLING
    return None


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect; for an htmx request a full-page one (the sign-in pages are not fragments)."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def login_url_for(request: HttpRequest) -> str:
    path = request.get_full_path()
    return "/portal/login" if path == "/portal/" else f"/portal/login?{urlencode({'next': path})}"


def portal_page(action: str | None = None, *, allow: frozenset[str] = frozenset()) -> Callable[[View], View]:
    """Require a member's session (and the OTP step or set-up when those come first, unless
    ``allow`` names them), then ``action`` when given; render refusals and service errors."""

    def decorate(view: View) -> View:
        @wraps(view)
        @never_cache
        def wrapper(request: PortalRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            membership = membership_for(user=user, tenant=getattr(request, "tenant", None))
            if membership is None:
                if user.is_authenticated:
                    session_logout(request)  # no longer staff here
                return _go(request, login_url_for(request))
            step = next_step(user, membership)
            if step is not None and step not in allow:
                return _go(request, "/portal/otp" if step == OTP_STEP else "/portal/mfa/setup")
            request.membership = membership
            # Forms read and pages show times in the shop's time zone.
            with timezone.override(shop_timezone()):
                if action is not None and not can(membership, action):
                    response: HttpResponseBase = refused(request, action)
                else:
                    try:
                        response = view(request, *args, **kwargs)
                    except ApplicationError as exc:
                        response = error_page(request, exc)
            patch_vary_headers(response, ("HX-Request",))
            return response

        return wrapper

    return decorate


def membership_of(request: PortalRequest) -> Membership:
    return request.membership


def actor_of(request: HttpRequest) -> Actor:
    return Actor.of_user(request.user, ip=client_ip(request))


def scope_of(request: PortalRequest) -> uuid.UUID | None:
    """The one storefront a scoped member is limited to, or None."""
    return storefront_scope(membership_of(request))


def allowed(request: PortalRequest, action: str, storefront_id: uuid.UUID | str | None = None) -> bool:
    return can(membership_of(request), action, storefront_id=storefront_id)


def require(request: PortalRequest, action: str, storefront_id: uuid.UUID | str | None = None) -> None:
    """Raise the API's ``storefront_forbidden`` when the member may not ``action`` there."""
    if not allowed(request, action, storefront_id):
        raise PermissionDenied(
            _("Your access is limited to another storefront."), code="storefront_forbidden"
        )


def refused(request: PortalRequest, action: str) -> HttpResponse:
    membership = membership_of(request)
    words = ACTION_WORDS.get(action, action)
    message = _("Your role (%(role)s) does not allow you to %(words)s.") % {
        "role": membership.get_role_display(),
        "words": words,
    }
    return render(
        request,
        "portal/error.html",
        {"title": _("Not allowed"), "message": message, "code": "permission_denied"},
        status=403,
    )


_TITLES = {
    400: gettext_lazy("Please check what you entered"),
    403: gettext_lazy("Not allowed"),
    404: gettext_lazy("Not found"),
    409: gettext_lazy("This cannot be done now"),
    413: gettext_lazy("Too large"),
    422: gettext_lazy("This cannot be done"),
    429: gettext_lazy("Too many attempts"),
}


def error_page(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(
        request,
        "portal/error.html",
        {
            "title": _TITLES.get(exc.status, _("Something went wrong")),
            "message": error_text(exc),
            "code": exc.code,
        },
        status=exc.status,
    )


def not_found(request: HttpRequest, message: str | None = None) -> HttpResponse:
    return render(
        request,
        "portal/error.html",
        {"title": _("Not found"), "message": message or _("There is nothing here."), "code": "not_found"},
        status=404,
    )
