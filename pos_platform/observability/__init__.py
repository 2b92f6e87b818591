"""Metrics, structured logs and error reporting for the web, worker and beat processes."""
