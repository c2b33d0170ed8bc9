"""The widget that remembers, in Chromium in front of the real assistant: a reload keeps the
conversation (and its vote), "Start again" and a session the server ended start a new one, the
typing state, "Copy conversation", focus never hidden and 44 px targets; axe-core finds no
violation in any of these states."""

import json
import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from frontdoor.memory import SESSION_MINUTES
from frontdoor.sessions import SessionIds
from tests.e2e.browser import (
    MIN_TAP,
    PHONE,
    WAIT,
    as_phone,
    ask,
    assert_only_loopback,
    axe_violations,
    bot_messages,
    screenshot,
    wait_for_answer,
)

SESSION_KEY, TRANSCRIPT_KEY = "privacy-assistant-session", "privacy-assistant-transcript"
# Holds the widget's chat requests until window.heldChats' functions are called
HOLD_CHATS = """
window.heldChats = [];
const realFetch = window.fetch.bind(window);
window.fetch = (path, options) => path !== "chat" ? realFetch(path, options) :
  new Promise((resolve, reject) =>
    window.heldChats.push(() => realFetch(path, options).then(resolve, reject)));
"""


def storage(driver: WebDriver) -> dict:
    """The tab's session storage."""
    return driver.execute_script("return {...sessionStorage}")


def shown(driver: WebDriver) -> list[str]:
    """The conversation's messages as shown, in order."""
    return [m.text for m in driver.find_elements(By.CSS_SELECTOR, "#log .msg")]


def status(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "status").text


def test_a_reload_keeps_the_conversation_its_vote_and_its_context(browser, stack, axe_source):
    as_phone(browser)
    browser.get(f"{stack.frontdoor_url}/")
    ask(browser, "do you sell my data?")
    yes = bot_messages(browser)[-1].find_element(By.CSS_SELECTOR, ".feedback button")
    yes.send_keys(Keys.ENTER)
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".voted"))
    ask(browser, "how long do you keep my data")
    tracker = next(
        b for b in browser.find_elements(By.CSS_SELECTOR, ".choices button") if b.text == "Tracker"
    )
    before = len(bot_messages(browser))
    tracker.send_keys(Keys.ENTER)
    wait_for_answer(browser, before)
    conversation, kept = shown(browser), storage(browser)
    assert set(kept) == {SESSION_KEY, TRANSCRIPT_KEY}
    transcript = json.loads(kept[TRANSCRIPT_KEY])
    assert [entry.get("you") for entry in transcript[::2]] == [
        "do you sell my data?",
        "how long do you keep my data",
        "Tracker",
    ]
    retention = transcript[-1]["reply"]["messages"][0]["text"]  # for the Tracker
    allowed = {"you", "reply", "kind", "rateable", "vote", "chosen"}
    assert all(set(entry) <= allowed for entry in transcript)

    browser.refresh()
    WebDriverWait(browser, WAIT).until(lambda d: len(shown(d)) == len(conversation))
    assert shown(browser) == conversation
    assert storage(browser) == kept
    voted = browser.find_element(By.CSS_SELECTOR, ".feedback.voted")
    assert [
        b.get_attribute("aria-pressed") for b in voted.find_elements(By.TAG_NAME, "button")
    ] == [
        "true",
        "false",
    ]
    assert (
        voted.find_element(By.CSS_SELECTOR, "[role=status]").text == "Thank you for your feedback."
    )
    chosen = browser.find_element(By.CSS_SELECTOR, ".choices button.chosen")
    assert chosen.text == "Tracker" and not chosen.is_enabled()
    latest = bot_messages(browser)[-1].find_elements(By.CSS_SELECTOR, ".feedback:not(.voted)")
    assert len(latest) == 1, "the latest answer can still be rated"
    for summary in browser.find_elements(By.CSS_SELECTOR, "#log details.evidence summary"):
        summary.send_keys(Keys.ENTER)  # each opened, by keyboard: some are scrolled away
    assert axe_violations(browser, axe_source) == []
    screenshot(browser, "widget-phone-restored")

    # The same conversation goes on: "and for MedAire?" asks its question again, for MedAire
    answer = ask(browser, "and for MedAire?")
    assert retention in answer and "MedAire Privacy Notice" in answer
    assert storage(browser)[SESSION_KEY] != kept[SESSION_KEY]  # renewed, same conversation
    assert_only_loopback(browser, stack)


