"""The books a tenant keeps, checked against each other (``manage.py tenant reconcile``).

Each tenant app that keeps books registers a checker in ``settings.POS_RECONCILERS``: a callable
run inside the tenant's schema that returns :class:`Check` results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string
from django_tenants.utils import tenant_context

from shared_apps.tenants.models import Tenant


@dataclass
class Check:
    name: str
    ok: bool
    checked: int = 0
    problems: list[str] = field(default_factory=list)


def reconcilers() -> list[Callable[[], list[Check]]]:
    return [import_string(path) for path in getattr(settings, "POS_RECONCILERS", [])]


def tenant_reconcile(*, tenant: Tenant) -> list[Check]:
    """Run every checker on one snapshot of the tenant's books (a read-only repeatable-read
    transaction, so sales that commit meanwhile cannot make the books look off).

    The checks read whole tables; nested loops are turned off for them, so that statistics that
    lag behind a large upload (autovacuum has not analysed it yet) cannot turn a hash join over
    every sale line into a nested loop over them."""
    checks: list[Check] = []
    nested = connection.in_atomic_block
    with tenant_context(tenant), transaction.atomic():
        with connection.cursor() as cursor:
            if not nested:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET LOCAL enable_nestloop = off")
        for reconciler in reconcilers():
            checks.extend(reconciler())
        if nested:
            # Inside a caller's transaction this block is a savepoint: releasing it keeps a SET
            # LOCAL (rolling it back on an error undoes it), so the caller's planner is given back.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_nestloop = DEFAULT")
    return checks
