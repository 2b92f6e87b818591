"""``manage.py messages``: list (addresses masked), show, retry a dead message (audited), sweep."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.messaging.models import Message
from shared_apps.messaging.services import message_queue
from tests.messaging.servers import SmtpServer


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("messages", *args, stdout=out)
    return out.getvalue()


def dead_message() -> Message:
    message = message_queue(
        key="cli-1",
        kind="password_reset",
        category="security",
        channel="email",
        to="kwesi@example.com",
        context={"shop_name": "Alpha", "url": "http://x", "minutes": 60},
    )
    Message.objects.filter(pk=message.pk).update(status="dead", attempts=8, last_error="421 busy")
    return message


@pytest.mark.django_db
def test_list_show_retry_and_sweep(smtp: SmtpServer) -> None:
    message = dead_message()
    listed = json.loads(run("list", "--status", "dead", "--json"))
    assert [(m["id"], m["to"], m["status"], m["last_error"]) for m in listed] == [
        (str(message.pk), "kw***@example.com", "dead", "421 busy")
    ]
    assert "kwesi@" not in run("list")
    assert json.loads(run("show", str(message.pk)))["to"] == "kwesi@example.com"

    assert "dead -> queued" in run("--actor", "cli:ops", "retry", str(message.pk))
    assert PlatformAuditEntry.objects.get(action="messages.retry").actor == "cli:ops"
    assert '"sent": 1' in run("sweep")
    assert len(smtp.to("kwesi@example.com")) == 1
    message.refresh_from_db()
    assert message.status == "sent"


@pytest.mark.django_db
@pytest.mark.parametrize("ident", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_message_exits_2(ident: str) -> None:
    with pytest.raises(CommandError) as raised:
        run("retry", ident)
    assert raised.value.returncode == 2
    assert "[message_not_found]" in str(raised.value)
