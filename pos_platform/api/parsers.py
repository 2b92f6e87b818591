"""The API's JSON parser: strict JSON, and text without control characters.

Every online endpoint parses its body here (``DEFAULT_PARSER_CLASSES``). orjson refuses what is
not JSON, lone UTF-16 surrogates included; then every string of the document, keys too, is
checked: a NUL (which PostgreSQL cannot store), another control character (tab, line feed and
carriage return are text) or a lone surrogate answers ``400 text_invalid`` naming the field, before
the view uses any of it. The nesting depth is bounded earlier, for every endpoint, by
:class:`pos_platform.middleware.JsonDepthMiddleware`.

The terminal upload (``POST /api/v1/sync/push``) reads its body itself: a bad string inside one
operation rejects that operation, not the batch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

import orjson
from django.utils.translation import gettext_noop
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from pos_platform.kernel.errors import ValidationFailed
from pos_platform.kernel.http import json_text_problem


class JSONParser(BaseParser):
    media_type = "application/json"

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            # Python's parser takes lone surrogates: if it can read the body, name the field.
            try:
                lenient = json.loads(raw)
            except ValueError:
                lenient = None
            problem = json_text_problem(lenient) if lenient is not None else None
            if problem is None:
                raise ParseError(f"The body is not valid JSON: {exc}") from exc
            document = lenient
        problem = json_text_problem(document)
        if problem is not None:
            field, reason = problem
            raise ValidationFailed(
                gettext_noop("%(field)s %(reason)s; send text without control characters."),
                code="text_invalid",
                details={"field": field},
                params={"field": field, "reason": reason},
            )
        return document
