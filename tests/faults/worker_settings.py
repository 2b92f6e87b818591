"""Settings of the Celery worker that the fault tests run in a process of its own: the suite's,
with a schema pool to fill."""

from tests.settings import *  # noqa: F403

POS_SCHEMA_POOL_SIZE = 2
