"""Billing's daily jobs, run by Celery beat on the public schema (``CELERY_BEAT_SCHEDULE``).

Each calls one service and returns its report; each is safe to run twice (a second run finds
nothing left to do, and the database's constraints would refuse a duplicate anyway).
"""

from __future__ import annotations

from typing import Any

from django_tenants.utils import get_public_schema_name, schema_context

from pos_platform.celery import app
from shared_apps.billing.services.dunning import dunning_run
from shared_apps.billing.services.invoices import invoices_issue_due
from shared_apps.billing.services.subscriptions import subscriptions_validate


@app.task(name="billing.validate_subscriptions")
def validate_subscriptions() -> dict[str, Any]:
    with schema_context(get_public_schema_name()):
        return subscriptions_validate().as_dict()


@app.task(name="billing.issue_invoices")
def issue_invoices() -> dict[str, Any]:
    with schema_context(get_public_schema_name()):
        return invoices_issue_due().as_dict()


@app.task(name="billing.run_dunning")
def run_dunning() -> dict[str, Any]:
    with schema_context(get_public_schema_name()):
        return dunning_run().as_dict()
