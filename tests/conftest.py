"""Fixtures shared by the whole suite.

Two tenants, ``alpha`` and ``beta``, are provisioned once per session through the real service;
each test runs in a transaction that is rolled back. Tests that need committed data (other
threads, processes or a Celery worker must see it) use ``live_db`` and their own throwaway
tenants from ``committed_tenant``, which are deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from shared_apps.accounts.mfa import mfa_enroll_confirmed, totp_device
from shared_apps.accounts.middleware import SESSION_TENANT_KEY
from shared_apps.accounts.models import Membership, MembershipHistory, User
from shared_apps.accounts.permissions import MFA_ROLES
from shared_apps.accounts.services import membership_grant, user_get_or_create
from shared_apps.accounts.tokens import token_issue
from shared_apps.tenants import provisioning
from shared_apps.tenants.models import Tenant
from shared_apps.tenants.services import TenantCreated, tenant_create, tenant_delete
from tests.messaging.fixtures import at, smtp  # noqa: F401 - fixtures for every test

SESSION_TENANTS = ("alpha", "beta")


def host_of(slug: str) -> str:
    return f"{slug}.{settings.POS_BASE_DOMAIN}"


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_keepdb: bool,
    django_db_createdb: bool,
) -> Iterator[None]:
    """The test database, always: pytest-django would skip it when the collected tests only use
    ``live_db`` (no ``db`` fixture), and those tests would then reach the real database."""
    from django.test.utils import setup_databases, teardown_databases

    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=request.config.option.verbose, interactive=False, aliases={"default"}, keepdb=keepdb
        )
        assert connection.settings_dict["NAME"].startswith("test_")
        provisioning.snapshot_current()
        for slug in SESSION_TENANTS:
            if not Tenant.objects.filter(slug=slug).exists():
                tenant_create(
                    slug=slug,
                    name=slug.title(),
                    owner_email=f"owner@{slug}.test",
                    actor="tests",
                    owner_password=True,
                )
            enroll_totp(User.objects.get(email=f"owner@{slug}.test"))
        _clear_cache()
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=request.config.option.verbose)


def enroll_totp(user: User) -> TOTPDevice:
    """The user's confirmed authenticator, enrolled now if they have none (owners and admins
    must have one before the API lets them do anything but enroll)."""
    device = totp_device(user)
    if device is None:
        setup, _codes = mfa_enroll_confirmed(user=user)
        device = setup.device
    return device


def session_login(client: APIClient, user: User, tenant: Tenant, *, verified: bool = True) -> APIClient:
    """Sign the client in by session at the tenant's host, as the portal would: bound to that
    tenant and, when ``verified`` and the user has an authenticator, past the OTP step."""
    client.force_login(user)
    session = client.session
    session[SESSION_TENANT_KEY] = str(tenant.pk)
    device = totp_device(user)
    if verified and device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _clear_cache() -> None:
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _isolation() -> Iterator[None]:
    yield
    _clear_cache()
    connection.set_schema_to_public()


@pytest.fixture
def tenant_a(db: None) -> Tenant:
    return Tenant.objects.get(slug="alpha")


@pytest.fixture
def tenant_b(db: None) -> Tenant:
    return Tenant.objects.get(slug="beta")


@pytest.fixture
def owner_a(db: None) -> User:
    return User.objects.get(email="owner@alpha.test")


@pytest.fixture
def owner_b(db: None) -> User:
    return User.objects.get(email="owner@beta.test")


def api_client(slug: str | None) -> APIClient:
    """A client whose requests arrive at a tenant's host (or the public host for None)."""
    host = host_of(slug) if slug else settings.POS_BASE_DOMAIN
    return APIClient(HTTP_HOST=host)


@pytest.fixture
def public_client() -> APIClient:
    return api_client(None)


@pytest.fixture
def client_a(tenant_a: Tenant) -> APIClient:
    return api_client("alpha")


@pytest.fixture
def client_b(tenant_b: Tenant) -> APIClient:
    return api_client("beta")


