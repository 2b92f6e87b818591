"""Staff under /portal/staff: the team with pending invitations, inviting (email, role,
storefront, expiry), changing a member's role, scope and expiry, deactivating and reactivating,
a member's live API tokens with revoke, and the role table in plain words. The staff services
(``shared_apps.accounts.services.staff``) decide, with the same actions as the API (``staff.view``,
``staff.manage``, ``token.manage_others``).

An invitation code exists only as a digest: the inviter's session keeps it until it expires, so
that the member's page can show it (to read out or copy) while the e-mail is on its way."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pos_platform.kernel.errors import ApplicationError
from pos_platform.kernel.http import client_ip
from pos_platform.portal.forms import show_error
from pos_platform.portal.pages import (
    ACTION_WORDS,
    PortalRequest,
    allowed,
    membership_of,
    portal_page,
    refused,
)
from shared_apps.accounts.auditing import account_audit
from shared_apps.accounts.models import Membership
from shared_apps.accounts.permissions import MATRIX, ROLES_IN_ORDER, SCOPED
from shared_apps.accounts.portal.forms import ROLE_LABELS, StaffInviteForm, StaffScopeForm, TillPinForm
from shared_apps.accounts.portal.pins import error_text, staff_pin_context, staff_pin_reset
from shared_apps.accounts.services import staff
from shared_apps.accounts.sessions import session_handle, session_list_live, session_revoke
from shared_apps.accounts.tokens import token_list_live, token_revoke_all
from tenant_apps.inventory.portal.forms import storefront_choices
from tenant_apps.inventory.portal.views import visible_storefronts
from tenant_apps.shop.services import day_bounds


def role_table() -> list[dict[str, Any]]:
    """Each role and what it may do, in the words of the refusal pages."""
    return [
        {
            "role": ROLE_LABELS[role],
            "may": [
                {"words": ACTION_WORDS.get(action, action), "scoped": action in SCOPED}
                for action, roles in MATRIX.items()
                if role in roles
            ],
        }
        for role in ROLES_IN_ORDER
    ]


def _session_key(membership_id: uuid.UUID) -> str:
    return f"pos_invitation:{membership_id}"


def _remember(request: HttpRequest, invited: staff.StaffInvited) -> None:
    request.session[_session_key(invited.membership.pk)] = {
        "code": invited.invitation_code,
        "expires_at": invited.invitation_expires_at.isoformat(),
    }


def _remembered(request: HttpRequest, member: Membership) -> dict[str, Any] | None:
    stored = request.session.get(_session_key(member.pk))
    if not isinstance(stored, dict) or member.accepted_at is not None:
        return None
    expires_at = dt.datetime.fromisoformat(stored["expires_at"])
    if expires_at <= timezone.now():
        return None
    return {
        "code": stored["code"],
        "expires_at": expires_at,
        "url": f"/portal/invitation?code={stored['code']}",
    }


def _scope(data: dict[str, Any]) -> tuple[uuid.UUID | None, dt.datetime | None]:
    storefront = data.get("storefront")
    expires_on = data.get("expires_on")
    return (
        uuid.UUID(storefront) if storefront else None,
        day_bounds(expires_on)[1] if expires_on else None,
    )


def _storefronts(request: PortalRequest) -> list[tuple[str, str]]:
    return storefront_choices(visible_storefronts(request))


@portal_page("staff.view")
@require_GET
def staff_view(request: PortalRequest) -> HttpResponse:
    members = list(staff.staff_list(actor=membership_of(request)))
    names = dict(_storefronts(request))
    return render(
        request,
        "accounts/portal/staff.html",
        {
            "members": [m for m in members if m.accepted_at is not None],
            "pending": [m for m in members if m.accepted_at is None],
            "roles": ROLE_LABELS,
            "storefronts": names,
            "can_manage": allowed(request, "staff.manage"),
            "role_table": role_table(),
        },
    )


@portal_page("staff.manage")
@require_http_methods(["GET", "POST"])
def staff_invite_view(request: PortalRequest) -> HttpResponse:
    form = StaffInviteForm(
        request.POST or None, storefronts=_storefronts(request), initial={"role": "cashier"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        storefront_id, expires_at = _scope(data)
        try:
            invited = staff.staff_invite(
                actor=membership_of(request),
                email=data["email"],
                role=data["role"],
                storefront_id=storefront_id,
                expires_at=expires_at,
                full_name=data.get("full_name") or "",
                phone=data.get("phone") or "",
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            _remember(request, invited)
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": data["email"]})
            return redirect(f"/portal/staff/{invited.membership.pk}")
    return render(
        request, "accounts/portal/staff_invite.html", {"form": form}, status=400 if form.is_bound else 200
    )


def _member_context(
    request: PortalRequest,
    member: Membership,
    form: StaffScopeForm | None,
    pin_form: TillPinForm | None = None,
    pin_error: str = "",
) -> dict[str, Any]:
    may_tokens = allowed(request, "token.manage_others")
    return {
        "till_pin": staff_pin_context(request, member, pin_form, pin_error),
        "member": member,
        "role": ROLE_LABELS.get(member.role, member.role),
        "storefront": dict(_storefronts(request)).get(str(member.storefront_id), "")
        if member.storefront_id
        else "",
        "invitation": _remembered(request, member),
        "form": form,
        "can_manage": allowed(request, "staff.manage") and member.pk != membership_of(request).pk,
        "tokens": list(token_list_live(user_id=member.user_id, tenant_id=member.tenant_id))
        if may_tokens
        else None,
        "sessions": [
            {"handle": session_handle(s.session_key), "row": s}
            for s in session_list_live(user_id=member.user_id, tenant_id=member.tenant_id)
        ]
        if may_tokens
        else None,
    }


def _scope_form_for(request: PortalRequest, member: Membership) -> StaffScopeForm | None:
    """The unbound role form of the member's page, for those who may change staff."""
    if not allowed(request, "staff.manage"):
        return None
    return StaffScopeForm(storefronts=_storefronts(request), initial=_scope_initial(member))


