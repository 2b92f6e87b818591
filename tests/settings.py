"""Settings for the test suite: the project's settings, with cheap password hashing."""

import os
import secrets

# Not a secret: a fresh key per run, shared with the processes the tests start.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("CACHE_KEY_PREFIX", f"test{os.getpid()}")
# The test client and the servers the tests start speak plain HTTP, whatever the database.
os.environ.setdefault("POS_HTTPS", "0")

from pos_platform.settings import *  # noqa: F403

# Argon2 still, with test-sized costs: the suite creates many users.
PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]

# Tenants are built from the snapshot; the pool's own tests turn it on.
POS_SCHEMA_POOL_SIZE = 0

# Messages are delivered by the tests themselves; the tests of the kick start a worker and turn it on.
POS_MESSAGE_KICK = False

# Static files from the app folders, unversioned: the suite needs no `collectstatic`.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# PIN verifiers at test-sized cost: the suite sets many PINs.
POS_PIN_ITERATIONS = 2000
