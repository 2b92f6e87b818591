"""Tax categories and rates: effective dates, rate changes close the old rate, overlaps refused."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.models import AuditEvent
from pos_platform.kernel.errors import ApplicationError
from tenant_apps.taxes.models import TaxCategory, TaxRate
from tenant_apps.taxes.services import tax_rate_add, tax_rate_end
from tests.conftest import Shop, api_client
from tests.sales.helpers import D, use

ACTOR = Actor.system("test")


def books() -> tuple[set[tuple[object, ...]], int, int]:
    """Every rate with its period, the categories and the audit log: a refusal changes none."""
    rates = set(TaxRate.objects.values_list("category_id", "code", "rate", "effective_from", "effective_to"))
    return rates, TaxCategory.objects.count(), AuditEvent.objects.count()


def test_a_rate_change_closes_the_open_rate_at_the_new_start(shop_a: Shop) -> None:
    start = timezone.now() + dt.timedelta(days=30)
    old = TaxRate.objects.get(code="VAT")

    new = tax_rate_add(
        category_id=shop_a.standard.pk, code="VAT", name="VAT", rate=D(20), effective_from=start, actor=ACTOR
    )

    old.refresh_from_db()
    assert old.effective_to == start == new.effective_from
    assert new.effective_to is None


def test_overlapping_and_invalid_rates_are_refused(shop_a: Shop) -> None:
    since = timezone.now() - dt.timedelta(days=1000)
    before = books()
    cases = [
        (dict(code="VAT", rate=D(5), effective_from=since, effective_to=timezone.now()), "tax_rate_overlap"),
        (dict(code="VAT", rate=D(101)), "tax_rate_invalid"),
        (dict(code="VAT", rate=D("1.00001")), "tax_rate_invalid"),
        (dict(code="vat rate", rate=D(1)), "tax_code_invalid"),
        (dict(code="X", rate=D(1), effective_to=timezone.now() - dt.timedelta(days=1)), "tax_period_invalid"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ApplicationError) as error:
            tax_rate_add(category_id=shop_a.standard.pk, name="n", actor=ACTOR, **kwargs)  # type: ignore[arg-type]
        assert error.value.code == code, kwargs
    with pytest.raises(ApplicationError) as error:
        tax_rate_add(category_id=uuid.uuid4(), code="X", name="n", rate=D(1), actor=ACTOR)
    assert error.value.code == "tax_category_not_found"
    assert books() == before


def test_ending_a_levy(shop_a: Shop) -> None:
    covid = TaxRate.objects.get(code="COVID")
    ended = tax_rate_end(rate_id=covid.pk, actor=ACTOR)
    assert ended.effective_to is not None
    before = books()
    with pytest.raises(ApplicationError) as error:
        tax_rate_end(rate_id=covid.pk, actor=ACTOR, effective_to=ended.effective_to + dt.timedelta(days=1))
    assert error.value.code == "tax_rate_ended"
    assert books() == before


def test_tax_api(shop_a: Shop) -> None:
    owner = shop_a.owner.client
    category = owner.post("/api/v1/tax-categories", {"code": "ZERO", "name": "Zero rated"}, format="json")
    rate = owner.post(
        "/api/v1/tax-rates",
        {"category_id": category.json()["id"], "code": "VAT", "name": "VAT", "rate": "0"},
        format="json",
    )
    before = books()
    taken = owner.post("/api/v1/tax-categories", {"code": "ZERO", "name": "again"}, format="json")
    bad = owner.post(
        "/api/v1/tax-rates",
        {"category_id": category.json()["id"], "code": "VAT", "name": "VAT", "rate": "-1"},
        format="json",
    )
    cashier = shop_a.cashier.client.post("/api/v1/tax-categories", {"code": "C", "name": "c"}, format="json")
    cashier_end = shop_a.cashier.client.post(f"/api/v1/tax-rates/{rate.json()['id']}/end", {}, format="json")
    assert books() == before
    ended = owner.post(f"/api/v1/tax-rates/{rate.json()['id']}/end", {}, format="json")
    now = timezone.now().isoformat().replace("+00:00", "Z")
    in_force = owner.get(f"/api/v1/tax-rates?category_id={shop_a.standard.pk}&at={now}").json()

    assert category.status_code == rate.status_code == 201
    assert (taken.status_code, taken.json()["code"]) == (409, "tax_category_code_taken")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    assert cashier.status_code == cashier_end.status_code == 403
    assert ended.status_code == 200
    assert ended.json()["effective_to"]
    assert sorted(r["code"] for r in in_force) == ["COVID", "GETFUND", "NHIL", "VAT"]


def test_tax_isolation(shop_a: Shop, shop_b: Shop) -> None:
    use(shop_a)
    vat = TaxRate.objects.get(code="VAT")
    response = shop_b.owner.client.post(f"/api/v1/tax-rates/{vat.pk}/end", {}, format="json")
    foreign = api_client("beta")
    foreign.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_a.owner.token}")

    assert (response.status_code, response.json()["code"]) == (404, "tax_rate_not_found")
    assert foreign.get("/api/v1/tax-rates").status_code == 401
    use(shop_a)
    vat.refresh_from_db()
    assert vat.effective_to is None