@dataclass
class Member:
    user: User
    membership: Membership
    token: str
    client: APIClient
    # The confirmed authenticator of an owner or admin (None for other roles).
    device: TOTPDevice | None = None


def member_make(
    tenant: Tenant,
    role: str,
    *,
    storefront_id: object = None,
    email: str | None = None,
    expires_at: object = None,
    is_active: bool = True,
    since: datetime | None = None,
) -> Member:
    """A user with a role at a tenant, a bearer token and an API client at the tenant's host.

    Owners and admins get a confirmed authenticator (``member.device``), so that the member can
    use the API the way a real one would after signing in with MFA. ``since`` backdates the
    membership (and its history), for offline operations dated in the past."""
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@{tenant.slug}.test"
    user, _ = user_get_or_create(email=email)
    membership = membership_grant(user=user, tenant_id=tenant.pk, role=role)
    Membership.objects.filter(pk=membership.pk).update(
        storefront_id=storefront_id, expires_at=expires_at, is_active=is_active
    )
    if since is not None:
        Membership.objects.filter(pk=membership.pk).update(created_at=since)
        MembershipHistory.objects.filter(membership_id=membership.pk).update(valid_from=since)
    membership.refresh_from_db()
    device = enroll_totp(user) if role in MFA_ROLES else None
    issued = token_issue(user=user, tenant_id=tenant.pk)
    client = api_client(tenant.slug)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
    return Member(user=user, membership=membership, token=issued.raw, client=client, device=device)


@pytest.fixture
def make_member(db: None) -> Callable[..., Member]:
    """A user with a role at a tenant, a bearer token and an API client at the tenant's host.

    ``make_member(tenant_a, "cashier", storefront_id=...)``. Owners and admins get a confirmed
    authenticator (``member.device``), so that the member can use the API the way a real one
    would after signing in with MFA.
    """
    return member_make


