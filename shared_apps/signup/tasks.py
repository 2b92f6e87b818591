from __future__ import annotations

from django_tenants.utils import get_public_schema_name, schema_context

from pos_platform.celery import app
from shared_apps.signup.services import signups_purge


@app.task(name="signup.purge")
def purge() -> int:
    """Forget sign-ups never verified after two days (daily, on the public schema)."""
    with schema_context(get_public_schema_name()):
        return signups_purge()
