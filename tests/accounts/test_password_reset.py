"""Recovering a forgotten password alone: a link by e-mail (through the real SMTP server), used
once, at the shop it was asked at, before it expires; the same answer for every e-mail; every
other credential ends; every refusal changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.accounts.models import ApiToken, PasswordReset, User
from shared_apps.accounts.services import membership_grant
from shared_apps.accounts.tokens import token_issue
from shared_apps.messaging.models import Message
from shared_apps.messaging.services import messages_sweep
from shared_apps.tenants.models import Tenant
from tests.accounts.conftest import PASSWORD, with_password
from tests.conftest import Member, api_client, session_login
from tests.messaging.servers import SmtpServer

NEW = "violet harbour sings 77"
REQUEST, CONFIRM = "/api/v1/auth/password-reset", "/api/v1/auth/password-reset/confirm"


def ask(client: APIClient, email: str) -> Any:
    return client.post(REQUEST, {"email": email}, format="json")


def confirm(client: APIClient, token: str, password: str = NEW) -> Any:
    return client.post(CONFIRM, {"token": token, "new_password": password}, format="json")


def token_from_mail(smtp: SmtpServer, email: str) -> str:
    messages_sweep()
    [mail] = smtp.to(email)
    match = re.search(r"/portal/password-reset/confirm\?token=([\w-]+)", mail.text)
    assert match, mail.text
    return match.group(1)


def account(user: User) -> tuple[str, list[Any], int]:
    return (
        User.objects.get(pk=user.pk).password,
        sorted(
            ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).values_list("pk", flat=True)
        ),
        PasswordReset.objects.filter(user_id=user.pk, used_at__isnull=True).count(),
    )


@pytest.fixture
def staff(make_member: Any, tenant_a: Tenant) -> Member:
    member = make_member(tenant_a, "manager", email="esi@alpha.test")
    with_password(member.user)
    return member


def test_a_forgotten_password_is_recovered_by_the_link_in_the_mail(
    staff: Member, tenant_a: Tenant, tenant_b: Tenant, client_a: APIClient, smtp: SmtpServer
) -> None:
    membership_grant(user=staff.user, tenant_id=tenant_b.pk, role="cashier")
    at_beta = token_issue(user=staff.user, tenant_id=tenant_b.pk)
    portal = session_login(api_client("alpha"), staff.user, tenant_a)

    answer = ask(client_a, "  ESI@alpha.test ")
    assert answer.status_code == 202
    token = token_from_mail(smtp, "esi@alpha.test")
    [mail] = smtp.received
    assert mail.message["Subject"] == "Reset your password at Alpha"
    assert "http://alpha.localhost/portal/password-reset/confirm?token=" in mail.text

    done = confirm(client_a, token)
    assert (done.status_code, done.json()) == (200, {"revoked_tokens": 2})

    user = User.objects.get(pk=staff.user.pk)
    assert user.check_password(NEW)
    assert not user.check_password(PASSWORD)
    # Every other credential ended: tokens here and at the other shop, the portal session.
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert ApiToken.objects.get(pk=at_beta.token.pk).revoked_at is not None
    assert portal.get("/api/v1/auth/me").status_code in (401, 403)
    # Signs in with the new password.
    signed_in = client_a.post(
        "/api/v1/auth/login", {"email": "esi@alpha.test", "password": NEW}, format="json"
    )
    assert signed_in.status_code == 200
    with tenant_context(tenant_a):
        actions = list(AuditEvent.objects.filter(actor_id=user.pk).values_list("action", flat=True))
    assert {"auth.password_reset_requested", "auth.password_reset"} <= set(actions)
    with tenant_context(tenant_b):
        assert (
            AuditEvent.objects.filter(action="token.revoked", details__reason="password_reset").count() == 1
        )
    # And is told, by e-mail.
    messages_sweep()
    assert [m.message["Subject"] for m in smtp.to("esi@alpha.test")] == [
        "Reset your password at Alpha",
        "Your password at Alpha was changed",
    ]


def test_a_link_works_once(staff: Member, client_a: APIClient, smtp: SmtpServer) -> None:
    ask(client_a, "esi@alpha.test")
    token = token_from_mail(smtp, "esi@alpha.test")
    assert confirm(client_a, token).status_code == 200
    before = account(staff.user)

    again = confirm(client_a, token, password="another fine password 9")
    assert (again.status_code, again.json()["code"]) == (400, "reset_token_invalid")
    assert account(staff.user) == before


def test_an_expired_link_is_refused(staff: Member, client_a: APIClient, smtp: SmtpServer) -> None:
    ask(client_a, "esi@alpha.test")
    token = token_from_mail(smtp, "esi@alpha.test")
    PasswordReset.objects.filter(user=staff.user).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = account(staff.user)
    answer = confirm(client_a, token)
    assert (answer.status_code, answer.json()["code"]) == (400, "reset_token_invalid")
    assert account(staff.user) == before


def test_a_link_of_one_shop_is_refused_at_another(
    staff: Member, tenant_b: Tenant, client_a: APIClient, client_b: APIClient, smtp: SmtpServer
) -> None:
    membership_grant(user=staff.user, tenant_id=tenant_b.pk, role="cashier")
    ask(client_a, "esi@alpha.test")
    token = token_from_mail(smtp, "esi@alpha.test")
    before = account(staff.user)
    answer = confirm(client_b, token)
    assert (answer.status_code, answer.json()["code"]) == (400, "reset_token_invalid")
    assert account(staff.user) == before
    # Still good where it was asked for.
    assert confirm(client_a, token).status_code == 200


def test_a_link_dies_when_the_password_changes_another_way(
    staff: Member, client_a: APIClient, smtp: SmtpServer
) -> None:
    ask(client_a, "esi@alpha.test")
    token = token_from_mail(smtp, "esi@alpha.test")
    with_password(staff.user, "changed in the meantime 5")
    before = account(staff.user)
    assert confirm(client_a, token).json()["code"] == "reset_token_invalid"
    assert account(staff.user) == before


def test_a_refused_new_password_keeps_the_link_usable(
    staff: Member, client_a: APIClient, smtp: SmtpServer
) -> None:
    ask(client_a, "esi@alpha.test")
    token = token_from_mail(smtp, "esi@alpha.test")
    before = account(staff.user)
    weak = confirm(client_a, token, password="123")
    assert (weak.status_code, weak.json()["code"]) == (400, "password_invalid")
    assert weak.json()["details"]["password"]
    assert account(staff.user) == before
    assert confirm(client_a, token).status_code == 200


@pytest.mark.parametrize("email", ["nobody@nowhere.test", "owner@beta.test", "not an email"])
def test_the_answer_is_the_same_for_anyone_and_only_staff_get_a_mail(
    email: str, staff: Member, client_a: APIClient, smtp: SmtpServer
) -> None:
    known = ask(client_a, "esi@alpha.test")
    other = ask(client_a, email)
    assert (other.status_code, other.json()) == (known.status_code, known.json())
    messages_sweep()
    assert [r.rcpt_tos for r in smtp.received] == [["esi@alpha.test"]]
    assert PasswordReset.objects.count() == 1


def test_requests_are_throttled_per_email(
    staff: Member, client_a: APIClient, smtp: SmtpServer, settings: Any
) -> None:
    settings.POS_PASSWORD_RESET_PER_EMAIL = 2
    assert [ask(client_a, "esi@alpha.test").status_code for _ in range(3)] == [202, 202, 429]
    assert ask(client_a, "esi@alpha.test").json()["details"]["retry_after"] > 0
    assert PasswordReset.objects.filter(user=staff.user).count() == 2
    assert Message.objects.filter(kind="password_reset").count() == 2
    # Any email is counted alike: an unknown one is throttled the same way.
    assert [ask(client_a, "ghost@alpha.test").status_code for _ in range(3)] == [202, 202, 429]


@pytest.mark.parametrize("token", ["", "x" * 200, "not-a-token"])
def test_a_made_up_token_is_refused(token: str, staff: Member, client_a: APIClient) -> None:
    before = account(staff.user)
    answer = confirm(client_a, token)
    assert answer.status_code == 400
    assert answer.json()["code"] in ("reset_token_invalid", "invalid")
    assert account(staff.user) == before