def test_the_typing_state_is_shown_announced_and_still_when_motion_is_reduced(
    browser, stack, axe_source
):
    as_phone(browser)
    browser.get(f"{stack.frontdoor_url}/")
    browser.execute_script(HOLD_CHATS)
    browser.find_element(By.ID, "message").send_keys("do you sell my data?", Keys.ENTER)
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return heldChats.length"))
    typing = browser.find_element(By.ID, "typing")
    assert typing.get_attribute("role") == "status"
    assert typing.text == "Assistant is typing…"
    dots = typing.find_element(By.CLASS_NAME, "dots")
    assert dots.is_displayed() and dots.get_attribute("aria-hidden") == "true"
    assert browser.find_element(By.ID, "log").get_attribute("aria-busy") == "true"
    animation = "return getComputedStyle(document.querySelector('.dots span')).animationName"
    assert browser.execute_script(animation) == "typing-dot"
    assert axe_violations(browser, axe_source) == []
    screenshot(browser, "widget-phone-typing")

    reduce = {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", reduce)
    assert browser.execute_script(animation) == "none"
    assert typing.text == "Assistant is typing…" and dots.is_displayed()

    browser.execute_script("heldChats.forEach((release) => release())")
    wait_for_answer(browser, 1)
    assert not dots.is_displayed()
    assert browser.find_element(By.ID, "log").get_attribute("aria-busy") is None


@pytest.mark.parametrize("clipboard", ["api", "copy command"])
def test_the_conversation_is_copied_with_its_links(browser, stack, axe_source, clipboard):
    permissions = ["clipboardReadWrite", "clipboardSanitizedWrite"]
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"permissions": permissions, "origin": stack.frontdoor_url}
    )
    browser.get(f"{stack.frontdoor_url}/")
    copy = browser.find_element(By.ID, "copy")
    copy.click()
    assert status(browser) == "Nothing to copy yet."
    ask(browser, "do you sell my data?")
    answer = bot_messages(browser)[-1]
    link = answer.find_element(By.CSS_SELECTOR, ".notices a")
    label = link.text.split(" ↗")[0]
    # A clipboard the page cannot use: the widget falls back on the selection's copy command
    browser.execute_script(
        "window.clipboard = navigator.clipboard;"
        + (
            "Object.defineProperty(navigator, 'clipboard', {value: undefined});"
            if clipboard == "copy command"
            else ""
        )
    )
    copy.send_keys(Keys.ENTER)  # by keyboard
    WebDriverWait(browser, WAIT).until(lambda d: status(d) == "Copied the conversation.")
    assert browser.switch_to.active_element == copy
    copied = browser.execute_async_script("window.clipboard.readText().then(arguments[0])")
    text = answer.find_element(By.CSS_SELECTOR, ".text").text
    assert copied == (
        f"You: do you sell my data?\n\nAssistant: {text}\n{label}: {link.get_attribute('href')}"
    )
    assert axe_violations(browser, axe_source) == []
    screenshot(browser, f"widget-desktop-copied-{clipboard.replace(' ', '-')}")


def expired(secret: str, session_id: str) -> str:
    """A session id of the same conversation, signed by the front door's secret, issued just
    over SESSION_MINUTES ago."""
    long_ago = time.time() - SESSION_MINUTES * 60 - 60
    return SessionIds(secret.encode(), clock=lambda: long_ago).issue(session_id.split(".")[0])


def test_a_session_the_server_ended_starts_a_new_conversation_cleanly(
    browser, stack, stack_env, axe_source
):
    as_phone(browser)
    browser.get(f"{stack.frontdoor_url}/")
    ask(browser, "who can see my data?")
    old = storage(browser)[SESSION_KEY]
    ended = expired(stack_env["SESSION_SECRET"], old)
    browser.execute_script(f"sessionStorage.setItem('{SESSION_KEY}', arguments[0])", ended)
    browser.refresh()
    WebDriverWait(browser, WAIT).until(lambda d: "who can see my data?" in shown(d))
    vote = bot_messages(browser)[-1].find_element(By.CSS_SELECTOR, ".feedback button")
    vote.send_keys(Keys.ENTER)
    thanks = bot_messages(browser)[-1].find_element(By.CSS_SELECTOR, ".feedback [role=status]")
    WebDriverWait(browser, WAIT).until(lambda d: thanks.text)
    assert thanks.text == "This answer can no longer be rated."

    assert "sell" in ask(browser, "do you sell my data?").lower()
    messages = shown(browser)
    assert messages[1] == "Your earlier conversation had ended, so this is a new one."
    assert messages[2] == "do you sell my data?"
    assert len(messages) == 4 and "who can see my data?" not in messages
    kept = storage(browser)
    assert kept[SESSION_KEY].split(".")[0] != old.split(".")[0], "a new conversation"
    assert [entry.get("you") for entry in json.loads(kept[TRANSCRIPT_KEY])] == [
        "do you sell my data?",
        None,
    ]
    assert axe_violations(browser, axe_source) == []
    screenshot(browser, "widget-phone-session-ended")
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not [e for e in errors if "Failed to load resource" not in e], errors  # but the 400s


