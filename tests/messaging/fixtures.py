"""The far ends of the message channels as fixtures (imported by tests/conftest.py for every
test): ``smtp``, a real SMTP server, and ``at``, the SMS provider's endpoint, each with the
settings that point the platform at it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.messaging.servers import AfricasTalkingServer, SmtpServer, africastalking_server, smtp_server


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    for server in smtp_server():
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5
        yield server


@pytest.fixture
def at(settings: Any) -> Iterator[AfricasTalkingServer]:
    for server in africastalking_server():
        settings.POS_SMS_BACKEND = "shared_apps.messaging.channels.AfricasTalking"
        settings.POS_AT_USERNAME = "pos-test"
        settings.POS_AT_API_KEY = server.api_key
        settings.POS_AT_API_URL = f"http://127.0.0.1:{server.port}/version1"
        settings.POS_AT_CHAT_URL = f"http://127.0.0.1:{server.port}"
        settings.POS_AT_WHATSAPP_NUMBER = "+233300000000"
        settings.POS_AT_CALLBACK_TOKEN = "callback-secret-1234567890"
        yield server


logging.getLogger("mail.log").setLevel(logging.WARNING)
