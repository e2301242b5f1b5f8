#!/usr/bin/env python3
"""Real-browser journey: headless Chromium driven by Selenium against a running twofa.

    python3 Tests/Browser/journey.py BASE_URL OUTBOX SCREENSHOT_DIR

Registers, enters the texted PIN, sees the protected page, logs out, logs in again and
verifies again, then the Sessions page (logging out a second session), the Activity
page, changing the phone number and passwordless login, saving a screenshot of every page. Fails on any browser console error
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
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

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


# Polls below wait for something to happen under a generous deadline (a loaded machine is
# slow); they check that it happens, not how fast.
WAIT = 30


def last_pin(number):
    deadline = time.time() + WAIT
    while time.time() < deadline:
        if os.path.exists(OUTBOX):
            lines = [json.loads(l) for l in open(OUTBOX) if l.strip()]
            mine = [l for l in lines if l["to"] == number]
            if mine:
                return re.search(r"\b(\d{6})\b", mine[-1]["body"]).group(1), len(mine)
        time.sleep(0.1)
    raise AssertionError(f"no SMS to {number} in {OUTBOX}")


def next_pin(number, after):
    """The PIN of a text to `number` newer than the first `after` ones (passwordless and
    password reset codes are sent off the request's thread, so the page can come before the text)."""
    deadline = time.time() + WAIT
    while time.time() < deadline:
        pin, count = last_pin(number)
        if count > after:
            return pin, count
        time.sleep(0.1)
    raise AssertionError(f"no new SMS to {number} in {OUTBOX}")


def fill(driver, **fields):
    for name, value in fields.items():
        element = driver.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value)


def click(driver, element):
    """Clicks something that navigates and waits for the next page, so checks never read
    the page being left (a click returns before the form's navigation finishes)."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 10).until(lambda _: has_left(page))


def has_left(page):
    """Whether `page`'s document is gone. Caught mid-navigation, Chrome may answer "Node
    with given id does not belong to the document" instead of a stale element: gone too."""
    try:
        page.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise


def submit(driver):
    click(driver, driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))


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


def wait_for_path(driver, fragment, what):
    """Waits (up to WAIT s) for a form's navigation to land on a URL containing `fragment`."""
    deadline = time.time() + WAIT
    while fragment not in driver.current_url and time.time() < deadline:
        time.sleep(0.05)
    expect(fragment in driver.current_url, f"{what}: expected {fragment}, got {driver.current_url}")


def messages_to(number):
    if not os.path.exists(OUTBOX):
        return []
    return [m for m in (json.loads(l) for l in open(OUTBOX) if l.strip()) if m["to"] == number]


def change_number(driver, password, old, new):
    """Account settings → Change: the password, then the PIN texted to the new number."""
    driver.get(BASE + "/user/edit")
    click(driver, driver.find_element(By.LINK_TEXT, "Change"))
    expect("/user/number/edit" in driver.current_url, f"change-number page, got {driver.current_url}")
    shot(driver, "change-number")
    fill(driver, number="+44 7700 900654", current_password="not my password")
    submit(driver)
    deadline = time.time() + WAIT
    while "isn't your current password" not in driver.page_source and time.time() < deadline:
        time.sleep(0.05)
    expect("isn't your current password" in driver.page_source, "a wrong current password is refused")
    expect(not messages_to(new), "nothing texted to the new number before the password is right")
    shot(driver, "change-number-wrong-password")
    fill(driver, number="+44 7700 900654", current_password=password)
    submit(driver)
    wait_for_path(driver, "/user/number/verification/new", "code page for the new number")
    expect("+44 ••••••• 654" in driver.page_source, "the new number is named, masked")
    pin, _ = last_pin(new)
    shot(driver, "change-number-code")
    fill(driver, code=pin)
    submit(driver)
    wait_for_path(driver, "/user/edit", "back on the account page")
    expect("+44 ••••••• 654" in driver.page_source, "the account shows the new number")
    expect(any("was changed" in m["body"] for m in messages_to(old)), "the old number is told by SMS")
    shot(driver, "number-changed")


