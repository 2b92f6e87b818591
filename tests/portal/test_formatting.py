"""A moment reads as babel writes it: the locale's short date of the skeleton joined to its short
time by its short date-time pattern."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.dates import format_skeleton, format_time
from django.utils import timezone, translation

from pos_platform.portal import formatting


def by_babel(value: dt.datetime) -> str:
    locale = formatting.shop_locale()
    local = timezone.localtime(value, formatting.shop_timezone())
    skeleton = (
        "MMMd"
        if local.year == timezone.localtime(timezone.now(), formatting.shop_timezone()).year
        else "yMMMd"
    )
    date_part = format_skeleton(skeleton, local, locale=locale)
    time_part = format_time(local, format="short", locale=locale)
    return str(locale.datetime_formats["short"]).replace("{1}", date_part).replace("{0}", time_part)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(
    "value",
    [
        timezone.now(),
        dt.datetime(2024, 2, 29, 23, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 12, 31, 12, 30, tzinfo=dt.UTC),
    ],
)
def test_a_moment_reads_as_babel_writes_it(language: str, value: dt.datetime) -> None:
    with translation.override(language):
        assert formatting.when(value) == by_babel(value)
        assert formatting.when(value) == formatting.when(value)  # the cached pattern again


def test_a_moment_in_french_and_english() -> None:
    moment = dt.datetime(2024, 2, 29, 23, 5, tzinfo=dt.UTC)
    with translation.override("fr"):
        assert formatting.when(moment) == "29 févr. 2024 23:05"
    with translation.override("en"):
        english = formatting.when(moment)
    assert english.startswith("Feb 29, 2024, 11:05")
    assert english.endswith("PM")
