"""The staff pages: invite (email, role, storefront, expiry) with the pending invitations, the
person accepting, changing role and scope, deactivating and reactivating, a member's tokens
with revoke, the role table; the API's staff actions decide who may."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from shared_apps.accounts.models import ApiToken, Membership
from tests.conftest import Shop, host_of
from tests.portal.conftest import html, portal_client

EMAIL = "ama.mensah@example.com"


def invite(client: Client, shop: Shop, **extra: str) -> Any:
    data = {
        "email": EMAIL,
        "role": "cashier",
        "storefront": str(shop.storefront.pk),
        "expires_on": "",
    } | extra
    return client.post("/portal/staff/invite", data)


def invited(shop: Shop) -> Membership | None:
    return Membership.objects.filter(tenant=shop.tenant, user__email=EMAIL).first()


def test_an_owner_invites_a_cashier_who_accepts(shop: Shop, owner_portal: Client) -> None:
    sent = invite(owner_portal, shop)
    member = invited(shop)
    assert member is not None
    page = html(owner_portal.get(sent["Location"]))
    listing = html(owner_portal.get("/portal/staff"))
    code = re.search(r"data-invitation-code>([^<]+)<", page)
    assert code is not None

    accepted = Client(HTTP_HOST=host_of(shop.tenant.slug)).post(
        "/portal/invitation",
        {"code": code.group(1), "full_name": "Ama Mensah", "password": "kente cloth market 42"},
    )

    assert sent["Location"] == f"/portal/staff/{member.pk}"
    assert "Pending invitations" in listing
    assert EMAIL in listing
    assert accepted.status_code == 302
    member.refresh_from_db()
    assert (member.role, member.storefront_id, member.is_active) == ("cashier", shop.storefront.pk, True)
    assert member.accepted_at is not None


def test_changing_role_and_deactivating_go_through_the_services(shop: Shop, owner_portal: Client) -> None:
    url = invite(owner_portal, shop)["Location"]

    changed = owner_portal.post(url, {"role": "manager", "storefront": "", "expires_on": "2030-01-31"})
    member = invited(shop)
    assert member is not None
    after_change = (member.role, member.storefront_id, member.expires_at is not None)
    owner_portal.post(url + "/deactivate")
    member.refresh_from_db()
    withdrawn = member.is_active

    assert changed.status_code == 302
    assert after_change == ("manager", None, True)
    assert withdrawn is False


def test_a_member_is_deactivated_and_reactivated(shop: Shop, owner_portal: Client) -> None:
    url = f"/portal/staff/{shop.cashier.membership.pk}"

    owner_portal.post(url + "/deactivate")
    shop.cashier.membership.refresh_from_db()
    off = shop.cashier.membership.is_active
    cashier = portal_client(shop.cashier, shop.tenant)
    locked_out = cashier.get("/portal/sales/new")
    owner_portal.post(url + "/reactivate")
    shop.cashier.membership.refresh_from_db()

    assert off is False
    assert locked_out.status_code == 302  # to the sign-in page
    assert shop.cashier.membership.is_active is True


def test_an_owner_sees_and_revokes_a_members_tokens(shop: Shop, owner_portal: Client) -> None:
    url = f"/portal/staff/{shop.cashier.membership.pk}"
    prefix = ApiToken.objects.filter(user=shop.cashier.user).values_list("prefix", flat=True).first()

    page = html(owner_portal.get(url))
    owner_portal.post(url + "/tokens/revoke")

    assert prefix
    assert prefix in page
    assert not ApiToken.objects.filter(user=shop.cashier.user, revoked_at__isnull=True).exists()
    assert shop.cashier.client.get("/api/v1/auth/me").status_code == 401


def test_the_role_table_is_in_plain_words(shop: Shop, owner_portal: Client) -> None:
    page = html(owner_portal.get("/portal/staff"))

    assert "What each role may do" in page
    assert "Invite and change staff" in page
    assert "Record sales" in page


def test_a_cashier_cannot_open_the_staff_page(shop: Shop) -> None:
    cashier = portal_client(shop.cashier, shop.tenant)

    assert cashier.get("/portal/staff").status_code == 403
    assert cashier.post("/portal/staff/invite", {"email": EMAIL, "role": "owner"}).status_code == 403
    assert invited(shop) is None


def test_a_manager_sees_staff_but_cannot_invite_or_change(shop: Shop, make_member: Any) -> None:
    manager = portal_client(
        make_member(shop.tenant, "manager", storefront_id=shop.storefront.pk), shop.tenant
    )
    url = f"/portal/staff/{shop.cashier.membership.pk}"

    listing = manager.get("/portal/staff")
    posted = invite(manager, shop)
    changed = manager.post(url, {"role": "manager", "storefront": str(shop.storefront.pk)})
    off = manager.post(url + "/deactivate")

    assert listing.status_code == 200
    assert posted.status_code == changed.status_code == off.status_code == 403
    assert invited(shop) is None
    shop.cashier.membership.refresh_from_db()
    assert (shop.cashier.membership.role, shop.cashier.membership.is_active) == ("cashier", True)


def test_an_admin_cannot_make_an_owner_and_nothing_changes(shop: Shop, make_member: Any) -> None:
    admin = portal_client(make_member(shop.tenant, "admin"), shop.tenant)

    response = admin.post(f"/portal/staff/{shop.cashier.membership.pk}", {"role": "owner", "storefront": ""})

    assert response.status_code == 400
    shop.cashier.membership.refresh_from_db()
    assert shop.cashier.membership.role == "cashier"


def test_another_shops_member_is_not_found(
    shop: Shop, owner_portal: Client, tenant_b: Any, make_member: Any
) -> None:
    other = make_member(tenant_b, "cashier")

    response = owner_portal.post(f"/portal/staff/{other.membership.pk}/deactivate")

    other.membership.refresh_from_db()
    assert response.status_code == 404
    assert other.membership.is_active is True


def test_an_owner_ends_a_members_back_office_session(shop: Shop, owner_portal: Client) -> None:
    from pos_platform.kernel.audit.models import AuditEvent
    from shared_apps.accounts.models import PortalSession
    from tests.accounts.conftest import PASSWORD, with_password

    with_password(shop.cashier.user)
    laptop = Client(HTTP_HOST=host_of(shop.tenant.slug))
    signed_in = laptop.post(
        "/portal/login", {"email": shop.cashier.user.email, "password": PASSWORD, "next": "/portal/"}
    )
    phone = portal_client(shop.cashier, shop.tenant)
    phone.get("/portal/")
    url = f"/portal/staff/{shop.cashier.membership.pk}"
    rows = PortalSession.objects.filter(user_id=shop.cashier.user.pk, tenant_id=shop.tenant.pk)
    laptop_key = laptop.session.session_key
    page = html(owner_portal.get(url))
    handles = re.findall(rf"{url}/sessions/(\w+)/revoke", page)

    assert signed_in.status_code == 302
    assert rows.count() == 2
    assert len(handles) == 2
    assert laptop_key not in page  # the page names sessions by a digest, never their key
    from shared_apps.accounts.sessions import session_handle

    ended = owner_portal.post(f"{url}/sessions/{session_handle(laptop_key)}/revoke")

    assert ended.status_code == 302
    assert laptop.get("/portal/")["Location"].startswith("/portal/login")
    assert phone.get("/portal/").status_code == 200  # the other session goes on
    assert list(rows.values_list("session_key", flat=True)) == [phone.session.session_key]
    assert (
        AuditEvent.objects.filter(action="auth.session_revoked", object_id=str(shop.cashier.user.pk)).count()
        == 1
    )
    laptop.post("/portal/logout")
    phone.post("/portal/logout")
    assert not rows.exists()  # signing out removes the row


def test_only_the_owner_ends_sessions_and_a_wrong_handle_ends_nothing(
    shop: Shop, owner_portal: Client, make_member: Any
) -> None:
    from pos_platform.kernel.audit.models import AuditEvent
    from shared_apps.accounts.models import PortalSession
    from shared_apps.accounts.sessions import session_handle

    phone = portal_client(shop.cashier, shop.tenant)
    key = phone.session.session_key
    admin = portal_client(make_member(shop.tenant, "admin"), shop.tenant)
    url = f"/portal/staff/{shop.cashier.membership.pk}"

    denied = admin.post(f"{url}/sessions/{session_handle(key)}/revoke")
    wrong = owner_portal.post(f"{url}/sessions/{'0' * 24}/revoke")
    other_member = owner_portal.post(
        f"/portal/staff/{shop.owner.membership.pk}/sessions/{session_handle(key)}/revoke"
    )

    assert denied.status_code == 403
    assert "sessions-title" not in html(admin.get(url))
    assert (wrong.status_code, other_member.status_code) == (302, 302)
    assert PortalSession.objects.filter(session_key=key).exists()
    assert phone.get("/portal/").status_code == 200
    assert not AuditEvent.objects.filter(action="auth.session_revoked").exists()
