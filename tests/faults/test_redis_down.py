"""Redis stopped under the production server: the shop keeps selling, uploading and serving pages.

gunicorn runs on a Redis of the test's own, which the test kills (as a crash would) and starts
again on the same port. While it is down, routes come from the database, throttles count in the
process, a message is kept in the outbox and readiness says Redis is down while liveness is up;
once it is back, routes are cached again and the kept message is delivered."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from bench.common import RedisProcess
from shared_apps.messaging.models import Message
from shared_apps.messaging.services import messages_sweep
from sync.models import Op
from tenant_apps.sales.models import Sale
from tests.conftest import member_make, session_login
from tests.faults.conftest import FaultShop, push_over_http
from tests.live_server import gunicorn
from tests.messaging.servers import SmtpServer

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("live_db")]


def route_key(host: str) -> str:
    return f"{settings.CACHES['default']['KEY_PREFIX']}:1:route:v2:{host}"


def portal_cookie(fault: FaultShop) -> str:
    """A verified portal session of the owner (sessions are in the database)."""
    client = session_login(APIClient(), fault.shop.owner.user, fault.shop.tenant)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_with_redis_down_the_shop_sells_uploads_and_serves_pages_and_recovers_after(
    fault_shop: Callable[..., FaultShop], own_redis: RedisProcess, smtp: SmtpServer
) -> None:
    fault = fault_shop(terminals=1)
    till = fault.tills[0]
    owner = fault.shop.owner
    cashier_password = "a-long-cashier-pass-1"
    cashier = member_make(fault.shop.tenant, "cashier", storefront_id=fault.shop.storefront.pk)
    cashier.user.set_password(cashier_password)
    cashier.user.save(update_fields=["password"])
    cookie = portal_cookie(fault)
    env = {"REDIS_URL": own_redis.url, "DJANGO_SETTINGS_MODULE": "tests.faults.settings"}
    statuses: list[tuple[str, int]] = []

    def check(label: str, response: Any, expected: int) -> Any:
        statuses.append((label, response.status_code))
        assert response.status_code == expected, (label, response.status_code, response.text[:300])
        return response

    with gunicorn(workers=1, threads=4, env=env) as base:
        api = fault.client(base, token=owner.token)
        check("settings, Redis up", api.get("/api/v1/settings"), 200)
        assert own_redis.client().exists(route_key(fault.host)) == 1

        own_redis.stop()

        # Liveness stays up; readiness (and the full report) say Redis is down.
        plain = fault.client(base)
        check("live", plain.get("/healthz/live"), 200)
        ready = check("ready", plain.get("/healthz/ready"), 503).json()
        assert ready["redis"]["ok"] is False
        assert ready["database"]["ok"] is True
        # The web tier's readiness probe keeps this process in service: it can still sell.
        serving = check("serving", plain.get("/healthz/serving"), 200).json()
        assert serving["redis"]["ok"] is False

        # The tenant API, an online sale, an upload, a pull and a portal page all work.
        check("settings", api.get("/api/v1/settings"), 200)
        check("storefronts", api.post("/api/v1/storefronts", json={"code": "TMA", "name": "Tema"}), 201)
        sale = check(
            "sale",
            api.post("/api/v1/sales", json=fault.sale_body(), headers={"Idempotency-Key": uuid.uuid4().hex}),
            201,
        )
        pushed = push_over_http(plain, till.credential, fault.sales_batch(0, 1, 3))
        results = check("push", pushed, 200).json()["results"]
        assert [r["status"] for r in results] == ["applied"] * 3
        pull = plain.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {till.credential}"})
        check("pull", pull, 200)
        portal = fault.client(base)
        portal.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
        page = portal.get("/portal/sales")
        check("portal", page, 200)
        assert "Sales" in page.text

        # Sign-in with a password works, throttled in the process: the sixth wrong password of an
        # email is refused (429) like with Redis; the right one gets a token (cashiers have no MFA).
        login = fault.client(base)
        for _ in range(settings.POS_LOGIN_MAX_FAILURES_ACCOUNT):
            wrong = {"email": cashier.user.email, "password": "not-the-password"}
            check("wrong password", login.post("/api/v1/auth/login", json=wrong), 401)
        locked = {"email": cashier.user.email, "password": cashier_password}
        refused = check("locked out", login.post("/api/v1/auth/login", json=locked), 429)
        assert refused.json()["code"] == "throttled"
        other = member_make(fault.shop.tenant, "cashier", storefront_id=fault.shop.storefront.pk)
        other.user.set_password(cashier_password)
        other.user.save(update_fields=["password"])
        signed_in = login.post(
            "/api/v1/auth/login", json={"email": other.user.email, "password": cashier_password}
        )
        assert check("sign-in", signed_in, 200).json()["token"].startswith("pos_")
        # The API's MFA step keeps its challenge in Redis: refused plainly, never a 500.
        owner_password = "the-owner-pass-12345"
        owner.user.set_password(owner_password)
        owner.user.save(update_fields=["password"])
        mfa = login.post("/api/v1/auth/login", json={"email": owner.user.email, "password": owner_password})
        check("mfa sign-in", mfa, 503)
        assert mfa.json()["code"] == "sign_in_unavailable"
        assert mfa.headers["Retry-After"] == "10"

        # A message caused now (a password reset) is kept in the outbox: the kick cannot reach
        # the broker, and the request does not fail for it.
        reset = login.post("/api/v1/auth/password-reset", json={"email": owner.user.email})
        check("password reset", reset, 202)
        kept = Message.objects.filter(to=owner.user.email, kind="password_reset")
        assert [m.status for m in kept] == ["queued"]

        own_redis.start()

        # Back: once the process tries Redis again (a second after its last failure), the next
        # request caches the route again, and Redis is reported ready.
        deadline = time.monotonic() + 10
        while not own_redis.client().exists(route_key(fault.host)) and time.monotonic() < deadline:
            check("settings, Redis back", api.get("/api/v1/settings"), 200)
            time.sleep(0.2)
        assert own_redis.client().exists(route_key(fault.host)) == 1
        assert plain.get("/healthz").json()["redis"]["ok"] is True

    # Only readiness and the API's MFA step answered 503, on purpose; nothing else failed.
    assert [label for label, status in statuses if status >= 500] == ["ready", "mfa sign-in"]
    # The minute's sweep (beat's job, run here as the worker would) delivers the kept message.
    messages_sweep()
    assert [m.status for m in kept.all()] == ["sent"]
    assert len(smtp.to(owner.user.email)) == 1
    with tenant_context(fault.shop.tenant):
        assert Sale.objects.filter(pk=sale.json()["id"]).count() == 1
        assert Op.objects.filter(terminal_id=till.terminal.pk, status="applied").count() == 3
