"""``tenant create --country/--currency/--timezone``, a new owner's e-mailed first sign-in, and
``tenant update``: every change audited, routes invalidated, bad input changing nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import PasswordReset, User
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.messaging.services import messages_sweep
from shared_apps.tenants.models import Domain, Tenant
from shared_apps.tenants.routing import route_resolve
from tenant_apps.shop.models import ShopSettings
from tests.messaging.servers import SmtpServer
from tests.tenants.test_cli import fails, run, snapshot_of_world


def test_create_for_a_country_takes_its_currency_time_zone_and_minor_unit(db: None) -> None:
    output = run(
        "create", "abidjan-one", "--name", "Abidjan", "--owner-email", "awa@example.ci", "--country", "ci"
    )
    tenant = Tenant.objects.get(slug="abidjan-one")
    assert (tenant.country, tenant.currency, tenant.timezone) == ("CI", "XOF", "Africa/Abidjan")
    assert "Currency XOF, time zone Africa/Abidjan, country CI." in output
    with tenant_context(tenant):
        assert ShopSettings.objects.get().minor_unit == 0
    entry = PlatformAuditEntry.objects.get(action="tenant.create", tenant_slug="abidjan-one")
    assert (entry.details["currency"], entry.details["timezone"], entry.details["country"]) == (
        "XOF",
        "Africa/Abidjan",
        "CI",
    )


def test_create_with_explicit_currency_and_zone(db: None) -> None:
    run(
        "create",
        "nairobi-one",
        "--name",
        "N",
        "--owner-email",
        "a@n.test",
        "--country",
        "KE",
        "--currency",
        "usd",
        "--timezone",
        "Africa/Nairobi",
    )
    tenant = Tenant.objects.get(slug="nairobi-one")
    assert (tenant.country, tenant.currency, tenant.timezone) == ("KE", "USD", "Africa/Nairobi")


@pytest.mark.parametrize(
    ("flags", "code"),
    [
        (["--country", "XX"], "country_invalid"),
        (["--country", "Ghana"], "country_invalid"),
        (["--currency", "GHZ"], "currency_invalid"),
        (["--currency", "BHD"], "currency_invalid"),  # three decimals
        (["--timezone", "Africa/Atlantis"], "timezone_invalid"),
    ],
)
def test_create_with_a_bad_locality_writes_nothing(db: None, flags: list[str], code: str) -> None:
    before = snapshot_of_world()
    error = fails("create", "loc-shop", "--name", "L", "--owner-email", "l@l.test", *flags)
    assert error.returncode == 2
    assert f"[{code}]" in str(error)
    assert snapshot_of_world() == before


def test_a_new_owner_gets_a_link_by_mail_and_no_password_is_printed(
    db: None, smtp: SmtpServer, settings: Any
) -> None:
    output = run("create", "kwame-mart", "--name", "Kwame Mart", "--owner-email", "kwame@example.com")
    assert "One-time password" not in output
    assert "a link to choose their password is e-mailed to them" in output
    owner = User.objects.get(email="kwame@example.com")
    assert not owner.has_usable_password()

    messages_sweep()
    [mail] = smtp.to("kwame@example.com")
    assert mail.message["Subject"] == "Your shop Kwame Mart is ready"
    token = re.search(r"/portal/password-reset/confirm\?token=([\w-]+)", mail.text).group(1)  # type: ignore[union-attr]
    assert PasswordReset.objects.get(user=owner).purpose == "welcome"

    client = Client(HTTP_HOST="kwame-mart.localhost")
    chosen = client.post(
        "/api/v1/auth/password-reset/confirm",
        {"token": token, "new_password": "kwame chooses well 31"},
        content_type="application/json",
    )
    assert chosen.status_code == 200
    owner.refresh_from_db()
    assert owner.check_password("kwame chooses well 31")
    signed_in = client.post(
        "/api/v1/auth/login",
        {"email": "kwame@example.com", "password": "kwame chooses well 31"},
        content_type="application/json",
    )
    assert signed_in.status_code == 200
    assert signed_in.json()["mfa_enrollment_required"] is True


def test_update_changes_name_time_zone_country_and_hosts(db: None, settings: Any) -> None:
    run("create", "upd-shop", "--name", "Old", "--owner-email", "u@u.test")
    assert route_resolve("upd-shop.localhost") is not None  # cached now
    output = run(
        "--actor",
        "cli:ops",
        "update",
        "upd-shop",
        "--name",
        "New Name",
        "--timezone",
        "Africa/Lagos",
        "--country",
        "NG",
        "--add-domain",
        "shop.upd.example",
        "--primary-domain",
        "shop.upd.example",
    )
    tenant = Tenant.objects.get(slug="upd-shop")
    assert (tenant.name, tenant.timezone, tenant.country, tenant.currency) == (
        "New Name",
        "Africa/Lagos",
        "NG",
        "GHS",
    )
    assert sorted(Domain.objects.filter(tenant=tenant).values_list("domain", "is_primary")) == [
        ("shop.upd.example", True),
        ("upd-shop.localhost", False),
    ]
    assert "served at shop.upd.example (primary), upd-shop.localhost." in output
    # The cached route already says so.
    route = route_resolve("upd-shop.localhost")
    assert route is not None
    assert route.timezone == "Africa/Lagos"
    entry = PlatformAuditEntry.objects.get(action="tenant.update", tenant_slug="upd-shop")
    assert entry.actor == "cli:ops"
    assert entry.details["name"] == {"from": "Old", "to": "New Name"}
    assert entry.details["domains"]["to"] == ["shop.upd.example", "upd-shop.localhost"]

    run("update", "upd-shop", "--remove-domain", "shop.upd.example")
    assert list(Domain.objects.filter(tenant=tenant).values_list("domain", "is_primary")) == [
        ("upd-shop.localhost", True)
    ]
    assert route_resolve("shop.upd.example") is None


def test_update_currency_while_the_shop_has_no_sales(db: None) -> None:
    run("create", "cur-shop", "--name", "C", "--owner-email", "c@c.test")
    run("update", "cur-shop", "--currency", "UGX")
    tenant = Tenant.objects.get(slug="cur-shop")
    assert tenant.currency == "UGX"
    with tenant_context(tenant):
        assert ShopSettings.objects.get().minor_unit == 0


def test_update_currency_of_a_shop_with_sales_is_refused(shop_a: Any) -> None:
    from tests.sales.helpers import sell

    sell(shop_a, ("water", 1))
    connection.set_schema_to_public()
    before = snapshot_of_world()
    error = fails("update", "alpha", "--currency", "UGX", "--name", "Renamed")
    assert "[currency_locked]" in str(error)
    tenant = Tenant.objects.get(slug="alpha")
    assert (tenant.currency, tenant.name) == ("GHS", "Alpha")
    assert snapshot_of_world() == before


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["update", "nosuch", "--name", "X"], "tenant_not_found"),
        (["update", "alpha"], "nothing_to_update"),
        (["update", "alpha", "--name", ""], "nothing_to_update"),
        (["update", "alpha", "--name", "x" * 201], "name_invalid"),
        (["update", "alpha", "--timezone", "Mars/Base"], "timezone_invalid"),
        (["update", "alpha", "--add-domain", "beta.localhost"], "domain_taken"),
        (["update", "alpha", "--add-domain", "not a host"], "domain_invalid"),
        (["update", "alpha", "--remove-domain", "nowhere.example"], "domain_not_found"),
        (["update", "alpha", "--remove-domain", "alpha.localhost"], "domain_last"),
        (["update", "alpha", "--name", "Renamed", "--remove-domain", "alpha.localhost"], "domain_last"),
    ],
)
def test_update_refused_changes_nothing(tenant_a: Tenant, args: list[str], code: str) -> None:
    before = snapshot_of_world()
    names = list(Tenant.objects.order_by("pk").values_list("name", "timezone", "currency"))
    error = fails(*args)
    assert error.returncode == 2
    assert f"[{code}]" in str(error), str(error)
    assert snapshot_of_world() == before
    assert list(Tenant.objects.order_by("pk").values_list("name", "timezone", "currency")) == names
