"""Settings of the Celery worker that the fault tests run in a process of its own: the suite's,
with a schema pool to fill, and unacknowledged tasks looked for every second (the visibility
timeout itself comes from POS_CELERY_VISIBILITY_TIMEOUT, which the whole-worker tests shorten)."""

from tests.settings import *  # noqa: F403

POS_SCHEMA_POOL_SIZE = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "unacked_restore_interval": 1,
}
