"""Project package: settings, URL maps, middleware, the Celery app and the run/serve tooling."""

from pos_platform.celery import app as celery_app

__all__ = ["celery_app"]