def _scope_initial(member: Membership) -> dict[str, Any]:
    return {
        "role": member.role,
        "storefront": str(member.storefront_id or ""),
        "expires_on": timezone.localtime(member.expires_at).date() if member.expires_at else None,
    }


def _scope_form(request: PortalRequest, member: Membership) -> StaffScopeForm:
    return StaffScopeForm(
        request.POST if request.method == "POST" else None,
        storefronts=_storefronts(request),
        initial=_scope_initial(member),
    )


@portal_page("staff.view")
@require_http_methods(["GET", "POST"])
def staff_member_view(request: PortalRequest, membership_id: uuid.UUID) -> HttpResponse:
    """A member; its form changes the role, scope and expiry (``staff.manage``)."""
    member = staff.staff_get(actor=membership_of(request), membership_id=membership_id)
    form = _scope_form(request, member) if allowed(request, "staff.manage") else None
    if request.method == "POST":
        if form is None:
            return refused(request, "staff.manage")
        if form.is_valid():
            storefront_id, expires_at = _scope(form.cleaned_data)
            try:
                staff.staff_update(
                    actor=membership_of(request),
                    membership_id=member.pk,
                    role=form.cleaned_data["role"],
                    storefront_id=storefront_id,
                    expires_at=expires_at,
                    ip=client_ip(request),
                )
            except ApplicationError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(f"/portal/staff/{member.pk}")
    status = 400 if form is not None and form.is_bound else 200
    return render(
        request, "accounts/portal/staff_member.html", _member_context(request, member, form), status=status
    )


@portal_page("staff.manage")
@require_POST
def staff_pin_view(request: PortalRequest, membership_id: uuid.UUID) -> HttpResponse:
    """Give a member a new till PIN, typed twice, or clear theirs (``action=clear``), with the
    service and rule of ``POST /api/v1/sync/staff/{id}/pin``; a refusal is shown on the member's
    page and changes nothing."""
    member = staff.staff_get(actor=membership_of(request), membership_id=membership_id)
    clearing = request.POST.get("action") == "clear"
    form = None if clearing else TillPinForm(request.POST)

    def again(status: int, error: str = "") -> HttpResponse:
        context = _member_context(request, member, _scope_form_for(request, member), form, error)
        return render(request, "accounts/portal/staff_member.html", context, status=status)

    if form is not None and not form.is_valid():
        return again(400)
    refused = staff_pin_reset(request, member, None if form is None else form.cleaned_data["pin"])
    if refused is not None:
        if form is not None and refused.code == "pin_invalid":
            form.add_error("pin", error_text(refused))
            return again(refused.status)
        return again(refused.status, error_text(refused))
    messages.success(
        request,
        _("Their till PIN is cleared: the tills refuse them until they set a new one.")
        if clearing
        else _("Their new till PIN is saved. Each till learns it at its next sync."),
    )
    return redirect(f"/portal/staff/{member.pk}#till-pin")


def _member_action(action: str, done: Any) -> Any:
    @portal_page("token.manage_others" if action == "tokens" else "staff.manage")
    @require_POST
    def view(request: PortalRequest, membership_id: uuid.UUID) -> HttpResponse:
        actor = membership_of(request)
        member = staff.staff_get(actor=actor, membership_id=membership_id)
        if action == "deactivate":
            staff.staff_deactivate(actor=actor, membership_id=member.pk, ip=client_ip(request))
        elif action == "reactivate":
            staff.staff_reactivate(actor=actor, membership_id=member.pk, ip=client_ip(request))
        elif action == "invitation":
            _remember(
                request,
                staff.staff_invitation_renew(actor=actor, membership_id=member.pk, ip=client_ip(request)),
            )
        else:
            count = token_revoke_all(
                user_id=member.user_id,
                tenant_id=member.tenant_id,
                actor=request.user,
                ip=client_ip(request),
                reason="revoked_by_owner",
            )
            messages.success(request, _("%(n)s tokens revoked.") % {"n": count})
            return redirect(f"/portal/staff/{member.pk}")
        messages.success(request, str(done))
        return redirect(f"/portal/staff/{member.pk}")

    view.__name__ = f"staff_{action}_view"
    return view


staff_deactivate_view = _member_action(
    "deactivate", gettext_lazy("Deactivated: they can no longer sign in here.")
)
staff_reactivate_view = _member_action("reactivate", gettext_lazy("Reactivated."))
staff_invitation_view = _member_action(
    "invitation", gettext_lazy("A new invitation is on its way; earlier codes no longer work.")
)
staff_tokens_revoke_view = _member_action("tokens", "")


@portal_page("token.manage_others")
@require_POST
def staff_session_revoke_view(request: PortalRequest, membership_id: uuid.UUID, handle: str) -> HttpResponse:
    member = staff.staff_get(actor=membership_of(request), membership_id=membership_id)
    if session_revoke(user_id=member.user_id, tenant_id=member.tenant_id, handle=handle):
        account_audit(
            "auth.session_revoked",
            actor=request.user,
            ip=client_ip(request),
            object_type="user",
            object_id=member.user_id,
            details={"reason": "revoked_by_owner"},
        )
        messages.success(request, _("Session ended: that device is signed out."))
    else:
        messages.error(request, _("That session has already ended."))
    return redirect(f"/portal/staff/{member.pk}")
