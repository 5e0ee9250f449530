"""Facilitator accounts (docs/security.md, "A hostile facilitator account"):
sign-in brute force slowed and locked out by django-axes, sign-in spraying
slowed per address, passwords checked by Django's validators."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def sign_in(client, username, password, url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password})


@pytest.fixture
def facilitator():
    return UserFactory(username="teacher", password=PASSWORD)


class TestLockout:
    def test_five_wrong_passwords_lock_the_account_from_that_address(self, facilitator):
        attacker = Client(REMOTE_ADDR="203.0.113.7")
        for _ in range(4):
            response = sign_in(attacker, "teacher", "guess")
            assert response.status_code == 200  # the form again, with its error
        response = sign_in(attacker, "teacher", "guess")
        assert response.status_code == 429
        assert "Too many failed sign-ins" in response.content.decode()
        # Now even the right password is refused from there, for a while.
        response = sign_in(attacker, "teacher", PASSWORD)
        assert response.status_code == 429
        assert "_auth_user_id" not in attacker.session

    def test_the_owner_elsewhere_still_signs_in(self, facilitator):
        attacker = Client(REMOTE_ADDR="203.0.113.7")
        for _ in range(6):
            sign_in(attacker, "teacher", "guess")
        owner = Client(REMOTE_ADDR="198.51.100.9")
        response = sign_in(owner, "teacher", PASSWORD)
        assert response.status_code == 302
        assert owner.session["_auth_user_id"] == str(facilitator.pk)

    def test_the_admin_sign_in_is_guarded_too(self, facilitator):
        facilitator.is_staff = True
        facilitator.save()
        attacker = Client(REMOTE_ADDR="203.0.113.7")
        url = reverse("admin:login")
        for _ in range(5):
            response = sign_in(attacker, "teacher", "guess", url)
        assert response.status_code == 429

    def test_a_success_clears_the_count(self, facilitator):
        client = Client(REMOTE_ADDR="203.0.113.7")
        for _ in range(4):
            sign_in(client, "teacher", "typo")
        assert sign_in(client, "teacher", PASSWORD).status_code == 302
        client.post(reverse("logout"))
        for _ in range(4):
            assert sign_in(client, "teacher", "typo").status_code == 200

    def test_no_log_of_who_signed_in_from_where(self, facilitator):
        from axes.models import AccessLog

        sign_in(Client(REMOTE_ADDR="203.0.113.7"), "teacher", PASSWORD)
        assert AccessLog.objects.count() == 0


class TestSpraying:
    def test_many_accounts_from_one_address_are_slowed(self, settings):
        settings.W4R_LOGIN_RATE = "10/15m"
        sprayer = Client(REMOTE_ADDR="203.0.113.7")
        statuses = [sign_in(sprayer, f"user{n}", "Summer2024!").status_code for n in range(12)]
        assert statuses == [200] * 10 + [429] * 2

    def test_password_reset_requests_are_slowed_too(self, settings):
        settings.W4R_LOGIN_RATE = "3/15m"
        client = Client(REMOTE_ADDR="203.0.113.7")
        url = reverse("password_reset")
        statuses = [client.post(url, {"email": "a@example.org"}).status_code for _ in range(4)]
        assert statuses == [302, 302, 302, 429]


class TestPasswords:
    @pytest.mark.parametrize("weak", ["short", "12345678901", "password123", "teacher2024"])
    def test_weak_passwords_are_refused(self, weak):
        user = UserFactory.build(username="teacher2024")
        with pytest.raises(ValidationError):
            validate_password(weak, user)

    def test_a_passphrase_is_fine(self):
        validate_password("four words make a passphrase", UserFactory.build(username="teacher"))

    def test_changing_a_password_checks_it(self, client, facilitator):
        client.force_login(facilitator)
        response = client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"},
        )
        assert response.status_code == 200
        facilitator.refresh_from_db()
        assert facilitator.check_password(PASSWORD)


class TestLostLaptop:
    """What a facilitator (or an admin) does when a signed-in laptop is lost."""

    def test_a_sign_in_lasts_half_a_day(self, settings):
        assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60

    def test_changing_the_password_signs_the_lost_laptop_out(self, facilitator):
        laptop = Client()
        laptop.force_login(facilitator)
        assert laptop.get(reverse("dashboard")).status_code == 200
        phone = Client()
        phone.force_login(facilitator)
        response = phone.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "a brand new passphrase",
                "new_password2": "a brand new passphrase",
            },
        )
        assert response.status_code == 302
        assert phone.get(reverse("dashboard")).status_code == 200  # this browser stays in
        response = laptop.get(reverse("dashboard"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))

    def test_an_admin_can_switch_the_account_off(self, facilitator):
        laptop = Client()
        laptop.force_login(facilitator)
        facilitator.is_active = False
        facilitator.save()
        response = laptop.get(reverse("dashboard"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
