"""The role x action matrix, table-driven through ``can()``, and the MFA gate of the hook."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from shared_apps.accounts.history import MemberState
from shared_apps.accounts.management.commands.permissions_doc import doc_path, doc_with_table
from shared_apps.accounts.models import Membership, User
from shared_apps.accounts.permissions import MATRIX, SCOPED, can, membership_for, storefront_scope
from shared_apps.tenants.models import Tenant

# An independent statement of the intended policy (not derived from MATRIX): O owner, A admin,
# M manager, C cashier; the last column says whether the action is per storefront.
EXPECTED = """
storefront.view      OAMC  scoped
storefront.manage    OA    -
settings.manage      OA    -
settings.timezone    O     -
catalog.view         OAMC  -
catalog.manage       OA    -
tax.manage           OA    -
stock.view           OAMC  scoped
stock.receive        OAM   scoped
stock.adjust         OAM   scoped
stock.count          OAM   scoped
stock.transfer       OAM   scoped
sale.create          OAMC  scoped
sale.view            OAMC  scoped
sale.void            OAM   scoped
sale.refund          OAM   scoped
shift.operate        OAMC  scoped
shift.view           OAM   scoped
shift.manage         OAM   scoped
report.view          OAM   scoped
report.export        OAM   scoped
staff.view           OAM   scoped
staff.manage         OA    scoped
token.manage_others  O     -
staff.mfa_reset      O     -
audit.view           OA    -
terminal.manage      OAM   scoped
conflict.view        OAM   scoped
conflict.resolve     OAM   scoped
billing.view         OA    -
"""
LETTER = {"owner": "O", "admin": "A", "manager": "M", "cashier": "C"}
ROLES = list(LETTER)


def _expected() -> dict[str, tuple[str, bool]]:
    table = {}
    for line in EXPECTED.strip().splitlines():
        action, roles, scoped = line.split()
        table[action] = (roles, scoped == "scoped")
    return table


TABLE = _expected()
CASES = [(role, action) for action in TABLE for role in ROLES]
HERE, ELSEWHERE = uuid.uuid4(), uuid.uuid4()


def member(role: str, **fields: object) -> Membership:
    # can() reads only the membership's own fields: unsaved rows keep the table fast.
    return Membership(role=role, **fields)


def test_the_matrix_has_exactly_the_expected_actions() -> None:
    assert set(MATRIX) == set(TABLE)
    assert {action for action, (_, scoped) in TABLE.items() if scoped} == SCOPED


@pytest.mark.parametrize(("role", "action"), CASES)
def test_role_by_action(role: str, action: str) -> None:
    letters, scoped = TABLE[action]
    allowed = LETTER[role] in letters
    now = timezone.now()

    # unlimited member
    assert can(member(role), action) is allowed
    assert can(member(role), action, storefront_id=HERE) is allowed
    # limited to one storefront: the same at its own storefront, nothing at another for a
    # per-storefront action
    limited = member(role, storefront_id=HERE)
    assert can(limited, action, storefront_id=HERE) is allowed
    assert can(limited, action, storefront_id=str(HERE)) is allowed
    assert can(limited, action, storefront_id=ELSEWHERE) is (allowed and not scoped)
    # a future expiry changes nothing; a past one, or an inactive membership, allows nothing
    assert can(member(role, expires_at=now + timedelta(hours=1)), action) is allowed
    assert can(member(role, expires_at=now - timedelta(seconds=1)), action) is False
    assert can(member(role, is_active=False), action) is False
    assert can(None, action) is False
    # a member's state at a past moment (offline operations) follows the same rule
    for scope, at in [(None, HERE), (HERE, HERE), (HERE, ELSEWHERE)]:
        state = MemberState(role=role, storefront_id=scope, expires_at=None, is_active=True)
        assert state.allows(action, at=now, storefront_id=at) is can(
            member(role, storefront_id=scope), action, storefront_id=at
        )
    assert (
        MemberState(role=role, storefront_id=None, expires_at=now, is_active=True).allows(
            action, at=now, storefront_id=None
        )
        is False
    )


def test_docs_table_is_generated_from_the_matrix() -> None:
    text = doc_path().read_text()

    assert doc_with_table(text) == text, "run `python manage.py permissions_doc --write`"


def test_membership_for_ignores_unusable_memberships(tenant_a: Tenant, make_member: object) -> None:
    active = make_member(tenant_a, "cashier")  # type: ignore[operator]
    expired = make_member(tenant_a, "cashier", expires_at=timezone.now() - timedelta(minutes=1))  # type: ignore[operator]
    inactive = make_member(tenant_a, "cashier", is_active=False)  # type: ignore[operator]
    User.objects.filter(pk=active.user.pk).update(is_active=False)
    active.user.refresh_from_db()

    for m in (active, expired, inactive):
        assert membership_for(user=m.user, tenant=tenant_a) is None


def test_storefront_scope(tenant_a: Tenant, make_member: object) -> None:
    scoped = make_member(tenant_a, "manager", storefront_id=HERE)  # type: ignore[operator]
    unscoped = make_member(tenant_a, "manager")  # type: ignore[operator]

    assert storefront_scope(scoped.membership) == HERE
    assert storefront_scope(unscoped.membership) is None


def test_platform_staff_flag_grants_nothing_inside_a_tenant(tenant_a: Tenant) -> None:
    from tests.accounts.conftest import bearer
    from tests.conftest import api_client, enroll_totp

    staff = User.objects.create_user(email="ops@platform.test", password=None, is_platform_staff=True)
    enroll_totp(staff)
    from shared_apps.accounts.tokens import token_issue

    token = token_issue(user=staff, tenant_id=tenant_a.pk).raw

    response = bearer(api_client("alpha"), token).get("/api/v1/storefronts")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_without_mfa_only_reach_enrollment(
    role: str, tenant_a: Tenant, make_member: object
) -> None:
    m = make_member(tenant_a, role)  # type: ignore[operator]
    TOTPDevice.objects.filter(user=m.user).delete()
    StaticDevice.objects.filter(user=m.user).delete()

    for path in ("/api/v1/storefronts", "/api/v1/staff", "/api/v1/audit/events", "/api/v1/auth/tokens"):
        response = m.client.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "mfa_enrollment_required", path
    assert m.client.get("/api/v1/auth/me").status_code == 200
    assert m.client.post("/api/v1/auth/mfa/totp", {}, format="json").status_code == 201
    assert m.client.post("/api/v1/auth/logout").status_code == 204


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_managers_and_cashiers_need_no_mfa(role: str, tenant_a: Tenant, make_member: object) -> None:
    m = make_member(tenant_a, role)  # type: ignore[operator]

    assert m.device is None
    assert m.client.get("/api/v1/storefronts").status_code == 200


def test_a_platform_staff_member_of_a_shop_must_have_mfa(tenant_a: Tenant, make_member: object) -> None:
    m = make_member(tenant_a, "cashier")  # type: ignore[operator]
    User.objects.filter(pk=m.user.pk).update(is_platform_staff=True)

    response = m.client.get("/api/v1/storefronts")

    assert response.status_code == 403
    assert response.json()["code"] == "mfa_enrollment_required"
