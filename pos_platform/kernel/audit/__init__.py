"""The shop's audit log: one insert-only table in each tenant schema, written by every app
through :func:`~pos_platform.kernel.audit.services.audit_record`. The read API is
``tenant_apps.audit``."""
