"""Prometheus metrics (``prometheus-client``), each process serving its own on a separate port.

* **Web** (gunicorn): requests by route, method and status with their latency; terminal pushes,
  their operations by outcome and the conflicts they raised, by kind. Workers write to
  ``PROMETHEUS_MULTIPROC_DIR`` and the gunicorn master serves the sum of all of them on
  ``POS_METRICS_PORT`` (``deploy/gunicorn.conf.py``).
* **Worker** (Celery): task outcomes and durations by task, served on ``POS_METRICS_PORT`` by the
  worker's main process (the pool's children write to ``PROMETHEUS_MULTIPROC_DIR``).
* **Beat** (exactly one): the platform's state, read when scraped (:mod:`.platform`): queue
  lengths, every active terminal's time since it last synced, the outbox backlog, tenants.

The port is never routed by the TLS proxy (compose and Kubernetes expose it on the internal
network only) and ``POS_METRICS_ADDR`` chooses the address it binds. Route labels are URL
patterns (``api/v1/sales/<uuid:sale_id>``), never paths or hosts, so that the number of series
does not grow with tenants or objects.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client import multiprocess as _multiprocess

REQUESTS = Counter(
    "pos_http_requests_total",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "pos_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PUSHES = Counter("pos_sync_pushes_total", "Terminal pushes (batches uploaded), by HTTP status.", ["status"])
OPS = Counter("pos_sync_ops_total", "Uploaded terminal operations, by outcome.", ["status"])
CONFLICTS = Counter("pos_sync_conflicts_total", "Conflicts raised by uploaded operations, by kind.", ["kind"])
TASKS = Counter("pos_celery_tasks_total", "Celery tasks finished, by task and outcome.", ["task", "state"])
TASK_SECONDS = Histogram(
    "pos_celery_task_duration_seconds",
    "Time a Celery task ran, by task.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0),
)

UNROUTED = "<unrouted>"
PUSH_URL_NAME = "sync-push"


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return str(match.route) if match is not None and match.route else UNROUTED


def observe_push(response: HttpResponse) -> None:
    """Count a push's operations by outcome and its conflicts by kind, from the answer the
    terminal gets (a replayed batch is counted again: it is what the terminal was told)."""
    PUSHES.labels(status=str(response.status_code)).inc()
    data = getattr(response, "data", None)
    if not isinstance(data, dict):
        return
    for result in data.get("results") or []:
        if not isinstance(result, dict):
            continue
        OPS.labels(status=str(result.get("status", "unknown"))).inc()
        for conflict in result.get("conflicts") or []:
            kind = conflict.get("code") or conflict.get("kind") if isinstance(conflict, dict) else None
            CONFLICTS.labels(kind=str(kind or "unknown")).inc()


class MetricsMiddleware:
    """Outermost: times every request and counts its answer under its route."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_of(request)
        method = request.method if request.method in _METHODS else "other"
        LATENCY.labels(route=route, method=method).observe(time.perf_counter() - started)
        REQUESTS.labels(route=route, method=method, status=str(response.status_code)).inc()
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == PUSH_URL_NAME and method == "POST":
            observe_push(response)
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def scrape_registry() -> CollectorRegistry | None:
    """The registry a metrics server serves: every process of this kind through the multiprocess
    folder when there is one, else (None) this process's default registry."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    registry = CollectorRegistry()
    _multiprocess.MultiProcessCollector(registry)
    return registry


def metrics_port() -> int | None:
    value = os.environ.get("POS_METRICS_PORT", "").strip()
    return int(value) if value else None


def serve(*, registry: Any = None, collectors: tuple[Any, ...] = ()) -> int | None:
    """Serve metrics on ``POS_METRICS_PORT`` (unset: nothing) from a thread of this process;
    returns the port."""
    port = metrics_port()
    if port is None:
        return None
    registry = registry if registry is not None else scrape_registry()
    if registry is None:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    for collector in collectors:
        registry.register(collector)
    start_http_server(port, addr=os.environ.get("POS_METRICS_ADDR", "0.0.0.0"), registry=registry)  # noqa: S104
    return port


def multiprocess_folder_reset() -> None:
    """Empty the multiprocess folder: files of a previous run would be summed in."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def process_dead(pid: int) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _multiprocess.mark_process_dead(pid)
