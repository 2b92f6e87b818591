"""Pull: full snapshot paged, then changes and tombstones by cursor; never a skipped change.

The feed only hands out changes of committed transactions older than every running one, so these
tests commit their data (``committed_tenant``) instead of running inside a test transaction.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django_tenants.utils import tenant_context

from shared_apps.accounts.services.staff import staff_invite
from shared_apps.tenants.models import Tenant
from shared_apps.tenants.services import TenantCreated
from tenant_apps.storefronts.models import Storefront
from tenant_apps.storefronts.services import storefront_create
from tests.conftest import api_client
from tests.sync.conftest import PairedTerminal, pair_terminal


def pull_all(client: Any, cursor: str | None = None, limit: int = 2) -> tuple[dict[str, dict], str, int]:
    """Pull until has_more is false; returns the replica of storefronts, the cursor, pages."""
    replica: dict[str, dict] = {}
    pages = 0
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/sync/pull", params)
        assert response.status_code == 200, response.json()
        body = response.json()
        pages += 1
        for obj in body["changes"].get("storefronts", []):
            replica[obj["id"]] = obj
        for oid in body["deleted"].get("storefronts", []):
            replica.pop(oid, None)
        cursor = body["cursor"]
        if not body["has_more"]:
            return replica, cursor, pages


def committed_terminal(
    committed_tenant: Callable[..., TenantCreated], code: str = "ACC"
) -> tuple[Tenant, PairedTerminal]:
    tenant = committed_tenant().tenant
    with tenant_context(tenant):
        shop = storefront_create(code=code, name="Accra Central")
    return tenant, pair_terminal(tenant, shop)


def test_snapshot_then_changes_and_tombstones(committed_tenant: Callable[..., TenantCreated]) -> None:
    tenant_a, terminal_a = committed_terminal(committed_tenant)
    with tenant_context(tenant_a):
        for i in range(4):
            storefront_create(code=f"S{i}", name=f"Shop {i}")

    replica, cursor, pages = pull_all(terminal_a.client, limit=2)
    assert {o["code"] for o in replica.values()} == {"ACC", "S0", "S1", "S2", "S3"}
    assert pages >= 3  # paged by the limit

    with tenant_context(tenant_a):
        Storefront.objects.filter(code="S1").update(name="Renamed")
        Storefront.objects.filter(code="S2").delete()
        storefront_create(code="S9", name="New")
    response = terminal_a.client.get("/api/v1/sync/pull", {"cursor": cursor})
    body = response.json()

    assert body["snapshot"] is False
    assert {o["code"]: o["name"] for o in body["changes"]["storefronts"]} == {"S1": "Renamed", "S9": "New"}
    assert len(body["deleted"]["storefronts"]) == 1
    again = terminal_a.client.get("/api/v1/sync/pull", {"cursor": body["cursor"]}).json()
    assert again["changes"] == {}
    assert again["deleted"] == {}
    assert again["has_more"] is False


def test_pull_snapshot_includes_cashiers(
    tenant_a: Tenant, terminal_a: PairedTerminal, make_member: Callable
) -> None:
    cashier = make_member(tenant_a, "cashier")

    body = terminal_a.client.get("/api/v1/sync/pull", {"limit": 100}).json()

    cashiers = {c["id"]: c for c in body["changes"]["cashiers"]}
    assert cashiers[str(cashier.user.pk)] == {
        "id": str(cashier.user.pk),
        "name": cashier.user.email,
        "role": "cashier",
        "active": True,
        "storefront_id": None,
        "expires_at": None,
        "pin": None,
    }


def test_a_pending_invitee_is_not_a_cashier_of_the_terminal(
    tenant_a: Tenant, terminal_a: PairedTerminal, make_member: Callable
) -> None:
    owner = make_member(tenant_a, "owner")
    _, cursor, _ = pull_all(terminal_a.client)
    with tenant_context(tenant_a):
        invited = staff_invite(actor=owner.membership, email="ama@example.com", role="cashier")

    snapshot = terminal_a.client.get("/api/v1/sync/pull", {"limit": 100}).json()
    changes = terminal_a.client.get("/api/v1/sync/pull", {"cursor": cursor, "limit": 100}).json()

    invitee = str(invited.membership.user_id)
    assert invitee not in {c["id"] for c in snapshot["changes"]["cashiers"]}
    assert str(owner.user.pk) in {c["id"] for c in snapshot["changes"]["cashiers"]}
    assert invitee not in {c["id"] for c in changes["changes"].get("cashiers", [])}


def test_cursor_of_another_tenant_or_garbage_is_refused(
    terminal_a: PairedTerminal, terminal_b: PairedTerminal
) -> None:
    cursor = terminal_a.client.get("/api/v1/sync/pull").json()["cursor"]

    foreign = terminal_b.client.get("/api/v1/sync/pull", {"cursor": cursor})
    garbage = terminal_a.client.get("/api/v1/sync/pull", {"cursor": "garbage"})
    bad_limit = terminal_a.client.get("/api/v1/sync/pull", {"limit": "0"})

    assert (foreign.status_code, foreign.json()["code"]) == (400, "cursor_invalid")
    assert (garbage.status_code, garbage.json()["code"]) == (400, "cursor_invalid")
    assert (bad_limit.status_code, bad_limit.json()["code"]) == (400, "limit_invalid")


def test_pull_snapshot_is_gzipped_for_clients_that_accept_it(
    tenant_a: Tenant, terminal_a: PairedTerminal
) -> None:
    with tenant_context(tenant_a):
        for i in range(30):
            storefront_create(code=f"G{i}", name=f"Shop number {i}")

    response = terminal_a.client.get("/api/v1/sync/pull", {"limit": 100}, HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"


# --------------------------------------------------------------------------------------------
# Changes that commit out of order
# --------------------------------------------------------------------------------------------


def _in_tenant(tenant: Tenant) -> None:
    connection.set_tenant(tenant)


def test_a_change_committed_late_is_not_skipped(committed_tenant: Callable[..., TenantCreated]) -> None:
    """Two catalog writers overlap: the one that started first takes its change id first and the
    other waits for it to commit, so a pull in between can never skip the slow one's change."""
    tenant, paired = committed_terminal(committed_tenant, code="ONE")
    _, cursor, _ = pull_all(paired.client)
    slow_wrote, release, fast_started = threading.Event(), threading.Event(), threading.Event()
    fast_pid: list[int] = []

    def slow_writer() -> None:
        _in_tenant(tenant)
        try:
            with transaction.atomic():
                storefront_create(code="SLOW", name="Slow")
                slow_wrote.set()
                release.wait(30)
        finally:
            connections.close_all()

    def fast_writer() -> None:
        _in_tenant(tenant)
        try:
            with connection.cursor() as cursor:
                cursor.execute(_BACKEND_ID)
                fast_pid.append(cursor.fetchone()[0])
            fast_started.set()
            storefront_create(code="FAST", name="Fast")
        finally:
            connections.close_all()

    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert slow_wrote.wait(30)
    fast = threading.Thread(target=fast_writer)
    fast.start()
    assert fast_started.wait(30)
    # Explicit synchronisation, not a sleep: the server says when the second writer waits for a
    # lock the first one holds.
    fast_blocked = _waits_for_a_lock(fast_pid[0])
    during = paired.client.get("/api/v1/sync/pull", {"cursor": cursor}).json()
    release.set()
    slow.join()
    fast.join()
    after = paired.client.get("/api/v1/sync/pull", {"cursor": during["cursor"]}).json()

    assert fast_blocked  # the second writer waits for the first to commit
    assert during["changes"] == {}
    assert [o["code"] for o in after["changes"]["storefronts"]] == ["SLOW", "FAST"]


