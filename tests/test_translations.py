"""The French catalogues: every string of the covered folders is in its catalogue, translated
(no empty or fuzzy msgstr, the same placeholders), and each committed ``django.mo`` is the
compilation of its ``django.po``. Fill and compile them with ``python -m
pos_platform.portal.locale_fr`` and ``python -m shared_apps.messaging.locale_fr``."""

from __future__ import annotations

import ast
import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(
    p
    for p in ROOT.glob("*/**/locale/fr/LC_MESSAGES/django.po")
    if ".venv" not in p.parts and ".data" not in p.parts
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

# What Django's makemessages extracts, for the cases the project writes.
TRANSLATE_TAG = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
BLOCK_TAG = re.compile(
    r"\{%\s*(?:blocktranslate|blocktrans)\b([^%]*)%\}(.*?)\{%\s*end(?:blocktranslate|blocktrans)\s*%\}", re.S
)
CALL = re.compile(
    r"""\b(?:_|gettext|gettext_lazy|gettext_noop|ngettext|ngettext_lazy)\(\s*"((?:[^"\\]|\\.)*)"\s*[,)]"""
)


def _catalog(po: Path) -> Catalog:
    with po.open("rb") as f:
        return read_po(f, locale="fr")


def _ids(catalog: Catalog) -> set[str]:
    return {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}


def _block_msgid(options: str, body: str) -> str:
    singular = re.split(r"\{%\s*plural\s*%\}", body)[0]
    singular = re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", singular)
    if "trimmed" in options:
        singular = " ".join(line.strip() for line in singular.strip().splitlines() if line.strip())
    return singular


def _extracted(folder: Path) -> dict[str, str]:
    """msgid -> the file it was found in, for the templates and Python files under ``folder``."""
    found: dict[str, str] = {}
    for path in folder.rglob("*"):
        if (
            "locale" in path.parts
            or "__pycache__" in path.parts
            or path.suffix not in {".html", ".txt", ".py"}
        ):
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            ids = [ast.literal_eval(f'"{m}"') for m in CALL.findall(text)]
        else:
            ids = [a or b for a, b in TRANSLATE_TAG.findall(text)]
            ids += [_block_msgid(o, b) for o, b in BLOCK_TAG.findall(text)]
        for msgid in ids:
            found.setdefault(msgid, str(path.relative_to(ROOT)))
    return found


def test_there_are_french_catalogues() -> None:
    folders = {str(p.relative_to(ROOT)).split("/locale/")[0] for p in CATALOGUES}
    assert {
        "pos_platform",
        "shared_apps/accounts",
        "shared_apps/billing",
        "shared_apps/messaging",
        "shared_apps/signup",
        "sync",
        "tenant_apps/audit",
        "tenant_apps/receipts",
        "tenant_apps/sales",
        "tenant_apps/shop",
        "tenant_apps/taxes",
    } <= folders


def test_every_app_that_shows_text_has_a_catalogue() -> None:
    """The whole back office is covered: an app with a translatable string and no French
    catalogue would show its text in English to everyone."""
    apps = [ROOT / "pos_platform", ROOT / "sync"]
    apps += sorted(p for p in (ROOT / "shared_apps").iterdir() if (p / "__init__.py").exists())
    apps += sorted(p for p in (ROOT / "tenant_apps").iterdir() if (p / "__init__.py").exists())
    covered = {po.parent.parent.parent.parent for po in CATALOGUES}

    bare = [str(app.relative_to(ROOT)) for app in apps if app not in covered and _extracted(app)]

    assert not bare, "run makemessages -l fr there and add the folder to a FOLDERS list: " + ", ".join(bare)


def test_every_catalogue_is_filled_by_a_source_table() -> None:
    from pos_platform.portal import locale_fr as portal
    from shared_apps.messaging import locale_fr as messaging

    listed = {ROOT / folder / "django.po" for folder in (*portal.FOLDERS, *messaging.FOLDERS)}

    assert set(CATALOGUES) == listed


def test_every_catalogue_is_loaded_before_the_installed_apps_own() -> None:
    from django.conf import settings

    loaded = {Path(path).resolve() for path in settings.LOCALE_PATHS}

    assert {po.parent.parent.parent for po in CATALOGUES} <= loaded


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated(po: Path) -> None:
    catalog = _catalog(po)
    assert not catalog.fuzzy, "the header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]}")
        elif not all(strings) or len(strings) < len(ids):
            problems.append(f"untranslated: {ids[0]}")
        elif any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(ids[-1])) for s in strings):
            problems.append(f"placeholders differ: {ids[0]}")
    assert not problems, "\n".join(problems)


def test_a_message_means_one_thing_in_every_catalogue() -> None:
    """Django merges the catalogues into one: a msgid (and context) translated two ways in two
    folders would show one of them everywhere. Give such a message a context (pgettext)."""
    seen: dict[tuple[object, object], tuple[object, str]] = {}
    clashes = []
    for po in CATALOGUES:
        for message in _catalog(po):
            if not message.id:
                continue
            key = (message.id, message.context)
            first = seen.setdefault(key, (message.string, str(po.relative_to(ROOT))))
            if first[0] != message.string:
                clashes.append(
                    f"{key}: {first[0]!r} in {first[1]}, {message.string!r} in {po.relative_to(ROOT)}"
                )
    assert not clashes, "\n".join(clashes)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_string_of_the_folder_is_in_its_catalogue(po: Path) -> None:
    folder = po.parent.parent.parent.parent
    known = _ids(_catalog(po))

    missing = {msgid: where for msgid, where in _extracted(folder).items() if msgid not in known}

    assert not missing, "run makemessages -l fr there, then fill the catalogue:\n" + "\n".join(
        f"{where}: {msgid}" for msgid, where in sorted(missing.items())
    )


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalogue_is_current(po: Path) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(po))
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)

    with po.with_suffix(".mo").open("rb") as f:
        committed = gettext.GNUTranslations(f)

    # The messages, and the header's plural rule (its dates may differ).
    def messages(t: gettext.GNUTranslations) -> dict[object, str]:
        return {k: v for k, v in t._catalog.items() if k != ""}  # type: ignore[attr-defined]

    assert messages(committed) == messages(expected), (
        f"compile {po.with_suffix('.mo').relative_to(ROOT)} again"
    )
    assert committed.plural(2) == expected.plural(2) == 1
    assert committed.plural(1) == expected.plural(1) == 0
