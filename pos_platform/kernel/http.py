"""Request helpers shared by the API, the pages and the throttles: the client's address, streamed
CSV downloads, and the checks every request body and query string passes (text without control
characters, JSON nested within a sane depth)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the entry ``POS_NUM_PROXIES`` from the right of
    X-Forwarded-For when the app runs behind that many proxies."""
    proxies = settings.POS_NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR") or None


class _Echo:
    """A file that hands back what is written to it: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def csv_response(header: list[str], rows: Iterable[list[Any]], filename: str) -> StreamingHttpResponse:
    """A streamed CSV download (header line first), for exports of any size."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Characters refused in any text a client sends: C0 controls other than tab, line feed and
# carriage return (NUL first: PostgreSQL cannot store it), DEL and the C1 controls, and lone
# UTF-16 surrogates (no character; not encodable as UTF-8).
_REFUSED_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be accepted as text (a control character, a lone surrogate), or None."""
    found = _REFUSED_TEXT.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "contains a NUL character"
    if "\ud800" <= char <= "\udfff":
        return "contains a lone surrogate"
    return f"contains the control character U+{ord(char):04X}"


def text_printable(value: str) -> str:
    """``value`` with each character :func:`text_problem` refuses replaced by U+FFFD, e.g. to
    name a field whose name holds one."""
    return _REFUSED_TEXT.sub("\ufffd", value)


def json_text_problem(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first string (key or value) of a parsed JSON document that :func:`text_problem`
    refuses, as ``(path, reason)`` (path like ``lines[0].note``), or None."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return where or "(body)", problem
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{where}.{key}" if where else str(key)
                problem = text_problem(str(key))
                if problem:
                    return child_path, f"name {problem}"
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))
    return None


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Does the JSON text ``body`` nest arrays and objects deeper than ``limit``? Brackets inside
    strings do not count; malformed text is left for the parser to refuse (False).

    Scanning the brackets once costs far less than a recursive parser that a deep document
    drives past the interpreter's recursion limit."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for byte in _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKET):
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
            if depth < 0:
                return False
    return False
