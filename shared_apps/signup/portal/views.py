"""Sign-up pages on the platform host: ``/portal/signup`` (the shop, the owner, the password),
then ``/portal/signup/<id>`` (the code). Same services as the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pos_platform.kernel.errors import ApplicationError
from pos_platform.kernel.http import client_ip
from pos_platform.portal.errors import error_text
from pos_platform.portal.forms import PortalForm
from shared_apps.signup import services

COUNTRIES = [
    ("GH", _("Ghana")),
    ("CI", _("Côte d'Ivoire")),
    ("SN", _("Senegal")),
    ("NG", _("Nigeria")),
    ("KE", _("Kenya")),
    ("UG", _("Uganda")),
    ("TZ", _("Tanzania")),
    ("RW", _("Rwanda")),
    ("CM", _("Cameroon")),
    ("BJ", _("Benin")),
    ("TG", _("Togo")),
    ("BF", _("Burkina Faso")),
    ("ML", _("Mali")),
]


class SignupForm(PortalForm):
    shop_name = forms.CharField(max_length=200, label=_("Shop name"))
    slug = forms.CharField(
        max_length=40,
        label=_("Address"),
        help_text=_("Your shop's address: letters, digits and hyphens, e.g. kofi-mart."),
        widget=forms.TextInput(attrs={"autocapitalize": "off", "spellcheck": "false"}),
    )
    country = forms.ChoiceField(
        choices=COUNTRIES, label=_("Country"), help_text=_("Sets the currency and time zone.")
    )
    email = forms.CharField(
        max_length=254, label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        max_length=40,
        label=_("Phone"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password = forms.CharField(
        max_length=4096,
        strip=False,
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    verify_by = forms.ChoiceField(
        choices=[("email", _("By email")), ("sms", _("By SMS"))],
        label=_("Send me the code"),
        widget=forms.RadioSelect,
        initial="email",
    )


class CodeForm(PortalForm):
    code = forms.CharField(
        max_length=12,
        label=_("Code"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


_FIELDS = {"slug", "email", "phone", "country", "password", "shop_name"}


def _field_of(exc: ApplicationError) -> str | None:
    return {
        "slug_invalid": "slug",
        "slug_reserved": "slug",
        "slug_taken": "slug",
        "email_invalid": "email",
        "phone_invalid": "phone",
        "country_invalid": "country",
        "password_invalid": "password",
        "name_invalid": "shop_name",
    }.get(exc.code)


@never_cache
@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "suggestions": []}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            started = services.signup_start(
                shop_name=data["shop_name"],
                slug=data["slug"],
                email=data["email"],
                phone=data["phone"],
                country=data["country"],
                password=data["password"],
                verify_by=data["verify_by"],
                language=getattr(request, "LANGUAGE_CODE", None),
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            field = _field_of(exc)
            if exc.code == "password_invalid" and isinstance(exc.details, dict):
                for problem in exc.details.get("password", []):
                    form.add_error("password", problem)
            elif field in _FIELDS:
                form.add_error(field, error_text(exc))
            else:
                context["error"] = error_text(exc)
            if isinstance(exc.details, dict):
                context["suggestions"] = exc.details.get("suggestions") or []
            return render(request, "signup/portal/signup.html", context, status=exc.status)
        return redirect("portal-signup-verify", signup_id=started.signup.pk)
    return render(request, "signup/portal/signup.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def signup_verify_view(request: HttpRequest, signup_id: str) -> HttpResponse:
    form = CodeForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "signup_id": signup_id}
    if request.method == "POST" and form.is_valid():
        try:
            done = services.signup_verify(signup_id=signup_id, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            if exc.code == "signup_code_invalid":
                form.add_error("code", error_text(exc))
            else:
                context["error"] = error_text(exc)
            return render(request, "signup/portal/verify.html", context, status=exc.status)
        return render(
            request, "signup/portal/done.html", {"login_url": done.login_url, "tenant": done.created.tenant}
        )
    return render(request, "signup/portal/verify.html", context)