def passwordless(driver, username, number):
    """Log out, then "Log in with a code instead": an unknown number gets the same page and
    no SMS; the account's number logs straight in."""
    driver.get(BASE + "/")
    click(driver, driver.find_element(By.CSS_SELECTOR, "main form button.secondary-button"))
    click(driver, driver.find_element(By.LINK_TEXT, "Log in with a code instead"))
    wait_for_path(driver, "/passwordless/new", "passwordless page")
    shot(driver, "passwordless")
    fill(driver, number="+44 7700 900999")
    submit(driver)
    wait_for_path(driver, "/passwordless/code", "an unknown number reaches the code page too")
    expect("has an account with us" in driver.page_source, "the page doesn't say whether the number has an account")
    expect(not messages_to("+447700900999"), "no SMS to a number without an account")
    shot(driver, "passwordless-code-unknown-number")
    click(driver, driver.find_element(By.LINK_TEXT, "Use another number or start again"))
    _, sent = last_pin(number)
    fill(driver, number="+44 7700 900654")
    submit(driver)
    wait_for_path(driver, "/passwordless/code", "the code page")
    pin, _ = next_pin(number, sent)
    shot(driver, "passwordless-code")
    fill(driver, code=pin)
    submit(driver)
    deadline = time.time() + 5
    while "/passwordless" in driver.current_url and time.time() < deadline:
        time.sleep(0.05)
    expect(driver.current_url.rstrip("/") == BASE, f"logged in with the code, got {driver.current_url}")
    expect(f"Welcome, {username}" in driver.page_source, "logged in as the number's owner")
    shot(driver, "passwordless-logged-in")


