"""Sign-in throttling: an account, or an address, that keeps failing is locked for a while."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client, RequestFactory

from opsreview.org.audit import client_address
from opsreview.org.models import AuditAction, AuditEvent
from tests.opsreview.test_settings import manage

from .factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 10
ATTACKER = "203.0.113.66"
ELSEWHERE = "198.51.100.20"
LOCKED = "locked for 15 minutes"
WRONG = "Please enter a correct username and password"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def sign_in(username: str, password: str, address: str = ELSEWHERE, **headers):
    """One attempt from a fresh browser at `address`; returns the response and its client."""
    client = Client(REMOTE_ADDR=address, **headers)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response, client


def fail(username: str, times: int, address: str = ATTACKER) -> None:
    for _ in range(times):
        sign_in(username, "not-the-password", address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def signs_in(username: str, address: str, **headers) -> bool:
    """Whether the right password, from `address`, starts a session."""
    return signed_in(sign_in(username, DEFAULT_PASSWORD, address, **headers)[1])


def assert_locked_out(response, client) -> None:
    assert response.status_code == 429
    assert LOCKED in response.text
    assert "too many failed sign-in attempts" in response.text.lower()
    assert "ask a member of staff to unlock it" in response.text
    assert not signed_in(client)


@pytest.fixture
def eli():
    return UserFactory(username="eli")


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(username="ada", is_staff=True))
    return client


def test_defaults_are_ten_failures_and_fifteen_minutes(settings):
    assert settings.LOGIN_FAILURE_LIMIT == LIMIT
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    assert settings.LOGIN_LOCKOUT_MINUTES == 15
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.TRUSTED_PROXY_COUNT == 0


def test_limit_and_lockout_minutes_come_from_the_environment():
    code = (
        "from django.conf import settings; "
        "print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME)"
    )
    result = manage(
        "shell",
        "-c",
        code,
        env={"DEBUG": "1", "LOGIN_FAILURE_LIMIT": "4", "LOGIN_LOCKOUT_MINUTES": "40"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("4 0:40:00")


def test_nine_wrong_passwords_still_say_only_that_the_password_is_wrong(eli):
    fail("eli", LIMIT - 2)
    response, _client = sign_in("eli", "not-the-password", ATTACKER)
    assert response.status_code == 200
    assert WRONG in response.text
    assert LOCKED not in response.text


def test_the_tenth_wrong_password_locks_the_account_and_says_so(eli):
    fail("eli", LIMIT - 1)
    response, client = sign_in("eli", "not-the-password", ATTACKER)
    assert_locked_out(response, client)


def test_after_ten_wrong_passwords_the_right_one_is_refused_too(eli):
    fail("eli", LIMIT)
    response, client = sign_in("eli", DEFAULT_PASSWORD, ATTACKER)
    assert_locked_out(response, client)


def test_a_locked_account_is_refused_from_every_address(eli):
    fail("eli", LIMIT, address=ATTACKER)
    response, client = sign_in("eli", DEFAULT_PASSWORD, ELSEWHERE)
    assert_locked_out(response, client)


def test_an_address_guessing_many_accounts_is_locked_by_its_address(eli):
    for n in range(LIMIT):
        fail(f"guess{n}", 1, address=ATTACKER)
    response, client = sign_in("eli", DEFAULT_PASSWORD, ATTACKER)
    assert_locked_out(response, client)
    assert signs_in("eli", ELSEWHERE)


def test_other_people_still_sign_in_while_one_account_is_locked(eli):
    UserFactory(username="bo")
    fail("eli", LIMIT, address=ATTACKER)
    response, client = sign_in("bo", DEFAULT_PASSWORD, ELSEWHERE)
    assert response.status_code == 302
    assert signed_in(client)


def test_tries_during_a_lock_out_do_not_extend_it(eli, time_machine):
    time_machine.move_to(NOW, tick=False)
    fail("eli", LIMIT)
    time_machine.move_to(NOW + timedelta(minutes=14), tick=False)
    fail("eli", 3)
    time_machine.move_to(NOW + timedelta(minutes=15, seconds=1), tick=False)
    assert signs_in("eli", ATTACKER)


def test_the_lock_out_ends_by_itself_after_fifteen_minutes(eli, time_machine):
    time_machine.move_to(NOW, tick=False)
    fail("eli", LIMIT)
    time_machine.move_to(NOW + timedelta(minutes=14, seconds=59), tick=False)
    assert_locked_out(*sign_in("eli", DEFAULT_PASSWORD, ATTACKER))
    time_machine.move_to(NOW + timedelta(minutes=15, seconds=1), tick=False)
    response, client = sign_in("eli", DEFAULT_PASSWORD, ATTACKER)
    assert response.status_code == 302
    assert signed_in(client)


def test_signing_in_clears_the_accounts_failures(eli):
    fail("eli", LIMIT - 1)
    assert signs_in("eli", ATTACKER)
    fail("eli", LIMIT - 1)
    assert signs_in("eli", ATTACKER)


def test_signing_in_does_not_clear_an_addresses_guesses_at_other_accounts(eli):
    for n in range(LIMIT - 1):
        fail(f"guess{n}", 1, address=ATTACKER)
    assert signs_in("eli", ATTACKER)
    fail("one-more-guess", 1, address=ATTACKER)
    assert_locked_out(*sign_in("eli", DEFAULT_PASSWORD, ATTACKER))


# Staff unlock


def test_staff_see_each_locked_account_and_address(eli, staff_client):
    fail("eli", LIMIT, address=ATTACKER)
    response = staff_client.get("/accounts/lockouts/")
    assert response.status_code == 200
    locks = {(lock.username, lock.ip_address): lock for lock in response.context["lockouts"]}
    assert set(locks) == {("eli", None), (None, ATTACKER)}
    assert locks["eli", None].failures == LIMIT
    assert 'name="username" value="eli"' in response.text
    assert f'name="ip_address" value="{ATTACKER}"' in response.text


def test_an_expired_lock_out_is_no_longer_listed(eli, staff_client, time_machine):
    time_machine.move_to(NOW, tick=False)
    fail("eli", LIMIT)
    time_machine.move_to(NOW + timedelta(minutes=16), tick=False)
    assert staff_client.get("/accounts/lockouts/").context["lockouts"] == []


def test_staff_unlock_an_account_and_it_signs_in_at_once(eli, staff_client):
    fail("eli", LIMIT, address=ATTACKER)
    response = staff_client.post("/accounts/lockouts/", {"username": "eli"}, follow=True)
    assert "Unlocked account “eli”" in response.text
    assert [(lock.username, lock.ip_address) for lock in response.context["lockouts"]] == []
    assert signs_in("eli", ELSEWHERE)
    event = AuditEvent.objects.get(action=AuditAction.LOCKOUT_CLEARED)
    assert event.actor.username == "ada"
    assert event.detail == f"Unlocked account “eli”, clearing {LIMIT} failed sign-ins."


def test_staff_unlock_an_address(eli, staff_client):
    for n in range(LIMIT):
        fail(f"guess{n}", 1, address=ATTACKER)
    staff_client.post("/accounts/lockouts/", {"ip_address": ATTACKER})
    assert signs_in("eli", ATTACKER)
    assert AuditEvent.objects.filter(
        action=AuditAction.LOCKOUT_CLEARED, detail__contains=ATTACKER
    ).exists()


def test_unlocking_what_is_no_longer_locked_says_so_and_records_nothing(staff_client):
    response = staff_client.post("/accounts/lockouts/", {"username": "eli"}, follow=True)
    assert "Nothing to unlock" in response.text
    assert not AuditEvent.objects.filter(action=AuditAction.LOCKOUT_CLEARED).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose one account or one address to unlock."),
        (
            {"username": "eli", "ip_address": ATTACKER},
            "Choose one account or one address to unlock.",
        ),
        ({"ip_address": "not-an-address"}, "Enter a valid IPv4 or IPv6 address."),
    ],
)
def test_an_unlock_that_names_no_single_account_or_address_is_refused(
    eli, staff_client, data, error
):
    fail("eli", LIMIT)
    response = staff_client.post("/accounts/lockouts/", data)
    assert response.status_code == 422
    assert error in response.text
    assert not AuditEvent.objects.filter(action=AuditAction.LOCKOUT_CLEARED).exists()
    assert_locked_out(*sign_in("eli", DEFAULT_PASSWORD, ELSEWHERE))


def test_people_who_are_not_staff_cannot_see_or_clear_lock_outs(eli):
    fail("eli", LIMIT)
    client = Client()
    client.force_login(UserFactory(username="mallory"))
    page = client.get("/accounts/lockouts/")
    refused = client.post("/accounts/lockouts/", {"username": "eli"})
    assert (page.status_code, refused.status_code) == (403, 403)
    assert "Only staff can see and clear sign-in lock-outs." in refused.text
    assert 'name="username" value="eli"' not in page.text  # no locked account is named
    assert not AuditEvent.objects.filter(action=AuditAction.LOCKOUT_CLEARED).exists()
    assert_locked_out(*sign_in("eli", DEFAULT_PASSWORD, ELSEWHERE))


def test_locked_usernames_are_shown_escaped_to_staff(staff_client):
    fail("<b hx-get=/x>", LIMIT)
    response = staff_client.get("/accounts/lockouts/")
    assert "&lt;b hx-get=/x&gt;" in response.text
    assert "<b hx-get" not in response.text


# The client's address


def test_forwarded_for_is_ignored_by_default_so_rotating_it_does_not_escape_the_lock(eli):
    for n in range(LIMIT):
        sign_in(f"guess{n}", "wrong", ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response, client = sign_in(
        "eli", DEFAULT_PASSWORD, ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.200"
    )
    assert_locked_out(response, client)


def test_behind_one_trusted_proxy_the_forwarded_address_is_the_client(eli, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    balancer = "10.0.0.2"
    for n in range(LIMIT):
        sign_in(f"guess{n}", "wrong", balancer, HTTP_X_FORWARDED_FOR=ATTACKER)
    spoofed = f"192.0.2.1, {ATTACKER}"  # the attacker's own header, then what the proxy saw
    assert_locked_out(*sign_in("eli", DEFAULT_PASSWORD, balancer, HTTP_X_FORWARDED_FOR=spoofed))
    assert signs_in("eli", balancer, HTTP_X_FORWARDED_FOR=ELSEWHERE)


@pytest.mark.parametrize(
    ("proxies", "header", "forwarded", "expected"),
    [
        (0, "X-Forwarded-For", "192.0.2.1", "10.0.0.2"),
        (1, "X-Forwarded-For", "192.0.2.1", "192.0.2.1"),
        (1, "X-Forwarded-For", "192.0.2.9, 192.0.2.1", "192.0.2.1"),
        (2, "X-Forwarded-For", "192.0.2.9, 192.0.2.1, 10.0.0.1", "192.0.2.1"),
        (2, "X-Forwarded-For", "192.0.2.1", "10.0.0.2"),
        (1, "X-Forwarded-For", "", "10.0.0.2"),
        (1, "X-Forwarded-For", "not an address", "10.0.0.2"),
        (1, "X-Forwarded-For", "192.0.2.1:51234", "192.0.2.1"),
        (1, "X-Forwarded-For", "[2001:db8::1]:443", "2001:db8::1"),
        (1, "X-Real-IP", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(
    settings, proxies, header, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.CLIENT_ADDRESS_HEADER = header
    meta_key = "HTTP_" + header.upper().replace("-", "_")
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **{meta_key: forwarded})
    assert client_address(request) == expected
