"""The portal's sign-in pages over HTTP: CSRF, the OTP step, enrollment with the QR code,
backup codes, sign out, and sessions bound to their tenant."""

from __future__ import annotations

import re

from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from shared_apps.accounts.models import User
from shared_apps.accounts.services import membership_grant
from shared_apps.tenants.models import Tenant
from tests.accounts.conftest import PASSWORD, Clock, audit_actions, code_at, with_password
from tests.conftest import host_of


def browser(slug: str = "alpha", *, csrf: bool = False) -> Client:
    return Client(HTTP_HOST=host_of(slug), enforce_csrf_checks=csrf)


def sign_in(client: Client, email: str, password: str = PASSWORD) -> object:
    return client.post("/portal/login", {"email": email, "password": password, "next": "/portal/"})


def test_pages_render_for_phones_without_external_assets(tenant_a: Tenant) -> None:
    page = browser().get("/portal/login")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="viewport"' in html
    assert "csrfmiddlewaretoken" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_sign_in_without_the_csrf_token_is_refused(tenant_a: Tenant, make_member: object) -> None:
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    with_password(cashier.user)
    client = browser(csrf=True)

    refused = sign_in(client, cashier.user.email)
    client.get("/portal/login")
    accepted = client.post(
        "/portal/login",
        {
            "email": cashier.user.email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )

    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert accepted.status_code == 302


def test_sign_in_with_the_otp_step(tenant_a: Tenant, make_member: object, otp_clock: Clock) -> None:
    admin = make_member(tenant_a, "admin")  # type: ignore[operator]
    with_password(admin.user)
    client = browser()

    assert sign_in(client, admin.user.email, "wrong password!").status_code == 401  # type: ignore[attr-defined]
    step = sign_in(client, admin.user.email)
    assert step.status_code == 302  # type: ignore[attr-defined]
    assert step["Location"].startswith("/portal/otp")  # type: ignore[index]

    # Half signed in: the portal sends it back to the code page and the API ignores the session.
    assert browser_get(client, "/portal/")["Location"].startswith("/portal/otp")
    assert client.get("/api/v1/auth/me").status_code == 401

    wrong = client.post("/portal/otp", {"code": "000000"})
    assert wrong.status_code == 401
    admin.device.throttle_reset()
    done = client.post("/portal/otp", {"code": code_at(admin.device, otp_clock), "next": "/portal/"})
    assert done.status_code == 302
    assert done["Location"] == "/portal/"

    home = client.get("/portal/")
    assert home.status_code == 200
    assert admin.user.email in home.content.decode()
    assert client.get("/api/v1/auth/me").status_code == 200
    assert "auth.login_succeeded" in audit_actions(tenant_a)

    client.post("/portal/logout")
    assert browser_get(client, "/portal/")["Location"] == "/portal/login"
    assert client.get("/api/v1/auth/me").status_code in (401, 403)


def browser_get(client: Client, path: str) -> object:
    response = client.get(path)
    assert response.status_code == 302, response.status_code
    return response


def test_owner_without_mfa_is_led_through_enrollment(
    tenant_a: Tenant, make_member: object, otp_clock: Clock
) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    TOTPDevice.objects.filter(user=owner.user).delete()
    StaticDevice.objects.filter(user=owner.user).delete()
    with_password(owner.user)
    client = browser()

    first = sign_in(client, owner.user.email)
    assert first["Location"] == "/portal/mfa/setup"  # type: ignore[index]
    assert browser_get(client, "/portal/")["Location"] == "/portal/mfa/setup"  # type: ignore[index]
    assert client.get("/api/v1/storefronts").json()["code"] == "mfa_enrollment_required"

    started = client.post("/portal/mfa/setup", {"action": "start"})
    html = started.content.decode()
    assert started.status_code == 200
    assert 'src="data:image/svg+xml' in html
    device = TOTPDevice.objects.get(user=owner.user, confirmed=False)

    confirmed = client.post("/portal/mfa/setup", {"action": "confirm", "code": code_at(device, otp_clock)})
    codes = re.findall(r"<li>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</li>", confirmed.content.decode())
    assert confirmed.status_code == 200
    assert len(codes) == 10

    # The session that confirmed the code is verified.
    assert client.get("/portal/").status_code == 200
    assert client.get("/api/v1/storefronts").status_code == 200


def test_backup_codes_page_regenerates_after_a_code(
    tenant_a: Tenant, make_member: object, otp_clock: Clock
) -> None:
    admin = make_member(tenant_a, "admin")  # type: ignore[operator]
    with_password(admin.user)
    client = browser()
    sign_in(client, admin.user.email)
    client.post("/portal/otp", {"code": code_at(admin.device, otp_clock)})
    otp_clock.advance(30)

    page = client.get("/portal/mfa/backup-codes")
    new = client.post("/portal/mfa/backup-codes", {"code": code_at(admin.device, otp_clock)})

    assert "<strong>10</strong>" in page.content.decode()
    assert new.status_code == 200
    assert len(re.findall(r"<li>[a-z2-7-]{19}</li>", new.content.decode())) == 10
    assert "mfa.backup_codes_regenerated" in audit_actions(tenant_a)


def test_a_session_is_worthless_at_another_tenant(
    tenant_a: Tenant, tenant_b: Tenant, make_member: object
) -> None:
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    membership_grant(user=cashier.user, tenant_id=tenant_b.pk, role="cashier")
    with_password(cashier.user)
    client = browser("alpha")
    sign_in(client, cashier.user.email)
    assert client.get("/api/v1/auth/me").status_code == 200

    stolen = browser("beta")
    stolen.cookies["sessionid"] = client.cookies["sessionid"].value

    assert stolen.get("/api/v1/auth/me").status_code == 401
    assert stolen.get("/portal/")["Location"] == "/portal/login"


def test_invitation_page_sets_the_password(tenant_a: Tenant, make_member: object) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    code = owner.client.post(
        "/api/v1/staff", {"email": "p@hire.test", "role": "cashier"}, format="json"
    ).json()["invitation_code"]
    client = browser()

    weak = client.post("/portal/invitation", {"code": code, "password": "short"})
    ok = client.post("/portal/invitation", {"code": code, "password": PASSWORD, "full_name": "Pat"})

    assert weak.status_code == 400
    assert ok.status_code == 302
    user = User.objects.get(email="p@hire.test")
    assert user.check_password(PASSWORD)
    assert user.full_name == "Pat"
    assert sign_in(browser(), "p@hire.test")["Location"] == "/portal/"  # type: ignore[index]