@pytest.fixture
def live_db(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """Database access outside a test transaction: what the test writes is committed."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        yield
        connection.set_schema_to_public()


@pytest.fixture
def committed_tenant(live_db: None) -> Iterator[Callable[..., TenantCreated]]:
    """Make throwaway committed tenants; they and their new owners are deleted afterwards."""
    made: list[TenantCreated] = []

    def make(slug: str | None = None, **kwargs: object) -> TenantCreated:
        slug = slug or f"t{uuid.uuid4().hex[:10]}"
        created = tenant_create(
            slug=slug,
            name=kwargs.pop("name", slug),
            actor="tests",  # type: ignore[arg-type]
            owner_email=kwargs.pop("owner_email", f"owner@{slug}.test"),  # type: ignore[arg-type]
            **kwargs,
        )  # type: ignore[arg-type]
        enroll_totp(created.owner)
        made.append(created)
        return created

    yield make
    connection.set_schema_to_public()
    for created in made:
        if Tenant.objects.filter(pk=created.tenant.pk).exists():
            tenant_delete(slug=created.tenant.slug, actor="tests", confirmed=True)
        if created.owner_created:
            User.objects.filter(pk=created.owner.pk).delete()


# ---------------------------------------------------------------------------------------------
# A stocked shop: storefronts, taxes, products with stock (the POS apps' tests build on it)
# ---------------------------------------------------------------------------------------------


@dataclass
class Shop:
    tenant: Tenant
    storefront: Any
    other_storefront: Any
    standard: Any  # tax category with Ghana's levies and VAT
    exempt: Any  # tax category without tax
    products: dict[str, Any]
    owner: Member
    cashier: Member


def stock_shop(tenant: Tenant, make_member: Callable[..., Member], *, stock: int = 100) -> Shop:
    """Build a shop in ``tenant``'s schema through the real services and leave the schema active.

    Taxes: ``STD`` carries NHIL 2.5 %, GETFund 2.5 %, COVID 1 % and VAT 15 % compound; ``EXEMPT``
    none. Products: ``water`` (1.50, exempt), ``rice`` (25.00, STD), ``soap`` (6.10, STD), and
    ``airtime`` (5.00, STD, untracked). Prices include tax (the default).
    """
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from pos_platform.db import connection as tenant_connection
    from pos_platform.kernel.actors import Actor
    from tenant_apps.catalog.models import ProductPrice
    from tenant_apps.catalog.services import product_create
    from tenant_apps.inventory.services import StockLine, stock_receive
    from tenant_apps.storefronts.services import storefront_create
    from tenant_apps.taxes.services import tax_category_create, tax_rate_add

    tenant_connection.set_tenant(tenant)
    owner = make_member(tenant, "owner")
    actor = Actor.of_user(owner.user)
    storefront = storefront_create(code="ACC", name="Accra Central")
    other = storefront_create(code="KSI", name="Kumasi")
    since = timezone.now() - timedelta(days=400)
    standard = tax_category_create(code="STD", name="Standard rated", actor=actor)
    exempt = tax_category_create(code="EXEMPT", name="Exempt", actor=actor)
    for code, name, rate, compound, position in (
        ("NHIL", "National Health Insurance Levy", "2.5", False, 1),
        ("GETFUND", "GETFund Levy", "2.5", False, 2),
        ("COVID", "COVID-19 Health Recovery Levy", "1", False, 3),
        ("VAT", "Value Added Tax", "15", True, 4),
    ):
        tax_rate_add(
            category_id=standard.pk,
            code=code,
            name=name,
            rate=Decimal(rate),
            compound=compound,
            position=position,
            effective_from=since,
            actor=actor,
        )
    products = {}
    for key, price, category, track in (
        ("water", "1.50", exempt, True),
        ("rice", "25.00", standard, True),
        ("soap", "6.10", standard, True),
        ("airtime", "5.00", standard, False),
    ):
        products[key] = product_create(
            sku=key.upper(),
            name=key.title(),
            price=Decimal(price),
            tax_category_id=category.pk,
            track_stock=track,
            reorder_level=Decimal(5),
            actor=actor,
        )
        # In force long enough for sales dated in the past.
        ProductPrice.objects.filter(product=products[key]).update(effective_from=since)
    stock_receive(
        storefront_id=storefront.pk,
        lines=[StockLine(products[k].pk, Decimal(stock)) for k in ("water", "rice", "soap")],
        actor=actor,
        occurred_at=since,
    )
    # A member for years: offline sales dated in the past are judged by the rights of their time.
    cashier = make_member(
        tenant, "cashier", storefront_id=storefront.pk, since=datetime(2020, 1, 1, tzinfo=UTC)
    )
    return Shop(
        tenant=tenant,
        storefront=storefront,
        other_storefront=other,
        standard=standard,
        exempt=exempt,
        products=products,
        owner=owner,
        cashier=cashier,
    )


def sell_a_few(shop: Shop) -> list[Any]:
    """Three sales of rice and soap at the shop's first storefront, the first one partly
    refunded (a bag of rice back to stock), through the services, in the active schema."""
    from decimal import Decimal

    from pos_platform.kernel.actors import Actor
    from tenant_apps.sales import services

    sales = [
        services.sale_record(
            storefront_id=shop.storefront.pk,
            cashier_id=shop.owner.user.pk,
            lines=[
                services.SaleLineInput(shop.products["rice"].pk, Decimal(quantity)),
                services.SaleLineInput(shop.products["soap"].pk, Decimal(1)),
            ],
            payments=[services.PaymentInput("cash", Decimal("200.00"))],
        ).sale
        for quantity in (2, 1, 3)
    ]
    services.sale_refund(
        sale_id=sales[0].pk,
        lines=[services.RefundLineInput(sales[0].lines.order_by("position").first().pk, Decimal(1))],
        actor=Actor.of_user(shop.owner.user),
        reason="Torn bag",
        restock=True,
    )
    return sales


@pytest.fixture
def shop_a(tenant_a: Tenant, make_member: Callable[..., Member]) -> Shop:
    return stock_shop(tenant_a, make_member)


@pytest.fixture
def shop_b(tenant_b: Tenant, make_member: Callable[..., Member]) -> Shop:
    shop = stock_shop(tenant_b, make_member)
    connection.set_schema_to_public()
    return shop
