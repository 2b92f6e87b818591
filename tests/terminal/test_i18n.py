"""The terminal app's words (pos_platform/static/pos/i18n.js): the English and French tables have
the same keys, with the same ``{placeholders}``, and every key the app asks for by name is in them."""

from __future__ import annotations

import re

from pos_platform.terminal.views import STATIC_DIR

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def tables(source: str) -> dict[str, dict[str, str]]:
    """The ``STRINGS`` object literal as {language: {key: text}}: a small scanner over the JavaScript
    that skips what is inside string literals, so that a colon in a message is not read as a key."""
    start = source.index("const STRINGS = {") + len("const STRINGS = ")
    found: dict[str, dict[str, str]] = {}
    depth, i, language, key = 0, start, "", ""
    while True:
        ch = source[i]
        if ch in "'\"`":
            end = i + 1
            while source[end] != ch:
                end += 2 if source[end] == "\\" else 1
            if depth == 2 and key:
                found[language][key] = source[i + 1 : end]
                key = ""
            i = end + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return found
        else:
            name = re.match(r"([A-Za-z_]\w*)\s*:", source[i:])
            if name and (i == 0 or not (source[i - 1].isalnum() or source[i - 1] == "_")):
                if depth == 1:
                    language = name.group(1)
                    found[language] = {}
                elif depth == 2:
                    key = name.group(1)
                i += name.end()
                continue
        i += 1


def test_the_scanner_reads_keys_and_not_the_colons_inside_messages() -> None:
    source = "const STRINGS = {\n en: { a: 'x: y', b_2: \"it's {n}: ok\" },\n fr: { a: `z`, b_2: 'w' },\n};"

    assert tables(source) == {"en": {"a": "x: y", "b_2": "it's {n}: ok"}, "fr": {"a": "z", "b_2": "w"}}


def test_english_and_french_have_the_same_keys_and_placeholders() -> None:
    found = tables((STATIC_DIR / "i18n.js").read_text(encoding="utf-8"))
    en, fr = found["en"], found["fr"]

    assert set(found) == {"en", "fr"}
    assert len(en) > 100
    assert sorted(set(en) - set(fr)) == [], "missing in French"
    assert sorted(set(fr) - set(en)) == [], "missing in English"
    differ = [k for k in en if set(PLACEHOLDER.findall(en[k])) != set(PLACEHOLDER.findall(fr[k]))]
    assert differ == [], "placeholders differ"
    assert [k for k in en if not en[k].strip() or not fr[k].strip()] == []


def test_every_key_the_app_names_is_in_the_tables() -> None:
    en = tables((STATIC_DIR / "i18n.js").read_text(encoding="utf-8"))["en"]
    named = {
        key
        for path in STATIC_DIR.glob("*.js")
        for key in re.findall(r"\bt\('(\w+)'", path.read_text(encoding="utf-8"))
    }

    assert len(named) > 50
    assert sorted(named - set(en)) == []
