"""Settings of the Celery workers that the kill test runs as separate processes: unacknowledged
tasks come back after two seconds, and with ``POS_TEST_DIE_AFTER_SEND`` set the worker kills
itself (SIGKILL) the moment a message is recorded as sent, before the task is acknowledged."""

import os
import signal

from tests.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": 2,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

if os.environ.get("POS_TEST_DIE_AFTER_SEND"):
    from shared_apps.messaging.signals import message_sent

    def _die(**kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    message_sent.connect(_die, weak=False)
