"""Messages of staff management: an invitation arrives as a link (e-mail, and SMS when a phone
is given); an owner resets a staff member's MFA; platform staff reset an owner's from the CLI."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import tenant_context

from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.accounts.models import ApiToken, Membership
from shared_apps.accounts.services import membership_grant
from shared_apps.accounts.tokens import token_issue
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.messaging.models import Message
from shared_apps.messaging.services import messages_sweep
from shared_apps.tenants.models import Tenant
from tests.conftest import Member, api_client, enroll_totp
from tests.messaging.servers import AfricasTalkingServer, SmtpServer


def test_an_invitation_arrives_by_mail_and_sms_as_a_link_that_accepts_it(
    tenant_a: Tenant, make_member: Any, smtp: SmtpServer, at: AfricasTalkingServer
) -> None:
    owner = make_member(tenant_a, "owner")
    answer = owner.client.post(
        "/api/v1/staff",
        {"email": "Yaw@Example.com", "role": "cashier", "phone": "024 123 4567"},
        format="json",
    )
    assert answer.status_code == 201
    code = answer.json()["invitation_code"]
    messages_sweep()

    [mail] = smtp.to("yaw@example.com")
    assert mail.message["Subject"] == "You are invited to Alpha"
    link = re.search(r"http://alpha\.localhost/portal/invitation\?code=(\S+)", mail.text)
    assert link
    assert link.group(1) == code
    [sms] = at.accepted
    assert sms["to"] == "+233241234567"
    assert f"/portal/invitation?code={code}" in sms["message"]

    accepted = api_client("alpha").post(
        "/api/v1/auth/invitation/accept",
        {"code": link.group(1), "password": "yaw picks a good one 8"},
        format="json",
    )
    assert accepted.status_code == 200
    assert Membership.objects.get(user__email="yaw@example.com", tenant=tenant_a).is_active


def test_a_refused_invitation_sends_nothing(tenant_a: Tenant, make_member: Any) -> None:
    owner = make_member(tenant_a, "owner")
    bad_phone = owner.client.post(
        "/api/v1/staff", {"email": "kojo@example.com", "role": "cashier", "phone": "12"}, format="json"
    )
    assert (bad_phone.status_code, bad_phone.json()["code"]) == (400, "phone_invalid")
    above = make_member(tenant_a, "manager").client.post(
        "/api/v1/staff", {"email": "kojo@example.com", "role": "owner"}, format="json"
    )
    assert above.status_code == 403
    assert not Message.objects.filter(kind="invitation").exists()
    assert not Membership.objects.filter(user__email="kojo@example.com").exists()


def test_a_renewed_invitation_sends_the_new_code(
    tenant_a: Tenant, make_member: Any, smtp: SmtpServer
) -> None:
    owner = make_member(tenant_a, "owner")
    first = owner.client.post(
        "/api/v1/staff", {"email": "abena@example.com", "role": "cashier"}, format="json"
    )
    renewed = owner.client.post(f"/api/v1/staff/{first.json()['member']['id']}/invitation")
    messages_sweep()
    codes = [re.search(r"code=(\S+)", m.text).group(1) for m in smtp.to("abena@example.com")]  # type: ignore[union-attr]
    assert codes == [first.json()["invitation_code"], renewed.json()["invitation_code"]]


# ---- MFA reset by an owner ------------------------------------------------------------------


def devices(member: Member) -> tuple[int, int]:
    return (
        TOTPDevice.objects.filter(user=member.user).count(),
        StaticDevice.objects.filter(user=member.user).count(),
    )


def test_an_owner_resets_a_staff_members_mfa(tenant_a: Tenant, make_member: Any, smtp: SmtpServer) -> None:
    owner = make_member(tenant_a, "owner")
    admin = make_member(tenant_a, "admin")
    assert devices(admin) == (1, 1)

    answer = owner.client.post(f"/api/v1/staff/{admin.membership.pk}/mfa-reset")
    assert answer.status_code == 200
    assert answer.json()["mfa_enrolled"] is False
    assert devices(admin) == (0, 0)
    assert not ApiToken.objects.filter(user=admin.user, tenant=tenant_a, revoked_at__isnull=True).exists()
    # Signed in again, the admin is held at enrollment.
    fresh = api_client("alpha")
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=admin.user, tenant_id=tenant_a.pk).raw}")
    assert fresh.get("/api/v1/storefronts").json()["code"] == "mfa_enrollment_required"
    with tenant_context(tenant_a):
        event = AuditEvent.objects.get(action="mfa.reset")
    assert (event.actor_id, event.object_id, event.details["had_device"]) == (
        owner.user.pk,
        str(admin.membership.pk),
        True,
    )
    messages_sweep()
    [mail] = smtp.to(admin.user.email)
    assert mail.message["Subject"] == "Two-factor sign-in was reset at Alpha"


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_only_owners_reset_mfa(tenant_a: Tenant, make_member: Any, role: str) -> None:
    target = make_member(tenant_a, "admin")
    answer = make_member(tenant_a, role).client.post(f"/api/v1/staff/{target.membership.pk}/mfa-reset")
    assert answer.status_code == 403
    assert devices(target) == (1, 1)


def test_mfa_reset_of_oneself_or_of_someone_working_elsewhere_is_refused(
    tenant_a: Tenant, tenant_b: Tenant, make_member: Any
) -> None:
    owner = make_member(tenant_a, "owner")
    own = owner.client.post(f"/api/v1/staff/{owner.membership.pk}/mfa-reset")
    assert (own.status_code, own.json()["code"]) == (400, "mfa_reset_self")
    both = make_member(tenant_a, "admin")
    membership_grant(user=both.user, tenant_id=tenant_b.pk, role="owner")
    elsewhere = owner.client.post(f"/api/v1/staff/{both.membership.pk}/mfa-reset")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "mfa_reset_elsewhere")
    assert devices(owner) == (1, 1)
    assert devices(both) == (1, 1)
    # Another shop's member is not even found.
    other = make_member(tenant_b, "cashier")
    assert owner.client.post(f"/api/v1/staff/{other.membership.pk}/mfa-reset").status_code == 404
    assert not Message.objects.filter(kind="mfa_reset").exists()


# ---- MFA reset by platform staff ------------------------------------------------------------


def test_platform_staff_reset_an_owners_mfa_after_checking_identity(
    tenant_a: Tenant, tenant_b: Tenant, owner_a: Any, smtp: SmtpServer
) -> None:
    enroll_totp(owner_a)
    elsewhere = token_issue(user=owner_a, tenant_id=tenant_b.pk)
    membership_grant(user=owner_a, tenant_id=tenant_b.pk, role="cashier")
    out = io.StringIO()
    call_command(
        "tenant",
        "--actor",
        "cli:ops",
        "mfa-reset",
        "alpha",
        "--email",
        "Owner@Alpha.test",
        "--identity-check",
        "video call, ID card GHA-123 matched",
        stdout=out,
    )
    assert "Removed the authenticator of owner@alpha.test (owner of alpha)" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=owner_a).exists()
    assert ApiToken.objects.get(pk=elsewhere.token.pk).revoked_at is not None
    entry = PlatformAuditEntry.objects.get(action="tenant.mfa_reset", tenant_slug="alpha")
    assert entry.actor == "cli:ops"
    assert entry.details["identity_check"] == "video call, ID card GHA-123 matched"
    with tenant_context(tenant_a):
        assert AuditEvent.objects.get(action="mfa.reset").actor_label == "platform:cli:ops"
    messages_sweep()
    assert [m.message["Subject"] for m in smtp.to("owner@alpha.test")] == [
        "Two-factor sign-in was reset at Alpha"
    ]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["alpha", "--email", "owner@alpha.test", "--identity-check", "ok"], "identity_check_required"),
        (
            ["alpha", "--email", "nobody@alpha.test", "--identity-check", "passport checked"],
            "member_not_found",
        ),
        (["alpha", "--email", "owner@beta.test", "--identity-check", "passport checked"], "member_not_found"),
        (
            ["nosuch", "--email", "owner@alpha.test", "--identity-check", "passport checked"],
            "tenant_not_found",
        ),
    ],
)
def test_a_refused_platform_mfa_reset_changes_nothing(owner_a: Any, args: list[str], code: str) -> None:
    enroll_totp(owner_a)
    with pytest.raises(CommandError) as raised:
        call_command("tenant", "mfa-reset", *args, stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert f"[{code}]" in str(raised.value)
    assert TOTPDevice.objects.filter(user=owner_a).exists()
    assert not PlatformAuditEntry.objects.filter(action="tenant.mfa_reset").exists()
