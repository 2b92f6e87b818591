"""Sign in, the OTP step, authenticator set-up, backup codes, password change, sign out, and the
person's account page, in the back office's frame (``pos_platform.portal``).

Every page runs on the same services as the API. A session signed in with the password only is
not verified (django-otp); such a session reaches only the OTP step (a user with a device) or the
set-up page (an owner or admin without one), never the rest of the portal.
"""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth import login as session_login
from django.contrib.auth import logout as session_logout
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from pos_platform.kernel.errors import ApplicationError, Throttled
from pos_platform.kernel.http import client_ip
from pos_platform.portal.errors import error_text
from pos_platform.portal.language import request_preference
from pos_platform.portal.pages import ENROLLING, OTP_STEP, PortalRequest, ShopRequest, portal_page
from shared_apps.accounts import mfa
from shared_apps.accounts.auditing import account_audit
from shared_apps.accounts.models import Membership, User
from shared_apps.accounts.permissions import mfa_enrollment_due, mfa_required_for
from shared_apps.accounts.portal.forms import (
    CodeForm,
    InvitationForm,
    LanguageForm,
    LoginForm,
    OptionalCodeForm,
    PasswordChangeForm,
    TillPinForm,
)
from shared_apps.accounts.portal.pins import LATER, own_pin_set, till_pin_context
from shared_apps.accounts.services import auth, password
from shared_apps.messaging.models import Preference
from shared_apps.messaging.rendering import language_of
from shared_apps.messaging.services import preference_update
from tenant_apps.storefronts.models import Storefront


def _error_response(
    request: HttpRequest, template: str, context: dict[str, Any], exc: ApplicationError
) -> HttpResponse:
    retry = (
        exc.details.get("retry_after")
        if isinstance(exc, Throttled) and isinstance(exc.details, dict)
        else None
    )
    context["error"] = (
        _("%(message)s Try again in %(seconds)s seconds.") % {"message": error_text(exc), "seconds": retry}
        if retry
        else error_text(exc)
    )
    response = render(request, template, context, status=exc.status)
    if retry:
        response["Retry-After"] = str(retry)
    return response


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/portal/"


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: ShopRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "next": _safe_next(request)}
    if request.method == "POST" and form.is_valid():
        try:
            user, membership = auth.credentials_check(
                tenant=request.tenant,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            return _error_response(request, "accounts/portal/login.html", context, exc)
        session_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if mfa.user_has_otp_device(user):
            return redirect(f"/portal/otp?next={context['next']}")
        account_audit(
            "auth.login_succeeded",
            actor=user,
            ip=client_ip(request),
            details={"method": "password", "channel": "portal"},
        )
        if mfa_enrollment_due(membership):
            return redirect("portal-mfa-setup")
        return redirect(context["next"])
    return render(request, "accounts/portal/login.html", context)


@portal_page(allow=frozenset({OTP_STEP}))
@require_http_methods(["GET", "POST"])
def otp_view(request: PortalRequest) -> HttpResponse:
    user: User = request.user
    if user.is_verified() or not mfa.user_has_otp_device(user):
        return redirect("portal-home")
    form = CodeForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "next": _safe_next(request)}
    if request.method == "POST" and form.is_valid():
        try:
            verified = mfa.mfa_code_verify(user=user, code=form.cleaned_data["code"], ip=client_ip(request))
        except ApplicationError as exc:
            return _error_response(request, "accounts/portal/otp.html", context, exc)
        request.session.cycle_key()
        django_otp.login(request, verified.device)
        account_audit(
            "auth.login_succeeded",
            actor=user,
            ip=client_ip(request),
            details={"method": verified.kind, "channel": "portal"},
        )
        if verified.kind == "backup":
            messages.warning(
                request,
                _("You used a backup code; %(n)s remain. Make new ones if few are left.")
                % {"n": mfa.backup_codes_remaining(user)},
            )
        return redirect(context["next"])
    return render(request, "accounts/portal/otp.html", context)


@portal_page(allow=frozenset({ENROLLING}))
@require_http_methods(["GET", "POST"])
def mfa_setup_view(request: PortalRequest) -> HttpResponse:
    user: User = request.user
    enrolled = mfa.mfa_enrolled(user)
    pending = mfa.mfa_totp_pending(user)
    context: dict[str, Any] = {
        "enrolled": enrolled,
        "required": mfa_required_for(request.membership),
        "start_form": OptionalCodeForm(),
        "confirm_form": CodeForm(),
        "setup": mfa.totp_setup_of(pending) if pending is not None else None,
    }
    if request.method == "POST":
        try:
            if request.POST.get("action") == "confirm":
                form = CodeForm(request.POST)
                context["confirm_form"] = form
                if form.is_valid():
                    done = mfa.mfa_totp_confirm(
                        user=user, code=form.cleaned_data["code"], ip=client_ip(request)
                    )
                    request.session.cycle_key()
                    django_otp.login(request, done.device)
                    messages.success(request, _("Your authenticator app is set up."))
                    if done.backup_codes:
                        return render(
                            request, "accounts/portal/backup_codes_new.html", {"codes": done.backup_codes}
                        )
                    return redirect("portal-home")
            else:
                start = OptionalCodeForm(request.POST)
                if start.is_valid():
                    setup = mfa.mfa_totp_begin(
                        user=user, code=start.cleaned_data.get("code") or None, ip=client_ip(request)
                    )
                    context["setup"] = setup
        except ApplicationError as exc:
            return _error_response(request, "accounts/portal/mfa_setup.html", context, exc)
    return render(request, "accounts/portal/mfa_setup.html", context)


