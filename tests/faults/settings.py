"""Settings of the servers that the fault tests start: the suite's, with the kick after commit
on (a message asks a worker at once), so that a broker that is down is met as in production."""

from tests.settings import *  # noqa: F403

POS_MESSAGE_KICK = True
