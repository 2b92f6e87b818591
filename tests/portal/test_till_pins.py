"""Till PINs in the back office: a person who may sell sets their own on the account page (and is
asked to, above every page, until they have one); an admin resets or clears a staff member's on
the member's page. Both go through the PIN services of the API, which decide and audit."""

from __future__ import annotations

import base64
import re
from typing import Any

from django.test import Client
from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.messaging.services import preference_update
from sync import pins
from sync.models import CashierPin
from tests.conftest import Member, Shop, member_make
from tests.portal.conftest import html, portal_client

PIN = "4821"


def pin_matches(member: Member, pin: str) -> bool:
    row = CashierPin.objects.get(user_id=member.user.pk)
    return bool(row.verifier) and row.verifier == pins.pin_verifier(
        pin, salt=base64.b64decode(row.salt), iterations=row.iterations
    )


def pin_state(member: Member) -> tuple[str, str] | None:
    row = CashierPin.objects.filter(user_id=member.user.pk).first()
    return None if row is None else (row.verifier, row.salt)


def audits(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("at", "id"))


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


# ---------------------------------------------------------------------------------------------
# The person's own PIN (account page)
# ---------------------------------------------------------------------------------------------


def test_a_cashier_without_a_pin_is_asked_for_one_and_sets_it_on_the_account_page(shop: Shop) -> None:
    cashier = portal_client(shop.cashier, shop.tenant, csrf=True)
    elsewhere = html(cashier.get("/portal/shifts"))
    account = html(cashier.get("/portal/account"))

    saved = cashier.post(
        "/portal/account/pin", {"pin": PIN, "pin_confirm": PIN, "csrfmiddlewaretoken": csrf_token(account)}
    )
    after = html(cashier.get("/portal/account"))
    later = html(cashier.get("/portal/shifts"))

    assert "data-pin-banner" in elsewhere
    assert 'href="/portal/account#till-pin"' in elsewhere
    assert "data-pin-banner" not in account  # the form is right there
    assert 'data-till-pin="unset"' in account
    assert 'action="/portal/account/pin"' in account
    assert saved.status_code == 302
    assert saved["Location"] == "/portal/account#till-pin"
    assert pin_matches(shop.cashier, PIN)
    assert CashierPin.objects.get(user_id=shop.cashier.user.pk).set_by == shop.cashier.user.pk
    assert "Your till PIN is saved." in after
    assert 'data-till-pin="set"' in after
    assert "data-pin-banner" not in later
    # Audited as the API does: who, on whose membership, from where.
    [event] = audits("cashier.pin_set")
    assert (event.actor_id, event.object_type, event.object_id) == (
        shop.cashier.user.pk,
        "membership",
        str(shop.cashier.membership.pk),
    )
    assert event.ip == "127.0.0.1"


def test_not_now_hides_the_banner_for_the_session_only(shop: Shop) -> None:
    cashier = portal_client(shop.cashier, shop.tenant, csrf=True)
    page = html(cashier.get("/portal/shifts"))

    later = cashier.post(
        "/portal/account/pin/later", {"next": "/portal/shifts", "csrfmiddlewaretoken": csrf_token(page)}
    )
    after = html(cashier.get("/portal/shifts"))
    elsewhere = html(cashier.get("/portal/account"))
    next_session = html(portal_client(shop.cashier, shop.tenant).get("/portal/shifts"))

    assert 'action="/portal/account/pin/later"' in page
    assert later.status_code == 302
    assert later["Location"] == "/portal/shifts"
    assert "data-pin-banner" not in after
    assert 'data-till-pin="unset"' in elsewhere  # the form is still there
    assert "data-pin-banner" in next_session
    assert pin_state(shop.cashier) is None


def test_a_pin_already_set_shows_when_and_no_banner(shop: Shop) -> None:
    pins.cashier_pin_set(membership=shop.cashier.membership, pin=PIN, actor=Actor.of_user(shop.cashier.user))
    cashier = portal_client(shop.cashier, shop.tenant)

    page = html(cashier.get("/portal/account"))
    other = html(cashier.get("/portal/shifts"))

    assert 'data-till-pin="set"' in page
    assert "A PIN is set: you set it on" in page
    assert "Change PIN" in page
    assert "data-pin-banner" not in other


