"""API plumbing shared by every app: the exception handler and JSON error responses."""

from pos_platform.api.exceptions import error_response, exception_handler

__all__ = ["error_response", "exception_handler"]
