"""The pages of getting in and of messages, as a person meets them on a phone in Chromium (with
axe-core): a forgotten password recovered by the e-mailed link, a trader opening a shop on the
platform host, a customer's receipt page, sending a receipt, an owner resetting a staff member's
authenticator, and the first-run steps."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from shared_apps.messaging.services import messages_sweep
from tests.browser.conftest import PHONE, SMALL_PHONE, BrowserShop, axe_check, screenshot, totp_now
from tests.messaging.servers import AfricasTalkingServer, SmtpServer


@pytest.fixture
def links_here(settings: Any, live_port: int) -> None:
    """Links in messages point at the live server's port."""
    settings.POS_PUBLIC_PORT = str(live_port)


def fits(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_person_who_forgot_the_password_recovers_alone(
    phone: Any,
    live_url: Callable[[str], str],
    browser_tenant: Callable[..., BrowserShop],
    smtp: SmtpServer,
    links_here: None,
) -> None:
    shop = browser_tenant()
    phone.goto(f"{live_url(shop.tenant.slug)}/portal/login")
    phone.get_by_role("link", name="Forgot your password?").click()
    # The link swaps the page in place; the sign-in form has an Email field too.
    phone.get_by_role("button", name="Send me a link").wait_for()
    phone.get_by_label("Email").fill(shop.owner.email)
    phone.get_by_role("button", name="Send me a link").click()
    phone.wait_for_load_state()
    phone.get_by_role("status").wait_for()
    assert "a link to choose a new password is on its way" in phone.get_by_role("status").inner_text()
    assert fits(phone)
    axe_check(phone)
    screenshot(phone, "password-reset-sent")

    messages_sweep()
    [mail] = smtp.to(shop.owner.email)
    link = re.search(r"(http://\S+/portal/password-reset/confirm\?token=[\w-]+)", mail.text).group(1)  # type: ignore[union-attr]
    phone.goto(link)
    assert phone.get_by_role("heading", name="Choose a new password").is_visible()
    axe_check(phone)
    phone.get_by_label("New password", exact=True).fill("mango season rain 88")
    phone.get_by_label("New password again").fill("mango season rain 99")
    phone.get_by_role("button", name="Set the password").click()
    assert "The two new passwords are not the same." in phone.content()
    axe_check(phone)
    phone.get_by_label("New password", exact=True).fill("mango season rain 88")
    phone.get_by_label("New password again").fill("mango season rain 88")
    phone.get_by_role("button", name="Set the password").click()
    phone.wait_for_url("**/portal/login")
    assert "Your password is set. Sign in with it." in phone.content()

    phone.get_by_label("Email").fill(shop.owner.email)
    phone.get_by_label("Password").fill("mango season rain 88")
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url("**/portal/otp**")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    phone.get_by_label("Code").fill(totp_now(TOTPDevice.objects.get(user=shop.owner, confirmed=True)))
    phone.get_by_role("button").filter(has_text=re.compile("Verify|Continue|Sign in")).first.click()
    phone.wait_for_url("**/portal/**")
    assert "/portal/otp" not in phone.url

    # The link worked once.
    phone.goto(link)
    assert phone.get_by_role("heading", name="This link does not work").is_visible()
    axe_check(phone)


def test_a_trader_opens_a_shop_on_the_platform_host(
    small_phone: Any, live_port: int, smtp: SmtpServer, links_here: None
) -> None:
    from shared_apps.accounts.models import User
    from shared_apps.tenants.models import Tenant
    from shared_apps.tenants.services import tenant_delete

    slug = f"s{uuid.uuid4().hex[:8]}"
    email = f"trader@{slug}.test"
    page = small_phone
    try:
        page.goto(f"http://localhost:{live_port}/portal/")
        page.wait_for_url("**/portal/signup")
        axe_check(page)
        assert fits(page)
        screenshot(page, "signup", full_page=True)
        page.get_by_label("Shop name").fill("Kojo Provisions")
        page.get_by_label("Address").fill(slug)
        page.get_by_label("Country").select_option("GH")
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Phone").fill("024 555 1234")
        page.get_by_label("Password").fill("kojo sells rice 2026")
        page.get_by_role("button", name="Send the code").click()
        page.wait_for_url(re.compile(r".*/portal/signup/[0-9a-f-]{36}$"))
        axe_check(page)
        messages_sweep()
        code = re.search(r"\b(\d{6})\b", smtp.to(email)[0].message["Subject"]).group(1)  # type: ignore[union-attr]
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Open my shop").click()
        page.get_by_role("heading", name="Your shop is ready").wait_for()
        axe_check(page)
        screenshot(page, "signup-done")
        tenant = Tenant.objects.get(slug=slug)
        assert (tenant.currency, tenant.timezone) == ("GHS", "Africa/Accra")
        page.get_by_role("link", name="Sign in to your shop").click()
        page.wait_for_url(f"**//{slug}.localhost:{live_port}/portal/login")
    finally:
        if Tenant.objects.filter(slug=slug).exists():
            tenant_delete(slug=slug, actor="tests", confirmed=True)
        User.objects.filter(email=email).delete()


def test_a_signup_with_a_taken_address_says_so_beside_the_field(phone: Any, live_port: int) -> None:
    phone.goto(f"http://localhost:{live_port}/portal/signup")
    phone.get_by_label("Shop name").fill("Alpha")
    phone.get_by_label("Address").fill("alpha")
    phone.get_by_label("Email", exact=True).fill(f"x{uuid.uuid4().hex[:6]}@example.com")
    phone.get_by_label("Phone").fill("0245551234")
    phone.get_by_label("Password").fill("a fine long password 1")
    phone.get_by_role("button", name="Send the code").click()
    assert "Another tenant already uses this slug." in phone.content()
    assert "Free addresses:" in phone.content()
    axe_check(phone)


@pytest.fixture(scope="module")
def sold(browser_tenant: Callable[..., BrowserShop], django_db_blocker: Any) -> tuple[BrowserShop, Any]:
    from django.db import connection

    from tenant_apps.sales.services import PaymentInput, SaleLineInput, sale_record

    shop = browser_tenant(stock=True)
    with django_db_blocker.unblock():
        connection.set_tenant(shop.tenant)
        s = shop.shop
        recorded = sale_record(
            storefront_id=s.storefront.pk,
            cashier_id=s.owner.user.pk,
            lines=[
                SaleLineInput(s.products["rice"].pk, Decimal(2)),
                SaleLineInput(s.products["soap"].pk, Decimal(1)),
            ],
            payments=[PaymentInput("cash", Decimal("60.00"))],
        )
        connection.set_schema_to_public()
    return shop, recorded.sale


@pytest.mark.parametrize("size", ["phone", "small_phone"])
def test_a_customer_reads_the_receipt_on_a_phone(
    size: str, request: pytest.FixtureRequest, sold: tuple[BrowserShop, Any], live_url: Callable[[str], str]
) -> None:
    from django.db import connection

    from tenant_apps.receipts.services import receipt_path

    shop, sale = sold
    connection.set_tenant(shop.tenant)
    path = receipt_path(sale_id=sale.pk)
    connection.set_schema_to_public()
    page = request.getfixturevalue(size)
    response = page.goto(live_url(shop.tenant.slug) + path, wait_until="load")
    assert response is not None
    assert response.status == 200
    assert page.get_by_role("heading", name=shop.tenant.name).is_visible()
    assert sale.receipt_number in page.content()
    assert page.get_by_role("img", name="QR code of this receipt").evaluate("img => img.naturalWidth") > 0
    assert page.get_by_role("button", name="Print").is_visible()
    assert fits(page)
    axe_check(page)
    screenshot(page, f"receipt-{size}", full_page=True)
    # The page is not the back office: no session needed, and another shop does not have it.
    other = page.goto(live_url("beta") + path)
    assert other is not None
    assert other.status == 404


def test_a_cashier_sends_the_receipt_by_sms(
    phone: Any,
    sold: tuple[BrowserShop, Any],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
    at: AfricasTalkingServer,
    links_here: None,
) -> None:
    shop, sale = sold
    sign_in_session(phone, shop.shop.owner.user, shop.tenant)
    phone.goto(f"{live_url(shop.tenant.slug)}/portal/sales/{sale.pk}")
    phone.get_by_role("link", name="Send the receipt").click()
    phone.wait_for_url(f"**/portal/receipts/{sale.pk}")
    axe_check(phone)
    phone.get_by_label("Phone number or email").fill("020 111 2222")
    phone.get_by_role("button", name="Send", exact=True).click()
    phone.get_by_text("The receipt is on its way.").wait_for()
    assert "+233201112222" in phone.content()
    axe_check(phone)
    screenshot(phone, "receipt-send")
    messages_sweep()
    assert [m["to"] for m in at.accepted] == ["+233201112222"]
    assert f"{live_url(shop.tenant.slug)}/r/" in at.accepted[0]["message"]


def test_an_owner_resets_a_staff_members_authenticator_and_sees_the_first_steps(
    phone: Any,
    sold: tuple[BrowserShop, Any],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
    smtp: SmtpServer,
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import member_make

    shop, _ = sold
    admin = member_make(shop.tenant, "admin")
    sign_in_session(phone, shop.shop.owner.user, shop.tenant)
    phone.goto(f"{live_url(shop.tenant.slug)}/portal/")
    phone.goto(f"{live_url(shop.tenant.slug)}/portal/staff/mfa")
    axe_check(phone)
    phone.get_by_role("button", name=f"Reset the authenticator of {admin.user.email}").click()
    phone.get_by_text("sets up a new authenticator at their next sign-in").wait_for()
    assert not TOTPDevice.objects.filter(user=admin.user).exists()
    axe_check(phone)
    screenshot(phone, "staff-mfa")

    phone.goto(f"{live_url(shop.tenant.slug)}/portal/welcome")
    steps = phone.locator("ol.steps li").all_inner_texts()
    assert [s.split()[-1] for s in steps][:3] == ["done", "done", "done"]
    assert steps[3].endswith("to do")
    assert fits(phone)
    axe_check(phone)
    screenshot(phone, "welcome")
    assert PHONE["width"] >= SMALL_PHONE["width"]
