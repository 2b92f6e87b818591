"""Receipts for customers: given at an online sale or in a terminal's sale op, sent once through
the real SMTP server and the SMS provider's endpoint, readable at an unguessable page of the
shop's host and nowhere else."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from shared_apps.messaging.models import Message
from shared_apps.messaging.services import messages_sweep
from tenant_apps.receipts.models import ReceiptLink, ReceiptRequest
from tenant_apps.receipts.services import receipt_path
from tenant_apps.sales.models import Sale
from tests.conftest import Shop, host_of
from tests.messaging.servers import AfricasTalkingServer, SmtpServer
from tests.sales.helpers import sell
from tests.sync.conftest import PairedTerminal, pair_terminal
from tests.sync.ops import batch, push, results, sale


def online_sale(shop: Shop, **extra: Any) -> Any:
    return shop.cashier.client.post(
        "/api/v1/sales",
        {
            "storefront_id": str(shop.storefront.pk),
            "lines": [{"product_id": str(shop.products["rice"].pk), "quantity": "2"}],
            "payments": [{"method": "cash", "amount": "60.00"}],
            **extra,
        },
        format="json",
    )


def page(slug: str, path: str, **headers: Any) -> Any:
    return Client(HTTP_HOST=host_of(slug), **headers).get(path)


def receipt_link_in(text: str) -> str:
    match = re.search(r"http://alpha\.localhost(/r/[\w-]+)", text)
    assert match, text
    return match.group(1)


@pytest.fixture
def till(shop_a: Shop) -> PairedTerminal:
    return pair_terminal(shop_a.tenant, shop_a.storefront, code="T1")


def test_an_online_sale_sends_its_receipt_by_sms_and_email(
    shop_a: Shop, smtp: SmtpServer, at: AfricasTalkingServer
) -> None:
    answer = online_sale(shop_a, customer={"phone": "024 123 4567", "email": "Kofi@Example.com"})
    assert answer.status_code == 201, answer.content
    number = answer.json()["receipt_number"]
    assert {(r.channel, r.to) for r in ReceiptRequest.objects.all()} == {
        ("sms", "+233241234567"),
        ("email", "kofi@example.com"),
    }
    assert messages_sweep().outcomes == {"sent": 2}

    [sms] = at.accepted
    assert sms["to"] == "+233241234567"
    assert f"Alpha: receipt {number}, total GHS" in sms["message"]
    [mail] = smtp.to("kofi@example.com")
    assert mail.message["Subject"] == f"Your receipt {number} from Alpha"
    assert "2 \N{MULTIPLICATION SIGN} Rice" in mail.text
    assert "Total: GHS" in mail.text
    path = receipt_link_in(sms["message"])
    assert path == receipt_link_in(mail.text)

    shown = page("alpha", path)
    assert shown.status_code == 200
    html = shown.content.decode()
    assert number in html
    assert "Rice" in html
    assert "Accra Central" in html
    assert "Alpha" in html
    assert "GHS\xa050.00" in html or "GHS50.00" in html or "GHS 50.00" in html
    assert "Value Added Tax (15 %) included" in html
    assert f'src="{path}/qr.svg"' in html
    assert shown["X-Robots-Tag"] == "noindex, nofollow"
    assert shown["Referrer-Policy"] == "no-referrer"
    # Nothing about the customer or the cashier is on the page.
    assert "+233" not in html
    assert "kofi@" not in html
    assert shop_a.cashier.user.email not in html
    qr = page("alpha", f"{path}/qr.svg")
    assert qr.status_code == 200
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<?xml")
    assert b'xmlns="http://www.w3.org/2000/svg"' in qr.content


def test_the_receipt_page_in_french(shop_a: Shop) -> None:
    recorded = sell(shop_a, ("water", 1))
    html = page("alpha", receipt_path(sale_id=recorded.sale.pk) + "?lang=fr").content.decode()
    assert '<html lang="fr">' in html
    assert "Reçu" in html
    assert "Merci pour votre achat." in html


def test_a_bad_contact_refuses_an_online_sale_and_writes_nothing(shop_a: Shop) -> None:
    before = Sale.objects.count()
    answer = online_sale(shop_a, customer={"phone": "12345", "email": "nope"})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "contact_invalid"
    assert [p["field"] for p in body["details"]["customer"]] == ["customer.phone", "customer.email"]
    assert Sale.objects.count() == before
    assert not Message.objects.exists()
    assert not ReceiptRequest.objects.exists()


@pytest.mark.parametrize(
    ("customer", "code", "field"),
    [
        ({"phone": "+233241234567", "nickname": "Kofi"}, "field_unknown", "customer.nickname"),
        ("+233241234567", "invalid", "customer"),
    ],
)
def test_a_customer_of_the_wrong_shape_refuses_an_online_sale(
    shop_a: Shop, customer: Any, code: str, field: str
) -> None:
    before = Sale.objects.count()
    answer = online_sale(shop_a, customer=customer)
    assert (answer.status_code, answer.json()["code"]) == (400, code)
    named = answer.json()["details"]
    assert named.get("field", next(iter(named))) == field
    assert Sale.objects.count() == before
    assert not Message.objects.exists()


def test_a_refused_online_sale_queues_no_receipt(shop_a: Shop) -> None:
    answer = shop_a.cashier.client.post(
        "/api/v1/sales",
        {
            "storefront_id": str(shop_a.storefront.pk),
            "lines": [{"product_id": str(shop_a.products["rice"].pk), "quantity": "2"}],
            "payments": [{"method": "cash", "amount": "1.00"}],
            "customer": {"phone": "+233241234567"},
        },
        format="json",
    )
    assert answer.json()["code"] == "underpaid"
    assert not Message.objects.exists()
    assert not ReceiptRequest.objects.exists()


def test_an_offline_sale_with_a_contact_sends_its_receipt_once(
    shop_a: Shop, till: PairedTerminal, at: AfricasTalkingServer
) -> None:
    body = batch(
        sale(
            1,
            cashier=shop_a.cashier,
            lines=[(shop_a.products["water"], "3")],
            customer={"phone": "+233 20 111 2222", "channel": "whatsapp"},
        ),
    )
    [result] = results(push(till.client, body))
    assert result["status"] == "applied"
    assert "notes" not in result
    again = results(push(till.client, body))
    assert again == [result]
    # The same op in another batch: a duplicate, not a second receipt.
    [duplicate] = results(push(till.client, batch(body["ops"][0])))
    assert duplicate["status"] == "duplicate"

    assert ReceiptRequest.objects.filter(sale_id=result["id"]).count() == 1
    messages_sweep()
    [sent] = at.accepted
    assert sent["to"] == "+233201112222"
    assert at.requests[-1]["path"] == "/whatsapp/message/send"


def test_a_bad_contact_never_refuses_an_offline_sale(shop_a: Shop, till: PairedTerminal) -> None:
    body = batch(
        sale(
            1,
            cashier=shop_a.cashier,
            lines=[(shop_a.products["water"], "1")],
            customer={"phone": "not a phone", "email": "ok@example.com"},
        ),
        sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["water"], "1")], customer="+233241234567"),
    )
    first, second = results(push(till.client, body))
    assert first["status"] == second["status"] == "applied"
    assert [n["details"]["field"] for n in first["notes"]] == ["customer.phone"]
    assert first["notes"][0]["code"] == "customer_contact_invalid"
    assert [n["details"]["code"] for n in second["notes"]] == ["contact_invalid"]
    # The good address of the first still gets its receipt.
    assert list(ReceiptRequest.objects.values_list("channel", "to")) == [("email", "ok@example.com")]
    assert Sale.objects.filter(pk__in=[first["id"], second["id"]]).count() == 2


def test_an_old_client_without_a_contact_is_answered_as_before(shop_a: Shop, till: PairedTerminal) -> None:
    [result] = results(
        push(till.client, batch(sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["water"], "1")])))
    )
    # No notes; the receipt address (protocol 1.2) is a key old clients ignore.
    assert set(result) == {"op_id", "status", "id", "receipt_url"}
    assert not ReceiptRequest.objects.exists()


# ---- the page, seen from elsewhere --------------------------------------------------------


def test_the_receipt_of_shop_a_is_not_reachable_at_shop_b(shop_a: Shop, shop_b: Shop) -> None:
    connection.set_tenant(shop_a.tenant)
    mine = sell(shop_a, ("rice", 1))
    other = sell(shop_a, ("soap", 4))
    path = receipt_path(sale_id=mine.sale.pk)
    connection.set_schema_to_public()

    at_a = page("alpha", path)
    assert at_a.status_code == 200
    html = at_a.content.decode()
    assert mine.sale.receipt_number in html
    assert other.sale.receipt_number not in html
    assert "Soap" not in html

    at_b = page("beta", path)
    unknown = page("beta", "/r/" + "A" * 32)
    assert at_b.status_code == unknown.status_code == 404
    assert at_b.content == unknown.content
    assert mine.sale.receipt_number.encode() not in at_b.content
    with tenant_context(shop_b.tenant):
        assert not ReceiptLink.objects.exists()


def test_a_made_up_or_altered_token_is_not_found(shop_a: Shop) -> None:
    recorded = sell(shop_a, ("rice", 1))
    path = receipt_path(sale_id=recorded.sale.pk)
    connection.set_schema_to_public()
    for bad in (path[:-1] + ("A" if path[-1] != "A" else "B"), "/r/x", "/r/" + "a" * 300, path + "/../1"):
        assert page("alpha", bad).status_code == 404, bad


def test_receipt_pages_are_rate_limited_and_guessing_is_cut_short(shop_a: Shop, settings: Any) -> None:
    settings.POS_RECEIPT_MISSES_PER_IP = 3
    recorded = sell(shop_a, ("rice", 1))
    path = receipt_path(sale_id=recorded.sale.pk)
    connection.set_schema_to_public()
    assert [page("alpha", f"/r/guess{i}").status_code for i in range(3)] == [404, 404, 404]
    blocked = page("alpha", path)
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    # Another address is not blocked.
    assert page("alpha", path, REMOTE_ADDR="10.9.8.7").status_code == 200


# ---- the API ----------------------------------------------------------------------------------


def test_a_cashier_sends_the_receipt_afterwards_once_per_address(
    shop_a: Shop, smtp: SmtpServer, settings: Any
) -> None:
    settings.POS_RECEIPT_MAX_ADDRESSES = 2
    recorded = sell(shop_a, ("rice", 1))
    url = f"/api/v1/sales/{recorded.sale.pk}/receipt"
    client = shop_a.cashier.client
    first = client.post(url, {"channel": "email", "to": "ama@example.com"}, format="json")
    again = client.post(url, {"channel": "email", "to": "AMA@example.com "}, format="json")
    assert first.status_code == again.status_code == 202
    assert [r["to"] for r in again.json()["sent_to"]] == ["ama@example.com"]
    assert again.json()["url"].startswith("http://alpha.localhost/r/")
    assert client.post(url, {"channel": "sms", "to": "0241234567"}, format="json").status_code == 202
    over = client.post(url, {"channel": "email", "to": "third@example.com"}, format="json")
    assert (over.status_code, over.json()["code"]) == (429, "receipt_send_limit")
    bad = client.post(url, {"channel": "sms", "to": "999"}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "contact_invalid")
    assert Message.objects.filter(kind="receipt").count() == 2
    messages_sweep()
    assert len(smtp.to("ama@example.com")) == 1


def test_a_receipt_of_another_storefront_or_shop_is_not_found(
    shop_a: Shop, shop_b: Shop, make_member: Any
) -> None:
    connection.set_tenant(shop_a.tenant)
    recorded = sell(shop_a, ("rice", 1))
    elsewhere = make_member(shop_a.tenant, "cashier", storefront_id=shop_a.other_storefront.pk)
    url = f"/api/v1/sales/{recorded.sale.pk}/receipt"
    assert elsewhere.client.get(url).status_code == 404
    assert (
        elsewhere.client.post(url, {"channel": "email", "to": "x@example.com"}, format="json").status_code
        == 404
    )
    assert shop_b.owner.client.get(url).status_code == 404
    assert not ReceiptRequest.objects.exists()
    assert Decimal(recorded.sale.total) > 0


def test_a_customer_stops_receipts_by_the_link_in_the_mail(shop_a: Shop, smtp: SmtpServer) -> None:
    first = sell(shop_a, ("rice", 1))
    from tenant_apps.receipts.services import receipt_send

    receipt_send(sale_id=first.sale.pk, channel="email", to="esi@example.com", source="staff")
    connection.set_schema_to_public()
    messages_sweep()
    [mail] = smtp.to("esi@example.com")
    link = re.search(r"http://alpha\.localhost(/messages/opt-out/\S+)", mail.text)
    assert link, mail.text
    client = Client(HTTP_HOST=host_of("alpha"))
    shown = client.get(link.group(1))
    assert shown.status_code == 200
    assert "esi@example.com" in shown.content.decode()
    from shared_apps.messaging.models import Suppression

    assert not Suppression.objects.exists()  # a GET (a mail scanner) changes nothing
    assert client.post(link.group(1)).status_code == 200
    assert list(Suppression.objects.values_list("channel", "address", "category")) == [
        ("email", "esi@example.com", "receipt")
    ]
    assert client.get("/messages/opt-out/forged").status_code == 404

    connection.set_tenant(shop_a.tenant)
    second = sell(shop_a, ("rice", 1))
    request = receipt_send(sale_id=second.sale.pk, channel="email", to="esi@example.com", source="staff")
    assert Message.objects.get(pk=request.message_id).status == "suppressed"