def _waits_for_a_lock(pid: int, *, attempts: int = 3000) -> bool:
    """Poll pg_stat_activity until backend ``pid`` waits for a lock (each poll is a round trip;
    the bound only stops a broken run)."""
    with connection.cursor() as cursor:
        for _ in range(attempts):
            cursor.execute(_WAITING, [pid])
            if cursor.fetchone() is not None:
                return True
    return False


# On Citus the lock is waited for on the worker holding the shop, by a backend of the
# coordinator's distributed transaction: both are known by the transaction's global process id.
_BACKEND_ID = "SELECT citus_backend_gpid()" if settings.POS_CITUS else "SELECT pg_backend_pid()"
_WAITING = (
    "SELECT 1 FROM citus_stat_activity WHERE global_pid = %s AND wait_event_type = 'Lock'"
    if settings.POS_CITUS
    else "SELECT 1 FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'"
)


def test_concurrent_writers_and_pullers_converge(committed_tenant: Callable[..., TenantCreated]) -> None:
    tenant, paired = committed_terminal(committed_tenant, code="BASE")
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        _in_tenant(tenant)
        rng = random.Random(n)
        try:
            for i in range(25):
                with transaction.atomic():
                    if rng.random() < 0.6:
                        storefront_create(code=f"W{n}X{i}", name=f"w{n}-{i}")
                    else:
                        victim = Storefront.objects.order_by("?").first()
                        if victim is not None and rng.random() < 0.5:
                            Storefront.objects.filter(pk=victim.pk).update(name=f"renamed-{n}-{i}")
                        elif victim is not None and victim.code != "BASE":
                            victim.delete()
                    time.sleep(rng.random() / 200)  # hold the transaction open a little
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    replicas: list[dict[str, dict]] = []

    def puller() -> None:
        client = api_client(tenant.slug)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {paired.credential}")
        replica: dict[str, dict] = {}
        cursor = None
        try:
            while True:
                # Decided before the request: a pull that started before the last commit must
                # not be the last one.
                writers_done = stop.is_set()
                body = client.get(
                    "/api/v1/sync/pull", {"limit": 7} | ({"cursor": cursor} if cursor else {})
                ).json()
                for obj in body["changes"].get("storefronts", []):
                    replica[obj["id"]] = obj
                for oid in body["deleted"].get("storefronts", []):
                    replica.pop(oid, None)
                cursor = body["cursor"]
                if writers_done and not body["has_more"]:
                    break
            replicas.append(replica)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    pullers = [threading.Thread(target=puller) for _ in range(3)]
    for t in writers + pullers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in pullers:
        t.join()

    assert not errors, errors
    with tenant_context(tenant):
        truth = {str(s.pk): s.name for s in Storefront.objects.all()}
    assert len(replicas) == 3
    for replica in replicas:
        assert {oid: o["name"] for oid, o in replica.items()} == truth


