#!/usr/bin/env python3
"""Real-browser journey: headless Chromium driven by Selenium against a running twofa.

    python3 Tests/Browser/journey.py BASE_URL OUTBOX SCREENSHOT_DIR

Registers, enters the texted PIN, sees the protected page, logs out, logs in again and
verifies again, then the Sessions page (logging out a second session) and the Activity
page, saving a screenshot of every page. Fails on any browser console error
(a CSP violation is one) or on any page that doesn't show what a person expects.
"""
import http.cookiejar
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

BASE, OUTBOX, SHOTS = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
os.makedirs(SHOTS, exist_ok=True)
step = 0


def browser():
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1100,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)


def shot(driver, name):
    """Screenshot the page and fail on any console error logged so far."""
    global step
    step += 1
    driver.save_screenshot(os.path.join(SHOTS, f"{step:02d}-{name}.png"))
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR") and not expected_422(e)]
    if errors:
        raise AssertionError(f"console errors on {name}: {errors}")


def expected_422(entry):
    """A form re-rendered with its errors answers 422 on purpose (as Rails does); Chromium
    reports that document status on the console. Only that exact case is let through."""
    return entry.get("source") == "network" and "status of 422" in entry["message"]


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def last_pin(number):
    deadline = time.time() + 5
    while time.time() < deadline:
        if os.path.exists(OUTBOX):
            lines = [json.loads(l) for l in open(OUTBOX) if l.strip()]
            mine = [l for l in lines if l["to"] == number]
            if mine:
                return re.search(r"\b(\d{6})\b", mine[-1]["body"]).group(1), len(mine)
        time.sleep(0.1)
    raise AssertionError(f"no SMS to {number} in {OUTBOX}")


def fill(driver, **fields):
    for name, value in fields.items():
        element = driver.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value)


def submit(driver):
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()


def enter_pin(driver, number):
    pin, _ = last_pin(number)
    expect("/verification/new" in driver.current_url, f"expected the PIN page, got {driver.current_url}")
    code = driver.find_element(By.NAME, "code")
    expect(code.get_attribute("inputmode") == "numeric", "PIN field is numeric")
    expect(code.get_attribute("autocomplete") == "one-time-code", "PIN field autocompletes one-time codes")
    shot(driver, "pin-page")
    code.send_keys(pin)
    submit(driver)


def second_login(username, password):
    """Logs in over plain HTTP (no browser): returns the opener holding that session's cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    page = opener.open(BASE + "/session/new").read().decode()
    token = re.search(r'name="authenticity_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": password, "authenticity_token": token}).encode()
    try:
        opener.open(BASE + "/session", form)
    except urllib.error.HTTPError as redirect:
        expect(redirect.code == 303 and redirect.headers["Location"] == "/verification/new",
               f"second login reaches the PIN step, got {redirect.code}")
    return opener


def other_session_is_gone(opener):
    try:
        opener.open(BASE + "/verification/new")
    except urllib.error.HTTPError as redirect:
        return redirect.code == 303 and redirect.headers["Location"] == "/session/new"
    return False


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    driver = browser()
    number, username, password = "+447700900321", "browser_user", "a long browser password"
    try:
        driver.get(BASE + "/user/new")
        shot(driver, "sign-up")
        fill(driver, username=username, password=password, password_confirmation="mismatch!!", number="+44 7700 900321")
        submit(driver)
        expect("match" in driver.page_source, "mismatched confirmation is explained")
        shot(driver, "sign-up-errors")
        fill(driver, password=password, password_confirmation=password)
        submit(driver)
        enter_pin(driver, number)
        expect(driver.current_url.rstrip("/") == BASE, f"after the PIN we land on /, got {driver.current_url}")
        expect(f"Welcome, {username}" in driver.page_source, "greeted by username")
        expect("+44 ••••••• 321" in driver.page_source, "number shown masked")
        shot(driver, "protected-page")

        driver.find_element(By.LINK_TEXT, "Edit account").click()
        expect("/user/edit" in driver.current_url, "edit account page")
        shot(driver, "edit-account")

        driver.get(BASE + "/")
        driver.find_element(By.CSS_SELECTOR, "main form button.secondary-button").click()
        expect("/session/new" in driver.current_url, "logout goes to the login page")
        expect("You have logged out." in driver.page_source, "logout is confirmed")
        shot(driver, "logged-out")

        fill(driver, username=username, password="wrong password")
        submit(driver)
        expect("don't match" in driver.page_source, "wrong password is refused")
        shot(driver, "login-wrong-password")
        fill(driver, password=password)
        submit(driver)
        enter_pin(driver, number)
        expect(f"Welcome, {username}" in driver.page_source, "logged in again")
        shot(driver, "protected-page-again")

        # A second session of the same account (another "device": a script that got as far
        # as the password), so the Sessions page has someone else to log out.
        other = second_login(username, password)
        driver.find_element(By.LINK_TEXT, "Your sessions").click()
        expect("/user/sessions" in driver.current_url, "sessions page")
        rows = driver.find_elements(By.CSS_SELECTOR, "li.list-row")
        expect(len(rows) == 2, f"two sessions listed, got {len(rows)}")
        expect("This device" in rows[0].text or "This device" in rows[1].text, "the current session is marked")
        expect("Waiting for the code" in driver.page_source, "the half-logged-in session is flagged")
        expect("Headless Chrome on Linux" in driver.page_source, "browser summarised from the User-Agent")
        shot(driver, "sessions")
        theirs = [r for r in rows if "This device" not in r.text][0]
        theirs.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        expect("That session has been logged out." in driver.page_source, "log out this one is confirmed")
        expect(len(driver.find_elements(By.CSS_SELECTOR, "li.list-row")) == 1, "one session left")
        expect(other_session_is_gone(other), "the other session's cookie no longer works")
        shot(driver, "sessions-after-logout-other")

        driver.find_element(By.LINK_TEXT, "Account activity").click()
        expect("/user/activity" in driver.current_url, "activity page")
        for label in ("Account created", "Wrong password", "Password accepted", "Logged out", "Session logged out"):
            expect(label in driver.page_source, f"activity shows {label}")
        expect(password not in driver.page_source, "no password in the activity")
        shot(driver, "activity")
        print(f"browser journey: {step} pages, screenshots in {SHOTS}")
        print("1 passed, 0 failed")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
