"""gunicorn settings for the API (``make run`` and production alike).

Threaded workers: a request mostly waits on PostgreSQL, so a few processes with a few threads
each use two cores well without an async rewrite. Override with GUNICORN_* or WEB_CONCURRENCY.
"""

import os

bind = os.environ.get("POS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
# Fork after the app is loaded only in the workers: each opens its own database connections.
preload_app = False
# The proxies whose X-Forwarded-Proto gunicorn believes (wsgi.url_scheme); Django applies the same
# list itself (POS_TRUSTED_PROXIES, pos_platform.middleware.TrustedProxyMiddleware).
forwarded_allow_ips = os.environ.get("POS_TRUSTED_PROXIES") or "127.0.0.1"
