"""Pages for getting back in: asking for a password reset link and choosing the new password
with it (also a new owner's first password), an owner resetting a staff member's MFA, and a new
shop's first-run steps. They call the same services as the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pos_platform.kernel.errors import ApplicationError
from pos_platform.kernel.http import client_ip
from pos_platform.portal.errors import error_text
from pos_platform.portal.forms import PortalForm
from pos_platform.portal.pages import (
    ENROLLING,
    PortalRequest,
    ShopRequest,
    error_page,
    membership_of,
    portal_page,
)
from shared_apps.accounts.models import PasswordReset
from shared_apps.accounts.portal.forms import NewPasswordForm
from shared_apps.accounts.services import reset, staff
from shared_apps.signup.selectors import onboarding_steps


class ResetRequestForm(PortalForm):
    email = forms.CharField(
        max_length=254,
        label=gettext_lazy("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )


def _with_retry(response: HttpResponse, exc: ApplicationError) -> HttpResponse:
    retry = exc.details.get("retry_after") if isinstance(exc.details, dict) else None
    if retry:
        response["Retry-After"] = str(retry)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_request_view(request: ShopRequest) -> HttpResponse:
    form = ResetRequestForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "sent": False}
    if request.method == "POST" and form.is_valid():
        try:
            reset.password_reset_request(
                tenant=request.tenant,
                email=form.cleaned_data["email"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            context["error"] = error_text(exc)
            response = render(request, "accounts/portal/password_reset.html", context, status=exc.status)
            return _with_retry(response, exc)
        context["sent"] = True
    return render(request, "accounts/portal/password_reset.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request: ShopRequest) -> HttpResponse:
    token = (request.POST.get("token") or request.GET.get("token") or "").strip()
    tenant = request.tenant
    try:
        link = reset.reset_link_check(tenant=tenant, token=token, ip=client_ip(request))
    except ApplicationError as exc:
        invalid = {"invalid": error_text(exc)}
        return _with_retry(
            render(request, "accounts/portal/password_reset_confirm.html", invalid, status=exc.status), exc
        )
    form = NewPasswordForm(request.POST or None)
    context: dict[str, Any] = {
        "form": form,
        "token": token,
        "welcome": link.purpose == PasswordReset.Purpose.WELCOME,
        "email": link.user.email,
    }
    if request.method == "POST" and form.is_valid():
        try:
            reset.password_reset_confirm(
                tenant=tenant,
                token=token,
                new_password=form.cleaned_data["new_password"],
                ip=client_ip(request),
                channel="portal",
            )
        except ApplicationError as exc:
            if isinstance(exc.details, dict) and "password" in exc.details:
                for problem in exc.details["password"]:
                    form.add_error("new_password", problem)
            else:
                context["error"] = error_text(exc)
            return render(request, "accounts/portal/password_reset_confirm.html", context, status=exc.status)
        messages.success(request, _("Your password is set. Sign in with it."))
        return redirect("portal-login")
    return render(request, "accounts/portal/password_reset_confirm.html", context)


@portal_page("staff.mfa_reset")
@require_http_methods(["GET", "POST"])
def staff_mfa_view(request: PortalRequest) -> HttpResponse:
    """Owners: the staff's two-factor state, and resetting it for someone who lost their phone."""
    actor = membership_of(request)
    if request.method == "POST":
        member_id = request.POST.get("member", "")
        try:
            member = staff.staff_mfa_reset(actor=actor, membership_id=member_id, ip=client_ip(request))
        except ApplicationError as exc:
            return error_page(request, exc)
        messages.success(
            request,
            _("%(email)s sets up a new authenticator at their next sign-in; they are told by e-mail.")
            % {"email": member.user.email},
        )
        return redirect("portal-staff-mfa")
    members = [m for m in staff.staff_list(actor=actor) if m.accepted_at is not None]
    return render(request, "accounts/portal/staff_mfa.html", {"members": members, "me": actor.pk})


@portal_page(allow=frozenset({ENROLLING}))
def welcome_view(request: PortalRequest) -> HttpResponse:
    """A new shop's first-run steps: MFA, a storefront, products, a terminal."""
    steps = onboarding_steps(user=request.user)
    names = {
        "mfa": _("Set up two-factor sign-in"),
        "storefront": _("Add your first storefront"),
        "products": _("Add your first products"),
        "terminal": _("Pair your first terminal"),
    }
    links = {
        "mfa": "/portal/mfa/setup",
        "storefront": "/api/docs/",
        "products": "/portal/products",
        "terminal": "/api/docs/",
    }
    rows = [
        {"name": names.get(s["step"], s["step"]), "done": s["done"], "url": links.get(s["step"], s["path"])}
        for s in steps
    ]
    return render(
        request, "accounts/portal/welcome.html", {"steps": rows, "all_done": all(s["done"] for s in steps)}
    )


__all__ = [
    "error_page",
    "password_reset_confirm_view",
    "password_reset_request_view",
    "staff_mfa_view",
    "welcome_view",
]
