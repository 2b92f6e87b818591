"""The staff API over HTTP: who may invite, change and deactivate whom; the last owner; scope;
invitations; tenant isolation. Every denial also checks that nothing changed."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.accounts.models import ApiToken, Invitation, Membership, User
from shared_apps.accounts.tokens import token_digest
from shared_apps.tenants.models import Tenant
from tenant_apps.storefronts.services import storefront_create
from tests.accounts.conftest import PASSWORD, login
from tests.conftest import api_client


def state(tenant: Tenant) -> dict[str, Any]:
    """Everything a staff write could touch."""
    with tenant_context(tenant):
        audit = AuditEvent.objects.count()
    return {
        "memberships": sorted(
            Membership.objects.filter(tenant=tenant).values_list(
                "id", "user_id", "role", "storefront_id", "expires_at", "is_active", "accepted_at"
            )
        ),
        "users": sorted(User.objects.values_list("email", "password", "full_name")),
        "invitations": sorted(Invitation.objects.values_list("id", "expires_at", "used_at")),
        "live_tokens": ApiToken.objects.filter(revoked_at__isnull=True).count(),
        "audit": audit,
    }


def denied(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code


@pytest.fixture
def storefronts(tenant_a: Tenant) -> tuple[Any, Any]:
    with tenant_context(tenant_a):
        return storefront_create(code="ACC", name="Accra"), storefront_create(code="KSI", name="Kumasi")


# who may grant which role: None means allowed
GRANTS = {
    "owner": {"owner": None, "admin": None, "manager": None, "cashier": None},
    "admin": {"owner": "role_above_own", "admin": None, "manager": None, "cashier": None},
    "manager": dict.fromkeys(("owner", "admin", "manager", "cashier"), "permission_denied"),
    "cashier": dict.fromkeys(("owner", "admin", "manager", "cashier"), "permission_denied"),
}


@pytest.mark.parametrize("actor_role", list(GRANTS))
@pytest.mark.parametrize("granted", ["owner", "admin", "manager", "cashier"])
def test_invite_by_role(actor_role: str, granted: str, tenant_a: Tenant, make_member: object) -> None:
    actor = make_member(tenant_a, actor_role)  # type: ignore[operator]
    before = state(tenant_a)

    response = actor.client.post("/api/v1/staff", {"email": "new@hire.test", "role": granted}, format="json")

    refusal = GRANTS[actor_role][granted]
    if refusal is None:
        assert response.status_code == 201, response.json()
        assert response.json()["member"]["role"] == granted
        assert response.json()["member"]["invitation_pending"] is True
        assert response.json()["invitation_code"]
        with tenant_context(tenant_a):
            event = AuditEvent.objects.get(action="staff.invited")
        assert (event.actor_id, event.object_id) == (actor.user.pk, response.json()["member"]["id"])
        assert event.details == {
            "email": "new@hire.test",
            "role": granted,
            "storefront_id": None,
            "expires_at": None,
            "is_active": False,
        }
    else:
        denied(response, 403, refusal)
        assert state(tenant_a) == before


def test_invitation_code_is_shown_once_stored_hashed_and_sets_a_password(
    tenant_a: Tenant, make_member: object
) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    invited = owner.client.post(
        "/api/v1/staff", {"email": "Ama@Hire.test", "role": "cashier", "full_name": "Ama"}, format="json"
    ).json()
    code = invited["invitation_code"]
    assert Invitation.objects.get().digest == token_digest(code)
    assert login(api_client("alpha"), "ama@hire.test", "").status_code == 400  # no password yet

    before = state(tenant_a)
    weak = api_client("alpha").post(
        "/api/v1/auth/invitation/accept", {"code": code, "password": "123"}, format="json"
    )
    denied(weak, 400, "password_invalid")
    assert state(tenant_a) == before
    assert not User.objects.get(email="ama@hire.test").has_usable_password()

    accepted = api_client("alpha").post(
        "/api/v1/auth/invitation/accept", {"code": code, "password": PASSWORD}, format="json"
    )
    again = api_client("alpha").post(
        "/api/v1/auth/invitation/accept", {"code": code, "password": PASSWORD + "!"}, format="json"
    )

    assert accepted.status_code == 200
    assert accepted.json() == {"email": "ama@hire.test"}
    denied(again, 400, "invitation_invalid")
    signed_in = login(api_client("alpha"), "ama@hire.test")
    assert signed_in.status_code == 200
    assert signed_in.json()["membership"]["role"] == "cashier"


def test_invitation_code_is_useless_at_another_tenant(
    tenant_a: Tenant, tenant_b: Tenant, make_member: object
) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    code = owner.client.post(
        "/api/v1/staff", {"email": "x@hire.test", "role": "cashier"}, format="json"
    ).json()["invitation_code"]

    response = api_client("beta").post(
        "/api/v1/auth/invitation/accept", {"code": code, "password": PASSWORD}, format="json"
    )

    denied(response, 400, "invitation_invalid")
    assert not User.objects.get(email="x@hire.test").has_usable_password()


def _comparable(member: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in member.items() if k not in {"id", "user_id", "email", "created_at"}}


def test_an_invitation_tells_the_shop_nothing_about_an_existing_account_and_waits_for_consent(
    tenant_a: Tenant, owner_b: User, make_member: object
) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    owner_b.set_password(PASSWORD)  # owner of beta, with a name and an authenticator
    owner_b.full_name = "Kofi of Beta"
    owner_b.save()

    existing = owner.client.post("/api/v1/staff", {"email": owner_b.email, "role": "manager"}, format="json")
    newcomer = owner.client.post(
        "/api/v1/staff", {"email": "new@hire.test", "role": "manager"}, format="json"
    )

    assert existing.status_code == newcomer.status_code == 201
    assert existing.json().keys() == newcomer.json().keys()
    assert existing.json()["invitation_code"]
    assert newcomer.json()["invitation_code"]
    assert _comparable(existing.json()["member"]) == _comparable(newcomer.json()["member"])
    assert _comparable(existing.json()["member"]) == {
        "full_name": "",
        "role": "manager",
        "storefront_id": None,
        "expires_at": None,
        "is_active": False,
        "usable": False,
        "mfa_enrolled": False,
        "invitation_pending": True,
    }
    listed = {m["email"]: m for m in owner.client.get("/api/v1/staff").json()}
    assert _comparable(listed[owner_b.email]) == _comparable(listed["new@hire.test"])

    # No access at alpha before accepting, even with the right password.
    denied(login(api_client("alpha"), owner_b.email), 401, "invalid_credentials")

    code = existing.json()["invitation_code"]
    wrong = api_client("alpha").post(
        "/api/v1/auth/invitation/accept", {"code": code, "password": "not-" + PASSWORD}, format="json"
    )
    denied(wrong, 401, "invalid_credentials")
    assert Membership.objects.get(user=owner_b, tenant=tenant_a).accepted_at is None

    accepted = api_client("alpha").post(
        "/api/v1/auth/invitation/accept", {"code": code, "password": PASSWORD}, format="json"
    )

    assert accepted.status_code == 200
    owner_b.refresh_from_db()
    assert owner_b.check_password(PASSWORD)  # their password, unchanged
    assert owner_b.full_name == "Kofi of Beta"
    membership = Membership.objects.get(user=owner_b, tenant=tenant_a)
    assert membership.is_active
    assert membership.accepted_at is not None
    assert login(api_client("alpha"), owner_b.email).json()["mfa_required"] is True
    member = next(m for m in owner.client.get("/api/v1/staff").json() if m["email"] == owner_b.email)
    assert (member["full_name"], member["mfa_enrolled"], member["invitation_pending"]) == (
        "Kofi of Beta",
        True,
        False,
    )
    with tenant_context(tenant_a):
        assert AuditEvent.objects.filter(
            action="staff.invitation_accepted", object_id=str(membership.pk)
        ).exists()


def test_a_pending_invitation_cannot_be_reactivated_and_withdrawing_it_kills_the_code(
    tenant_a: Tenant, make_member: object
) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    invited = owner.client.post(
        "/api/v1/staff", {"email": "x@hire.test", "role": "cashier"}, format="json"
    ).json()
    member_id = invited["member"]["id"]
    before = state(tenant_a)

    denied(owner.client.post(f"/api/v1/staff/{member_id}/reactivate"), 409, "invitation_pending")
    assert state(tenant_a) == before

    assert owner.client.post(f"/api/v1/staff/{member_id}/deactivate").status_code == 200
    late = api_client("alpha").post(
        "/api/v1/auth/invitation/accept",
        {"code": invited["invitation_code"], "password": PASSWORD},
        format="json",
    )

    denied(late, 400, "invitation_invalid")
    assert Membership.objects.get(pk=member_id).accepted_at is None
    assert not User.objects.get(email="x@hire.test").has_usable_password()

    renewed = owner.client.post(f"/api/v1/staff/{member_id}/invitation")
    assert renewed.status_code == 201
    accepted = api_client("alpha").post(
        "/api/v1/auth/invitation/accept",
        {"code": renewed.json()["invitation_code"], "password": PASSWORD},
        format="json",
    )
    assert accepted.status_code == 200
    assert Membership.objects.get(pk=member_id).is_active is True
    denied(owner.client.post(f"/api/v1/staff/{member_id}/invitation"), 409, "invitation_not_needed")


def test_inviting_a_member_twice_is_409(tenant_a: Tenant, make_member: object) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    owner.client.post("/api/v1/staff", {"email": "pending@hire.test", "role": "cashier"}, format="json")
    before = state(tenant_a)

    member = owner.client.post("/api/v1/staff", {"email": cashier.user.email, "role": "admin"}, format="json")
    invitee = owner.client.post(
        "/api/v1/staff", {"email": "Pending@Hire.test", "role": "manager"}, format="json"
    )

    denied(member, 409, "already_member")
    denied(invitee, 409, "already_member")
    assert state(tenant_a) == before


def test_bad_invitations_change_nothing(tenant_a: Tenant, make_member: object, storefronts: Any) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    accra, _ = storefronts
    before = state(tenant_a)
    cases = [
        ({"email": "not-an-email", "role": "cashier"}, 400, "invalid"),
        ({"email": "a@b.test", "role": "boss"}, 400, "invalid"),
        ({"email": "a@b.test", "role": "owner", "storefront_id": str(accra.pk)}, 400, "owner_scope_invalid"),
        (
            {
                "email": "a@b.test",
                "role": "owner",
                "expires_at": (timezone.now() + timedelta(days=1)).isoformat(),
            },
            400,
            "owner_scope_invalid",
        ),
        (
            {
                "email": "a@b.test",
                "role": "cashier",
                "storefront_id": str(uuid.uuid4()),
            },  # no such storefront
            400,
            "storefront_invalid",
        ),
        (
            {
                "email": "a@b.test",
                "role": "cashier",
                "expires_at": (timezone.now() - timedelta(days=1)).isoformat(),
            },
            400,
            "invalid",
        ),
    ]
    for body, status, code in cases:
        denied(owner.client.post("/api/v1/staff", body, format="json"), status, code)
    assert state(tenant_a) == before


def test_a_scoped_admin_manages_only_their_storefront(
    tenant_a: Tenant, make_member: object, storefronts: Any
) -> None:
    accra, kumasi = storefronts
    admin = make_member(tenant_a, "admin", storefront_id=accra.pk)  # type: ignore[operator]
    theirs = make_member(tenant_a, "cashier", storefront_id=accra.pk)  # type: ignore[operator]
    other = make_member(tenant_a, "cashier", storefront_id=kumasi.pk)  # type: ignore[operator]
    before = state(tenant_a)

    listed = {m["email"] for m in admin.client.get("/api/v1/staff").json()}
    denied(
        admin.client.post(
            "/api/v1/staff",
            {"email": "k@hire.test", "role": "cashier", "storefront_id": str(kumasi.pk)},
            format="json",
        ),
        403,
        "scope_outside_own",
    )
    denied(
        admin.client.post("/api/v1/staff", {"email": "k@hire.test", "role": "cashier"}, format="json"),
        403,
        "scope_outside_own",
    )
    denied(admin.client.post(f"/api/v1/staff/{other.membership.pk}/deactivate"), 404, "member_not_found")
    denied(
        admin.client.patch(
            f"/api/v1/staff/{theirs.membership.pk}", {"storefront_id": str(kumasi.pk)}, format="json"
        ),
        403,
        "scope_outside_own",
    )
    assert state(tenant_a) == before
    assert listed == {admin.user.email, theirs.user.email}

    ok = admin.client.post(
        "/api/v1/staff",
        {"email": "a@hire.test", "role": "cashier", "storefront_id": str(accra.pk)},
        format="json",
    )
    assert ok.status_code == 201
    assert ok.json()["member"]["storefront_id"] == str(accra.pk)


def test_role_changes_respect_the_ceiling(tenant_a: Tenant, make_member: object) -> None:
    admin = make_member(tenant_a, "admin")  # type: ignore[operator]
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    before = state(tenant_a)

    denied(
        admin.client.patch(f"/api/v1/staff/{owner.membership.pk}", {"role": "cashier"}, format="json"),
        403,
        "role_above_own",
    )
    denied(admin.client.post(f"/api/v1/staff/{owner.membership.pk}/deactivate"), 403, "role_above_own")
    denied(
        admin.client.patch(f"/api/v1/staff/{cashier.membership.pk}", {"role": "owner"}, format="json"),
        403,
        "role_above_own",
    )
    denied(admin.client.patch(f"/api/v1/staff/{cashier.membership.pk}", {}, format="json"), 400, "invalid")
    assert state(tenant_a) == before

    promoted = admin.client.patch(
        f"/api/v1/staff/{cashier.membership.pk}", {"role": "manager"}, format="json"
    )
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "manager"
    with tenant_context(tenant_a):
        event = AuditEvent.objects.get(action="staff.role_changed")
    assert event.details["before"]["role"] == "cashier"
    assert event.details["after"]["role"] == "manager"
    assert event.actor_id == admin.user.pk


def test_the_last_owner_can_never_be_demoted_or_deactivated(
    tenant_a: Tenant, owner_a: User, make_member: object
) -> None:
    Membership.objects.filter(user=owner_a, tenant=tenant_a).update(is_active=False)
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    before = state(tenant_a)

    denied(
        owner.client.patch(f"/api/v1/staff/{owner.membership.pk}", {"role": "admin"}, format="json"),
        409,
        "last_owner",
    )
    denied(owner.client.post(f"/api/v1/staff/{owner.membership.pk}/deactivate"), 409, "last_owner")
    assert state(tenant_a) == before

    # With a second active owner the first may step down.
    Membership.objects.filter(user=owner_a, tenant=tenant_a).update(is_active=True)
    stepped_down = owner.client.patch(
        f"/api/v1/staff/{owner.membership.pk}", {"role": "admin"}, format="json"
    )
    assert stepped_down.status_code == 200


def test_deactivation_revokes_tokens_and_reactivation_restores_access(
    tenant_a: Tenant, make_member: object
) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]

    off = owner.client.post(f"/api/v1/staff/{cashier.membership.pk}/deactivate")

    assert off.status_code == 200
    assert off.json()["is_active"] is False
    assert cashier.client.get("/api/v1/storefronts").status_code == 401
    assert not ApiToken.objects.filter(user=cashier.user, revoked_at__isnull=True).exists()

    on = owner.client.post(f"/api/v1/staff/{cashier.membership.pk}/reactivate")
    assert on.status_code == 200
    assert Membership.objects.get(pk=cashier.membership.pk).is_active is True
    with tenant_context(tenant_a):
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        staff_events = {
            e.action: (e.actor_id, e.object_id, e.details)
            for e in AuditEvent.objects.filter(action__in=["staff.deactivated", "staff.reactivated"])
        }
    assert "token.revoked" in actions
    email, member = cashier.user.email, str(cashier.membership.pk)
    assert staff_events == {
        "staff.deactivated": (
            owner.user.pk,
            member,
            {"email": email, "role": "cashier", "tokens_revoked": 1},
        ),
        "staff.reactivated": (owner.user.pk, member, {"email": email, "role": "cashier"}),
    }


def test_staff_list_and_detail_by_role(tenant_a: Tenant, make_member: object) -> None:
    manager = make_member(tenant_a, "manager")  # type: ignore[operator]
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]

    listing = manager.client.get("/api/v1/staff")
    detail = manager.client.get(f"/api/v1/staff/{cashier.membership.pk}")

    assert listing.status_code == 200
    assert {m["email"] for m in listing.json()} >= {
        manager.user.email,
        cashier.user.email,
        "owner@alpha.test",
    }
    owner_row = next(m for m in listing.json() if m["email"] == "owner@alpha.test")
    assert owner_row["mfa_enrolled"] is True
    assert owner_row["role"] == "owner"
    assert detail.json()["email"] == cashier.user.email
    before = state(tenant_a)
    denied(cashier.client.get("/api/v1/staff"), 403, "permission_denied")
    denied(
        manager.client.patch(f"/api/v1/staff/{cashier.membership.pk}", {"role": "manager"}, format="json"),
        403,
        "permission_denied",
    )
    assert state(tenant_a) == before


def test_staff_of_one_tenant_is_invisible_at_another(
    tenant_a: Tenant, tenant_b: Tenant, make_member: object
) -> None:
    owner_a = make_member(tenant_a, "owner")  # type: ignore[operator]
    owner_b = make_member(tenant_b, "owner")  # type: ignore[operator]
    cashier_a = make_member(tenant_a, "cashier")  # type: ignore[operator]
    before = state(tenant_a)

    denied(owner_b.client.get(f"/api/v1/staff/{cashier_a.membership.pk}"), 404, "member_not_found")
    denied(
        owner_b.client.post(f"/api/v1/staff/{cashier_a.membership.pk}/deactivate"), 404, "member_not_found"
    )
    denied(
        owner_b.client.patch(f"/api/v1/staff/{cashier_a.membership.pk}", {"role": "admin"}, format="json"),
        404,
        "member_not_found",
    )
    foreign = api_client("beta")
    foreign.credentials(HTTP_AUTHORIZATION=f"Bearer {owner_a.token}")
    denied(foreign.get("/api/v1/staff"), 401, "authentication_failed")
    assert all(m["email"] != cashier_a.user.email for m in owner_b.client.get("/api/v1/staff").json())
    assert state(tenant_a) == before


def test_invitation_renewal(tenant_a: Tenant, make_member: object) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    first = owner.client.post(
        "/api/v1/staff", {"email": "r@hire.test", "role": "cashier"}, format="json"
    ).json()
    member_id = first["member"]["id"]

    renewed = owner.client.post(f"/api/v1/staff/{member_id}/invitation")
    old = api_client("alpha").post(
        "/api/v1/auth/invitation/accept",
        {"code": first["invitation_code"], "password": PASSWORD},
        format="json",
    )

    assert renewed.status_code == 201
    assert renewed.json()["invitation_code"] != first["invitation_code"]
    denied(old, 400, "invitation_invalid")
    assert Membership.objects.get(pk=member_id).accepted_at is None
    assert not User.objects.get(email="r@hire.test").has_usable_password()
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    cashier.user.set_password(PASSWORD)
    cashier.user.save()
    before = state(tenant_a)
    denied(
        owner.client.post(f"/api/v1/staff/{cashier.membership.pk}/invitation"), 409, "invitation_not_needed"
    )
    assert state(tenant_a) == before


def test_owners_list_and_revoke_staff_tokens(tenant_a: Tenant, make_member: object) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    admin = make_member(tenant_a, "admin")  # type: ignore[operator]
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    cashier_token = ApiToken.objects.get(user=cashier.user)
    before = state(tenant_a)

    denied(admin.client.get(f"/api/v1/staff/{cashier.membership.pk}/tokens"), 403, "permission_denied")
    denied(
        admin.client.post(f"/api/v1/staff/{cashier.membership.pk}/tokens/revoke"), 403, "permission_denied"
    )
    denied(admin.client.post(f"/api/v1/auth/tokens/{cashier_token.pk}/revoke"), 404, "token_not_found")
    assert state(tenant_a) == before

    listed = owner.client.get(f"/api/v1/staff/{cashier.membership.pk}/tokens")
    assert [t["prefix"] for t in listed.json()] == [cashier_token.prefix]
    assert "digest" not in listed.json()[0]
    revoked = owner.client.post(f"/api/v1/staff/{cashier.membership.pk}/tokens/revoke")
    assert revoked.json() == {"revoked": 1}
    assert cashier.client.get("/api/v1/storefronts").status_code == 401


def test_own_tokens_are_listed_with_the_current_one_marked(tenant_a: Tenant, make_member: object) -> None:
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    cashier.user.set_password(PASSWORD)
    cashier.user.save()
    login(api_client("alpha"), cashier.user.email)

    tokens = cashier.client.get("/api/v1/auth/tokens").json()

    assert len(tokens) == 2
    assert [t["current"] for t in tokens].count(True) == 1
    assert all(t["idle_expires_at"] <= t["expires_at"] for t in tokens)