@portal_page()
@require_http_methods(["GET", "POST"])
def backup_codes_view(request: PortalRequest) -> HttpResponse:
    user: User = request.user
    form = CodeForm(request.POST or None)
    context: dict[str, Any] = {
        "form": form,
        "remaining": mfa.backup_codes_remaining(user),
        "enrolled": mfa.mfa_enrolled(user),
    }
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.mfa_backup_codes_regenerate(
                user=user, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except ApplicationError as exc:
            return _error_response(request, "accounts/portal/backup_codes.html", context, exc)
        return render(request, "accounts/portal/backup_codes_new.html", {"codes": codes})
    return render(request, "accounts/portal/backup_codes.html", context)


@portal_page()
@require_http_methods(["GET", "POST"])
def password_view(request: PortalRequest) -> HttpResponse:
    user: User = request.user
    form = PasswordChangeForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/portal/password.html", context, status=400)
        try:
            changed = password.password_change(
                user=user,
                tenant=request.tenant,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
                ip=client_ip(request),
                channel="portal",
            )
        except ApplicationError as exc:
            if isinstance(exc.details, dict) and "password" in exc.details:
                context["password_errors"] = exc.details["password"]
            return _error_response(request, "accounts/portal/password.html", context, exc)
        # This session stays signed in (with a new key); every other one is signed out.
        update_session_auth_hash(request, changed.user)
        messages.success(
            request,
            ngettext(
                "Your password is changed. Your other sessions and API tokens are signed out (%(n)s token).",
                "Your password is changed. Your other sessions and API tokens are signed out (%(n)s tokens).",
                changed.revoked_tokens,
            )
            % {"n": changed.revoked_tokens},
        )
        return redirect("portal-home")
    return render(request, "accounts/portal/password.html", context)


def account_context(request: PortalRequest) -> dict[str, Any]:
    """What the account card shows (the account page, and the start page of members without a
    dashboard)."""
    user: User = request.user
    membership: Membership = request.membership
    storefront = (
        Storefront.objects.filter(pk=membership.storefront_id).first() if membership.storefront_id else None
    )
    # The membership's lookup carries it (permissions.mfa_enrolled_flag).
    enrolled = getattr(membership, "mfa_enrolled", None)
    return {
        "membership": membership,
        "membership_storefront": storefront,
        "mfa_enrolled": enrolled if enrolled is not None else mfa.mfa_enrolled(user),
        "backup_codes_remaining": mfa.backup_codes_remaining(user),
    }


def _language_form(request: HttpRequest, data: Any = None) -> LanguageForm:
    current = request_preference(request).language
    return LanguageForm(data, initial={"language": language_of(current or None)})


def _account_page(
    request: PortalRequest,
    *,
    language_form: LanguageForm | None = None,
    pin_form: TillPinForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        **account_context(request),
        "language_form": language_form or _language_form(request),
        "till_pin": till_pin_context(request, pin_form),
    }
    return render(request, "accounts/portal/account.html", context, status=status)


@portal_page()
@require_http_methods(["GET", "POST"])
def account_view(request: PortalRequest) -> HttpResponse:
    """The account card, the choice of language (the back office's and the messages'), and the
    till PIN of a person who may sell (its form posts to :func:`account_pin_view`)."""
    user: User = request.user
    tenant_id = request.tenant.pk
    form = _language_form(request, request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _account_page(request, language_form=form, status=400)
        language = form.cleaned_data["language"]
        # The person's language at every shop; a shop's own row, when there is one, follows.
        preference_update(user_id=user.pk, tenant_id=None, language=language)
        if Preference.objects.filter(user_id=user.pk, tenant_id=tenant_id).exists():
            preference_update(user_id=user.pk, tenant_id=tenant_id, language=language)
        with translation.override(language):
            messages.success(request, _("Your language is saved."))
        return redirect("portal-account")
    return _account_page(request, language_form=form)


@portal_page("sale.create")
@require_POST
def account_pin_view(request: PortalRequest) -> HttpResponse:
    """Set one's own till PIN (the service of ``POST /api/v1/sync/pin``); errors beside the fields."""
    form = TillPinForm(request.POST)
    if not form.is_valid():
        return _account_page(request, pin_form=form, status=400)
    refused = own_pin_set(request, form)
    if refused is not None:
        return _account_page(request, pin_form=form, status=refused.status)
    messages.success(request, _("Your till PIN is saved. Each till learns it at its next sync."))
    return redirect("/portal/account#till-pin")


@portal_page()
@require_POST
def account_pin_later_view(request: PortalRequest) -> HttpResponse:
    """The till PIN banner's "Not now": no banner for the rest of this session."""
    request.session[LATER] = True
    return redirect(_safe_next(request))


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.user.is_authenticated:
            account_audit("auth.logout", actor=request.user, ip=client_ip(request))
        session_logout(request)
        messages.info(request, _("You are signed out."))
        return redirect("portal-login")
    return render(request, "accounts/portal/logout.html")


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_view(request: ShopRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            auth.invitation_accept(
                tenant=request.tenant,
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data.get("full_name"),
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            if isinstance(exc.details, dict) and "password" in exc.details:
                context["password_errors"] = exc.details["password"]
            return _error_response(request, "accounts/portal/invitation.html", context, exc)
        messages.success(request, _("Invitation accepted. Sign in with your password."))
        return redirect("portal-login")
    return render(request, "accounts/portal/invitation.html", context)


__all__ = [
    "account_context",
    "account_pin_later_view",
    "account_pin_view",
    "account_view",
    "backup_codes_view",
    "invitation_view",
    "login_view",
    "logout_view",
    "mfa_setup_view",
    "otp_view",
    "password_view",
]
