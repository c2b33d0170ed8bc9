"""The chat widget and agent console in Debian's Chromium, in front of the real assistant.

Screenshots go to results/screenshots/, axe-core's findings to results/axe.json (both
git-ignored); the browser and its helpers are in browser.py.
"""

import json
from collections import Counter

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from orchestration.paths import ROOT
from tests.e2e.browser import (
    AXE,
    MIN_TAP,
    PHONE,
    WAIT,
    as_phone,
    ask,
    assert_only_loopback,
    axe_violations,
    bot_messages,
    in_view,
    open_evidence,
    screenshot,
    wait_for_answer,
)

AXE_REPORT = ROOT / "results" / "axe.json"


def sign_in(driver: WebDriver, stack, token: str) -> None:
    driver.get(f"{stack.frontdoor_url}/agent")
    driver.find_element(By.ID, "token").send_keys(token, Keys.ENTER)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#topics .card"))


def search(driver: WebDriver, query: str) -> list:
    """The console's result cards for `query`."""
    driver.find_element(By.ID, "query").send_keys(query)
    driver.find_element(By.CSS_SELECTOR, "#search-form button").click()
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results .card"))
    return driver.find_elements(By.CSS_SELECTOR, "#results .card")


def test_the_widget_answers_links_and_buttons(browser, stack):
    as_phone(browser)
    browser.get(f"{stack.frontdoor_url}/")
    assert browser.find_element(By.ID, "log").get_attribute("aria-live") == "polite"
    assert browser.find_element(By.CSS_SELECTOR, "label[for=message]").text == "Your question"

    assert "sell" in ask(browser, "do you sell my data?").lower()
    answer = bot_messages(browser)[-1]
    link = answer.find_element(By.CSS_SELECTOR, ".notices a")
    assert link.text.startswith("Our overall company privacy notice ↗")  # named, no raw URL
    assert link.get_attribute("href").startswith("https://www.internationalsos.com/")
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.size["height"] >= MIN_TAP
    assert "https://" not in answer.text
    assert browser.switch_to.active_element == browser.find_element(By.ID, "message")
    screenshot(browser, "widget-phone-answer")

    ask(browser, "how long do you keep my data")
    question = bot_messages(browser)[-1]
    buttons = browser.find_elements(By.CSS_SELECTOR, ".choices button")
    assert len(buttons) >= 16, "one choice per service"
    for button in buttons:  # they wrap, each within the screen and big enough to tap
        assert button.size["height"] >= MIN_TAP, button.text
        assert button.location["x"] + button.size["width"] <= PHONE[0], button.text
    WebDriverWait(browser, WAIT).until(lambda d: in_view(d, question))  # not scrolled away
    tracker = next(b for b in buttons if b.text == "Tracker")
    screenshot(browser, "widget-phone-buttons")
    before = len(bot_messages(browser))
    tracker.send_keys(Keys.ENTER)  # as with a keyboard: it may sit below the fold
    assert "Tracker Privacy Notice" in wait_for_answer(browser, before)
    assert browser.find_elements(By.CSS_SELECTOR, ".msg.user")[-1].text == "Tracker"
    assert not tracker.is_enabled()
    screenshot(browser, "widget-phone-button-reply")

    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= PHONE[0], "the widget scrolls sideways on a phone"
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    screenshot(browser, "widget-desktop")

    assert not [e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert_only_loopback(browser, stack)


def test_an_answer_can_be_rated_once_by_keyboard(browser, stack):
    """ "Did this help? Yes / No" under the latest answer: 44 px targets, reached and pressed
    with the keyboard, a polite thank-you, one vote (the other choice does nothing more)."""
    as_phone(browser)
    browser.get(f"{stack.frontdoor_url}/")
    ask(browser, "do you sell my data?")
    group = bot_messages(browser)[-1].find_element(By.CSS_SELECTOR, ".feedback")
    yes, no = group.find_elements(By.TAG_NAME, "button")
    assert (yes.text, no.text) == ("Yes", "No")
    assert min(yes.size["height"], yes.size["width"], no.size["height"]) >= MIN_TAP
    yes.send_keys(Keys.ENTER)
    status = group.find_element(By.CSS_SELECTOR, "[role=status]")
    WebDriverWait(browser, WAIT).until(lambda d: status.text == "Thank you for your feedback.")
    assert yes.get_attribute("aria-pressed") == "true" and no.get_attribute("aria-disabled")
    no.send_keys(Keys.ENTER)
    pressed = [button.get_attribute("aria-pressed") for button in (yes, no)]
    assert pressed == ["true", "false"]
    screenshot(browser, "widget-phone-feedback")


def test_the_agent_console_finds_answers(browser, stack, stack_env):
    browser.get(f"{stack.frontdoor_url}/")
    ask(browser, "what is the capital of peru")  # out of scope: listed for privacy teams
    sign_in(browser, stack, stack_env["AGENT_TOKEN"])
    cards = search(browser, "do you sell my data?")
    assert 1 <= len(cards) <= 3
    assert "policy.no_sale" in cards[0].text
    assert cards[0].find_element(By.CSS_SELECTOR, ".confidence").text.endswith("%")
    link = cards[0].find_element(By.TAG_NAME, "a")
    assert link.get_attribute("href").startswith("https://www.internationalsos.com/")
    screenshot(browser, "agent-desktop")

    gaps = browser.find_element(By.ID, "unanswered")
    gaps.find_element(By.XPATH, "..").find_element(By.TAG_NAME, "summary").click()
    assert "what is the capital of peru" in gaps.text
    assert "out_of_scope" in gaps.text
    browser.execute_script("arguments[0].scrollIntoView()", gaps)
    screenshot(browser, "agent-unanswered")

    assert_only_loopback(browser, stack)


def test_the_widget_shows_markup_as_text_and_keeps_a_refused_message(browser, stack):
    browser.get(f"{stack.frontdoor_url}/")
    ask(browser, "<img src=x onerror=alert(1)> do you sell my data")
    shown = browser.find_elements(By.CSS_SELECTOR, ".msg.user")[-1]
    assert shown.text == "<img src=x onerror=alert(1)> do you sell my data"
    assert not browser.find_elements(By.CSS_SELECTOR, "#log img")

    too_long = "a" * 1001
    browser.execute_script("document.getElementById('message').value = arguments[0]", too_long)
    browser.find_element(By.ID, "send").click()
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.error"))
    assert "1000 characters" in browser.find_elements(By.CSS_SELECTOR, ".msg.error")[-1].text
    value = browser.find_element(By.ID, "message").get_attribute("value")
    assert value == too_long, "the refused message is back in the box, to shorten and resend"


def test_an_answer_shows_the_privacy_page_sentences_it_rests_on(browser, stack, answers):
    as_phone(browser)
    browser.get(f"{stack.frontdoor_url}/")
    ask(browser, "do you sell my data?")
    details = bot_messages(browser)[-1].find_element(By.CSS_SELECTOR, "details.evidence")
    summary = details.find_element(By.TAG_NAME, "summary")
    assert summary.text == "From our privacy page"
    assert details.get_attribute("open") is None, "closed until asked for"
    assert not details.find_element(By.TAG_NAME, "blockquote").is_displayed()

    summary.send_keys(Keys.ENTER)  # the keyboard opens it
    WebDriverWait(browser, WAIT).until(lambda d: details.get_attribute("open") is not None)
    sentences = [p.text for p in details.find_elements(By.CSS_SELECTOR, "blockquote p")]
    assert sentences == list(answers["policy.no_sale"].sources)
    screenshot(browser, "widget-phone-evidence")


def test_an_agent_shares_an_answer_that_opens_the_widget(browser, stack, stack_env, answers):
    sign_in(browser, stack, stack_env["AGENT_TOKEN"])
    cards = search(browser, "how long does the tracker keep my data?")
    card = next(c for c in cards if c.find_element(By.CSS_SELECTOR, ".meta").text == "retention")
    link = card.find_element(By.CSS_SELECTOR, "a.share").get_attribute("href")
    assert link == f"{stack.frontdoor_url}/?topic=retention&service=notice.tracker"
    permissions = ["clipboardReadWrite", "clipboardSanitizedWrite"]
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"permissions": permissions, "origin": stack.frontdoor_url}
    )
    card.find_element(By.XPATH, ".//button[text()='Copy answer link']").click()
    status = browser.find_element(By.ID, "search-status")
    WebDriverWait(browser, WAIT).until(lambda d: status.text == "Copy answer link: copied.")
    copied = browser.execute_async_script("navigator.clipboard.readText().then(arguments[0])")
    assert copied == link

    as_phone(browser)
    browser.get(link)
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg .notices"))
    assert not browser.find_elements(By.ID, "greeting"), "the shared answer comes first"
    shared = bot_messages(browser)[0]
    assert shared.find_element(By.CSS_SELECTOR, ".text").text == answers["retention"].text
    notices = shared.find_elements(By.CSS_SELECTOR, ".notices a")
    assert [a.text.split(" ↗")[0] for a in notices] == [
        "Our privacy page, which links to the Tracker Privacy Notice"
    ]
    assert shared.find_element(By.CSS_SELECTOR, "details.evidence summary").is_displayed()
    screenshot(browser, "widget-phone-shared-answer")

    assert "sell" in ask(browser, "do you sell my data?").lower()  # and the person asks on
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    screenshot(browser, "widget-desktop-shared-answer")
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert_only_loopback(browser, stack)


