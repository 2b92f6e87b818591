"""Helpers for the deploy tests: the environment a production process gets."""

from __future__ import annotations

import os
import secrets

# Set by the embedded servers, by tests/settings.py and by the browser tests (Playwright's event
# loop) for the suite's own processes; a production process has none of them.
_DEVELOPMENT_ONLY = (
    "POS_EMBEDDED_DATABASE",
    "POS_HTTPS",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def production_env(**overrides: str) -> dict[str, str]:
    """``os.environ`` as a production container sees it: configured servers, a real secret key,
    a public base domain behind a proxy, and nothing of the development set-up."""
    env = {k: v for k, v in os.environ.items() if k not in _DEVELOPMENT_ONLY}
    env.update(
        DATABASE_URL="postgres://pos_app@db.internal:5432/pos?sslmode=verify-full&sslrootcert=/etc/pos/db-ca.pem",
        REDIS_URL="redis://redis.internal:6379/0",
        SECRET_KEY=secrets.token_urlsafe(50),
        POS_BASE_DOMAIN="pos.example.com",
        POS_TRUSTED_PROXIES="10.0.0.0/8",
        POS_NUM_PROXIES="1",
        DJANGO_SETTINGS_MODULE="pos_platform.settings",
    )
    env.update(overrides)
    return env
