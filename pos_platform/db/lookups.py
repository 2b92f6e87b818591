"""``field__any=[...]``: ``column = ANY(%s)`` with the list as one array parameter.

``__in`` renders one placeholder per value and prepares each of them; for the hundreds of ids of
a sync batch one array parameter is cheaper to build, to send and to plan."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup


class AnyLookup(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        return "%s", [list(value)]

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


models.UUIDField.register_lookup(AnyLookup)
models.CharField.register_lookup(AnyLookup)
