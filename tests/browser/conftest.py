"""Browser tests: pytest-playwright driving a real Chromium, at phone size, against a live server.

What the browser tests of every face (the back office, the terminal app) share:

* **Chromium.** ``POS_CHROMIUM`` if set, else Debian's ``/usr/bin/chromium`` (or ``chromium`` on
  ``PATH``), else Playwright's own build where a user has installed one (``playwright install
  chromium``). Nothing is ever downloaded, and the launch flags keep Chromium off the network.
  Without a Chromium the tests under ``tests/browser/`` are skipped and the run's summary says so
  plainly; with ``POS_REQUIRE_BROWSER_TESTS=1`` (``.ci/run`` sets it) a missing Chromium, or a run
  in which no browser test ran, fails the run instead.
* **A live server** in a thread of the test process, on a free loopback port: ``live_url("shop")``
  is ``http://shop.localhost:<port>`` (Chromium resolves ``*.localhost`` to the loopback address).
  It serves every tenant of the session, including the session's ``alpha`` and ``beta``.
* **Committed data.** The server's threads have their own database connections, so what a
  browser test sets up must be committed: ``browser_tenant()`` provisions throwaway tenants
  (stocked with :func:`tests.conftest.stock_shop` on request), deleted when the session ends.
  Browser tests never write into ``alpha`` or ``beta``, whose rows the rest of the suite relies on.
* **Phones.** ``phone`` and ``small_phone`` are pages in fresh contexts of 390x844 and 360x640
  (touch, mobile viewport); ``sign_in_session(page, user, tenant)`` gives a page a verified
  session cookie without going through the sign-in pages; ``till()`` is the terminal app on a
  phone, paired and with a cashier signed in (the steps are in ``tests/browser/terminal.py``).
* **Checks.** ``axe_check(page)`` runs axe-core and fails on serious or critical violations;
  ``screenshot(page, name)`` writes ``docs/images/<name>.png`` when ``POS_SCREENSHOTS=1``
  (``make screenshots``), a temporary folder otherwise, so that a plain test run leaves the
  checkout clean.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test's thread; Django would take every ORM call
# made beside it for one made from async code. The tests' own queries are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BROWSER_DIR = Path(__file__).resolve().parent
IMAGES_DIR = BROWSER_DIR.parent.parent / "docs" / "images"
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 640}
# Keep Chromium off the network: no update checks, sync, field trials or first-run pages.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--no-default-browser-check",
]
REQUIRED = os.environ.get("POS_REQUIRE_BROWSER_TESTS", "").strip().lower() in {"1", "true", "yes", "on"}


def find_chromium() -> tuple[str | None, str]:
    """(executable to give Playwright, or None for Playwright's own build; a description), or
    (None, "") when there is no Chromium at all."""
    configured = os.environ.get("POS_CHROMIUM", "").strip()
    if configured:
        return (configured, configured) if os.access(configured, os.X_OK) else (None, "")
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate, candidate
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            own = p.chromium.executable_path
    except Exception:  # no driver or no browser: there is no Chromium
        return None, ""
    return (None, f"Playwright's Chromium ({own})") if own and os.path.exists(own) else (None, "")


CHROMIUM, CHROMIUM_NAME = find_chromium()
AVAILABLE = bool(CHROMIUM_NAME)
NO_BROWSER = (
    "no Chromium found: install Debian's chromium (apt-get install chromium), set POS_CHROMIUM, "
    "or run `playwright install chromium`"
)


def _is_browser_test(item: pytest.Item) -> bool:
    return BROWSER_DIR in Path(str(item.path)).parents


# Counted over the run: browser tests collected, and browser tests that ran (not skipped).
_COUNTS = {"collected": 0, "ran": 0}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_items = [item for item in items if _is_browser_test(item)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
        if not AVAILABLE:
            item.add_marker(pytest.mark.skip(reason=f"browser test: {NO_BROWSER}"))
    _COUNTS["collected"] = len(browser_items)
    if browser_items and not AVAILABLE and REQUIRED:
        raise pytest.UsageError(f"POS_REQUIRE_BROWSER_TESTS is set but {NO_BROWSER}.")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and "browser" in report.keywords:
        _COUNTS["ran"] += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if REQUIRED and _COUNTS["ran"] == 0 and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    collected, ran = _COUNTS["collected"], _COUNTS["ran"]
    if not AVAILABLE and collected:
        terminalreporter.write_line(
            f"BROWSER TESTS SKIPPED ({collected}): {NO_BROWSER}.", yellow=True, bold=True
        )
    elif collected:
        terminalreporter.write_line(f"Browser tests: {ran} of {collected} ran in {CHROMIUM_NAME}.")
    if REQUIRED and ran == 0:
        terminalreporter.write_line(
            "POS_REQUIRE_BROWSER_TESTS is set and no browser test ran: the run fails.", red=True, bold=True
        )


# ---------------------------------------------------------------------------------------------
# Playwright: the browser, phone-sized contexts
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], live_port: int) -> dict[str, Any]:
    # Depending on the live server makes the browser start after it and close before it: an open
    # browser would keep using the server's keep-alive connections while it stops.
    args = {**browser_type_launch_args, "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_FLAGS]}
    if CHROMIUM is not None:
        args["executable_path"] = CHROMIUM
    return args


def _phone_context(browser: Any, viewport: dict[str, int]) -> Any:
    return browser.new_context(
        viewport=viewport,
        screen=viewport,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=1,
        locale="en-GB",
        timezone_id="Africa/Accra",
    )


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page in a fresh context the size of a common phone (390x844)."""
    context = _phone_context(browser, PHONE)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def small_phone(browser: Any) -> Iterator[Any]:
    """A page in a fresh context the size of a small, cheap phone (360x640)."""
    context = _phone_context(browser, SMALL_PHONE)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def new_phone(browser: Any) -> Iterator[Callable[..., Any]]:
    """More phones in one test (a second person, a second shop): ``new_phone(small=False)``."""
    contexts: list[Any] = []

    def make(*, small: bool = False) -> Any:
        context = _phone_context(browser, SMALL_PHONE if small else PHONE)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


# ---------------------------------------------------------------------------------------------
# The live server and committed tenants
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_port(django_db_setup: None, django_db_blocker: Any) -> Iterator[int]:
    """The live server's port: a thread of this process serving the whole project on 127.0.0.1.

    Not pytest-django's ``live_server``: that one flushes every table after each test, which
    would remove the session's tenants."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override={}, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield thread.port
    thread.terminate()
    # A keep-alive socket's handler thread keeps its database connection until the socket closes;
    # end them so that the test database can be dropped.
    from django.db import connection

    with django_db_blocker.unblock():
        # A fresh connection: the suite's own may have been closed by the server meanwhile (then
        # the query failed and the live server's connections kept the database from being dropped).
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def live_url(live_port: int) -> Callable[[str], str]:
    """``live_url("shop")`` -> ``http://shop.localhost:<port>``."""
    from django.conf import settings

    return lambda slug: f"http://{slug}.{settings.POS_BASE_DOMAIN}:{live_port}"


@pytest.fixture(autouse=True)
def _browser_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Database access for the test and for the live server's threads (pytest-django's blocker is
    process-wide), outside any transaction: what the test writes is committed."""
    from django.db import connection

    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()


@dataclass
class BrowserShop:
    """A committed tenant for browser tests, with its owner's one-time password."""

    tenant: Any
    owner: Any
    owner_password: str
    shop: Any = None  # tests.conftest.Shop, when stocked