def totp_code(base32_key, at=None):
    """RFC 6238 with Python's hmac, independent of the app's Swift code."""
    import base64, hashlib, hmac, struct
    key = base64.b32decode(base32_key + "=" * (-len(base32_key) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time() if at is None else at) // 30), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def authenticator(driver, username, password):
    """Two-factor page → set up an authenticator app (QR + key, confirmed with a code made
    here with hmac) → recovery codes; then log out and back in with a recovery code,
    remembering the device, and in again with only the password."""
    driver.get(BASE + "/user/two_factor")
    shot(driver, "two-factor-off")
    click(driver, driver.find_element(By.LINK_TEXT, "Set up an authenticator app"))
    wait_for_path(driver, "/user/totp/new", "set-up page")
    qr = driver.find_element(By.CSS_SELECTOR, "figure.qr svg")
    expect(qr.size["width"] >= 150, f"the QR code is drawn at a scannable size, got {qr.size}")
    key = driver.find_element(By.ID, "secret-key").text.replace(" ", "")
    expect(re.fullmatch(r"[A-Z2-7]{32}", key), f"a 20-byte base32 key is shown, got {key!r}")
    shot(driver, "totp-setup")
    # Turning the app on asks for the current password too (a stolen session can't enrol one).
    fill(driver, current_password=password, code="000000" if totp_code(key) != "000000" else "111111")
    submit(driver)
    expect("isn't right" in driver.page_source, "a wrong code is refused")
    shot(driver, "totp-setup-wrong-code")
    fill(driver, current_password=password, code=totp_code(key))
    submit(driver)
    codes = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "ol.recovery-codes code")]
    expect(len(codes) == 10 and all(re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", c) for c in codes),
           f"ten recovery codes, got {codes}")
    shot(driver, "totp-recovery-codes")
    click(driver, driver.find_element(By.LINK_TEXT, "I've saved my codes"))
    expect("10" in driver.find_element(By.ID, "recovery-remaining").text, "ten codes left")
    shot(driver, "two-factor-on")

    log_out_and_in(driver, username, password)
    expect("Enter the code from your authenticator app" in driver.page_source, "the app is offered first")
    shot(driver, "login-totp")
    click(driver, driver.find_element(By.LINK_TEXT, "Use a recovery code"))
    shot(driver, "login-recovery-code")
    fill(driver, code=codes[0])
    driver.find_element(By.NAME, "remember").click()
    submit(driver)
    expect(driver.current_url.rstrip("/") == BASE, f"logged in with a recovery code, got {driver.current_url}")
    expect("9 recovery codes left" in driver.page_source, "the remaining count is shown")
    shot(driver, "logged-in-with-recovery-code")
    click(driver, driver.find_element(By.CSS_SELECTOR, "main form button.secondary-button"))
    fill(driver, username=username, password=password)
    submit(driver)
    expect(driver.current_url.rstrip("/") == BASE, f"a remembered device skips the second step, got {driver.current_url}")
    driver.get(BASE + "/user/two_factor")
    expect("This device" in driver.page_source, "the remembered device is listed")
    shot(driver, "two-factor-remembered-device")


def forgot_password(driver):
    """Issue 14: "Forgot your password?". A phone-only user, in a browser that has logged in to
    the account before (so the reset takes effect at once), resets by texted code and logs in
    with the new password; then a user with an authenticator app is asked for it as well and
    cannot finish with the texted code alone."""
    username, number, old, new = "reset_user", "+447700900411", "reset user's old password", "reset user's new password"

    def code_after(to, after):
        """The code of the first text to `to` past the first `after` (the "password changed"
        notice carries none, so last_pin can't be used once it has been sent)."""
        deadline = time.time() + WAIT
        while time.time() < deadline:
            found = [re.search(r"\b(\d{6})\b", m["body"]) for m in messages_to(to)[after:]]
            if any(found):
                return [f for f in found if f][0].group(1)
            time.sleep(0.1)
        raise AssertionError(f"no new code to {to} in {OUTBOX}")

    driver.delete_all_cookies()   # a fresh visitor: this walk's own user from here on
    driver.get(BASE + "/user/new")
    fill(driver, username=username, password=old, password_confirmation=old, number=number)
    submit(driver)
    enter_pin(driver, number)
    expect(f"Welcome, {username}" in driver.page_source, "signed up")
    click(driver, driver.find_element(By.CSS_SELECTOR, "main form button.secondary-button"))
    wait_for_path(driver, "/session/new", "login page")
    click(driver, driver.find_element(By.LINK_TEXT, "Forgot your password?"))
    wait_for_path(driver, "/password_reset/new", "forgot-password page")
    shot(driver, "forgot-password")
    _, sent = last_pin(number)
    fill(driver, login=username)
    submit(driver)
    wait_for_path(driver, "/password_reset/code", "reset code page")
    expect("we've texted a 6-digit code" in driver.page_source, "the code page says what happens")
    shot(driver, "forgot-password-code")
    pin, _ = next_pin(number, sent)
    fill(driver, code=pin)
    submit(driver)
    wait_for_path(driver, "/password_reset/edit", "new password page")
    expect("Your new password works at once." in driver.page_source, "a known browser's reset takes effect at once")
    expect(not driver.find_elements(By.NAME, "second_factor_code"), "a phone-only account is asked for nothing more")
    shot(driver, "forgot-password-new-password")
    fill(driver, password=new, password_confirmation=new)
    submit(driver)
    wait_for_path(driver, "/session/new", "login page after the reset")
    expect("Your password has been reset" in driver.page_source, "the reset is confirmed")
    shot(driver, "forgot-password-done")
    changed = [m for m in messages_to(number) if "password was just reset" in m["body"]]
    deadline = time.time() + WAIT
    while not changed and time.time() < deadline:
        time.sleep(0.1)
        changed = [m for m in messages_to(number) if "password was just reset" in m["body"]]
    expect(changed, "the number is told the password changed")
    fill(driver, username=username, password=old)
    submit(driver)
    expect("don't match" in driver.page_source, "the old password no longer works")
    sent = len(messages_to(number))
    fill(driver, username=username, password=new)
    submit(driver)
    wait_for_path(driver, "/verification/new", "second step after the new password")
    pin = code_after(number, sent)
    driver.find_element(By.NAME, "code").send_keys(pin)
    submit(driver)
    expect(f"Welcome, {username}" in driver.page_source, "logged in with the new password")
    shot(driver, "forgot-password-logged-in")

    # A user with an authenticator app: the texted code alone is not enough.
    app_user, app_number = "reset_app_user", "+447700900419"
    driver.delete_all_cookies()
    driver.get(BASE + "/user/new")
    fill(driver, username=app_user, password=old, password_confirmation=old, number=app_number)
    submit(driver)
    enter_pin(driver, app_number)
    driver.get(BASE + "/user/totp/new")
    key = driver.find_element(By.ID, "secret-key").text.replace(" ", "")
    fill(driver, current_password=old, code=totp_code(key))
    submit(driver)
    expect(driver.find_elements(By.CSS_SELECTOR, "ol.recovery-codes code"), "the app is on")
    driver.delete_all_cookies()   # another browser, say the one of someone holding the phone
    driver.get(BASE + "/password_reset/new")
    _, sent = last_pin(app_number)
    fill(driver, login=app_number)
    submit(driver)
    wait_for_path(driver, "/password_reset/code", "reset code page")
    pin, _ = next_pin(app_number, sent)
    fill(driver, code=pin)
    submit(driver)
    wait_for_path(driver, "/password_reset/edit", "new password page")
    expect(driver.find_elements(By.NAME, "second_factor_code"), "the app's code is asked for")
    expect("a texted code alone can't reset" in driver.page_source, "and why")
    shot(driver, "forgot-password-app-needed")
    fill(driver, password=new, password_confirmation=new)
    driver.find_element(By.NAME, "second_factor_code").clear()
    submit(driver)
    expect("authenticator app, or one of your recovery codes" in driver.page_source, "the code alone is refused")
    expect("/password_reset" in driver.current_url, "still on the reset form")
    shot(driver, "forgot-password-code-alone-refused")
def log_out_and_in(driver, username, password):
    """Logs out and in again with the password, up to the second step."""
    driver.get(BASE + "/")
    click(driver, driver.find_element(By.CSS_SELECTOR, "main form button.secondary-button"))
    fill(driver, username=username, password=password)
    submit(driver)
    wait_for_path(driver, "/verification/new", "second-factor step")


def sign_up_fresh(driver, username, password, number, typed):
    """A walk's own user: logs out whoever is signed in, signs up `username` with the number as
    typed, and enters the PIN texted to `number`."""
    driver.get(BASE + "/")
    if driver.find_elements(By.CSS_SELECTOR, "main form button.secondary-button"):
        click(driver, driver.find_element(By.CSS_SELECTOR, "main form button.secondary-button"))
    driver.get(BASE + "/user/new")
    fill(driver, username=username, password=password, password_confirmation=password, number=typed)
    submit(driver)
    enter_pin(driver, number)


def lost_phone(driver):
    """Issue 14, a lost phone: lost_phone_user signs up, turns on an authenticator app and saves
    the recovery codes; later, at the second step, "Lost your phone?" leads to a recovery code,
    the landing page points to the number change, and the number is changed (the old one told)."""
    username, password, number, new = "lost_phone_user", "a lost phone password", "+447700900421", "+447700900487"
    sign_up_fresh(driver, username, password, number, typed="+44 7700 900421")
    expect(f"Welcome, {username}" in driver.page_source, "signed up and verified")
    driver.get(BASE + "/user/totp/new")
    key = driver.find_element(By.ID, "secret-key").text.replace(" ", "")
    fill(driver, current_password=password, code=totp_code(key))
    submit(driver)
    codes = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "ol.recovery-codes code")]
    expect(len(codes) == 10, f"ten recovery codes saved, got {codes}")
    shot(driver, "lost-phone-recovery-codes-saved")

    # The phone is gone: password, then "Lost your phone?" from the second step.
    log_out_and_in(driver, username, password)
    shot(driver, "lost-phone-second-step")
    click(driver, driver.find_element(By.LINK_TEXT, "Lost your phone?"))
    wait_for_path(driver, "/verification/lost", "the lost-phone page")
    expect("Use a recovery code" in driver.page_source, "recovery codes are offered")
    expect("Contact the people who run" not in driver.find_element(By.ID, "lost-recovery").text, "no operator needed")
    shot(driver, "lost-phone-help")
    click(driver, driver.find_element(By.LINK_TEXT, "Enter a recovery code"))
    wait_for_path(driver, "via=recovery", "the recovery-code form")
    shot(driver, "lost-phone-recovery-code")
    fill(driver, code=codes[0])
    submit(driver)
    expect(driver.current_url.rstrip("/") == BASE, f"logged in with a recovery code, got {driver.current_url}")
    expect("You can change your number now." in driver.page_source, "the landing page points to the number change")
    shot(driver, "lost-phone-logged-in")

    told = len(messages_to(number))
    click(driver, driver.find_element(By.ID, "flash-link"))
    wait_for_path(driver, "/user/number/edit", "the change-number page")
    shot(driver, "lost-phone-change-number")
    fill(driver, number="+44 7700 900487", current_password=password)
    submit(driver)
    wait_for_path(driver, "/user/number/verification/new", "code page for the new number")
    pin, _ = last_pin(new)
    shot(driver, "lost-phone-new-number-code")
    fill(driver, code=pin)
    submit(driver)
    wait_for_path(driver, "/user/edit", "back on the account page")
    expect("+44 ••••••• 487" in driver.page_source, "the account shows the new number")
    expect(len(messages_to(number)) == told + 1 and "was changed" in messages_to(number)[-1]["body"],
           "the old number is told by SMS")
    shot(driver, "lost-phone-number-changed")


