"""Delivery through real Celery workers over the real Redis broker, in their own processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from celery.result import AsyncResult
from django.conf import settings as django_settings
from django.db import connection

from shared_apps.messaging.models import Message
from shared_apps.messaging.services import message_queue
from shared_apps.messaging.tasks import deliver
from tests.messaging.servers import SmtpServer


def worker(queue: str, smtp_port: int, *, die_after_send: bool) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    host = (db["HOST"] or "").replace("/", "%2F")
    port = f":{db['PORT']}" if db["PORT"] else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{host}{port}/{db['NAME']}",
        "REDIS_URL": django_settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "tests.messaging.worker_settings",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
    }
    if die_after_send:
        env["POS_TEST_DIE_AFTER_SEND"] = "1"
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pos_platform",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def committed_message(live_db: None) -> Iterator[Message]:
    message = message_queue(
        key=f"kill-test-{uuid.uuid4()}",
        kind="password_reset",
        category="security",
        channel="email",
        to="kofi@example.com",
        context={"shop_name": "Alpha", "url": "http://x", "minutes": 60},
    )
    yield message
    Message.objects.filter(pk=message.pk).delete()


@pytest.mark.slow
def test_a_worker_killed_after_sending_and_the_task_run_again_sends_once(
    committed_message: Message, smtp: SmtpServer, settings: Any
) -> None:
    queue = f"messages-test-{uuid.uuid4().hex[:8]}"
    task = deliver.apply_async(
        args=[str(committed_message.pk)], queue=queue, headers={"_schema_name": "public"}
    )

    # The first worker sends, records the message as sent, and dies before acknowledging the task.
    first = worker(queue, smtp.port, die_after_send=True)
    try:
        assert first.wait(timeout=90) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    committed_message.refresh_from_db()
    assert committed_message.status == "sent"
    assert len(smtp.received) == 1

    # The broker hands the unacknowledged task to the next worker, which runs it again.
    second = worker(queue, smtp.port, die_after_send=False)
    try:
        assert AsyncResult(task.id).get(timeout=90) == "sent"
    finally:
        second.terminate()
        second.wait(timeout=30)
    assert len(smtp.received) == 1
    committed_message.refresh_from_db()
    assert (committed_message.status, committed_message.attempts) == ("sent", 1)