@pytest.fixture(scope="session")
def browser_tenant(django_db_setup: None, django_db_blocker: Any) -> Iterator[Callable[..., BrowserShop]]:
    """Make committed throwaway tenants: ``browser_tenant(stock=True)``. They, and the people made
    for them, are deleted when the session ends."""
    from django.db import connection

    from shared_apps.accounts.models import User
    from shared_apps.tenants.services import tenant_create, tenant_delete
    from tests.conftest import enroll_totp, member_make, stock_shop

    made: list[Any] = []
    people: list[str] = []

    def make(*, stock: bool = False, slug: str | None = None) -> BrowserShop:
        slug = slug or f"b{uuid.uuid4().hex[:10]}"
        with django_db_blocker.unblock():
            created = tenant_create(
                slug=slug,
                name=f"Shop {slug[-4:]}",
                owner_email=f"owner@{slug}.test",
                actor="tests",
                owner_password=True,
            )
            made.append(created.tenant)
            people.append(created.owner.email)
            enroll_totp(created.owner)
            shop = None
            if stock:
                shop = stock_shop(created.tenant, member_make)
                people.extend([shop.owner.user.email, shop.cashier.user.email])
            connection.set_schema_to_public()
        assert created.owner_password is not None
        return BrowserShop(
            tenant=created.tenant, owner=created.owner, owner_password=created.owner_password, shop=shop
        )

    yield make
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for tenant in made:
            tenant_delete(slug=tenant.slug, actor="tests", confirmed=True)
        for suffix in {t.slug for t in made}:
            User.objects.filter(email__endswith=f"@{suffix}.test").delete()
        User.objects.filter(email__in=people).delete()