def test_wrong_pins_are_refused_beside_their_field_and_nothing_is_stored(shop: Shop) -> None:
    cashier = portal_client(shop.cashier, shop.tenant)
    cases = [
        ({"pin": "4821", "pin_confirm": "4822"}, "pin_confirm", "The two PINs are not the same."),
        ({"pin": "12a4", "pin_confirm": "12a4"}, "pin", "A PIN is 4 to 8 digits."),
        ({"pin": "123", "pin_confirm": "123"}, "pin", "A PIN is 4 to 8 digits."),
        ({"pin": "123456789", "pin_confirm": "123456789"}, "pin", "A PIN is 4 to 8 digits."),
        ({"pin": "12\x0034", "pin_confirm": "12\x0034"}, "pin", "Null characters are not allowed."),
        ({"pin": "", "pin_confirm": ""}, "pin", "This field is required."),
        ({"pin": "9" * 5000, "pin_confirm": "9" * 5000}, "pin", "Ensure this value has at most 64"),
    ]

    answers = [(cashier.post("/portal/account/pin", data), field, text) for data, field, text in cases]

    for response, field, text in answers:
        page = html(response)
        assert response.status_code == 400, text
        error = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', page)
        assert error is not None, text
        assert text in error.group(1)
        assert 'id="till-pin"' in page
        assert 'id="id_language_error"' not in page  # the other form is not the one sent
    assert pin_state(shop.cashier) is None
    assert audits("cashier.pin_set") == []


def test_a_post_without_the_csrf_token_changes_nothing(shop: Shop) -> None:
    cashier = portal_client(shop.cashier, shop.tenant, csrf=True)

    response = cashier.post("/portal/account/pin", {"pin": PIN, "pin_confirm": PIN})

    assert response.status_code == 403
    assert pin_state(shop.cashier) is None
    assert audits("cashier.pin_set") == []


def test_the_account_page_has_no_pin_form_by_get_only(shop: Shop) -> None:
    cashier = portal_client(shop.cashier, shop.tenant)

    assert cashier.get("/portal/account/pin").status_code == 405
    assert pin_state(shop.cashier) is None


def test_the_pin_pages_are_in_french(shop: Shop) -> None:
    preference_update(user_id=shop.cashier.user.pk, tenant_id=None, language="fr")
    cashier = portal_client(shop.cashier, shop.tenant)

    banner = html(cashier.get("/portal/shifts"))
    refused = html(cashier.post("/portal/account/pin", {"pin": "12", "pin_confirm": "13"}))

    assert "Vous n'avez pas encore de code PIN de caisse" in banner
    assert "Code PIN de caisse" in refused
    assert "Les deux codes PIN ne sont pas identiques." in refused


# ---------------------------------------------------------------------------------------------
# An admin resets a member's PIN (staff page)
# ---------------------------------------------------------------------------------------------


def test_an_owner_resets_and_clears_a_cashiers_pin(shop: Shop, owner_portal: Client) -> None:
    url = f"/portal/staff/{shop.cashier.membership.pk}"
    before = html(owner_portal.get(url))

    reset = owner_portal.post(f"{url}/pin", {"pin": "7310", "pin_confirm": "7310"})
    after_reset = html(owner_portal.get(url))
    matched = pin_matches(shop.cashier, "7310")
    set_by = CashierPin.objects.get(user_id=shop.cashier.user.pk).set_by
    cleared = owner_portal.post(f"{url}/pin", {"action": "clear"})
    after_clear = html(owner_portal.get(url))

    assert 'data-till-pin="unset"' in before
    assert "Reset till PIN" in before
    assert reset.status_code == 302
    assert reset["Location"] == f"{url}#till-pin"
    assert matched
    assert set_by == shop.owner.user.pk
    assert 'data-till-pin="set"' in after_reset
    assert "Their new till PIN is saved." in after_reset
    assert cleared.status_code == 302
    assert CashierPin.objects.get(user_id=shop.cashier.user.pk).verifier == ""
    assert 'data-till-pin="unset"' in after_clear
    assert [(e.actor_id, e.object_id, e.details) for e in audits("cashier.pin_reset")] == [
        (shop.owner.user.pk, str(shop.cashier.membership.pk), {"cleared": False}),
        (shop.owner.user.pk, str(shop.cashier.membership.pk), {"cleared": True}),
    ]
    # The cashier's own page says who set it.
    pins.cashier_pin_reset(
        actor_membership=shop.owner.membership,
        membership_id=shop.cashier.membership.pk,
        pin="5555",
        actor=Actor.of_user(shop.owner.user),
    )
    assert "an admin gave it to you" in html(portal_client(shop.cashier, shop.tenant).get("/portal/account"))