def test_catalog_kinds_and_cashier_changes_come_through_the_feed(
    committed_tenant: Callable[..., TenantCreated],
) -> None:
    from decimal import Decimal

    from pos_platform.kernel.actors import Actor
    from shared_apps.accounts.models import Membership
    from tenant_apps.catalog.services import price_set, product_create
    from tests.conftest import member_make

    tenant, paired = committed_terminal(committed_tenant, code="CAT")
    _, cursor, _ = pull_all(paired.client, limit=50)
    with tenant_context(tenant):
        product = product_create(sku="MILK", name="Milk", price=Decimal("9.80"), actor=Actor.system("t"))
        price_set(product_id=product.pk, price=Decimal("10.50"), actor=Actor.system("t"))
    cashier = member_make(tenant, "cashier")

    changed = paired.client.get("/api/v1/sync/pull", {"cursor": cursor, "limit": 100}).json()

    assert [p["sku"] for p in changed["changes"]["products"]] == ["MILK"]
    assert sorted(p["price"] for p in changed["changes"]["prices"]) == ["10.50", "9.80"]
    assert [c["id"] for c in changed["changes"]["cashiers"]] == [str(cashier.user.pk)]

    Membership.objects.filter(pk=cashier.membership.pk).delete()
    gone = paired.client.get("/api/v1/sync/pull", {"cursor": changed["cursor"]}).json()

    assert gone["deleted"] == {"cashiers": [str(cashier.user.pk)]}


def test_a_terminal_gets_only_the_people_who_can_sell_at_its_storefront(
    committed_tenant: Callable[..., TenantCreated],
) -> None:
    from shared_apps.accounts.models import Membership
    from tests.conftest import member_make

    tenant, paired = committed_terminal(committed_tenant, code="HERE")
    with tenant_context(tenant):
        there = storefront_create(code="THERE", name="Kumasi")
    here_id = paired.terminal.storefront_id
    everywhere = member_make(tenant, "cashier")
    mine = member_make(tenant, "cashier", storefront_id=here_id)
    elsewhere = member_make(tenant, "cashier", storefront_id=there.pk)
    _, cursor, _ = pull_all(paired.client, limit=50)

    snapshot = paired.client.get("/api/v1/sync/pull", {"limit": 100}).json()
    ids = {c["id"] for c in snapshot["changes"]["cashiers"]}
    assert {str(everywhere.user.pk), str(mine.user.pk)} <= ids
    assert str(elsewhere.user.pk) not in ids

    # Moved to the other storefront: this terminal drops that cashier; moved here: it gets them.
    Membership.objects.filter(pk=mine.membership.pk).update(storefront_id=there.pk)
    Membership.objects.filter(pk=elsewhere.membership.pk).update(storefront_id=here_id)
    moved = paired.client.get("/api/v1/sync/pull", {"cursor": cursor, "limit": 100}).json()

    assert moved["deleted"].get("cashiers") == [str(mine.user.pk)]
    assert [c["id"] for c in moved["changes"]["cashiers"]] == [str(elsewhere.user.pk)]


def test_a_snapshot_sends_only_prices_in_force_or_to_come(
    committed_tenant: Callable[..., TenantCreated],
) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from pos_platform.kernel.actors import Actor
    from tenant_apps.catalog.services import price_set, product_create

    tenant, paired = committed_terminal(committed_tenant, code="SNAP")
    with tenant_context(tenant):
        product = product_create(sku="OIL", name="Oil", price=Decimal("30.00"), actor=Actor.system("t"))
        price_set(product_id=product.pk, price=Decimal("31.00"), actor=Actor.system("t"))
        price_set(
            product_id=product.pk,
            price=Decimal("35.00"),
            actor=Actor.system("t"),
            effective_from=timezone.now() + dt.timedelta(days=7),
        )

    client = paired.client
    prices: list[str] = []
    cursor = None
    while True:
        body = client.get("/api/v1/sync/pull", {"limit": 100} | ({"cursor": cursor} if cursor else {})).json()
        prices += [p["price"] for p in body["changes"].get("prices", []) if body["snapshot"]]
        cursor = body["cursor"]
        if not body["snapshot"]:
            break

    assert sorted(prices) == ["31.00", "35.00"]
