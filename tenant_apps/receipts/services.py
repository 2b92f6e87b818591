"""Receipts for customers: the contact given at a sale, the public link, and sending it.

:func:`customer_contact_parse` is the one reading of a sale's ``customer`` object, for the online
sale input and for a terminal's sale op alike. Online, a bad contact refuses the request before
anything is written; offline the sale already happened, so it is applied and the problem is
reported beside it (see ``sync/receipts.py``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_noop

from pos_platform.db import connection
from pos_platform.kernel.errors import ApplicationError
from shared_apps.messaging.addresses import email_normalise, phone_normalise
from shared_apps.messaging.links import shop_url
from shared_apps.messaging.rendering import language_of, money
from shared_apps.messaging.services import message_queue, opt_out_token, shop_messaging_of
from tenant_apps.receipts.errors import ContactInvalid, ReceiptSaleNotFound, ReceiptSendLimit
from tenant_apps.receipts.models import ReceiptLink, ReceiptRequest
from tenant_apps.sales.models import Sale
from tenant_apps.shop.services import shop_timezone

PHONE_CHANNELS = ("sms", "whatsapp")


@dataclass(frozen=True)
class Contact:
    channel: str
    to: str


@dataclass(frozen=True)
class CustomerContact:
    contacts: list[Contact] = field(default_factory=list)
    language: str | None = None
    # What could not be used: {"field", "code", "message"}.
    problems: list[dict[str, str]] = field(default_factory=list)


def _tenant() -> Any:
    return connection.tenant


def customer_contact_parse(raw: Any) -> CustomerContact:
    """``{"phone": "+233...", "email": "...", "channel": "sms"|"whatsapp", "language": "fr"}``,
    every key optional: the addresses to send the receipt to, normalised (a phone to E.164, read
    as a number of the shop's country when it has no country code), and what was wrong."""
    if raw is None:
        return CustomerContact()
    if not isinstance(raw, dict):
        return CustomerContact(
            problems=[
                {"field": "customer", "code": "contact_invalid", "message": "customer must be an object."}
            ]
        )
    contacts: list[Contact] = []
    problems: list[dict[str, str]] = []
    region = getattr(_tenant(), "country", None) or None
    channel = raw.get("channel", "sms")
    if channel not in PHONE_CHANNELS:
        problems.append(
            {"field": "customer.channel", "code": "channel_invalid", "message": "channel is sms or whatsapp."}
        )
        channel = "sms"
    if raw.get("phone") not in (None, ""):
        try:
            contacts.append(Contact(channel, phone_normalise(raw["phone"], region=region)))
        except ApplicationError as exc:
            problems.append({"field": "customer.phone", "code": exc.code, "message": exc.message})
    if raw.get("email") not in (None, ""):
        try:
            contacts.append(Contact("email", email_normalise(raw["email"])))
        except ApplicationError as exc:
            problems.append({"field": "customer.email", "code": exc.code, "message": exc.message})
    language = raw.get("language")
    if language is not None and (
        not isinstance(language, str) or language_of(language) != language[:2].lower()
    ):
        problems.append(
            {"field": "customer.language", "code": "language_invalid", "message": "language is en or fr."}
        )
        language = None
    return CustomerContact(
        contacts=contacts, language=language_of(language) if language else None, problems=problems
    )


def customer_contact_require(raw: Any) -> CustomerContact:
    """Online: the contact, or ``400 contact_invalid`` naming what is wrong (nothing written)."""
    parsed = customer_contact_parse(raw)
    if parsed.problems:
        raise ContactInvalid(details={"customer": parsed.problems})
    return parsed


# --------------------------------------------------------------------------------------------
# The public link
# --------------------------------------------------------------------------------------------


def receipt_token(sale_id: uuid.UUID) -> str:
    """The unguessable part of a sale's receipt address (192 bits of an HMAC under the server's
    key, bound to the shop and the sale)."""
    message = f"receipt:{_tenant().pk}:{sale_id}".encode()
    mac = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def receipt_path(*, sale_id: uuid.UUID) -> str:
    """``/r/<token>`` of the sale, made public now if it was not yet."""
    token = receipt_token(sale_id)
    ReceiptLink.objects.get_or_create(sale_id=sale_id, defaults={"digest": token_digest(token)})
    return f"/r/{token}"


def receipt_url(*, sale_id: uuid.UUID) -> str:
    return shop_url(tenant_id=_tenant().pk, path=receipt_path(sale_id=sale_id))


def receipt_urls(*, sale_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The receipt addresses of many sales at once, made public now if they were not yet (one
    insert whatever their number, for the sync engine's batches)."""
    if not sale_ids:
        return {}
    tokens = {sale_id: receipt_token(sale_id) for sale_id in sale_ids}
    # One statement with two array parameters rather than bulk_create's model instances and two
    # parameters per row: a sync batch of 200 sales spent about 8 % of its time here before.
    table = connection.ops.quote_name(ReceiptLink._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (sale_id, digest, created_at) "  # noqa: S608 - model metadata
            "SELECT s, d, %s FROM unnest(%s::uuid[], %s::text[]) AS v(s, d) ON CONFLICT DO NOTHING",
            [timezone.now(), list(tokens), [token_digest(token) for token in tokens.values()]],
        )
    base = shop_url(tenant_id=_tenant().pk, path="")
    return {sale_id: f"{base}/r/{token}" for sale_id, token in tokens.items()}


def sale_of_token(token: str) -> Sale | None:
    """The sale whose receipt is at ``/r/<token>`` at this shop, or None (at any other shop too)."""
    if not token or len(token) > 64:
        return None
    link = ReceiptLink.objects.filter(digest=token_digest(token)).first()
    if link is None or not hmac.compare_digest(receipt_token(link.sale_id), token):
        return None
    return Sale.objects.select_related("storefront").filter(pk=link.sale_id).first()


# --------------------------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------------------------


def _quantity(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def receipt_message_context(sale: Sale, *, language: str) -> dict[str, Any]:
    tenant = _tenant()
    currency = tenant.currency
    with translation.override(language):
        when = formats.date_format(timezone.localtime(sale.occurred_at, shop_timezone()), "DATETIME_FORMAT")
    lines = [
        {
            "quantity": _quantity(line.quantity),
            "name": line.name,
            "total": money(line.total, currency, language),
        }
        for line in sale.lines.order_by("position")
    ]
    return {
        "shop_name": tenant.name,
        "storefront_name": sale.storefront.name,
        "receipt_number": sale.receipt_number,
        "when": when,
        "lines": lines,
        "total": money(sale.total, currency, language),
        "tax_total": money(sale.tax_total, currency, language) if sale.tax_total else "",
        "url": receipt_url(sale_id=sale.pk),
    }


@transaction.atomic
def receipt_send(
    *,
    sale_id: uuid.UUID,
    channel: str,
    to: str,
    source: str,
    language: str | None = None,
    requested_by: uuid.UUID | None = None,
) -> ReceiptRequest:
    """Send the sale's receipt to a customer's number or address (in this transaction: it goes
    once the sale and this request commit). The same sale, channel and address again sends
    nothing more; a sale's receipt goes to at most ``POS_RECEIPT_MAX_ADDRESSES`` addresses."""
    sale = Sale.objects.select_related("storefront").filter(pk=sale_id).first()
    if sale is None:
        raise ReceiptSaleNotFound(details={"sale_id": str(sale_id)})
    region = getattr(_tenant(), "country", None) or None
    if channel not in ("email", *PHONE_CHANNELS):
        raise ContactInvalid(gettext_noop("channel is email, sms or whatsapp."), details={"channel": channel})
    try:
        address = email_normalise(to) if channel == "email" else phone_normalise(to, region=region)
    except ApplicationError as exc:
        raise ContactInvalid(exc.template, details={"to": [exc.code]}, params=exc.params) from exc
    existing = ReceiptRequest.objects.filter(sale_id=sale_id, channel=channel, to=address).first()
    if existing is not None:
        return existing
    if ReceiptRequest.objects.filter(sale_id=sale_id).count() >= settings.POS_RECEIPT_MAX_ADDRESSES:
        raise ReceiptSendLimit(details={"limit": settings.POS_RECEIPT_MAX_ADDRESSES})
    tenant = _tenant()
    language = language_of(language or shop_messaging_of(tenant_id=tenant.pk).language)
    request, _ = ReceiptRequest.objects.get_or_create(
        sale_id=sale_id,
        channel=channel,
        to=address,
        defaults={"language": language, "source": source, "requested_by": requested_by},
    )
    context = receipt_message_context(sale, language=language)
    if channel == "email":  # an SMS has no room for the link
        token = opt_out_token(channel=channel, address=address, category="receipt")
        context["opt_out_url"] = shop_url(tenant_id=tenant.pk, path=f"/messages/opt-out/{token}")
    message = message_queue(
        key=f"receipt:{tenant.pk}:{request.pk}",
        kind="receipt",
        category="receipt",
        channel=channel,
        to=address,
        language=language,
        tenant_id=tenant.pk,
        context=context,
    )
    if request.message_id != message.pk:
        request.message_id = message.pk
        request.save(update_fields=["message_id"])
    return request


def sale_receipts_send(*, sale_id: uuid.UUID, contact: CustomerContact, source: str) -> list[ReceiptRequest]:
    """Send the receipt to every address of a contact given at the sale."""
    return [
        receipt_send(sale_id=sale_id, channel=c.channel, to=c.to, source=source, language=contact.language)
        for c in contact.contacts
    ]
