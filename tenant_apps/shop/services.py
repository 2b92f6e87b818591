"""The shop's settings and its clock: time zone and business day."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from pos_platform.db import connection
from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.services import audit_record
from pos_platform.kernel.http import text_problem
from pos_platform.kernel.money import MINOR_UNITS
from pos_platform.kernel.transactions import retrying
from shared_apps.tenants.services import tenant_update
from tenant_apps.shop.errors import SettingsInvalid
from tenant_apps.shop.models import RECEIPT_TEXT_LINES, RECEIPT_TEXT_MAX, ShopSettings


def shop_settings_get() -> ShopSettings:
    settings = ShopSettings.objects.first()
    if settings is None:  # the migration makes the row; this covers a hand-emptied table
        settings, _ = ShopSettings.objects.get_or_create(singleton=True)
    return settings


@retrying
@transaction.atomic
def shop_settings_update(
    *,
    actor: Actor,
    prices_include_tax: bool | None = None,
    allow_negative_stock: bool | None = None,
    minor_unit: int | None = None,
    receipt_header: str | None = None,
    receipt_footer: str | None = None,
) -> ShopSettings:
    settings = ShopSettings.objects.select_for_update(no_key=True).get(pk=shop_settings_get().pk)
    changes: dict[str, object] = {}
    if minor_unit is not None and minor_unit not in MINOR_UNITS:
        raise SettingsInvalid(
            gettext_noop("The minor unit is 0, 1 or 2 decimals."), details={"minor_unit": minor_unit}
        )
    texts = {
        name: _receipt_text(name, value)
        for name, value in (("receipt_header", receipt_header), ("receipt_footer", receipt_footer))
        if value is not None
    }
    for name, value in (
        ("prices_include_tax", prices_include_tax),
        ("allow_negative_stock", allow_negative_stock),
        ("minor_unit", minor_unit),
        *texts.items(),
    ):
        if value is not None and getattr(settings, name) != value:
            changes[name] = {"from": getattr(settings, name), "to": value}
            setattr(settings, name, value)
    if changes:
        settings.save(update_fields=[*changes, "updated_at"])
        audit_record(
            action="settings.update",
            actor=actor,
            object_type="settings",
            object_id=settings.pk,
            details=changes,
        )
    return settings


@lru_cache(maxsize=256)
def shop_time_zone_set(*, actor: Actor, time_zone: str) -> str:
    """Change the active shop's time zone (its owner, in the back office) through the platform's
    ``tenant_update``, as ``manage.py tenant update --timezone`` does: checked against zoneinfo,
    in the platform's audit log, the tenant's cached routes invalidated. Recorded in the shop's
    own audit log too. Business days, reports and receipts follow at once."""
    tenant = connection.tenant
    before = tenant.timezone
    updated = tenant_update(
        slug=tenant.slug, actor=f"portal:{actor.label or actor.user_id}", time_zone=time_zone
    )
    if updated.timezone != before:
        tenant.timezone = updated.timezone  # the rest of this request
        audit_record(
            action="settings.update",
            actor=actor,
            object_type="settings",
            object_id=shop_settings_get().pk,
            details={"timezone": {"from": before, "to": updated.timezone}},
        )
    return str(updated.timezone)


def _receipt_text(name: str, value: str) -> str:
    """A receipt header or footer as stored: line ends as line feeds, no trailing blanks; refused
    when too long, on too many lines, or holding another control character (a tab included)."""
    text = "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").split("\n")).strip()
    problem = text_problem(text) or ("contains a tab" if "\t" in text else None)
    if problem:
        raise SettingsInvalid(
            gettext_noop("The %(replace)s %(problem)s."),
            details={"field": name},
            params={"replace": name.replace("_", " "), "problem": problem},
        )
    if len(text) > RECEIPT_TEXT_MAX or text.count("\n") >= RECEIPT_TEXT_LINES:
        raise SettingsInvalid(
            gettext_noop(
                "The %(replace)s holds at most %(RECEIPT_TEXT_MAX)s characters on %(RECEIPT_TEXT_LINES)s "
                "lines."
            ),
            details={"field": name, "max_length": RECEIPT_TEXT_MAX, "max_lines": RECEIPT_TEXT_LINES},
            params={
                "replace": name.replace("_", " "),
                "RECEIPT_TEXT_MAX": RECEIPT_TEXT_MAX,
                "RECEIPT_TEXT_LINES": RECEIPT_TEXT_LINES,
            },
        )
    return text


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def shop_timezone() -> ZoneInfo:
    """The time zone of the tenant whose schema is active (UTC outside a tenant)."""
    name = getattr(getattr(connection, "tenant", None), "timezone", None) or "UTC"
    try:
        return _zone(name)
    except (KeyError, ValueError):
        return _zone("UTC")


def business_date(at: dt.datetime, zone: ZoneInfo | None = None) -> dt.date:
    """The shop's calendar day at ``at`` (``zone``: the shop's, when the caller has it already)."""
    return timezone.localtime(at, zone or shop_timezone()).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a shop day, as aware datetimes."""
    zone = shop_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def clock_tolerance() -> dt.timedelta:
    """How far a device clock may run ahead (``POS_SYNC_CLOCK_TOLERANCE_SECONDS``): a time given
    further in the future is refused here, and clamped by the sync push (``sync/clock.py``)."""
    return dt.timedelta(seconds=django_settings.POS_SYNC_CLOCK_TOLERANCE_SECONDS)


def occurred_at_resolve(at: dt.datetime | None, *, now: dt.datetime) -> dt.datetime:
    """``at`` checked (aware, not in the future beyond a small tolerance), or ``now``."""
    from pos_platform.kernel.errors import Unprocessable

    if at is None:
        return now
    if timezone.is_naive(at):
        raise Unprocessable(gettext_noop("Times must carry a time zone offset."), code="occurred_at_invalid")
    if at > now + clock_tolerance():
        raise Unprocessable(
            gettext_noop("The time given is in the future."),
            code="occurred_at_invalid",
            details={"occurred_at": at.isoformat()},
        )
    return at
