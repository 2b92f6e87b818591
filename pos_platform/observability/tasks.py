"""Celery signals: task outcomes and durations for the worker's metrics, and each process's
metrics server (worker and beat) on ``POS_METRICS_PORT``."""

from __future__ import annotations

import os
import time
from typing import Any

from celery import signals

from pos_platform.observability import metrics

_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_started(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_finished(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    name = getattr(task, "name", "unknown")
    metrics.TASKS.labels(task=name, state=str(state or "unknown").lower()).inc()
    started = _started.pop(task_id or "", None)
    if started is not None:
        metrics.TASK_SECONDS.labels(task=name).observe(time.perf_counter() - started)


@signals.worker_process_shutdown.connect
def _pool_child_exited(pid: int | None = None, **_: Any) -> None:
    metrics.process_dead(pid or os.getpid())


@signals.worker_init.connect
def _worker_metrics(**_: Any) -> None:
    metrics.multiprocess_folder_reset()
    metrics.serve()


@signals.beat_init.connect
def _beat_metrics(**_: Any) -> None:
    from pos_platform.observability.platform import PlatformCollector

    metrics.serve(registry=_own_registry(), collectors=(PlatformCollector(),))


def _own_registry() -> Any:
    from prometheus_client import CollectorRegistry

    return CollectorRegistry()