def leave(driver):
    """Issue 14 with a user of its own: Your data (the number masked, then in full after the
    password), the JSON download fetched with the browser's cookies (no secret in it), then
    Delete account (password + a texted code; a wrong password refused first), the goodbye
    page and text, and a new account with the same username and number."""
    number, username, password = "+447700900431", "leaving_user", "a long leaving password"
    sign_up_fresh(driver, username, password, number, typed="+44 7700 900431")
    expect(f"Welcome, {username}" in driver.page_source, "the leaving user is signed in")

    driver.get(BASE + "/user/edit")
    click(driver, driver.find_element(By.LINK_TEXT, "Your data"))
    wait_for_path(driver, "/user/data", "the data page")
    expect("+44 ••••••• 431" in driver.page_source and "7700900431" not in driver.page_source, "the number is masked")
    expect("Account created" in driver.page_source, "the activity log is listed")
    shot(driver, "your-data")
    fill(driver, current_password="not my password")
    submit(driver)
    expect("isn't your current password" in driver.page_source, "a wrong password shows no number")
    expect("7700900431" not in driver.page_source, "still masked")
    shot(driver, "your-data-wrong-password")
    fill(driver, current_password=password)
    submit(driver)
    wait_for_path(driver, "/user/data", "back on the data page")
    expect(number in driver.page_source, "the full number after the password")
    shot(driver, "your-data-full-number")

    # The Download link's response, fetched with this browser's cookies.
    href = driver.find_element(By.ID, "download-data").get_attribute("href")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    response = urllib.request.urlopen(urllib.request.Request(href, headers={"Cookie": cookies}))
    body = response.read().decode()
    expect(response.headers["Content-Type"] == "application/json", f"JSON, got {response.headers['Content-Type']}")
    expect(response.headers["Content-Disposition"].startswith("attachment;"), "downloaded as a file")
    document = json.loads(body)
    expect(document["account"]["username"] == username and document["account"]["number"] == number,
           f"the download holds the account, got {document['account']}")

    def keys(value):
        if isinstance(value, dict):
            return list(value) + [k for v in value.values() for k in keys(v)]
        if isinstance(value, list):
            return [k for v in value for k in keys(v)]
        return []
    bad = [k for k in keys(document) if any(w in k for w in ("digest", "secret", "token"))]
    expect(not bad, f"no secret-named keys in the download, got {bad}")
    expect(not any(c["value"] in body for c in driver.get_cookies() if len(c["value"]) >= 16), "no cookie value in the download")

    driver.get(BASE + "/user/edit")
    click(driver, driver.find_element(By.ID, "delete-account-link"))
    wait_for_path(driver, "/user/deletion/new", "the delete-account page")
    shot(driver, "delete-account")
    _, sent = last_pin(number)
    click(driver, driver.find_element(By.ID, "send-deletion-code"))
    pin, _ = next_pin(number, sent)
    expect("texted a code" in driver.page_source, "the code is announced")
    shot(driver, "delete-account-code-sent")
    fill(driver, current_password="not my password", code=pin)
    click(driver, driver.find_element(By.ID, "delete-account"))
    expect("isn't your current password" in driver.page_source, "a wrong password deletes nothing")
    shot(driver, "delete-account-wrong-password")
    fill(driver, current_password=password, code=pin)
    click(driver, driver.find_element(By.ID, "delete-account"))
    wait_for_path(driver, "/user/deleted", "the goodbye page")
    expect("Your account is gone" in driver.page_source, "the page says the account is gone")
    expect(any("has been deleted" in m["body"] for m in messages_to(number)), "the number is texted goodbye")
    shot(driver, "account-deleted")

    click(driver, driver.find_element(By.LINK_TEXT, "create a new account"))
    wait_for_path(driver, "/user/new", "sign-up again")
    fill(driver, username=username, password=password, password_confirmation=password, number="+44 7700 900431")
    submit(driver)
    enter_pin(driver, number)
    expect(f"Welcome, {username}" in driver.page_source, "the same username and number make a new account")
    shot(driver, "registered-again")