@pytest.fixture
def sign_in_session(live_url: Callable[[str], str]) -> Callable[..., None]:
    """Give ``page``'s context a session of ``user`` at ``tenant``'s host, past the OTP step
    when the user has an authenticator, as the sign-in pages would leave it."""

    def sign_in(page: Any, user: Any, tenant: Any) -> None:
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django_otp import DEVICE_ID_SESSION_KEY

        from shared_apps.accounts.mfa import totp_device
        from shared_apps.accounts.middleware import SESSION_TENANT_KEY
        from shared_apps.accounts.sessions import SessionStore

        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[SESSION_TENANT_KEY] = str(tenant.pk)
        device = totp_device(user)
        if device is not None:
            store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.create()
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_url(tenant.slug)}]
        )

    return sign_in


@pytest.fixture
def till(
    browser: Any, live_url: Callable[[str], str], browser_tenant: Callable[..., BrowserShop]
) -> Iterator[Callable[..., Any]]:
    """The terminal app of a stocked browser shop on a phone (:mod:`tests.browser.terminal`):
    ``till()`` pairs a new till and signs the cashier in with their PIN, and gives a ``Till``;
    ``shop=`` uses a shop set up beforehand, ``paired=False`` / ``signed_in=False`` stop before
    those steps, ``cashier_pin=None`` leaves the cashier without a PIN (and signed out),
    ``viewport=PHONE`` for the larger phone. Its contexts close after the test."""
    from tests.browser import terminal

    contexts: list[Any] = []

    def make(
        *,
        shop: BrowserShop | None = None,
        paired: bool = True,
        signed_in: bool = True,
        viewport: dict[str, int] | None = None,
        cashier_pin: str | None = terminal.PIN,
    ) -> terminal.Till:
        shop = shop or browser_tenant(stock=True)
        context = terminal.new_context(browser, viewport)
        contexts.append(context)
        made = terminal.Till(
            shop=shop,
            url=live_url(shop.tenant.slug),
            context=context,
            page=context.new_page(),
            code=terminal.set_up_till(shop, cashier_pin=cashier_pin),
        )
        if paired:
            terminal.pair(made.page, made.url, made.code)
            if signed_in and cashier_pin is not None:
                terminal.sign_in(made.page, made.cashier_email)
        return made

    yield make
    for context in contexts:
        context.close()


def totp_now(device: Any) -> str:
    """The authenticator's current code, as the person's app shows it. django-otp accepts a code
    once: if this step's code was used already, wait for the next step."""
    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    while device.last_t is not None and totp.t() <= device.last_t:
        time.sleep(0.5)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    return str(totp.token()).zfill(device.digits)


# ---------------------------------------------------------------------------------------------
# Accessibility and screenshots
# ---------------------------------------------------------------------------------------------

FAILING_IMPACTS = ("serious", "critical")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in FAILING_IMPACTS]


def axe_check(page: Any) -> None:
    """Fail on any serious or critical axe-core violation, naming the rule and the elements."""
    bad = axe_violations(page)
    described = [
        f"{v['id']} ({v['impact']}): {v['help']} -> " + "; ".join(n["target"][0] for n in v["nodes"][:5])
        for v in bad
    ]
    assert not bad, f"axe-core on {page.url}:\n" + "\n".join(described)


def screenshot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """A PNG of the page: into docs/images/ with POS_SCREENSHOTS=1, a temporary folder otherwise."""
    if os.environ.get("POS_SCREENSHOTS", "").strip() in {"1", "true", "yes"}:
        folder = IMAGES_DIR
    else:
        folder = Path(tempfile.gettempdir()) / "pos-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


def choose_french(page: Any, base: str) -> None:
    """The signed-in person chooses French on the account page (from English)."""
    page.goto(base + "/portal/account")
    assert page.locator("html").get_attribute("lang") == "en"
    page.select_option("select[name=language]", "fr")
    # A whole page load (not a swap of the main part): the menu and the frame change language too.
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.locator("html").get_attribute("lang") == "fr"
