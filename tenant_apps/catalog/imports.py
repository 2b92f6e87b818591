"""The catalog as CSV: export, and import validated row by row with nothing half-imported.

Columns (the export's, so that an exported file imports back unchanged): ``sku`` (required),
``name``, ``price``, ``barcode``, ``category``, ``unit``, ``tax_category`` (a tax category code),
``track_stock``, ``reorder_level``, ``active``. A row whose SKU is new creates a product (``name``
and ``price`` required); a known SKU updates the columns the file has, and a different ``price``
becomes a new base price from now. Every row goes through the catalog services, so it is judged
by the same rules as the API; rows are tried one by one (each in a savepoint), and if any is
refused the whole import rolls back and :class:`ImportRefused` lists every refused row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.errors import ApplicationError, ValidationFailed
from tenant_apps.catalog.errors import ImportInvalid, ImportRefused
from tenant_apps.catalog.selectors import product_list
from tenant_apps.catalog.services import price_set, product_create, product_update
from tenant_apps.taxes.models import TaxCategory

COLUMNS = [
    "sku",
    "name",
    "price",
    "barcode",
    "category",
    "unit",
    "tax_category",
    "track_stock",
    "reorder_level",
    "active",
]
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
_TRUE = {"yes", "y", "true", "1", "oui"}
_FALSE = {"no", "n", "false", "0", "non"}


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    prices_changed: int
    unchanged: int

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def export_rows() -> Iterator[list[str]]:
    """The catalog, one product a row, in :data:`COLUMNS` order."""
    codes = dict(TaxCategory.objects.values_list("pk", "code"))
    for p in product_list().order_by("sku").iterator(chunk_size=1000):
        yield [
            p.sku,
            p.name,
            "" if p.price is None else str(p.price),
            p.barcode,
            p.category,
            p.unit,
            codes.get(p.tax_category_id, "") if p.tax_category_id else "",
            "yes" if p.track_stock else "no",
            str(p.reorder_level.normalize()) if p.reorder_level else "0",
            "yes" if p.is_active else "no",
        ]


def _read(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if len(data) > MAX_BYTES:
        raise ImportInvalid(
            gettext_noop("The file is larger than %(value)s MB."),
            params={"value": MAX_BYTES // (1024 * 1024)},
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportInvalid(gettext_noop("The file is not UTF-8 text; save it as CSV UTF-8.")) from exc
    if "\x00" in text:
        raise ImportInvalid(gettext_noop("The file is not a CSV text file."))
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration as exc:
        raise ImportInvalid(gettext_noop("The file is empty.")) from exc
    except csv.Error as exc:
        raise ImportInvalid(gettext_noop("The file is not valid CSV: %(exc)s."), params={"exc": exc}) from exc
    unknown = [h for h in header if h not in COLUMNS]
    if "sku" not in header or unknown or len(set(header)) != len(header):
        raise ImportInvalid(
            "The first line names the columns: sku, then any of "
            + ", ".join(COLUMNS[1:])
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
            + ", each once.",
            details={"header": header},
        )
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportInvalid(
                    gettext_noop("At most %(MAX_ROWS)s rows per file."), params={"MAX_ROWS": MAX_ROWS}
                )
            if len(values) > len(header):
                rows.append(
                    (reader.line_num, {"__error__": "This row has more cells than there are columns."})
                )
                continue
            rows.append((reader.line_num, {h: v.strip() for h, v in zip(header, values, strict=False)}))
    except csv.Error as exc:
        raise ImportInvalid(
            gettext_noop("The file is not valid CSV (line %(line_num)s): %(exc)s."),
            params={"line_num": reader.line_num, "exc": exc},
        ) from exc
    if not rows:
        raise ImportInvalid(gettext_noop("The file has no product rows."))
    return header, rows


def _decimal(value: str, what: str) -> Decimal:
    try:
        number = Decimal(value.replace(" ", ""))
    except InvalidOperation as exc:
        raise ValidationFailed(
            gettext_noop("%(what)s is not a number: %(value)s."),
            code="product_invalid",
            params={"what": what, "value": f"{value!r}"},
        ) from exc
    if not number.is_finite():
        raise ValidationFailed(
            gettext_noop("%(what)s is not a number: %(value)s."),
            code="product_invalid",
            params={"what": what, "value": f"{value!r}"},
        )
    return number


def _flag(value: str, what: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValidationFailed(
        gettext_noop("%(what)s is yes or no, not %(value)s."),
        code="product_invalid",
        params={"what": what, "value": f"{value!r}"},
    )


def _apply(row: dict[str, str], *, actor: Actor, categories: dict[str, Any]) -> str:
    """Create or update one product; "created", "updated" (with "+price") or "unchanged"."""
    if "__error__" in row:
        raise ValidationFailed(row["__error__"], code="import_row_invalid")
    sku = row.get("sku", "")
    if not sku:
        raise ValidationFailed(gettext_noop("The SKU is missing."), code="product_invalid")
    facts: dict[str, Any] = {}
    for name in ("name", "barcode", "category", "unit"):
        if name in row:
            facts[name] = row[name]
    if "tax_category" in row:
        code = row["tax_category"]
        if code and code.upper() not in categories:
            raise ValidationFailed(
                gettext_noop("No tax category with the code %(code)s."),
                code="tax_category_not_found",
                params={"code": f"{code!r}"},
            )
        facts["tax_category_id"] = categories[code.upper()] if code else None
    if row.get("track_stock"):
        facts["track_stock"] = _flag(row["track_stock"], "track_stock")
    if row.get("reorder_level"):
        facts["reorder_level"] = _decimal(row["reorder_level"], "reorder_level")
    price = _decimal(row["price"], "price") if row.get("price") else None
    existing = product_list().filter(sku__iexact=sku).first()
    if existing is None:
        if price is None:
            raise ValidationFailed(gettext_noop("A new product needs a price."), code="price_invalid")
        active = _flag(row["active"], "active") if row.get("active") else True
        product = product_create(sku=sku, price=price, actor=actor, name=facts.pop("name", ""), **facts)
        if not active:
            product_update(product_id=product.pk, actor=actor, is_active=False)
        return "created"
    if row.get("active"):
        facts["is_active"] = _flag(row["active"], "active")
    changed = any(getattr(existing, k) != v for k, v in facts.items())
    if changed:
        product_update(product_id=existing.pk, actor=actor, **facts)
    if price is not None and price != existing.price:
        price_set(product_id=existing.pk, price=price, actor=actor)
        return "updated+price"
    return "updated" if changed else "unchanged"


DUPLICATE_SKU = gettext_noop("This SKU appears on an earlier line too.")


@transaction.atomic
def product_import(*, data: bytes, actor: Actor) -> ImportResult:
    """Import a catalog CSV (see the module docstring): all of it, or nothing and the list of
    refused rows (:class:`ImportRefused`)."""
    _header, rows = _read(data)
    categories = {code.upper(): pk for pk, code in TaxCategory.objects.values_list("pk", "code")}
    counts = {"created": 0, "updated": 0, "prices_changed": 0, "unchanged": 0}
    refused: list[dict[str, Any]] = []
    errors: list[ApplicationError | None] = []  # each refused row's error, for the back office
    seen: set[str] = set()
    for line, row in rows:
        sku = row.get("sku", "")
        if sku and sku.lower() in seen:
            refused.append({"line": line, "sku": sku, "message": DUPLICATE_SKU})
            errors.append(None)
            continue
        seen.add(sku.lower())
        try:
            with transaction.atomic():
                outcome = _apply(row, actor=actor, categories=categories)
        except ApplicationError as exc:
            refused.append({"line": line, "sku": sku, "message": exc.message})
            errors.append(exc)
            continue
        kind, _, price = outcome.partition("+")
        counts[kind] += 1
        counts["prices_changed"] += bool(price)
    if refused:
        raise ImportRefused(details={"rows": refused, "total": len(rows)}, row_errors=errors)
    return ImportResult(**counts)


def product_csv_bytes(rows: Iterator[list[str]]) -> Iterator[str]:
    """CSV lines (header first) for a streamed response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 16384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
