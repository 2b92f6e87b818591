"""The reference terminal client: pairing, pulling a replica, queueing offline."""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import tenant_context

from shared_apps.tenants.services import TenantCreated
from sync import terminals
from sync.client import TerminalClient
from tenant_apps.storefronts.models import Storefront
from tenant_apps.storefronts.services import storefront_create
from tests.conftest import host_of
from tests.sync.transport import DjangoTransport


def test_client_pairs_pulls_and_follows_changes(committed_tenant: Callable[..., TenantCreated]) -> None:
    tenant = committed_tenant().tenant
    with tenant_context(tenant):
        shop = storefront_create(code="ACC", name="Accra")
        storefront_create(code="TMA", name="Tema")
        pairing = terminals.terminal_create(storefront_id=shop.pk, code="T7", name="Till", actor_id=None)
    client = TerminalClient(DjangoTransport(host_of(tenant.slug)))

    paired = client.pair(pairing.code, app_version="2.0")
    client.pull(limit=1)

    assert paired["storefront_code"] == "ACC"
    assert {s["code"] for s in client.replica("storefronts").values()} == {"ACC", "TMA"}
    with tenant_context(tenant):
        Storefront.objects.filter(code="TMA").delete()
        storefront_create(code="KSI", name="Kumasi")
    client.pull()
    assert {s["code"] for s in client.replica("storefronts").values()} == {"ACC", "KSI"}
    assert client.next_receipt_number() == "ACC-T7-000001"
    assert client.next_receipt_number() == "ACC-T7-000002"
