"""Helpers for the real-browser tests: the users' password, logging in through the login form, clicking an element
scrolled into view."""
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "Branch-pass-2026"   # the factories' password (tests.factories.UserFactory)


def login(browser, live_server, username, *, clear_cookies=True):
    """Log in as ``username`` through the login form and wait for the home page. With ``clear_cookies`` (the default)
    the browser's cookies are dropped first, so any earlier session ends."""
    if clear_cookies:
        browser.delete_all_cookies()
    browser.get(live_server.url + "/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
    WebDriverWait(browser, 10).until(EC.url_to_be(live_server.url + "/"))


def click(browser, selector):
    """Click the element at the CSS ``selector`` after scrolling it to the middle of the window."""
    el = browser.find_element(By.CSS_SELECTOR, selector)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", el)
    el.click()
