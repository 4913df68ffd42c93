"""The UI is Chinese by default, English on request, and the zh_Hans catalogue is complete and compiled."""
import gettext
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.fixture
def chinese_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.mark.django_db
def test_pages_are_chinese_whatever_the_browser_says(client, chinese_default):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in html and "Sign in" not in html


@pytest.mark.django_db
def test_english_is_selectable_from_the_page(client, chinese_default):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    html = client.get(reverse("login")).content.decode()
    assert "Sign in" in html and "登录" not in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("login")})
    assert "登录" in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_logged_in_shell_is_chinese(as_user, secretary, chinese_default):
    html = as_user(secretary).get(reverse("members:person_list")).content.decode()
    for word in ("工作台", "组织", "党员"):
        assert word in html


def test_catalogue_is_complete():
    po = LOCALE / "django.po"
    untranslated = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", str(po)],
                                  capture_output=True, text=True, check=True).stdout
    fuzzy = subprocess.run(["msgattrib", "--only-fuzzy", str(po)], capture_output=True, text=True,
                           check=True).stdout
    # msgattrib prints the header entry (msgid "") for a non-empty selection only.
    assert "msgid \"" not in untranslated.replace('msgid ""\nmsgstr ""\n"Project', ""), untranslated[:2000]
    assert fuzzy.strip() == "", fuzzy[:2000]


def test_compiled_catalogue_matches_the_source(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(LOCALE / "django.po")], check=True)
    with open(compiled, "rb") as fresh, open(LOCALE / "django.mo", "rb") as committed:
        assert gettext.GNUTranslations(fresh)._catalog == gettext.GNUTranslations(committed)._catalog


MAKEMESSAGES_IGNORE = [".venv", "staticfiles", "tests", "benchmarks", "media", "docs", "node_modules"]


def test_every_string_of_the_code_is_in_the_catalogue(tmp_path):
    """Extract the strings from a copy of the code (as `make messages` does) and check none is missing or
    changed: a new msgid without a translation fails here, not in front of a user."""
    import shutil
    import sys

    root = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(*MAKEMESSAGES_IGNORE, ".git", "__pycache__", "*.pyc",
                                                            "*.sqlite3", ".pytest_cache"))
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete",
                    *[f"--ignore={d}" for d in MAKEMESSAGES_IGNORE]],
                   cwd=copy, check=True, capture_output=True, env={**__import__("os").environ,
                                                                  "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    untranslated = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", str(po)],
                                  capture_output=True, text=True, check=True).stdout
    fuzzy = subprocess.run(["msgattrib", "--only-fuzzy", str(po)], capture_output=True, text=True, check=True).stdout
    missing = untranslated.replace('msgid ""\nmsgstr ""\n"Project', "")
    assert "msgid \"" not in missing, "Run `make messages` and translate:\n" + missing[:3000]
    assert fuzzy.strip() == "", "Changed strings (fuzzy) in the catalogue:\n" + fuzzy[:3000]
