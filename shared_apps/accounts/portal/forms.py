from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pos_platform.portal.forms import PortalForm, choice_field


class LoginForm(PortalForm):
    email = forms.CharField(
        max_length=254, label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        max_length=4096,
        strip=False,
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(PortalForm):
    code = forms.CharField(
        max_length=40,
        label=_("Code"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off"}
        ),
    )


class OptionalCodeForm(PortalForm):
    code = forms.CharField(max_length=40, required=False, label=_("Current code"))


class InvitationForm(PortalForm):
    code = forms.CharField(max_length=200, label=_("Invitation code"))
    full_name = forms.CharField(max_length=200, required=False, label=_("Your name"))
    password = forms.CharField(
        max_length=4096,
        strip=False,
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class NewPasswordForm(PortalForm):
    """A new password, typed twice (a password change, a reset link)."""

    new_password = forms.CharField(
        max_length=4096,
        strip=False,
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_confirm = forms.CharField(
        max_length=4096,
        strip=False,
        label=_("New password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, confirm = data.get("new_password"), data.get("new_password_confirm")
        if new and confirm and new != confirm:
            self.add_error("new_password_confirm", _("The two new passwords are not the same."))
        return data


class PasswordChangeForm(NewPasswordForm):
    field_order = ["current_password", "new_password", "new_password_confirm"]

    current_password = forms.CharField(
        max_length=4096,
        strip=False,
        label=_("Current password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


ROLE_LABELS: dict[str, Any] = {
    "owner": _("Owner"),
    "admin": _("Admin"),
    "manager": _("Manager"),
    "cashier": _("Cashier"),
}


class StaffScopeForm(PortalForm):
    """Role, storefront scope and expiry: what an invitation offers and what a change sets."""

    role = forms.ChoiceField(label=_("Role"), choices=list(ROLE_LABELS.items()))
    storefront = forms.ChoiceField(
        required=False, label=_("Storefront"), help_text=_("Limit them to one storefront, or leave all.")
    )
    expires_on = forms.DateField(
        required=False,
        label=_("Access ends on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For seasonal help; blank for no end."),
    )

    def __init__(self, *args: Any, storefronts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "storefront").choices = [("", _("All storefronts")), *storefronts]


class StaffInviteForm(StaffScopeForm):
    email = forms.EmailField(max_length=254, label=_("Email"))
    full_name = forms.CharField(max_length=200, required=False, label=_("Name"))
    phone = forms.CharField(
        max_length=40, required=False, label=_("Phone"), help_text=_("Also send the invitation by SMS.")
    )
    field_order = ["email", "full_name", "phone", "role", "storefront", "expires_on"]


class LanguageForm(PortalForm):
    """The language of the back office and of the messages sent to the person."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class TillPinForm(PortalForm):
    """A till PIN typed twice. Whether it is a PIN (4 to 8 digits) is the PIN service's to say,
    for the API and these pages alike; the form only checks that both entries are the same."""

    pin = forms.CharField(
        max_length=64,
        strip=False,
        label=_("New PIN"),
        help_text=_("4 to 8 digits, to sign in at this shop's tills."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    pin_confirm = forms.CharField(
        max_length=64,
        strip=False,
        label=_("New PIN again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pin, confirm = data.get("pin"), data.get("pin_confirm")
        if pin and confirm and pin != confirm:
            self.add_error("pin_confirm", _("The two PINs are not the same."))
        return data
