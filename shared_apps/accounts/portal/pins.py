"""Till PINs in the back office: the "Till PIN" form of the account page, the "Reset till PIN" form
of a staff member's page, and the banner that asks a person who may sell, and has no PIN yet, to
set one.

The PIN services (who may set whose PIN, what a PIN is, the throttle, the audit) belong to the
terminals' app above this layer (``sync.pins``, also behind ``POST /api/v1/sync/pin`` and
``POST /api/v1/sync/staff/{id}/pin``); these pages reach them through
``settings.POS_PORTAL_TILL_PINS``, as the dashboard reaches its panels, and decide nothing
themselves."""

from __future__ import annotations

import uuid
from importlib import import_module
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.errors import ApplicationError
from pos_platform.kernel.http import client_ip
from pos_platform.portal.pages import PortalRequest
from shared_apps.accounts.models import Membership
from shared_apps.accounts.permissions import can, role_at_most
from shared_apps.accounts.portal.forms import TillPinForm

# A session that has seen the person's PIN set shows no banner again (a page costs no query);
# one whose person chose "Not now" neither, until they sign in again.
_KNOWN = "pos_till_pin_known"
LATER = "pos_till_pin_later"


def _services() -> Any:
    return import_module(settings.POS_PORTAL_TILL_PINS)


def pin_row(user_id: uuid.UUID) -> Any:
    """The person's PIN at this shop (``set_at``, ``set_by``), or None when none is set."""
    return _services().pin_of(user_id)


def may_have_pin(membership: Membership | None) -> bool:
    """A PIN is for those who may sell: the rule of ``POST /api/v1/sync/pin``."""
    return can(membership, "sale.create")


def error_text(exc: ApplicationError) -> str:
    """The PIN services' refusals, in the person's language (the services speak the API's English)."""
    details = exc.details if isinstance(exc.details, dict) else {}
    if exc.code == "pin_invalid":
        return _("A PIN is 4 to 8 digits.")
    if exc.code == "pin_throttled":
        return _("Too many PIN changes; try again in %(seconds)s seconds.") % {
            "seconds": details.get("retry_after", 60)
        }
    if exc.code == "role_above_own":
        return _("Their role is above yours: you cannot reset their PIN.")
    return exc.message


def show_pin_error(form: TillPinForm, exc: ApplicationError) -> None:
    form.add_error("pin" if exc.code == "pin_invalid" else None, error_text(exc))


def till_pin_context(request: PortalRequest, form: TillPinForm | None = None) -> dict[str, Any] | None:
    """The account page's "Till PIN" section, or None for a member who may not sell."""
    membership: Membership = request.membership
    if not may_have_pin(membership):
        return None
    row = pin_row(membership.user_id)
    return {
        "row": row,
        "by_other": row is not None and row.set_by not in (None, membership.user_id),
        "form": form or TillPinForm(),
    }


def own_pin_set(request: PortalRequest, form: TillPinForm) -> ApplicationError | None:
    """Set the signed-in person's PIN from a valid form; the refusal (put on the form), if any."""
    try:
        _services().cashier_pin_set(
            membership=request.membership,
            pin=form.cleaned_data["pin"],
            actor=Actor.of_user(request.user, ip=client_ip(request)),
        )
    except ApplicationError as exc:
        show_pin_error(form, exc)
        return exc
    request.session[_KNOWN] = True
    return None


def staff_pin_context(
    request: PortalRequest, member: Membership, form: TillPinForm | None = None, error: str = ""
) -> dict[str, Any]:
    """A staff member's till PIN: whether one is set, and the reset form for those who may reset
    it (``staff.manage``, a role at most their own; the service judges again on every reset)."""
    actor: Membership = request.membership
    may_manage = can(actor, "staff.manage") and member.pk != actor.pk
    return {
        "row": pin_row(member.user_id),
        "may_reset": may_manage and role_at_most(member.role, actor.role),
        "above_own": may_manage and not role_at_most(member.role, actor.role),
        "own": member.pk == actor.pk,
        "form": form or TillPinForm(),
        "error": error,
    }


def staff_pin_reset(request: PortalRequest, member: Membership, pin: str | None) -> ApplicationError | None:
    """Give ``member`` a new PIN (None: clear it); the refusal, if the service refused."""
    try:
        _services().cashier_pin_reset(
            actor_membership=request.membership,
            membership_id=member.pk,
            pin=pin,
            actor=Actor.of_user(request.user, ip=client_ip(request)),
        )
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        return exc
    return None


def pin_banner(request: PortalRequest) -> dict[str, Any] | None:
    """Above every page, for a person who may sell and has no PIN yet: a link to the form."""
    membership = getattr(request, "membership", None)
    if (
        membership is None
        or request.session.get(_KNOWN)
        or request.session.get(LATER)
        or request.path == "/portal/account"
        or not may_have_pin(membership)
    ):
        return None
    if pin_row(membership.user_id) is not None:
        request.session[_KNOWN] = True
        return None
    return {"template": "accounts/portal/_pin_banner.html", "next": request.get_full_path()}
