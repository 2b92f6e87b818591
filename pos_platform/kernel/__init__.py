"""The kernel: what every app builds on, and nothing that builds on an app.

* :mod:`~pos_platform.kernel.errors`: the one error hierarchy (``ApplicationError`` and its
  status classes);
* :mod:`~pos_platform.kernel.money`: Decimal amounts and quantities, rounding to a minor unit;
* :mod:`~pos_platform.kernel.fields`: the money and quantity fields of serializers;
* :mod:`~pos_platform.kernel.actors`: ``Actor``, who did something;
* :mod:`~pos_platform.kernel.http`: request helpers (the client's address behind proxies);
* :mod:`~pos_platform.kernel.audit`: the shop's audit log table and ``audit_record``, which
  every app writes to.

The kernel imports Django, DRF and the standard library only; ``make lint`` checks that no kernel
module imports an app (see the import-linter contracts in ``pyproject.toml``).
"""