def test_a_reset_with_a_bad_pin_is_refused_beside_the_field(shop: Shop, owner_portal: Client) -> None:
    url = f"/portal/staff/{shop.cashier.membership.pk}"

    mismatch = owner_portal.post(f"{url}/pin", {"pin": "7310", "pin_confirm": "7311"})
    letters = owner_portal.post(f"{url}/pin", {"pin": "abcd", "pin_confirm": "abcd"})

    assert mismatch.status_code == 400
    assert 'id="id_pin_confirm_error"' in html(mismatch)
    assert letters.status_code == 400
    assert re.search(r'id="id_pin_error">A PIN is 4 to 8 digits.<', html(letters))
    assert pin_state(shop.cashier) is None
    assert audits("cashier.pin_reset") == []


def test_a_cashier_cannot_reset_another_persons_pin(shop: Shop, make_member: Any) -> None:
    other = make_member(shop.tenant, "cashier", storefront_id=shop.storefront.pk)
    pins.cashier_pin_set(membership=other.membership, pin=PIN, actor=Actor.of_user(other.user))
    before = pin_state(other)
    cashier = portal_client(shop.cashier, shop.tenant)

    answers = [
        cashier.post(f"/portal/staff/{other.membership.pk}/pin", {"pin": "1111", "pin_confirm": "1111"}),
        cashier.post(f"/portal/staff/{other.membership.pk}/pin", {"action": "clear"}),
        cashier.post(f"/portal/staff/{shop.owner.membership.pk}/pin", {"pin": "1111", "pin_confirm": "1111"}),
    ]

    for response in answers:
        assert response.status_code == 403
        assert "invite and change staff" in html(response)  # what the role does not allow
    assert pin_state(other) == before
    assert pin_state(shop.owner) is None
    assert audits("cashier.pin_reset") == []


def test_an_admin_cannot_reset_the_owners_pin_and_is_told_why(shop: Shop, make_member: Any) -> None:
    admin = make_member(shop.tenant, "admin")
    pins.cashier_pin_set(membership=shop.owner.membership, pin=PIN, actor=Actor.of_user(shop.owner.user))
    before = pin_state(shop.owner)
    client = portal_client(admin, shop.tenant)
    url = f"/portal/staff/{shop.owner.membership.pk}"

    page = html(client.get(url))
    reset = client.post(f"{url}/pin", {"pin": "1111", "pin_confirm": "1111"})
    cleared = client.post(f"{url}/pin", {"action": "clear"})

    assert "Their role is above yours: you cannot reset their PIN." in page
    assert f'action="{url}/pin"' not in page
    for response in (reset, cleared):
        assert response.status_code == 403
        assert re.search(r"data-pin-refused>Their role is above yours", html(response))
    assert pin_state(shop.owner) == before
    assert audits("cashier.pin_reset") == []


def test_a_member_of_another_shop_is_not_found(shop: Shop, owner_portal: Client, tenant_b: Any) -> None:
    stranger = member_make(tenant_b, "cashier")
    shop.tenant.activate()

    response = owner_portal.post(f"/portal/staff/{stranger.membership.pk}/pin", {"action": "clear"})

    assert response.status_code == 404
    with tenant_context(tenant_b):
        assert pin_state(stranger) is None
