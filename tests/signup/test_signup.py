"""Self-service sign-up on the platform host: a trader opens a shop alone, verifies by a code
(through the real SMTP server or the SMS provider's endpoint), and signs in to MFA set-up; no
enumeration of accounts; throttled; bad input writes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from shared_apps.accounts.models import Membership, User
from shared_apps.billing.models import Subscription
from shared_apps.billing.services.subscriptions import billing_today
from shared_apps.messaging.services import messages_sweep
from shared_apps.signup.models import SignupRequest
from shared_apps.tenants.models import Tenant
from tests.conftest import api_client
from tests.messaging.servers import AfricasTalkingServer, SmtpServer

PASSWORD = "awa sells fine cloth 24"


def start(client: APIClient, **overrides: Any) -> Any:
    body = {
        "shop_name": "Awa Tissus",
        "slug": "awa-tissus",
        "email": "awa@example.ci",
        "phone": "07 07 12 34 56",
        "country": "CI",
        "password": PASSWORD,
        "language": "fr",
        **overrides,
    }
    return client.post("/api/v1/signup", body, format="json")


def code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def world() -> tuple[int, int, int, int]:
    return (
        Tenant.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        SignupRequest.objects.count(),
    )


def test_a_trader_opens_a_shop_alone(db: None, public_client: APIClient, smtp: SmtpServer) -> None:
    suggested = public_client.get("/api/v1/signup/slug", {"name": "Awa Tissus"}).json()
    assert suggested["suggestions"][0] == "awa-tissus"

    started = start(public_client)
    assert started.status_code == 202, started.content
    signup_id = started.json()["signup_id"]
    messages_sweep()
    [mail] = smtp.to("awa@example.ci")
    assert mail.message["Subject"].startswith("Votre code : ")
    code = code_in(mail.message["Subject"])

    wrong = public_client.post(
        f"/api/v1/signup/{signup_id}/verify",
        {"code": "000000" if code != "000000" else "111111"},
        format="json",
    )
    assert (wrong.status_code, wrong.json()["code"], wrong.json()["details"]["attempts_left"]) == (
        400,
        "signup_code_invalid",
        4,
    )
    assert not Tenant.objects.filter(slug="awa-tissus").exists()

    done = public_client.post(f"/api/v1/signup/{signup_id}/verify", {"code": code}, format="json")
    assert done.status_code == 201, done.content
    body = done.json()
    assert (body["slug"], body["currency"], body["timezone"]) == ("awa-tissus", "XOF", "Africa/Abidjan")
    assert body["login_url"] == "http://awa-tissus.localhost/portal/login"
    assert body["trial_ends_on"] == (billing_today() + timedelta(days=14)).isoformat()

    tenant = Tenant.objects.get(slug="awa-tissus")
    subscription = Subscription.objects.get(tenant=tenant)
    assert (subscription.status, subscription.period_start) == ("trialing", billing_today())
    owner = User.objects.get(email="awa@example.ci")
    assert owner.check_password(PASSWORD)
    assert Membership.objects.get(tenant=tenant, user=owner).role == "owner"
    assert SignupRequest.objects.get(pk=signup_id).password_hash == ""

    # The owner signs in at the shop's host and is held at MFA set-up, the first step.
    shop = api_client("awa-tissus")
    signed_in = shop.post(
        "/api/v1/auth/login", {"email": "awa@example.ci", "password": PASSWORD}, format="json"
    )
    assert signed_in.json()["mfa_enrollment_required"] is True
    shop.credentials(HTTP_AUTHORIZATION=f"Bearer {signed_in.json()['token']}")
    steps = shop.get("/api/v1/onboarding").json()
    assert [(s["step"], s["done"]) for s in steps["steps"]] == [
        ("mfa", False),
        ("storefront", False),
        ("products", False),
        ("terminal", False),
    ]
    with tenant_context(tenant):
        from tenant_apps.shop.models import ShopSettings

        assert ShopSettings.objects.get().minor_unit == 0

    again = public_client.post(f"/api/v1/signup/{signup_id}/verify", {"code": code}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "signup_invalid")
    assert Tenant.objects.filter(slug__startswith="awa").count() == 1


def test_verification_by_sms(db: None, public_client: APIClient, at: AfricasTalkingServer) -> None:
    started = start(public_client, verify_by="sms", language="en")
    messages_sweep()
    [sms] = at.accepted
    assert sms["to"] == "+2250707123456"
    done = public_client.post(
        f"/api/v1/signup/{started.json()['signup_id']}/verify",
        {"code": code_in(sms["message"])},
        format="json",
    )
    assert done.status_code == 201


def test_the_answer_does_not_tell_whether_the_email_has_an_account(
    public_client: APIClient, owner_b: User, smtp: SmtpServer
) -> None:
    new = start(public_client)
    known = start(public_client, email="owner@beta.test", slug="other-shop", password="not beta's password 1")
    assert new.status_code == known.status_code == 202
    assert set(new.json()) == set(known.json())
    assert new.json()["detail"] == known.json()["detail"]
    # Only the person who holds the mailbox learns, with the code, that the password is wrong.
    messages_sweep()
    code = code_in(smtp.to("owner@beta.test")[0].message["Subject"])
    before = world()
    refused = public_client.post(
        f"/api/v1/signup/{known.json()['signup_id']}/verify", {"code": code}, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "signup_credentials_invalid")
    assert world() == before
    assert owner_b.check_password("not beta's password 1") is False


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"slug": "alpha"}, 409, "slug_taken"),
        ({"slug": "admin"}, 400, "slug_reserved"),
        ({"slug": "A b"}, 400, "slug_invalid"),
        ({"phone": "12"}, 400, "phone_invalid"),
        ({"email": "nope"}, 400, "email_invalid"),
        ({"country": "ZZ"}, 400, "country_invalid"),
        ({"password": "short"}, 400, "password_invalid"),
        ({"shop_name": " "}, 400, "invalid"),
        ({"verify_by": "pigeon"}, 400, "invalid"),
        ({"referrer": "a friend"}, 400, "field_unknown"),
        ({"shop_name": "Awa\x00Tissus"}, 400, "text_invalid"),
    ],
)
def test_bad_input_writes_nothing(
    public_client: APIClient, tenant_a: Tenant, overrides: Any, status: int, code: str
) -> None:
    before = world()
    answer = start(public_client, **overrides)
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.content
    assert world() == before
    if code == "slug_taken":
        assert "alpha" not in answer.json()["details"]["suggestions"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [({"slug": "a\x00b"}, "slug"), ({"name": "x" * 201}, "name"), ({"slug": "s" * 41}, "slug")],
)
def test_the_address_check_validates_its_query(
    db: None, public_client: APIClient, query: dict[str, str], parameter: str
) -> None:
    answer = public_client.get("/api/v1/signup/slug", query)
    assert answer.status_code == 400
    assert (answer.json()["code"], answer.json()["details"]["parameter"]) == ("query_invalid", parameter)


def test_sign_ups_are_throttled_per_address(db: None, public_client: APIClient, settings: Any) -> None:
    settings.POS_SIGNUP_PER_IP = 2
    assert start(public_client).status_code == 202
    assert start(public_client, email="b@example.ci", phone="0707123457", slug="b-shop").status_code == 202
    third = start(public_client, email="c@example.ci", phone="0707123458", slug="c-shop")
    assert (third.status_code, third.json()["code"]) == (429, "throttled")
    assert SignupRequest.objects.count() == 2


def test_five_wrong_codes_end_the_sign_up(db: None, public_client: APIClient) -> None:
    signup_id = start(public_client).json()["signup_id"]
    answers = [
        public_client.post(f"/api/v1/signup/{signup_id}/verify", {"code": "x"}, format="json").json()["code"]
        for _ in range(6)
    ]
    assert answers == ["signup_code_invalid"] * 5 + ["signup_invalid"]
    assert not Tenant.objects.filter(slug="awa-tissus").exists()


def test_sign_up_is_not_served_at_a_shop_host(client_a: APIClient) -> None:
    before = world()
    assert start(client_a).status_code == 404
    assert world() == before
