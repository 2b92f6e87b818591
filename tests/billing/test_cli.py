"""``manage.py billing``: tiers, taxes and invoices; bad input exits 2 and writes nothing."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.models import Invoice, PricingTier, TaxRate
from shared_apps.tenants.models import Tenant
from tests.billing.conftest import billed_tenant, issue, make_rates, make_tiers


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("billing", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fails(*args: str) -> CommandError:
    with pytest.raises(CommandError) as info:
        run(*args)
    return info.value


def world() -> tuple[Any, ...]:
    return (
        list(PricingTier.objects.order_by("pk").values()),
        list(TaxRate.objects.order_by("pk").values()),
        PlatformAuditEntry.objects.count(),
    )


def test_tiers_create_and_list(db: None) -> None:
    out = run(
        "--actor",
        "cli:ops",
        "tiers",
        "create",
        "--min",
        "1",
        "--max",
        "3",
        "--base",
        "180",
        "--per-additional",
        "60",
    )
    run("tiers", "create", "--min", "4", "--base", "300.50", "--per-additional", "50", "--currency", "ghs")

    assert "1 to 3 storefronts, GHS 180.00 + 60.00 per storefront above 1" in out
    listing = run("tiers", "list")
    assert listing.splitlines()[0].split() == [
        "ID",
        "CURRENCY",
        "STOREFRONTS",
        "BASE",
        "PER",
        "ADDITIONAL",
        "STATUS",
    ]
    assert {"1-3", "4+", "300.50"} <= set(listing.split())
    data = json.loads(run("tiers", "list", "--json"))
    assert [(t["min_storefronts"], t["max_storefronts"], t["base_price"], t["active"]) for t in data] == [
        (1, 3, "180.00", True),
        (4, None, "300.50", True),
    ]
    assert PlatformAuditEntry.objects.filter(action="billing.tier.create", actor="cli:ops").count() == 1


def test_tiers_replace_for_a_price_change(db: None) -> None:
    make_tiers()

    run("tiers", "create", "--min", "11", "--base", "700", "--per-additional", "45", "--replace")

    data = json.loads(run("tiers", "list", "--json", "--all"))
    assert [
        (t["min_storefronts"], t["base_price"], t["active"]) for t in data if t["min_storefronts"] == 11
    ] == [
        (11, "700.00", True),
        (11, "650.00", False),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tiers", "create", "--min", "0", "--base", "1", "--per-additional", "1"], "[tier_invalid]"),
        (
            ["tiers", "create", "--min", "5", "--max", "2", "--base", "1", "--per-additional", "1"],
            "[tier_invalid]",
        ),
        (["tiers", "create", "--min", "1", "--base", "abc", "--per-additional", "1"], "[amount_invalid]"),
        (["tiers", "create", "--min", "1", "--base", "1.001", "--per-additional", "1"], "[amount_invalid]"),
        (["tiers", "create", "--min", "1", "--base", "-1", "--per-additional", "1"], "[amount_invalid]"),
        (
            ["tiers", "create", "--min", "1", "--base", "1", "--per-additional", "1", "--currency", "ZZZ"],
            "[currency_invalid]",
        ),
        (
            ["tiers", "create", "--min", "2", "--max", "3", "--base", "1", "--per-additional", "1"],
            "[tier_overlap]",
        ),
        (["tiers", "create", "--min", "12", "--base", "1", "--per-additional", "1"], "[tier_overlap]"),
        (["tiers", "create", "--min", "abc", "--base", "1", "--per-additional", "1"], "invalid int value"),
        (["tiers", "create", "--base", "1", "--per-additional", "1"], "--min"),
        (["tiers", "list", "--currency", "ZZZ"], "[currency_invalid]"),
        (
            ["taxes", "create", "--code", "vat", "--name", "VAT", "--rate", "16", "--from", "2024-01-01"],
            "[tax_rate_exists]",
        ),
        (
            ["taxes", "create", "--code", "x", "--name", "X", "--rate", "150", "--from", "2024-01-01"],
            "[tax_rate_invalid]",
        ),
        (
            ["taxes", "create", "--code", "x", "--name", "X", "--rate", "1", "--from", "01/01/2024"],
            "YYYY-MM-DD",
        ),
        (
            [
                "taxes",
                "create",
                "--code",
                "x",
                "--name",
                "X",
                "--rate",
                "1",
                "--from",
                "2024-01-01",
                "--kind",
                "bogus",
            ],
            "invalid choice",
        ),
        (["invoices", "nobody-here"], "[tenant_not_found]"),
        (["bogus"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message_and_writes_nothing(
    db: None, args: list[str], message: str
) -> None:
    make_tiers()
    make_rates()
    before = world()

    error = fails(*args)

    assert message in str(error)
    assert getattr(error, "returncode", 1) in (1, 2)
    if message.startswith("["):
        assert error.returncode == 2
    assert world() == before


def test_taxes_create_and_list(db: None) -> None:
    out = run("taxes", "create", "--code", "vat", "--name", "VAT", "--rate", "15", "--from", "2024-01-01")
    run(
        "taxes", "create", "--code", "gateway", "--name", "Gateway", "--rate", "2", "--from", "2024-01-01",
        "--kind", "service_charge",
    )  # fmt: skip

    assert "GHS vat (VAT, tax) is 15 % of the base amount on invoices issued from 2024-01-01." in out
    assert "gateway" in run("taxes", "list")
    data = json.loads(run("taxes", "list", "--json"))
    assert [(r["code"], r["kind"], r["rate_percent"]) for r in data] == [
        ("gateway", "service_charge", "2"),
        ("vat", "tax", "15"),
    ]


def test_invoices_of_a_tenant(tenant_a: Tenant) -> None:
    make_tiers()
    make_rates()
    billed_tenant(tenant_a, storefronts=1, days_ago=20)
    invoice = issue(tenant_a)

    table = run("invoices", "alpha")
    data = json.loads(run("invoices", "alpha", "--json"))

    assert "alpha: trialing" in table
    assert invoice.number in table
    assert "GHS 221.40" in table
    assert data["subscription"]["storefront_count"] == 1
    assert [(i["number"], i["total"], i["status"]) for i in data["invoices"]] == [
        (invoice.number, "221.40", "open")
    ]
    assert data["invoices"][0]["snapshot"]["total"] == "221.40"


def test_invoices_outlive_a_deleted_tenant(tenant_a: Tenant) -> None:
    from shared_apps.tenants.services import tenant_delete

    make_tiers()
    make_rates()
    billed_tenant(tenant_a, storefronts=1, days_ago=20)
    invoice = issue(tenant_a)

    tenant_delete(slug="alpha", actor="tests", confirmed=True)

    kept = Invoice.objects.get(pk=invoice.pk)
    assert (kept.tenant_id, kept.tenant_slug, kept.total) == (None, "alpha", invoice.total)
    data = json.loads(run("invoices", "alpha", "--json"))
    assert (data["subscription"], [i["number"] for i in data["invoices"]]) == (None, [invoice.number])


def test_the_cli_without_tiers_says_so(db: None) -> None:
    assert run("tiers", "list") == "No tiers.\n"
    assert run("taxes", "list") == "No tax rates.\n"


def test_exit_statuses_from_the_shell(live_db: None) -> None:
    """Nested sub-commands keep argparse's status 2 from the shell, like service errors."""

    def billing(*args: str) -> Any:
        return _manage("billing", *args)

    bad_int = billing("tiers", "create", "--min", "abc", "--base", "1", "--per-additional", "1")
    unknown = billing("invoices", "nobody-here")
    listed = billing("tiers", "list", "--json")

    assert (bad_int.returncode, "invalid int value" in bad_int.stderr) == (2, True)
    assert (unknown.returncode, "[tenant_not_found]" in unknown.stderr) == (2, True)
    assert (listed.returncode, type(json.loads(listed.stdout))) == (0, list)


def _manage(command: str, *args: str) -> Any:
    import os
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    host = (db["HOST"] or "").replace("/", "%2F")
    port = f":{db['PORT']}" if db["PORT"] else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{host}{port}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), command, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