def test_start_again_forgets_the_conversation_and_a_shared_answer(browser, stack, axe_source):
    as_phone(browser)
    browser.get(f"{stack.frontdoor_url}/?topic=retention&service=notice.tracker")
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg .notices"))
    ask(browser, "do you sell my data?")
    browser.refresh()  # the shared answer is kept, not asked for twice
    WebDriverWait(browser, WAIT).until(lambda d: len(bot_messages(d)) == 2)
    assert not browser.find_elements(By.ID, "greeting")
    assert len(shown(browser)) == 3

    restart = browser.find_element(By.ID, "restart")
    assert restart.text == "Start again"
    restart.send_keys(Keys.ENTER)
    WebDriverWait(browser, WAIT).until(lambda d: status(d) == "Started a new conversation.")
    assert [m.get_attribute("id") for m in browser.find_elements(By.CSS_SELECTOR, "#log .msg")] == [
        "greeting"
    ]
    assert storage(browser) == {}
    assert browser.current_url == f"{stack.frontdoor_url}/"
    assert browser.switch_to.active_element == browser.find_element(By.ID, "message")
    assert axe_violations(browser, axe_source) == []
    screenshot(browser, "widget-phone-started-again")
    browser.refresh()
    assert len(shown(browser)) == 1 and browser.find_elements(By.ID, "greeting")

    for unreadable in ["{not json", '{"you": "a"}', '[{"reply": 1}]', '[{"you": "a"}, null]']:
        browser.execute_script(
            f"sessionStorage.setItem('{TRANSCRIPT_KEY}', arguments[0])", unreadable
        )
        browser.refresh()  # a new conversation, as after "Start again"
        assert len(shown(browser)) == 1 and browser.find_elements(By.ID, "greeting"), unreadable
        assert storage(browser) == {}, unreadable
    assert "sell" in ask(browser, "do you sell my data?").lower()
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def covered_or_hidden(driver: WebDriver) -> str | None:
    """What hides the focused element: nothing (None), the screen's edge or another element."""
    return driver.execute_script(
        """
        const focused = document.activeElement;
        const box = focused.getBoundingClientRect();
        const x = box.left + box.width / 2, y = box.top + box.height / 2;
        if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return "off screen";
        const top = document.elementFromPoint(x, y);
        return top && (top === focused || focused.contains(top)) ? null : String(top && top.id);
        """
    )


def test_focus_is_never_hidden_and_every_button_is_a_44px_target(browser, stack):
    """WCAG 2.2's focus not obscured (2.4.11) and target size (2.5.8, here 44 px), at 360 px
    with an answer and the 16 service choices in the conversation."""
    as_phone(browser)
    browser.get(f"{stack.frontdoor_url}/")
    ask(browser, "do you sell my data?")
    ask(browser, "how long do you keep my data")
    for button in browser.find_elements(By.TAG_NAME, "button"):
        assert min(button.size["height"], button.size["width"]) >= MIN_TAP, button.text
        assert button.location["x"] + button.size["width"] <= PHONE[0], button.text

    browser.find_element(By.ID, "message").click()
    seen = []
    keys = ActionChains(browser)
    for _ in range(80):
        keys.send_keys(Keys.TAB).perform()
        focused = browser.switch_to.active_element
        name = focused.get_attribute("id") or focused.text or focused.tag_name
        if seen and name == seen[0]:
            break
        seen.append(name)
        WebDriverWait(browser, WAIT).until(
            lambda d: covered_or_hidden(d) is None, message=f"{name}: {covered_or_hidden(browser)}"
        )
    assert {"send", "copy", "restart", "message", "Tracker", "Yes"} <= set(seen), seen
