"""What the browser tests share: Debian's Chromium driven by Selenium, the widget's helpers and
axe-core.

Screenshots go to results/screenshots/ (git-ignored). Chromium and chromedriver
(install_chromium.sh) and axe-core (install_axe.sh, pinned, its hash checked by npm) are
installed by setup: `make browser`, which `make test` and `make e2e` run.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from orchestration.paths import ROOT

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENSHOTS = ROOT / "results" / "screenshots"
AXE = ROOT / ".build" / "axe" / "node_modules" / "axe-core"
AXE_LOCK = Path(__file__).with_name("axe") / "package-lock.json"
PHONE, DESKTOP = (360, 740), (1280, 800)
MIN_TAP = 44  # px, WCAG 2.5.5's target size
WAIT = 60


@pytest.fixture(scope="session")
def chromium() -> None:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Chromium or chromedriver is missing: run `make browser`", pytrace=False)


@pytest.fixture
def browser(chromium, tmp_path: Path) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def as_phone(driver: WebDriver) -> None:
    """A 360 px wide phone screen (a desktop window cannot be made that narrow)."""
    metrics = {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def screenshot(driver: WebDriver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def bot_messages(driver: WebDriver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, ".msg.bot")


def ask(driver: WebDriver, text: str) -> str:
    """Type `text`, send it and return the assistant's answer (all its new messages)."""
    before = len(bot_messages(driver))
    driver.find_element(By.ID, "message").send_keys(text, Keys.ENTER)
    return wait_for_answer(driver, before)


def wait_for_answer(driver: WebDriver, before: int) -> str:
    WebDriverWait(driver, WAIT).until(
        lambda d: len(bot_messages(d)) > before and not d.find_element(By.ID, "typing").text
    )
    return "\n".join(m.text for m in bot_messages(driver)[before:])


def network_requests(driver: WebDriver) -> list[str]:
    """Every http(s)/ws(s) URL the browser requested, from Chrome's performance (DevTools) log."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if urlsplit(url).scheme in {"http", "https", "ws", "wss"}:
                urls.append(url)
    return urls


def assert_only_loopback(driver: WebDriver, stack) -> None:
    urls = network_requests(driver)
    assert any(url.startswith(f"{stack.frontdoor_url}/") for url in urls)
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in urls), urls


def in_view(driver: WebDriver, element) -> bool:
    """The top of `element` is inside the visible part of the conversation."""
    return driver.execute_script(
        "const top = arguments[0].getBoundingClientRect().top;"
        "const log = document.getElementById('log').getBoundingClientRect();"
        "return top >= log.top - 1 && top < log.bottom;",
        element,
    )


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed at the version pinned by axe/package-lock.json."""
    if not (AXE / "axe.min.js").is_file():
        pytest.fail("axe-core is missing: run `make browser`", pytrace=False)
    pinned = json.loads(AXE_LOCK.read_text())["packages"]["node_modules/axe-core"]["version"]
    assert json.loads((AXE / "package.json").read_text())["version"] == pinned
    return (AXE / "axe.min.js").read_text()


def axe_violations(driver: WebDriver, source: str) -> list[dict]:
    """axe-core's violations on the page as it is now: rule, impact, help, nodes."""
    driver.execute_script(source)
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then((r) => done(r.violations.map((v) => ("
        "{id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length}))),"
        " (error) => done(String(error)));"
    )
    assert isinstance(found, list), found
    return found


def open_evidence(driver: WebDriver, within: str) -> None:
    """Open every "From our privacy page" disclosure in the element `within` (a CSS selector)."""
    for summary in driver.find_elements(By.CSS_SELECTOR, f"{within} details.evidence summary"):
        summary.click()
