"""Platform CLI: ``manage.py billing tiers|taxes|invoices``.

Bad input exits with status 2 and a message naming the problem; nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext_noop

from pos_platform.cli import PlatformCommand
from shared_apps.billing.models import Invoice, PricingTier, TaxRate
from shared_apps.billing.pricing import percent_text, validate_currency
from shared_apps.billing.selectors import invoice_list_for_slug, tax_rate_list, tier_list
from shared_apps.billing.services.taxes import tax_rate_create
from shared_apps.billing.services.tiers import tier_create
from shared_apps.tenants.errors import TenantNotFound
from shared_apps.tenants.models import Tenant


def tier_as_dict(tier: PricingTier) -> dict[str, Any]:
    return {
        "id": tier.pk,
        "currency": tier.currency,
        "min_storefronts": tier.min_storefronts,
        "max_storefronts": tier.max_storefronts,
        "base_price": str(tier.base_price),
        "price_per_additional": str(tier.price_per_additional),
        "active": tier.is_active,
        "created_at": tier.created_at.isoformat(),
        "created_by": tier.created_by,
        "retired_at": tier.retired_at.isoformat() if tier.retired_at else None,
    }


def tax_rate_as_dict(rate: TaxRate) -> dict[str, Any]:
    return {
        "currency": rate.currency,
        "code": rate.code,
        "name": rate.name,
        "kind": rate.kind,
        "rate_percent": percent_text(rate.rate),
        "effective_from": rate.effective_from.isoformat(),
        "created_by": rate.created_by,
    }


def invoice_as_dict(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "reference": invoice.reference,
        "status": invoice.status,
        "currency": invoice.currency,
        "period_start": invoice.period_start.isoformat(),
        "period_end": invoice.period_end.isoformat(),
        "issued_on": invoice.issued_on.isoformat(),
        "due_on": invoice.due_on.isoformat(),
        "paid_at": invoice.paid_at.isoformat() if invoice.paid_at else None,
        "storefront_count": invoice.storefront_count,
        "base_amount": str(invoice.base_amount),
        "tax_amount": str(invoice.tax_amount),
        "charge_amount": str(invoice.charge_amount),
        "total": str(invoice.total),
        "snapshot": invoice.snapshot,
    }


def _tier_row(tier: PricingTier) -> tuple[str, ...]:
    span = (
        f"{tier.min_storefronts}-{tier.max_storefronts}"
        if tier.max_storefronts is not None
        else f"{tier.min_storefronts}+"
    )
    status = "active" if tier.is_active else "retired"
    return (str(tier.pk), tier.currency, span, str(tier.base_price), str(tier.price_per_additional), status)


def _tax_rate_row(rate: TaxRate) -> tuple[str, ...]:
    return (
        rate.currency,
        rate.code,
        rate.name,
        rate.kind,
        percent_text(rate.rate),
        rate.effective_from.isoformat(),
    )


class Command(PlatformCommand):
    help = "Pricing tiers, platform tax rates and tenants' invoices."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="area", required=True, metavar="AREA")

        tiers = sub.add_parser("tiers", help="List or create pricing tiers.")
        tiers_sub = tiers.add_subparsers(dest="action", required=True, metavar="ACTION")
        tiers_list = tiers_sub.add_parser("list", help="List active tiers.")
        tiers_list.add_argument("--json", action="store_true")
        tiers_list.add_argument("--all", action="store_true", help="Include retired tiers.")
        tiers_list.add_argument("--currency", default=None)
        create = tiers_sub.add_parser(
            "create",
            help="Add a tier. Active tiers of a currency must cover 1, 2, 3, ... without overlap or gap.",
        )
        create.add_argument("--min", type=int, required=True, dest="min_storefronts", metavar="N")
        create.add_argument(
            "--max", type=int, default=None, dest="max_storefronts", metavar="N", help="Omit for open-ended."
        )
        create.add_argument(
            "--base", required=True, metavar="AMOUNT", help="Price at or below --min storefronts."
        )
        create.add_argument(
            "--per-additional", required=True, metavar="AMOUNT", help="Price of each storefront above --min."
        )
        create.add_argument("--currency", default="GHS")
        create.add_argument(
            "--replace",
            action="store_true",
            help="Retire the active tiers this one overlaps (a price change).",
        )

        taxes = sub.add_parser("taxes", help="List or create platform tax rates and service charges.")
        taxes_sub = taxes.add_subparsers(dest="action", required=True, metavar="ACTION")
        taxes_list = taxes_sub.add_parser("list", help="List every rate, newest first per code.")
        taxes_list.add_argument("--json", action="store_true")
        taxes_list.add_argument("--currency", default=None)
        tax = taxes_sub.add_parser(
            "create", help="Add a rate (a percentage of the invoice's base amount) from a date on."
        )
        tax.add_argument("--code", required=True, help="e.g. vat, nhil, getfund, covid19, gateway")
        tax.add_argument("--name", required=True)
        tax.add_argument("--rate", required=True, metavar="PERCENT", help="e.g. 15 or 2.5; 0 ends a levy.")
        tax.add_argument("--from", required=True, dest="effective_from", metavar="YYYY-MM-DD")
        tax.add_argument("--currency", default="GHS")
        tax.add_argument("--kind", default=TaxRate.Kind.TAX, choices=TaxRate.Kind.values)

        invoices = sub.add_parser("invoices", help="A tenant's subscription and invoices.")
        invoices.add_argument("slug")
        invoices.add_argument("--json", action="store_true")

    def handler(self, options: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
        action = f"_{options['action']}" if options.get("action") else ""
        return getattr(self, f"do_{options['area']}{action}")

    # ----------------------------------------------------------------------------------------

    def do_tiers_list(self, options: dict[str, Any]) -> None:
        currency = validate_currency(options["currency"]) if options["currency"] else None
        self.write_listing(
            tier_list(include_retired=options["all"], currency=currency),
            as_json=options["json"],
            as_dict=tier_as_dict,
            empty="No tiers.",
            header=("ID", "CURRENCY", "STOREFRONTS", "BASE", "PER ADDITIONAL", "STATUS"),
            row=_tier_row,
        )

    def do_tiers_create(self, options: dict[str, Any]) -> None:
        tier = tier_create(
            min_storefronts=options["min_storefronts"],
            max_storefronts=options["max_storefronts"],
            base_price=options["base"],
            price_per_additional=options["per_additional"],
            currency=options["currency"],
            replace=options["replace"],
            actor=self.actor,
        )
        upper = tier.max_storefronts if tier.max_storefronts is not None else "and more"
        self.stdout.write(
            self.style.SUCCESS(
                f"Created tier {tier.pk}: {tier.min_storefronts} to {upper} storefronts, "
                f"{tier.currency} {tier.base_price} + {tier.price_per_additional} per storefront above "
                f"{tier.min_storefronts}."
            )
        )
        self.stdout.write("Subscriptions take the new price at the next daily validation or invoice.")

    def do_taxes_list(self, options: dict[str, Any]) -> None:
        currency = validate_currency(options["currency"]) if options["currency"] else None
        self.write_listing(
            tax_rate_list(currency=currency),
            as_json=options["json"],
            as_dict=tax_rate_as_dict,
            empty="No tax rates.",
            header=("CURRENCY", "CODE", "NAME", "KIND", "RATE %", "FROM"),
            row=_tax_rate_row,
        )

    def do_taxes_create(self, options: dict[str, Any]) -> None:
        raw = options["effective_from"]
        try:
            effective_from = date.fromisoformat(raw)
        except ValueError as exc:
            raise CommandError(f"--from must be a date as YYYY-MM-DD, not {raw!r}.", returncode=2) from exc
        rate = tax_rate_create(
            code=options["code"],
            name=options["name"],
            rate=options["rate"],
            effective_from=effective_from,
            currency=options["currency"],
            kind=options["kind"],
            actor=self.actor,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{rate.currency} {rate.code} ({rate.name}, {rate.kind}) is {percent_text(rate.rate)} % "
                f"of the base amount on invoices issued from {rate.effective_from.isoformat()}."
            )
        )

    def do_invoices(self, options: dict[str, Any]) -> None:
        slug = options["slug"]
        tenant = Tenant.objects.select_related("subscription").filter(slug=slug).first()
        invoices = list(invoice_list_for_slug(slug=slug))
        if tenant is None and not invoices:
            raise TenantNotFound(
                gettext_noop("No tenant with slug %(slug)s."),
                details={"slug": slug},
                params={"slug": f"{slug!r}"},
            )
        subscription = getattr(tenant, "subscription", None) if tenant is not None else None
        sub_data = (
            {
                "status": subscription.status,
                "period_start": subscription.period_start.isoformat(),
                "period_end": subscription.period_end.isoformat(),
                "storefront_count": subscription.storefront_count,
                "billable_storefronts": subscription.peak_storefront_count,
                "next_invoice_base_amount": None if subscription.amount is None else str(subscription.amount),
                "currency": subscription.currency,
            }
            if subscription is not None
            else None
        )
        if options["json"]:
            data = {
                "tenant": slug,
                "subscription": sub_data,
                "invoices": [invoice_as_dict(i) for i in invoices],
            }
            self.stdout.write(json.dumps(data, indent=2))
            return
        if sub_data is None:
            self.stdout.write(f"{slug}: no subscription.")
        else:
            amount = sub_data["next_invoice_base_amount"] or "unpriced (no tier)"
            self.stdout.write(
                f"{slug}: {sub_data['status']}, period {sub_data['period_start']}..{sub_data['period_end']}, "
                f"{sub_data['storefront_count']} active storefronts, next invoice bills "
                f"{sub_data['billable_storefronts']}: {sub_data['currency']} {amount} before tax."
            )
        if not invoices:
            self.stdout.write("No invoices.")
            return
        rows = [("NUMBER", "STATUS", "PERIOD", "STOREFRONTS", "TOTAL", "DUE", "PAID")]
        for i in invoices:
            rows.append(
                (
                    i.number,
                    i.status,
                    f"{i.period_start.isoformat()}..{i.period_end.isoformat()}",
                    str(i.storefront_count),
                    f"{i.currency} {i.total}",
                    i.due_on.isoformat(),
                    i.paid_at.strftime("%Y-%m-%d %H:%M") if i.paid_at else "-",
                )
            )
        self.write_table(rows)