def last_email_code(address, after=0):
    """The code in the subject of the newest e-mail to `address` in the outbox, once more than
    `after` have gone there (the suite's server has no SMTP_URL: e-mails land in the outbox)."""
    deadline = time.time() + WAIT
    while time.time() < deadline:
        if os.path.exists(OUTBOX):
            mine = [l for l in (json.loads(l) for l in open(OUTBOX) if l.strip())
                    if l.get("channel") == "email" and l["to"].lower() == address]
            if len(mine) > after:
                return re.match(r"^(\d{6}) is your ", mine[-1]["subject"]).group(1), len(mine)
        time.sleep(0.1)
    raise AssertionError(f"no e-mail to {address} in {OUTBOX}")


def email_codes(driver):
    """Issue 16: mailuser adds an e-mail address on the account page (a code e-mailed to it
    confirms it), turns on codes by e-mail, and at the next login asks for the code by e-mail
    instead of the text and logs in with it; the activity page lists every step."""
    username, password, number, address = "mailuser", "a long mail user password", "+447700900461", "mailuser@example.com"
    sign_up_fresh(driver, username, password, number, typed="+44 7700 900461")
    expect(f"Welcome, {username}" in driver.page_source, "signed up and verified")

    driver.get(BASE + "/user/edit")
    click(driver, driver.find_element(By.ID, "email-link"))
    wait_for_path(driver, "/user/email/edit", "the e-mail address page")
    shot(driver, "email-address")
    fill(driver, email="not an address", current_password=password)
    submit(driver)
    expect("Enter an e-mail address like name@example.com" in driver.page_source, "a bad address is refused on the form")
    shot(driver, "email-address-invalid")
    fill(driver, email=address, current_password=password)
    submit(driver)
    wait_for_path(driver, "/user/email/verification/new", "the code page for the address")
    expect("We e-mailed a 6-digit code to" in driver.page_source, "the page says where the code went")
    code = driver.find_element(By.NAME, "code")
    expect(code.get_attribute("autocomplete") == "one-time-code", "code field autocompletes one-time codes")
    shot(driver, "email-address-code")
    pin, sent = last_email_code(address)
    fill(driver, code=pin)
    submit(driver)
    wait_for_path(driver, "/user/email/edit", "back on the e-mail address page")
    expect("m•••@example.com" in driver.page_source, "the confirmed address is shown masked")
    shot(driver, "email-address-confirmed")
    click(driver, driver.find_element(By.ID, "email-fallback-on"))
    expect("You can now get login codes by e-mail" in driver.page_source, "codes by e-mail turned on")
    shot(driver, "email-fallback-on")

    # Next login: the phone isn't at hand, so the code comes by e-mail.
    log_out_and_in(driver, username, password)
    shot(driver, "email-second-step")
    click(driver, driver.find_element(By.ID, "email-code"))
    wait_for_path(driver, "/verification/new", "the code page again")
    expect("We e-mailed a 6-digit code to" in driver.page_source, "the code page says it went by e-mail")
    shot(driver, "email-second-step-sent")
    pin, _ = last_email_code(address, after=sent)
    fill(driver, code=pin)
    submit(driver)
    expect(driver.current_url.rstrip("/") == BASE, f"logged in with the e-mailed code, got {driver.current_url}")
    driver.get(BASE + "/user/activity")
    for label in ("E-mail address confirmed", "Codes by e-mail turned on", "Code accepted"):
        expect(label in driver.page_source, f"activity shows {label}")
    expect(address not in driver.page_source, "the address only masked in the activity")
    shot(driver, "email-activity")

