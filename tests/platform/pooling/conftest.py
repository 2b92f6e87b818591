"""A real PgBouncer in transaction mode in front of the test database (tests/pgbouncer_server.py).

PgBouncer is Debian's (``apt-get install pgbouncer``; 1.18 on Debian 12). Without it these tests
are skipped with a message saying so, unless ``POS_REQUIRE_PGBOUNCER=1`` (as in ``.ci/run``), where
a missing PgBouncer fails them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.pgbouncer_server import Bouncer, PgBouncerMissing, pgbouncer

SKIP_MESSAGE = (
    "pgbouncer is not installed: the connection-pooling tests did NOT run (Debian: apt-get install pgbouncer)"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "pooling" in str(item.path):
            item.add_marker(pytest.mark.pgbouncer)


@pytest.fixture
def bouncer_factory(live_db: None) -> Iterator[Callable[..., Bouncer]]:
    """Start PgBouncers (``bouncer_factory(pool_size=2, tls=True)``); all are stopped afterwards.

    Their folders are outside pytest's (private to root), so that PgBouncer, which will not run
    as root, can read its configuration as an ordinary user."""
    with contextlib.ExitStack() as stack:

        def make(*, pool_size: int = 2, tls: bool = True) -> Bouncer:
            folder = Path(tempfile.mkdtemp(prefix="pos-pgbouncer-"))
            stack.callback(shutil.rmtree, folder, True)
            folder.chmod(0o755)
            try:
                return stack.enter_context(pgbouncer(folder, pool_size=pool_size, tls=tls))
            except PgBouncerMissing:
                if os.environ.get("POS_REQUIRE_PGBOUNCER") == "1":
                    pytest.fail("POS_REQUIRE_PGBOUNCER=1 but pgbouncer is not installed")
                pytest.skip(SKIP_MESSAGE)

        yield make