def test_the_pages_have_no_serious_accessibility_violations(browser, stack, stack_env, axe_source):
    """axe-core on the widget and the console in their main states; results/axe.json lists
    every violation, by page."""
    found = {}
    as_phone(browser)
    browser.get(f"{stack.frontdoor_url}/")
    found["widget: start (360 px)"] = axe_violations(browser, axe_source)
    ask(browser, "how long do you keep my data")
    open_evidence(browser, "#log")
    found["widget: answer, evidence open, service choices (360 px)"] = axe_violations(
        browser, axe_source
    )
    bot_messages(browser)[-1].find_element(By.CSS_SELECTOR, ".feedback button").send_keys(
        Keys.ENTER
    )
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".voted"))
    found["widget: answer rated (360 px)"] = axe_violations(browser, axe_source)
    browser.get(f"{stack.frontdoor_url}/?topic=retention&service=notice.tracker")
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg .notices"))
    found["widget: shared answer (360 px)"] = axe_violations(browser, axe_source)

    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get(f"{stack.frontdoor_url}/agent")
    found["agent console: sign in"] = axe_violations(browser, axe_source)
    sign_in(browser, stack, stack_env["AGENT_TOKEN"])
    search(browser, "how long does the tracker keep my data?")
    open_evidence(browser, "#results")
    found["agent console: results, evidence open"] = axe_violations(browser, axe_source)
    results = browser.find_element(By.ID, "search-title")
    browser.execute_script("arguments[0].scrollIntoView()", results)
    screenshot(browser, "agent-desktop-results")
    as_phone(browser)
    browser.execute_script("arguments[0].scrollIntoView()", results)
    screenshot(browser, "agent-phone-results")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= PHONE[0], "the console scrolls sideways on a phone"

    report = {
        page: {
            "by_impact": dict(Counter(v["impact"] for v in violations)),
            "violations": violations,
        }
        for page, violations in found.items()
    }
    version = json.loads((AXE / "package.json").read_text())["version"]
    AXE_REPORT.parent.mkdir(parents=True, exist_ok=True)
    AXE_REPORT.write_text(json.dumps({"axe-core": version, "pages": report}, indent=2) + "\n")
    serious = {
        page: [v for v in violations if v["impact"] in ("serious", "critical")]
        for page, violations in found.items()
    }
    assert not any(serious.values()), serious
