"""Every command that README.md and docs/ show resolves: manage.py commands and their options
parse, make targets exist, celery sub-commands and task names exist, gunicorn's options parse,
and the files they name exist. ``celery … call`` is also run for real."""

from __future__ import annotations

import itertools
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, get_commands, load_command_class

from tests.live_server import database_url

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PROGRAMS = ("manage.py", "make", "celery", "gunicorn")

# Stand-ins for the placeholders the docs use.
SAMPLES = {
    "N": "2",
    "PERCENT": "5",
    "AMOUNT": "10.00",
    "YYYY-MM-DD": "2025-01-01",
    "EMAIL": "someone@example.test",
    "SLUG": "demo",
    "HOST": "shop.example.test",
    "NAME": "Name",
    "CODE": "VAT",
    "TASK": "billing.issue_invoices",
}


def _code_lines(text: str) -> Iterator[tuple[str, bool]]:
    """Lines of fenced shell blocks (continuations joined), and inline code spans of prose; with
    whether the line is a whole command (a block) or may name one in short (a span: its
    required arguments may be left out)."""
    fence: str | None = None
    block: list[str] = []
    prose: list[str] = []
    for line in text.splitlines():
        if line.startswith("```"):
            if fence is None:
                fence, block = line[3:].strip(), []
            else:
                if fence in ("", "sh", "bash", "shell"):
                    for shell_line in "\n".join(block).replace("\\\n", " ").splitlines():
                        yield shell_line, True
                fence = None
        elif fence is not None:
            block.append(line)
        else:
            prose.append(line)
    for span in re.findall(r"`([^`\n]+)`", "\n".join(prose)):
        yield span, False


def _command_of(line: str) -> list[str] | None:
    """The argv of the documented command the line starts with (from its program on), or None.
    A leading ``VAR=$(``, ``python`` or ``.venv/bin/python`` is skipped."""
    line = re.sub(r"\s#\s.*$", "", line).strip()
    line = re.sub(r"^[A-Z_]+=\$\(", "", line)
    line = re.sub(r"^(\.venv/bin/)?python3?\s+", "", line)
    program, _, rest = line.partition(" ")
    if program not in PROGRAMS:
        return None
    # A quoted script (shell -c "...") is not the docs' command line: keep the option only.
    if re.search(r"[\"']", rest):
        rest = re.split(r"[\"']", rest, maxsplit=1)[0] + "x"
    rest = rest.replace("[", " ").replace("]", " ").replace(")", " ")
    try:
        return [program, *shlex.split(rest)]
    except ValueError:
        return None


def _expanded(argv: list[str]) -> Iterator[list[str]]:
    """``a|b`` alternatives each on their own; placeholders replaced by samples."""
    choices = [word.split("|") if "|" in word and not word.startswith("-") else [word] for word in argv]
    for combination in itertools.product(*choices):
        yield [SAMPLES.get(word, word) for word in combination]


def documented_commands() -> list[tuple[str, list[str]]]:
    """``(where, argv)`` of each documented command; ``where`` is the file, with ``(in short)``
    for a command named in prose."""
    found: dict[tuple[str, ...], str] = {}
    for doc in DOCS:
        for line, whole in _code_lines(doc.read_text()):
            argv = _command_of(line)
            if argv is None or len(argv) < 2:
                continue
            for command in _expanded(argv):
                found.setdefault(tuple(command), doc.name if whole else f"{doc.name} (in short)")
    return [(where, list(command)) for command, where in found.items()]


COMMANDS = documented_commands()


def test_the_docs_show_commands_of_every_kind() -> None:
    programs = {argv[0] for _, argv in COMMANDS}
    assert programs == set(PROGRAMS)
    assert len(COMMANDS) >= 30


def _make_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w-]*):", (ROOT / "Makefile").read_text(), flags=re.M))


@pytest.mark.parametrize(("where", "argv"), COMMANDS, ids=[" ".join(a) for _, a in COMMANDS])
def test_a_documented_command_resolves(where: str, argv: list[str]) -> None:
    program, args = argv[0], argv[1:]
    if program == "make":
        assert set(args) <= _make_targets(), (where, argv)
    elif program == "manage.py":
        commands = get_commands()
        assert args[0] in commands, (where, argv)
        command = load_command_class(commands[args[0]], args[0])
        parser = command.create_parser("manage.py", args[0])
        try:
            parser.parse_args(args[1:])  # a CommandError on an unknown option or sub-command
        except CommandError as exc:
            if "(in short)" not in where or "arguments are required" not in str(exc):
                raise
    elif program == "celery":
        _celery_resolves(args, where)
    elif program == "gunicorn":
        from gunicorn.config import Config

        parsed = Config().parser().parse_args(args)
        module, _, attribute = parsed.args[0].partition(":")
        assert (ROOT / (module.replace(".", "/") + ".py")).exists(), (where, argv)
        assert attribute == "application"
        assert (ROOT / parsed.config).exists(), (where, argv)


def _celery_resolves(args: list[str], where: str) -> None:
    from celery.bin.celery import celery as celery_cli

    from pos_platform.celery import app

    assert args[:2] == ["-A", "pos_platform"], (where, args)
    name, rest = args[2], args[3:]
    command = celery_cli.get_command(None, name)  # type: ignore[arg-type]
    assert command is not None, (where, args)
    if name == "call":
        app.loader.import_default_modules()
        assert rest[0] in app.tasks, (where, rest[0])
    known = {option for param in command.params for option in param.opts}
    assert {word for word in rest if word.startswith("-")} <= known, (where, args)


# Files the docs name that the running system writes (under the data folder).
RUNTIME_FILES = {"demo.json"}


def test_the_files_the_docs_name_exist() -> None:
    """A path is taken from the document's folder or the repository's root; a path inside an
    app (``services/tiers.py`` in the billing doc) must be the end of some file's path."""
    skipped = {".venv", ".data", ".git", "node_modules"}
    files = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.*") if not skipped & set(p.parts)]
    missing = []
    for doc in DOCS:
        text = doc.read_text()
        named = re.findall(r"\]\(([^)#\s]+)", text) + [
            span for span in re.findall(r"`([\w./-]+\.(?:py|md|toml|json|yml|yaml|cfg|ini|sh))`", text)
        ]
        for name in named:
            if name.startswith(("http://", "https://", "mailto:")):
                continue
            path = name.split(":")[0]
            if path in RUNTIME_FILES or any((base / path).exists() for base in (doc.parent, ROOT)):
                continue
            if not any(f.endswith("/" + path) for f in files):
                missing.append(f"{doc.name}: {name}")
    assert missing == []


def test_celery_call_sends_a_task_as_documented(live_db: None) -> None:
    """``celery -A pos_platform call billing.issue_invoices`` (docs/operations.md) runs and sends
    the task (to a queue of its own here, emptied afterwards, so that no worker picks it up)."""
    import redis
    from django.conf import settings

    queue = f"docs-check-{os.getpid()}"
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    documented = ["celery", "-A", "pos_platform", "call", "billing.issue_invoices"]
    done = subprocess.run(
        [sys.executable, "-m", *documented, "--queue", queue],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        assert done.returncode == 0, done.stderr[-2000:]
        assert re.fullmatch(r"[0-9a-f-]{36}\n", done.stdout), done.stdout
        assert client.llen(queue) == 1
    finally:
        client.delete(queue)
