"""The books a tenant keeps, checked against each other (``manage.py tenant reconcile``).

Each tenant app that keeps books registers a checker in ``settings.POS_RECONCILERS``: a callable
run inside the tenant's schema that returns :class:`Check` results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
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
    checks: list[Check] = []
    with tenant_context(tenant):
        for reconciler in reconcilers():
            checks.extend(reconciler())
    return checks