def passkeys(driver):
    """Issue 17, passkeys, with Chromium's virtual authenticator (CTAP2, internal transport,
    resident keys, user verification): passkeyuser adds a passkey after the password, logs in
    with it alone (autofill, PASSKEY_LOGIN=on, and the "Sign in with a passkey" button), uses it
    as the second step, is refused when the authenticator does not verify the user, and removes
    it. WebAuthn needs a secure context and an RP ID that is a host name: the walk runs at
    http://localhost:PORT (bin/browser-test sets WEBAUTHN_ORIGINS to it), not at the IP address
    the rest of the journey uses. The virtual authenticator answers autofill at once, so where
    the walk needs the password first it takes the authenticator out (keeping its credential)
    and puts it back at the passkey step."""
    from selenium.webdriver.common.virtual_authenticator import VirtualAuthenticatorOptions
    username, password, number = "passkeyuser", "a passkey walk password", "+447700900451"
    base = BASE.replace("://127.0.0.1:", "://localhost:")
    options = VirtualAuthenticatorOptions()
    options.protocol = VirtualAuthenticatorOptions.Protocol.CTAP2
    options.transport = VirtualAuthenticatorOptions.Transport.INTERNAL
    options.has_resident_key = True
    options.has_user_verification = True
    options.is_user_verified = True
    options.is_user_consenting = True
    credentials = []

    def attach(verified=True):
        options.is_user_verified = verified
        driver.add_virtual_authenticator(options)
        for credential in credentials:
            driver.add_credential(credential)

    def detach():
        credentials[:] = driver.get_credentials()   # with its sign counter as it is now
        driver.remove_virtual_authenticator()

    def log_out(then):
        driver.get(base + "/")
        click(driver, driver.find_element(By.CSS_SELECTOR, "main form button.secondary-button"))
        wait_for_path(driver, then, "logged out")

    def welcome(what):
        WebDriverWait(driver, WAIT).until(lambda d: f"Welcome, {username}" in d.page_source)
        expect(driver.current_url.rstrip("/") == base, f"{what}: on the protected page, got {driver.current_url}")

    def password_login():
        fill(driver, username=username, password=password)
        submit(driver)
        wait_for_path(driver, "/verification/passkey", "the passkey is offered first")

    attach()
    try:
        driver.get(base + "/user/new")
        fill(driver, username=username, password=password, password_confirmation=password, number="+44 7700 900451")
        submit(driver)
        enter_pin(driver, number)
        expect(f"Welcome, {username}" in driver.page_source, "passkey user signed up and verified")

        # Add a passkey: the current password, then the browser's dialog (answered by the authenticator).
        driver.get(base + "/user/two_factor")
        expect("No passkeys yet." in driver.page_source, "the Two-factor page offers passkeys")
        shot(driver, "passkeys-none-yet")
        driver.find_element(By.ID, "pk_current_password").send_keys(password)
        click(driver, driver.find_element(By.ID, "add-passkey"))
        wait_for_path(driver, "/user/passkeys/new", "the add-a-passkey page")
        name = driver.find_element(By.ID, "passkey_name")
        name.clear()
        name.send_keys("Virtual key")
        shot(driver, "passkey-add")
        click(driver, driver.find_element(By.ID, "passkey-create-button"))
        wait_for_path(driver, "/user/two_factor", "back on the Two-factor page")
        expect('Passkey "Virtual key" added' in driver.page_source, "passkey added")
        expect(len(driver.get_credentials()) == 1, "the authenticator holds one resident credential")
        shot(driver, "passkey-added")

        # A passkey alone: the login page's autofill (conditional mediation) picks it up, and a
        # passkey that verified the user is both factors.
        log_out(then="/")
        welcome("autofill login")
        shot(driver, "passkey-autofill-login")
        driver.get(base + "/user/sessions")
        expect("signed in with a passkey (Virtual key)" in driver.page_source, "the sessions page says so")
        shot(driver, "passkey-login-sessions")

        # The "Sign in with a passkey" button.
        detach()
        log_out(then="/session/new")
        expect(driver.find_element(By.ID, "username").get_attribute("autocomplete") == "username webauthn",
               "the username field offers passkeys (autofill)")
        shot(driver, "passkey-login-page")
        attach()
        if "/session/new" in driver.current_url:   # autofill may already have answered
            driver.find_element(By.ID, "passkey-login-button").click()
        welcome("passkey button login")

        # The second step: offered first after the password; nothing texted.
        texts = len(messages_to(number))
        detach()
        log_out(then="/session/new")
        password_login()
        expect("Text me a code instead" in driver.page_source, "a texted code is the alternative")
        shot(driver, "passkey-second-step")
        attach()
        driver.find_element(By.ID, "passkey-get-button").click()
        welcome("passkey as the second step")
        expect(len(messages_to(number)) == texts, "no code was texted")
        shot(driver, "passkey-second-step-done")
        driver.get(base + "/user/activity")
        for label in ("Passkey added", "Passkey used for the second step", "Signed in with a passkey"):
            expect(label in driver.page_source, f"activity shows {label}")
        shot(driver, "passkey-activity")

        # The authenticator does not verify the user: the second step refuses it.
        detach()
        log_out(then="/session/new")
        password_login()
        attach(verified=False)
        driver.find_element(By.ID, "passkey-get-button").click()
        WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "passkey-error").is_displayed())
        expect("/verification/passkey" in driver.current_url, "still at the passkey step")
        # Chromium's own check or ours (a 403 page): either way the error is on the page.
        driver.get_log("browser")   # the refusal page's 403, if it came to that, is expected
        shot(driver, "passkey-refused-without-user-verification")
        detach()
        driver.get(base + "/")
        expect("/session/new" in driver.current_url or "/verification" in driver.current_url, "not logged in")

        # Verified again: in, then remove the passkey (the password again).
        driver.get(base + "/verification/passkey")
        attach()
        driver.find_element(By.ID, "passkey-get-button").click()
        welcome("the user verified again")
        driver.get(base + "/user/two_factor")
        passkey_id = driver.find_element(By.CSS_SELECTOR, "#passkeys input[name=id]").get_attribute("value")
        driver.find_element(By.ID, f"passkey_delete_password_{passkey_id}").send_keys(password)
        click(driver, driver.find_element(By.CSS_SELECTOR, "#passkeys form.confirm-form button[type=submit]"))
        expect('Passkey "Virtual key" removed' in driver.page_source, "passkey removed")
        expect("No passkeys yet." in driver.page_source, "the list is empty again")
        shot(driver, "passkey-removed")
        detach()
        log_out(then="/session/new")
    finally:
        if driver.virtual_authenticator_id:
            driver.remove_virtual_authenticator()

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

        click(driver, driver.find_element(By.LINK_TEXT, "Edit account"))
        expect("/user/edit" in driver.current_url, "edit account page")
        shot(driver, "edit-account")

        driver.get(BASE + "/")
        click(driver, driver.find_element(By.CSS_SELECTOR, "main form button.secondary-button"))
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
        click(driver, driver.find_element(By.LINK_TEXT, "Your sessions"))
        expect("/user/sessions" in driver.current_url, "sessions page")
        rows = driver.find_elements(By.CSS_SELECTOR, "li.list-row")
        expect(len(rows) == 2, f"two sessions listed, got {len(rows)}")
        expect("This device" in rows[0].text or "This device" in rows[1].text, "the current session is marked")
        expect("Waiting for the code" in driver.page_source, "the half-logged-in session is flagged")
        expect("Headless Chrome on Linux" in driver.page_source, "browser summarised from the User-Agent")
        shot(driver, "sessions")
        theirs = [r for r in rows if "This device" not in r.text][0]
        click(driver, theirs.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        expect("That session has been logged out." in driver.page_source, "log out this one is confirmed")
        expect(len(driver.find_elements(By.CSS_SELECTOR, "li.list-row")) == 1, "one session left")
        expect(other_session_is_gone(other), "the other session's cookie no longer works")
        shot(driver, "sessions-after-logout-other")

        click(driver, driver.find_element(By.LINK_TEXT, "Account activity"))
        expect("/user/activity" in driver.current_url, "activity page")
        for label in ("Account created", "Wrong password", "Password accepted", "Logged out", "Session logged out"):
            expect(label in driver.page_source, f"activity shows {label}")
        expect(password not in driver.page_source, "no password in the activity")
        shot(driver, "activity")

        change_number(driver, password, old=number, new="+447700900654")
        passwordless(driver, username, number="+447700900654")
        authenticator(driver, username, password)
        forgot_password(driver)
        lost_phone(driver)
        leave(driver)
        email_codes(driver)
        passkeys(driver)
        print(f"browser journey: {step} pages, screenshots in {SHOTS}")
        print("1 passed, 0 failed")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
