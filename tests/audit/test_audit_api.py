"""The shop's audit log API: owners and admins only, filtered, paginated, per tenant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.models import AuditEvent
from pos_platform.kernel.audit.services import audit_record
from shared_apps.tenants.models import Tenant


@pytest.fixture
def events(tenant_a: Tenant) -> list[AuditEvent]:
    import uuid

    actor = uuid.uuid4()
    with tenant_context(tenant_a):
        made = [
            audit_record(action="auth.login_failed", actor_label="x@y.test", ip="10.0.0.1"),
            audit_record(action="auth.login_succeeded", actor_id=actor, actor_label="a@y.test"),
            audit_record(action="staff.invited", actor_id=actor, object_type="membership", object_id="m-1"),
            audit_record(action="token.revoked", actor_id=actor, object_type="api_token", object_id="t-1"),
        ]
        AuditEvent.objects.filter(pk=made[0].pk).update(at=timezone.now() - timedelta(days=2))
    return made


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("admin", 200), ("manager", 403), ("cashier", 403)]
)
def test_who_may_read_the_log(
    role: str, status: int, tenant_a: Tenant, make_member: object, events: list
) -> None:  # type: ignore[type-arg]
    member = make_member(tenant_a, role)  # type: ignore[operator]

    response = member.client.get("/api/v1/audit/events")

    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "permission_denied"


def test_filters_and_pagination(tenant_a: Tenant, make_member: object, events: list) -> None:  # type: ignore[type-arg]
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    actor = events[1].actor_id

    def ids(query: str) -> list[str]:
        response = owner.client.get(f"/api/v1/audit/events?{query}")
        assert response.status_code == 200, response.json()
        return [e["id"] for e in response.json()["results"]]

    assert ids("action=staff.invited") == [str(events[2].pk)]
    assert set(ids("action=auth.")) == {str(events[0].pk), str(events[1].pk)}
    assert set(ids(f"actor={actor}")) == {str(e.pk) for e in events[1:]}
    assert ids("object_type=api_token&object_id=t-1") == [str(events[3].pk)]
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert str(events[0].pk) not in ids(f"since={since}&limit=100")
    assert ids(f"until={since}") == [str(events[0].pk)]

    page = owner.client.get("/api/v1/audit/events?limit=2").json()
    assert page["count"] >= 4
    assert len(page["results"]) == 2
    assert page["next"]
    newest_first = [e["at"] for e in owner.client.get("/api/v1/audit/events?limit=100").json()["results"]]
    assert newest_first == sorted(newest_first, reverse=True)

    bad = owner.client.get("/api/v1/audit/events?actor=not-a-uuid")
    assert bad.status_code == 400
    assert bad.json()["code"] == "query_invalid"
    assert bad.json()["details"]["parameter"] == "actor"


def test_one_tenants_log_is_invisible_at_another(
    tenant_a: Tenant,
    tenant_b: Tenant,
    make_member: object,
    events: list,  # type: ignore[type-arg]
) -> None:
    owner_a = make_member(tenant_a, "owner")  # type: ignore[operator]
    owner_b = make_member(tenant_b, "owner")  # type: ignore[operator]
    from tests.conftest import api_client

    at_b = owner_b.client.get("/api/v1/audit/events?limit=100").json()["results"]
    foreign = api_client("beta")
    foreign.credentials(HTTP_AUTHORIZATION=f"Bearer {owner_a.token}")

    assert not {e["id"] for e in at_b} & {str(e.pk) for e in events}
    assert foreign.get("/api/v1/audit/events").status_code == 401


def test_an_actor_gives_the_events_actor_id_label_and_address(tenant_a: Tenant) -> None:
    import uuid

    actor = Actor(user_id=uuid.uuid4(), label="m@alpha.test", ip="10.0.0.7")
    with tenant_context(tenant_a):
        event = audit_record(action="product.update", actor=actor, object_id=uuid.UUID(int=1))
        event.refresh_from_db()

    assert (event.actor_id, event.actor_label, event.ip) == (actor.user_id, "m@alpha.test", "10.0.0.7")
    assert event.object_id == "00000000-0000-0000-0000-000000000001"
