"""The reference terminal client: pairing, pulling a replica, queueing offline, uploading
through a network that loses requests and answers."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import override_settings
from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from shared_apps.tenants.services import TenantCreated
from sync import terminals
from sync.client import Offline, TerminalClient, Transport
from sync.models import Batch, Op
from tenant_apps.inventory.models import StockLevel
from tenant_apps.sales.models import Sale
from tenant_apps.storefronts.models import Storefront
from tenant_apps.storefronts.services import storefront_create
from tests.conftest import Shop, api_client, host_of
from tests.sync.conftest import pair_terminal
from tests.sync.ops import batch, push, sale
from tests.sync.transport import DjangoTransport, LossyTransport


def test_client_pairs_pulls_and_follows_changes(committed_tenant: Callable[..., TenantCreated]) -> None:
    tenant = committed_tenant().tenant
    with tenant_context(tenant):
        shop = storefront_create(code="ACC", name="Accra")
        storefront_create(code="TMA", name="Tema")
        pairing = terminals.terminal_create(
            storefront_id=shop.pk, code="T7", name="Till", actor=Actor.system("tests")
        )
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


def offline_till(shop: Shop, transport: Transport, *, sales: int, batch_size: int) -> TerminalClient:
    """A paired client holding ``sales`` queued sales of one bag of rice each."""
    paired = pair_terminal(shop.tenant, shop.storefront, code="T1")
    client = TerminalClient(transport, batch_size=batch_size, max_attempts=60, sleep=lambda _: None)
    client.use_credential(credential=paired.credential, terminal_code="T1", storefront_code="ACC")
    for _ in range(sales):
        client.enqueue(
            "sale",
            {
                "receipt_number": client.next_receipt_number(),
                "cashier_id": str(shop.cashier.user.pk),
                "lines": [{"product_id": str(shop.products["rice"].pk), "quantity": "1"}],
                "payments": [{"method": "cash", "amount": "25.00"}],
            },
        )
    return client


def test_lost_requests_and_answers_are_retried_and_each_sale_is_recorded_once(shop_a: Shop) -> None:
    lossy = LossyTransport(DjangoTransport(host_of(shop_a.tenant.slug)), random.Random(11))
    client = offline_till(shop_a, lossy, sales=30, batch_size=7)

    client.push()

    answers = client.results()
    assert lossy.inner.calls > 5  # some batches reached the server more than once
    assert client.pending() == []
    assert len(answers) == 30
    assert {a["status"] for a in answers.values()} == {"applied"}  # a resent batch: the stored answer
    with tenant_context(shop_a.tenant):
        assert Sale.objects.count() == 30
        assert Batch.objects.count() == 5  # 30 ops in batches of 7: each batch stored once
        level = StockLevel.objects.get(product=shop_a.products["rice"], storefront=shop_a.storefront)
        assert level.quantity == Decimal(100 - 30)


@override_settings(POS_SYNC_MAX_OPS=3)
def test_a_batch_over_the_limit_is_split_and_keeps_its_op_ids(shop_a: Shop) -> None:
    client = offline_till(shop_a, DjangoTransport(host_of(shop_a.tenant.slug)), sales=8, batch_size=8)
    queued = {op["op_id"] for op in client.pending()}

    client.push()

    assert set(client.results()) == queued
    assert {a["status"] for a in client.results().values()} == {"applied"}
    with tenant_context(shop_a.tenant):
        assert {str(pk) for pk in Sale.objects.values_list("pk", flat=True)} == queued
        assert Op.objects.count() == 8
        assert all(b.ops <= 3 for b in Batch.objects.all())


def test_a_batch_resent_later_with_a_new_terminal_time_gets_its_answer(shop_a: Shop) -> None:
    """The client stamps terminal_time when it sends: a batch whose answer was lost and that is
    sent again by a later push() carries a new one, and is still the same batch."""
    lossy = LossyTransport(
        DjangoTransport(host_of(shop_a.tenant.slug)),
        random.Random(1),
        lose_request=0,
        lose_response=1,
        duplicate=0,
    )
    client = offline_till(shop_a, lossy, sales=3, batch_size=3)
    client.max_attempts = 1
    with pytest.raises(Offline):
        client.push()  # applied by the server, the answer lost
    lossy.lose_response = 0

    client.push()

    assert client.pending() == []
    assert {a["status"] for a in client.results().values()} == {"applied"}
    with tenant_context(shop_a.tenant):
        assert Sale.objects.count() == 3
        assert Batch.objects.count() == 1


def test_a_batch_id_the_server_knows_for_other_ops_is_sent_again_under_a_new_one(shop_a: Shop) -> None:
    client = offline_till(shop_a, DjangoTransport(host_of(shop_a.tenant.slug)), sales=2, batch_size=2)
    taken_id, queued = client._next_batch() or ("", [])  # the batch the next push() sends
    http = api_client(shop_a.tenant.slug)
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {client.credential}")
    other = sale(99, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")], receipt="ACC-T1-000099")
    assert push(http, batch(other, batch_id=uuid.UUID(taken_id))).status_code == 200

    client.push()  # 422 batch_id_reused, then the same ops under a new batch_id

    assert {a["status"] for a in client.results().values()} == {"applied"}
    assert client.pending() == []
    with tenant_context(shop_a.tenant):
        assert {str(pk) for pk in Sale.objects.values_list("pk", flat=True)} == {
            other["op_id"],
            *(op["op_id"] for op in queued),
        }
        assert Batch.objects.count() == 2
