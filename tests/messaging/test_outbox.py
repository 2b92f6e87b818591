"""The outbox: queued in the caller's transaction, delivered once through the real SMTP server
and the provider's endpoint, retried with backoff, dead-lettered, suppressed on opt-out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from shared_apps.messaging.channels import message_id_of
from shared_apps.messaging.models import Message, Suppression
from shared_apps.messaging.services import (
    message_deliver,
    message_queue,
    message_requeue,
    messages_sweep,
    suppression_add,
)
from tests.messaging.servers import AfricasTalkingServer, SmtpServer

RESET = {"shop_name": "Alpha", "url": "http://alpha.localhost/portal/password-reset/x", "minutes": 60}


def queue(key: str = "k1", *, channel: str = "email", to: str = "ama@example.com", **kw: Any) -> Message:
    return message_queue(
        key=key,
        kind=kw.pop("kind", "password_reset"),
        category=kw.pop("category", "security"),
        channel=channel,
        to=to,
        context=kw.pop("context", RESET),
        **kw,
    )


def make_due(message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_an_email_goes_through_smtp_once_however_often_its_delivery_runs(smtp: SmtpServer) -> None:
    message = queue(to=" Ama@Example.com ")

    assert message_deliver(message_id=message.pk) == "sent"
    assert message_deliver(message_id=message.pk) == "sent"
    assert messages_sweep().due == 0

    [received] = smtp.received
    assert received.rcpt_tos == ["ama@example.com"]
    assert received.message["Subject"] == "Reset your password at Alpha"
    assert received.message["Message-ID"] == message_id_of("k1")
    assert "http://alpha.localhost/portal/password-reset/x" in received.text
    assert "within 60 minutes" in received.text
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider) == ("sent", 1, "smtp")
    assert message.sent_at is not None
    assert message.lease_until is None


@pytest.mark.django_db
def test_the_same_key_queues_one_message() -> None:
    first = queue("same")
    second = queue("same", to="other@example.com")
    assert first.pk == second.pk
    assert Message.objects.filter(key="same").count() == 1
    assert Message.objects.get(key="same").to == "ama@example.com"


@pytest.mark.django_db
def test_a_rolled_back_transaction_queues_nothing(smtp: SmtpServer) -> None:
    def the_sale_fails() -> None:
        with transaction.atomic():
            queue("rolled-back")
            raise RuntimeError("the sale failed")

    with pytest.raises(RuntimeError):
        the_sale_fails()
    assert not Message.objects.filter(key="rolled-back").exists()
    assert messages_sweep().due == 0
    assert smtp.received == []


@pytest.mark.django_db
def test_a_french_message_is_rendered_in_french(smtp: SmtpServer) -> None:
    message = queue(language="fr-CI")
    assert message.language == "fr"
    message_deliver(message_id=message.pk)
    [received] = smtp.received
    assert received.message["Subject"] == "Réinitialisez votre mot de passe chez Alpha"
    assert "d'ici 60 minutes" in received.text


@pytest.mark.django_db
def test_smtp_deferring_then_accepting_delivers_once_after_a_backoff(smtp: SmtpServer) -> None:
    smtp.answers = ["451 4.3.0 Mailbox busy, try later"]
    message = queue()

    assert message_deliver(message_id=message.pk) == "queued"
    message.refresh_from_db()
    assert message.status == "queued"
    assert "451" in message.last_error
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=20)
    # Not due yet: neither a second delivery nor the sweep sends it.
    assert message_deliver(message_id=message.pk) == "queued"
    assert messages_sweep().due == 0
    assert smtp.received == []

    make_due(message)
    assert messages_sweep().outcomes == {"sent": 1}
    assert len(smtp.received) == 1
    assert smtp.attempts == 2
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")


@pytest.mark.django_db
def test_a_permanent_smtp_refusal_fails_without_retry(smtp: SmtpServer) -> None:
    smtp.answers = ["550 5.1.1 No such user"]
    message = queue()
    assert message_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == "failed"
    assert "550" in message.last_error
    assert message.failed_at is not None
    make_due(message)
    assert messages_sweep().due == 0
    assert smtp.attempts == 1


@pytest.mark.django_db
def test_retries_end_in_the_dead_letter_state_and_can_be_requeued(smtp: SmtpServer, settings: Any) -> None:
    settings.POS_MESSAGE_MAX_ATTEMPTS = 3
    smtp.answers = ["421 4.3.2 Service not available"] * 3
    message = queue()
    outcomes = []
    for _ in range(3):
        make_due(message)
        outcomes.append(message_deliver(message_id=message.pk))
    assert outcomes == ["queued", "queued", "dead"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("dead", 3)
    make_due(message)
    assert messages_sweep().due == 0

    message_requeue(message_id=message.pk)
    assert message_deliver(message_id=message.pk) == "sent"
    assert len(smtp.received) == 1


@pytest.mark.django_db
def test_a_delivery_that_died_mid_way_is_taken_up_after_its_lease(smtp: SmtpServer) -> None:
    message = queue()
    Message.objects.filter(pk=message.pk).update(
        status="sending", attempts=1, lease_until=timezone.now() + timedelta(seconds=60)
    )
    assert message_deliver(message_id=message.pk) == "sending"  # someone holds it
    assert smtp.received == []
    Message.objects.filter(pk=message.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert messages_sweep().outcomes == {"sent": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)


@pytest.mark.django_db
def test_an_opted_out_address_gets_no_receipt_but_still_gets_security_messages(smtp: SmtpServer) -> None:
    suppression_add(channel="email", address="ama@example.com", reason="opt_out")
    receipt = queue("r", kind="password_reset", category="receipt")
    security = queue("s")
    assert receipt.status == "suppressed"
    assert messages_sweep().outcomes == {"sent": 1}
    assert [r.message["Message-ID"] for r in smtp.received] == [message_id_of("s")]
    assert security.pk != receipt.pk
    assert Suppression.objects.count() == 1


@pytest.mark.django_db
def test_an_sms_through_the_sdk_after_the_provider_answered_500(at: AfricasTalkingServer) -> None:
    at.http_answers = [500]
    message = queue(channel="sms", to="+233 24 123 4567")
    assert message.to == "+233241234567"

    assert message_deliver(message_id=message.pk) == "queued"
    message.refresh_from_db()
    assert "provider answered" in message.last_error
    make_due(message)
    assert message_deliver(message_id=message.pk) == "sent"
    make_due(message)
    assert message_deliver(message_id=message.pk) == "sent"

    assert len(at.requests) == 2
    [accepted] = at.accepted
    assert accepted["to"] == "+233241234567"
    assert accepted["message"].startswith("Alpha: reset your password within 60 min")
    assert at.requests[-1]["form"]["username"] == "pos-test"
    message.refresh_from_db()
    assert (message.status, message.provider, message.provider_message_id) == (
        "sent",
        "africastalking",
        accepted["id"],
    )


@pytest.mark.django_db
def test_an_invalid_number_refused_by_the_provider_fails_for_good(at: AfricasTalkingServer) -> None:
    at.recipient_codes = [403]
    message = queue(channel="sms", to="+233241234567")
    assert message_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.last_error == "403 InvalidPhoneNumber"
    assert at.accepted == []


@pytest.mark.django_db
def test_insufficient_balance_is_retried(at: AfricasTalkingServer) -> None:
    at.recipient_codes = [405]
    message = queue(channel="sms", to="+233241234567")
    assert message_deliver(message_id=message.pk) == "queued"
    make_due(message)
    assert message_deliver(message_id=message.pk) == "sent"
    assert len(at.accepted) == 1


@pytest.mark.django_db
def test_whatsapp_through_the_sdk(at: AfricasTalkingServer) -> None:
    message = queue(channel="whatsapp", to="+233241234567")
    assert message_deliver(message_id=message.pk) == "sent"
    [accepted] = at.accepted
    assert accepted["to"] == "+233241234567"
    request = at.requests[-1]
    assert request["path"] == "/whatsapp/message/send"
    assert request["form"]["waNumber"] == "+233300000000"
    message.refresh_from_db()
    assert (message.provider, message.provider_message_id) == ("africastalking-whatsapp", accepted["id"])


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["", "12", "+233 12", "not a number", "+1" + "9" * 40, "ama@"])
def test_a_bad_address_is_refused_and_nothing_is_queued(bad: str) -> None:
    from pos_platform.kernel.errors import ApplicationError

    channel = "email" if "@" in bad else "sms"
    with pytest.raises(ApplicationError) as raised:
        queue("bad", channel=channel, to=bad)
    assert raised.value.code in ("phone_invalid", "email_invalid")
    assert not Message.objects.filter(key="bad").exists()
