"""Backups of one shop: export, delete (which exports first), import; a copy under a new slug;
and bad files or taken names refused with nothing written."""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import quote_schema_name, tenant_context

from shared_apps.accounts.models import Membership, MembershipHistory, User
from shared_apps.accounts.tokens import token_issue
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.models import Subscription
from shared_apps.billing.services.subscriptions import subscription_ensure
from shared_apps.messaging.models import Preference, ShopMessaging
from shared_apps.messaging.services import preference_update, shop_messaging_update
from shared_apps.tenants import provisioning
from shared_apps.tenants.models import Domain, Tenant
from shared_apps.tenants.reconciliation import tenant_reconcile
from shared_apps.tenants.services import TenantCreated, tenant_delete
from sync.models import Conflict, Terminal
from tenant_apps.inventory.models import StockLevel
from tenant_apps.sales.models import Sale
from tests.conftest import api_client, member_make, stock_shop
from tests.sync import ops
from tests.sync.conftest import pair_terminal

pytestmark = pytest.mark.slow


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("tenant", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def table_digests(schema: str, *, skip: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """Every table of ``schema`` (but its migration history): row count and a digest of all rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace AND relkind = 'r' ORDER BY 1",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall() if row[0] != "django_migrations" and row[0] not in skip]
        digests = {}
        for table in tables:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                f"FROM {quote_schema_name(schema)}.{quote_schema_name(table)} t"
            )
            digests[table] = tuple(cursor.fetchone())
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s ORDER BY 1", [schema]
        )
        digests["<sequences>"] = (0, json.dumps(cursor.fetchall()))
    return digests


def totals(tenant: Tenant) -> dict[str, Any]:
    with tenant_context(tenant):
        return {
            "sales": Sale.objects.count(),
            "takings": sum((s.total for s in Sale.objects.all()), Decimal(0)),
            "levels": sorted(
                (str(p), str(s), str(q))
                for p, s, q in StockLevel.objects.values_list("product_id", "storefront_id", "quantity")
            ),
            "conflicts": sorted(Conflict.objects.values_list("kind", flat=True)),
        }


def public_state(tenant: Tenant) -> dict[str, Any]:
    return {
        "memberships": sorted(
            Membership.objects.filter(tenant=tenant).values_list(
                "id", "user_id", "role", "storefront_id", "is_active"
            )
        ),
        "history": sorted(
            MembershipHistory.objects.filter(tenant_id=tenant.pk).values_list(
                "membership_id", "user_id", "role", "is_active", "valid_from"
            )
        ),
        "subscription": list(
            Subscription.objects.filter(tenant=tenant).values_list("status", "period_start", "period_end")
        ),
        "domains": sorted(Domain.objects.filter(tenant=tenant).values_list("domain", "is_primary")),
        **messaging_state(tenant),
    }


def messaging_state(tenant: Tenant) -> dict[str, Any]:
    return {
        "shop_messaging": list(
            ShopMessaging.objects.filter(tenant=tenant).values_list(
                "low_stock_alerts", "daily_summary", "closing_time", "language"
            )
        ),
        "preferences": sorted(
            Preference.objects.filter(tenant=tenant).values_list(
                "user_id", "language", "phone", "channel", "muted"
            )
        ),
    }


def busy_shop(committed_tenant: Callable[..., TenantCreated]) -> tuple[Tenant, Any, Any]:
    """A shop that has traded: online sales, offline sales with an oversold conflict, stock."""
    tenant = committed_tenant().tenant
    shop = stock_shop(tenant, member_make)
    connection.set_schema_to_public()
    subscription_ensure(tenant=tenant)
    shop_messaging_update(
        tenant_id=tenant.pk, daily_summary=False, closing_time=dt.time(18, 30), language="fr"
    )
    preference_update(
        user_id=shop.owner.user.pk, tenant_id=tenant.pk, language="fr", phone="+233241234567", channel="sms"
    )
    for quantity in ("2", "3"):
        response = shop.cashier.client.post(
            "/api/v1/sales",
            {
                "storefront_id": str(shop.storefront.pk),
                "lines": [{"product_id": str(shop.products["soap"].pk), "quantity": quantity}],
                "payments": [{"method": "cash", "amount": "50.00"}],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
    terminal = pair_terminal(tenant, shop.storefront)
    batch = {
        "batch_id": "00000000-0000-4000-8000-0000000000b1",
        "terminal_time": timezone.now().isoformat(),
        "ops": [
            ops.sale(1, cashier=shop.cashier, lines=[(shop.products["water"], "4")]),
            ops.sale(2, cashier=shop.cashier, lines=[(shop.products["rice"], "130")]),  # oversold
        ],
    }
    response = terminal.client.post("/api/v1/sync/push", batch, format="json")
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["applied", "applied"]
    connection.set_schema_to_public()
    return tenant, shop, terminal


def test_export_delete_import_gives_the_same_shop(
    committed_tenant: Callable[..., TenantCreated], tmp_path: Path
) -> None:
    tenant, shop, terminal = busy_shop(committed_tenant)
    slug, schema = tenant.slug, tenant.schema_name
    before = (table_digests(schema), totals(tenant), public_state(tenant))
    assert "oversold" in before[1]["conflicts"]
    assert before[1]["sales"] == 4
    assert before[2]["shop_messaging"] == [(True, False, dt.time(18, 30), "fr")]
    assert len(before[2]["preferences"]) == 1

    # A plain export, while the shop keeps running...
    out = run("export", slug, "--output", str(tmp_path / "plain.tar.gz"))
    assert f"Exported {slug}" in out
    assert (tmp_path / "plain.tar.gz").stat().st_mode & 0o777 == 0o600
    # ... and the delete, which writes its own export first.
    path = tmp_path / "before-delete.tar.gz"
    out = run("delete", slug, "--yes", "--output", str(path))
    assert f"to {path}" in out
    assert not Tenant.objects.filter(slug=slug).exists()
    assert not provisioning.schema_exists(schema)

    out = run("import", str(path))
    assert f"Imported {slug} (schema {schema})" in out
    restored = Tenant.objects.get(slug=slug)
    assert restored.pk == tenant.pk
    after = (table_digests(schema), totals(restored), public_state(restored))
    assert after[0] == before[0]
    assert after[1] == before[1]
    assert after[2] == before[2]
    assert all(check.ok for check in tenant_reconcile(tenant=restored))
    assert PlatformAuditEntry.objects.filter(action="tenant.import", tenant_slug=slug).exists()

    # The shop works again: its terminal syncs, its people sign in and see their sales.
    status = terminal.client.get("/api/v1/sync/status")
    assert status.status_code == 200, status.content
    owner = api_client(slug)
    owner.credentials(
        HTTP_AUTHORIZATION=f"Bearer {token_issue(user=shop.owner.user, tenant_id=restored.pk).raw}"
    )
    listed = owner.get("/api/v1/sales?limit=50")
    assert listed.status_code == 200
    assert listed.json()["count"] == 4

    # The export made while the shop ran holds the same data.
    copy = run("import", str(tmp_path / "plain.tar.gz"), "--slug", f"{slug}-copy")
    assert "Terminals revoked (a copy's terminals pair again): 1" in copy
    duplicate = Tenant.objects.get(slug=f"{slug}-copy")
    try:
        assert table_digests(duplicate.schema_name, skip=("sync_terminal",)) == table_digests(
            schema, skip=("sync_terminal",)
        )
        assert totals(duplicate) == before[1]
        assert all(check.ok for check in tenant_reconcile(tenant=duplicate))
        assert list(Domain.objects.filter(tenant=duplicate).values_list("domain", flat=True)) == [
            f"{slug}-copy.localhost"
        ]
        assert (
            Membership.objects.filter(tenant=duplicate).count()
            == Membership.objects.filter(tenant=restored).count()
        )
        assert messaging_state(duplicate) == messaging_state(restored)
        # The original's terminal credential is useless at the copy.
        at_copy = api_client(f"{slug}-copy")
        at_copy.credentials(HTTP_AUTHORIZATION=f"Bearer {terminal.credential}")
        assert at_copy.get("/api/v1/sync/status").status_code == 401
        with tenant_context(duplicate):
            assert set(Terminal.objects.values_list("status", flat=True)) == {"revoked"}
    finally:
        connection.set_schema_to_public()
        tenant_delete(slug=f"{slug}-copy", actor="tests", confirmed=True)


def test_delete_exports_to_the_export_folder_unless_told_not_to(
    committed_tenant: Callable[..., TenantCreated], tmp_path: Path
) -> None:
    first, second = committed_tenant().tenant, committed_tenant().tenant
    with override_settings(POS_TENANT_EXPORT_DIR=tmp_path):
        run("delete", first.slug, "--yes")
        (written,) = tmp_path.glob(f"{first.slug}-*.tar.gz")
        with tarfile.open(written) as archive:
            manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        assert manifest["slug"] == first.slug
        run("delete", second.slug, "--yes", "--no-export")
        assert list(tmp_path.glob(f"{second.slug}-*")) == []
    assert not Tenant.objects.filter(slug__in=[first.slug, second.slug]).exists()


def _counts() -> tuple[int, int, int, int]:
    return (
        Tenant.objects.count(),
        Domain.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
    )


def test_bad_files_and_taken_slugs_are_refused_with_nothing_written(
    committed_tenant: Callable[..., TenantCreated], tmp_path: Path
) -> None:
    tenant = committed_tenant().tenant
    good = tmp_path / "good.tar.gz"
    run("export", tenant.slug, "--output", str(good))
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    not_an_export = tmp_path / "notes.txt"
    not_an_export.write_text("hello")
    # An export of another migration state: a migration this release has is missing from it.
    other_state = tmp_path / "other-state.tar.gz"
    with tarfile.open(good) as source, tarfile.open(other_state, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"] = manifest["migrations"][:-1]
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    before = _counts()
    with pytest.raises(CommandError) as refused:
        run("import", str(other_state), "--slug", "other-state")
    assert "export_incompatible" in str(refused.value)
    assert not provisioning.schema_exists("t_other_state")
    cases = [
        (["import", str(damaged)], "export_invalid"),
        (["import", str(not_an_export)], "export_invalid"),
        (["import", str(tmp_path / "missing.tar.gz")], "export_invalid"),
        (["import", str(good)], "slug_taken"),
        (["import", str(good), "--slug", "Bad Slug"], "slug_invalid"),
        (["import", str(good), "--slug", "admin"], "slug_reserved"),
        (["export", "no-such-shop", "--output", str(tmp_path / "x.tar.gz")], "tenant_not_found"),
        (["export", tenant.slug, "--output", str(not_an_export / "x.tar.gz")], "export_unwritable"),
        (["delete", tenant.slug, "--yes", "--output", str(not_an_export / "y.tar.gz")], "export_unwritable"),
        (
            ["delete", tenant.slug, "--yes", "--no-export", "--output", str(tmp_path / "y")],
            "exclude each other",
        ),
    ]
    for args, code in cases:
        with pytest.raises(CommandError) as info:
            run(*args)
        assert code in str(info.value), (args, str(info.value))
        assert info.value.returncode == 2
    assert _counts() == before
    assert not provisioning.schema_exists("t_bad_slug")
    assert Tenant.objects.filter(slug=tenant.slug).exists()
    assert not (tmp_path / "x.tar.gz").exists()


def test_a_restored_shop_gets_its_invoices_back_and_they_still_never_move(
    tenant_a: Tenant, tenant_b: Tenant, tmp_path: Path
) -> None:
    from django.db import DatabaseError, transaction

    from shared_apps.billing.models import Invoice
    from shared_apps.tenants.backup import tenant_import
    from tests.billing.conftest import billed_tenant, issue, make_rates, make_tiers

    make_tiers()
    make_rates()
    billed_tenant(tenant_a, storefronts=1, days_ago=20)
    invoice = issue(tenant_a)
    tenant_delete(slug="alpha", actor="tests", confirmed=True, export_to=tmp_path / "alpha.tar.gz")
    assert Invoice.objects.get(pk=invoice.pk).tenant_id is None

    report = tenant_import(path=tmp_path / "alpha.tar.gz", actor="tests")

    assert report.invoices_reattached == 1
    assert Invoice.objects.get(pk=invoice.pk).tenant_id == report.tenant.pk
    assert Subscription.objects.filter(tenant=report.tenant).count() == 1
    # Still: an invoice never moves to another shop, nor does a detached one to a stranger.
    with pytest.raises(DatabaseError, match="cannot move to another tenant"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(tenant_id=tenant_b.pk)
