"""Delivery reports from the SMS provider: authenticated by the secret in their address, matched
to a message we sent, idempotent, and never moving a message backwards."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from shared_apps.messaging.models import DeliveryReport, Message
from shared_apps.messaging.services import message_deliver, message_queue
from tests.messaging.servers import AfricasTalkingServer

URL = "/api/v1/messages/reports/africastalking/"


def sent_sms(at: AfricasTalkingServer) -> Message:
    message = message_queue(
        key="report-1",
        kind="password_reset",
        category="security",
        channel="sms",
        to="+233241234567",
        context={"shop_name": "Alpha", "url": "http://x", "minutes": 60},
    )
    assert message_deliver(message_id=message.pk) == "sent"
    message.refresh_from_db()
    return message


def report(client: APIClient, token: str, **form: Any) -> Any:
    return client.post(URL + token, form, format="multipart")


def state(message: Message) -> tuple[Any, ...]:
    message.refresh_from_db()
    return message.status, message.delivered_at, message.failed_at, DeliveryReport.objects.count()


@pytest.mark.django_db
def test_a_delivery_report_marks_the_message_delivered_once(
    at: AfricasTalkingServer, public_client: APIClient, settings: Any
) -> None:
    message = sent_sms(at)
    form = {
        "id": message.provider_message_id,
        "status": "Success",
        "phoneNumber": "+233241234567",
        "networkCode": "62001",
        "retryCount": "0",
    }

    first = report(public_client, settings.POS_AT_CALLBACK_TOKEN, **form)
    assert (first.status_code, first.json()) == (200, {"result": "recorded"})
    after_first = state(message)
    assert after_first[0] == "delivered"
    assert after_first[1] is not None
    assert after_first[3] == 1

    again = report(public_client, settings.POS_AT_CALLBACK_TOKEN, **form)
    assert (again.status_code, again.json()) == (200, {"result": "duplicate"})
    assert state(message) == after_first

    # A late failure report never undoes a delivery.
    late = report(public_client, settings.POS_AT_CALLBACK_TOKEN, **{**form, "status": "Failed"})
    assert late.json() == {"result": "recorded"}
    assert state(message)[:3] == after_first[:3]


@pytest.mark.django_db
def test_a_failure_report_fails_the_message_with_its_reason(
    at: AfricasTalkingServer, public_client: APIClient, settings: Any
) -> None:
    message = sent_sms(at)
    report(
        public_client,
        settings.POS_AT_CALLBACK_TOKEN,
        id=message.provider_message_id,
        status="Failed",
        phoneNumber="+233241234567",
        failureReason="UserInBlacklist",
    )
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.last_error == "provider reported Failed: UserInBlacklist"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("token", "form", "status", "code"),
    [
        ("wrong-token", {"status": "Success"}, 401, "report_token_invalid"),
        ("", {"status": "Success"}, 404, "not_found"),
        (None, {"status": ""}, 400, "report_payload_invalid"),
        (None, {}, 400, "report_payload_invalid"),
        # A form body does not pass the JSON parser: its text is checked by the view.
        (None, {"status": "Success", "failureReason": "a\x00b"}, 400, "report_payload_invalid"),
    ],
)
def test_a_report_refused_changes_nothing(
    at: AfricasTalkingServer,
    public_client: APIClient,
    settings: Any,
    token: Any,
    form: Any,
    status: int,
    code: str,
) -> None:
    message = sent_sms(at)
    before = state(message)
    answer = report(
        public_client,
        settings.POS_AT_CALLBACK_TOKEN if token is None else token,
        id=message.provider_message_id,
        phoneNumber="+233241234567",
        **form,
    )
    assert answer.status_code == status
    assert answer.json()["code"] == code
    assert state(message) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "form",
    [
        {"id": "ATXid_unknown", "status": "Success", "phoneNumber": "+233241234567"},
        {"status": "Success", "phoneNumber": "+233209999999"},  # our id, another number
    ],
)
def test_a_report_that_is_not_about_a_message_of_ours_is_ignored(
    at: AfricasTalkingServer, public_client: APIClient, settings: Any, form: dict[str, str]
) -> None:
    message = sent_sms(at)
    before = state(message)
    answer = report(
        public_client, settings.POS_AT_CALLBACK_TOKEN, **{"id": message.provider_message_id, **form}
    )
    assert (answer.status_code, answer.json()) == (200, {"result": "ignored"})
    assert state(message) == before


@pytest.mark.django_db
def test_reports_are_refused_while_no_secret_is_configured(
    at: AfricasTalkingServer, public_client: APIClient, settings: Any
) -> None:
    message = sent_sms(at)
    settings.POS_AT_CALLBACK_TOKEN = ""
    answer = report(public_client, "anything", id=message.provider_message_id, status="Success")
    assert (answer.status_code, answer.json()["code"]) == (503, "reports_not_configured")
    assert state(message)[0] == "sent"


@pytest.mark.django_db
def test_reports_are_not_served_at_a_shop_host(
    at: AfricasTalkingServer, client_a: APIClient, settings: Any
) -> None:
    message = sent_sms(at)
    answer = report(
        client_a, settings.POS_AT_CALLBACK_TOKEN, id=message.provider_message_id, status="Success"
    )
    assert answer.status_code == 404
    assert state(message)[0] == "sent"
