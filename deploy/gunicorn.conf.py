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


# Metrics (pos_platform.observability.metrics): with PROMETHEUS_MULTIPROC_DIR set, each worker
# writes its counters there and this master process serves the sum on POS_METRICS_PORT.
_metrics_port = os.environ.get("POS_METRICS_PORT", "").strip()
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()


def on_starting(server: object) -> None:
    if _metrics_dir:
        os.makedirs(_metrics_dir, exist_ok=True)
        for name in os.listdir(_metrics_dir):  # a previous run's counters would be summed in
            if name.endswith(".db"):
                os.remove(os.path.join(_metrics_dir, name))


def when_ready(server: object) -> None:
    if _metrics_port and _metrics_dir:
        from prometheus_client import CollectorRegistry, start_http_server
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        start_http_server(
            int(_metrics_port),
            addr=os.environ.get("POS_METRICS_ADDR", "0.0.0.0"),  # noqa: S104 - the internal port
            registry=registry,
        )


def child_exit(server: object, worker: object) -> None:
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
