"""Sign-in, throttling (django-axes), logout, password change and reset, language switch."""
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Branch-pass-2026"  # tests.factories.UserFactory
LOGIN = reverse("login")
NEW_PASSWORD = "Meeting-minutes-77"



@pytest.fixture
def person(db):
    return UserFactory(username="liming", email="liming@example.org", first_name="李明")


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- login --------------------------------------------------------------------------------------------

def test_login_page(client, settings):
    settings.PRODUCT_NAME = "测试系统"
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "测试系统" in html
    assert 'name="username"' in html and 'name="password"' in html
    assert f'href="{reverse("password_reset")}"' in html
    assert 'data-testid="language-switch-card"' in html and f'action="{reverse("set_language")}"' in html
    assert f'action="{reverse("logout")}"' not in html  # no user menu when anonymous


def test_login_and_redirect(client, person):
    response = client.post(LOGIN, {"username": "liming", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("branches:dashboard")
    assert _logged_in(client)
    # Signed in, the login page sends you on.
    assert client.get(LOGIN).status_code == 302


def test_login_honours_safe_next_only(client, person):
    response = client.post(LOGIN, {"username": "liming", "password": PASSWORD, "next": "/access/notifications/"})
    assert response.url == "/access/notifications/"
    other = Client()
    response = other.post(LOGIN, {"username": "liming", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.url == reverse("branches:dashboard")


def test_wrong_password_shows_an_error(client, person):
    response = client.post(LOGIN, {"username": "liming", "password": "nope"})
    assert response.status_code == 200
    assert 'data-testid="login-error"' in response.content.decode()
    assert not _logged_in(client)


def test_inactive_user_cannot_sign_in(client, person):
    person.is_active = False
    person.save()
    client.post(LOGIN, {"username": "liming", "password": PASSWORD})
    assert not _logged_in(client)


# --- throttling ---------------------------------------------------------------------------------------

def test_lockout_after_five_failures_even_with_the_right_password(client, person, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert client.post(LOGIN, {"username": "liming", "password": "wrong"}).status_code == 200
    fifth = client.post(LOGIN, {"username": "liming", "password": "wrong"})
    assert fifth.status_code == 429
    response = client.post(LOGIN, {"username": "liming", "password": PASSWORD})
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert not _logged_in(client)
    text = response.content.decode()
    assert "After 5 failed sign-in attempts" in text and "15 minutes" in text  # AXES_COOLOFF_TIME = 0.25 h
    assert f'href="{reverse("password_reset")}"' in text


def test_lockout_is_per_username_and_address(client, person):
    UserFactory(username="colleague")
    for _ in range(5):
        client.post(LOGIN, {"username": "liming", "password": "wrong"})
    # Another account from the same address is not blocked.
    other = Client()
    assert other.post(LOGIN, {"username": "colleague", "password": PASSWORD}).status_code == 302
    # The same account from another address is not blocked either.
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert elsewhere.post(LOGIN, {"username": "liming", "password": PASSWORD}).status_code == 302


def test_success_resets_the_failure_count(client, person):
    for _ in range(4):
        client.post(LOGIN, {"username": "liming", "password": "wrong"})
    assert client.post(LOGIN, {"username": "liming", "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert client.post(LOGIN, {"username": "liming", "password": "wrong"}).status_code == 200
    assert client.post(LOGIN, {"username": "liming", "password": PASSWORD}).status_code == 302


# --- logout -------------------------------------------------------------------------------------------

def test_logout_is_post_and_returns_to_login(as_user, person):
    c = as_user(person)
    assert c.get(reverse("logout")).status_code == 405
    response = c.post(reverse("logout"))
    assert response.status_code == 302 and response.url == LOGIN
    assert not _logged_in(c)


# --- password change ----------------------------------------------------------------------------------

def test_password_change_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_password_change_rejects_weak_passwords(as_user, person):
    c = as_user(person)
    page = c.get(reverse("password_change"))
    assert page.status_code == 200
    # Signed in, the page sits in the normal shell: the user menu keeps its language switch visible.
    assert '<body class="auth-page">' in page.content.decode()
    assert f'action="{reverse("logout")}"' in page.content.decode()
    response = c.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": "short",
                                                   "new_password2": "short"})
    assert response.status_code == 200
    codes = {e.code for e in response.context["form"].errors.as_data()["new_password2"]}
    assert {"password_too_short"} <= codes
    assert 'data-testid="form-errors"' in response.content.decode()
    response = c.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": "liming2026x",
                                                   "new_password2": "liming2026x"})
    assert "password_too_similar" in {e.code for e in response.context["form"].errors.as_data()["new_password2"]}
    response = c.post(reverse("password_change"), {"old_password": "wrong", "new_password1": NEW_PASSWORD,
                                                   "new_password2": NEW_PASSWORD})
    assert "old_password" in response.context["form"].errors
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_password_change_works(as_user, person):
    c = as_user(person)
    response = c.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                   "new_password2": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    assert "registration/password_change_done.html" in [t.name for t in response.templates]
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert _logged_in(c)  # the session survives its own password change


# --- password reset -----------------------------------------------------------------------------------

def test_password_reset_sends_a_working_link(client, person, settings):
    settings.PRODUCT_NAME = "测试系统"
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("password_reset"), {"email": "LIMING@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert client.get(response.url).status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["liming@example.org"]
    assert "测试系统" in message.subject and "\n" not in message.subject
    assert "liming" in message.body
    link = re.search(r"https?://testserver(/accounts/reset/\S+/)", message.body).group(1)
    # The link redirects to the set-password form (the token moves into the session).
    response = client.get(link, follow=True)
    assert response.status_code == 200 and response.context["validlink"]
    set_url = response.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "12345", "new_password2": "12345"})
    assert weak.status_code == 200 and weak.context["form"].errors
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    assert client.get(done.url).status_code == 200
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    # The link is single-use.
    again = Client().get(link, follow=True)
    assert again.context["validlink"] is False
    assert 'data-testid="invalid-link"' in again.content.decode()
    # And the new password signs in.
    assert Client().post(LOGIN, {"username": "liming", "password": NEW_PASSWORD}).status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing(client, person):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302  # same answer: does not reveal which addresses exist
    assert mail.outbox == []


# --- language -----------------------------------------------------------------------------------------

def test_language_switch(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = client.get(LOGIN)
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "密码" in response.content.decode()  # Django's own zh_Hans catalogue: the "Password" label

    switched = client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    assert switched.status_code == 302 and switched.url == LOGIN
    response = client.get(LOGIN)
    assert response["Content-Language"] == "en"
    assert response.wsgi_request.LANGUAGE_CODE == "en"
    html = response.content.decode()
    assert '<html lang="en">' in html and "Password" in html and "密码" not in html

    client.post(reverse("set_language"), {"language": "zh-hans", "next": LOGIN})
    response = client.get(LOGIN)
    assert response["Content-Language"] == "zh-hans" and "密码" in response.content.decode()


def test_language_switch_is_in_the_user_menu(as_user, person):
    html = as_user(person).get(reverse("access:notification_list")).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language" value="en"' in html and 'name="language" value="zh-hans"' in html


def test_client_ip_behind_trusted_proxies(rf, settings):
    from branches.views.auth import client_ip

    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"  # no proxy configured: the header is ignored
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # the address our proxy saw, not the spoofed one
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "127.0.0.1"  # fewer entries than proxies: fall back


def test_lockout_keys_on_the_forwarded_address_behind_a_proxy(client, person, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(LOGIN, {"username": "liming", "password": "wrong"}, HTTP_X_FORWARDED_FOR="198.51.100.1")
    locked = client.post(LOGIN, {"username": "liming", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert locked.status_code == 429
    # Another client behind the same proxy is not locked out with them.
    other = Client().post(LOGIN, {"username": "liming", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 302
