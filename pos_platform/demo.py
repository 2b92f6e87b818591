"""The demo tenant that ``make run`` seeds: idempotent, safe to run at every start.

Apps add their own demo data by listing a seeding function in ``settings.POS_DEMO_SEEDERS``; each
is called inside the demo tenant's schema with the seed context and may add lines to print.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from django_tenants.utils import tenant_context

from shared_apps.tenants.models import Tenant
from shared_apps.tenants.services import tenant_create

DEMO_SLUG = "demo"
DEMO_OWNER = "owner@demo.localhost"


@dataclass
class DemoContext:
    tenant: Tenant
    # Facts to print for the person running the demo (credentials, codes, URLs).
    lines: list[str] = field(default_factory=list)
    # Kept between runs in the data folder, for seeders that create credentials shown once.
    state: dict[str, Any] = field(default_factory=dict)


def _state_file() -> Path:
    return settings.POS_DATA_DIR / "demo.json"


def demo_seed() -> DemoContext:
    path = _state_file()
    state: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
    if tenant is None:
        created = tenant_create(
            slug=DEMO_SLUG, name="Demo Shop", owner_email=DEMO_OWNER, actor="system:demo", owner_password=True
        )
        tenant = created.tenant
        if created.owner_password:
            state["owner_password"] = created.owner_password
    context = DemoContext(tenant=tenant, state=state)
    context.lines.append(f"Owner: {DEMO_OWNER} / {state.get('owner_password', '(set earlier)')}")
    with tenant_context(tenant):
        for path_ in getattr(settings, "POS_DEMO_SEEDERS", []):
            import_string(path_)(context)
    path.write_text(json.dumps(state, indent=2))
    os.chmod(path, 0o600)
    return context
