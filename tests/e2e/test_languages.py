"""Replies in the person's language (issue 23.2), through the real stack: for each answered
language a question over Rasa's REST channel is answered with the right topic, the payload's
language and a reply detected as that language; the front door's app API returns the reply
and its English original; an edited English answer makes its translation stale, which falls
back to the English under the language's preface; the widget shows "Translated from English"
and, on request, the English original with its page sentences (Chromium, axe-core).

Needs both halves of issue 23: the NLU's `language` entity and slot (lang-nlu) and the
answering (lang-answers).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from contract import replies
from evaluation.languages_eval import language_of
from knowledge import read_content
from knowledge.settings import CONTENT_DIR
from orchestration.paths import ROOT
from orchestration.stack import Stack
from tests.e2e.browser import WAIT, ask, axe_violations, bot_messages, screenshot
from tests.e2e.servers import wait_for

TOPIC = "policy.no_sale"
# "Do you sell my personal data?" in each language the assistant answers in.
QUESTIONS = {
    "de": "Verkaufen Sie meine persönlichen Daten?",
    "es": "¿Venden ustedes mis datos personales?",
    "fr": "Est-ce que vous vendez mes données personnelles ?",
    "it": "Vendete i miei dati personali?",
    "ja": "私の個人データを販売していますか？",
    "nl": "Verkopen jullie mijn persoonsgegevens?",
    "pt": "Vocês vendem meus dados pessoais?",
    "zh": "你们会出售我的个人数据吗？",
}
CONTENT = read_content()
LIVE_WITHIN_S = 10.0


def post(url: str, body: dict, token: str = "") -> object:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def chat(stack: Stack, text: str, sender: str | None = None) -> tuple[dict, str]:
    """The payload and the text of the reply to `text` over Rasa's REST channel."""
    sender = sender or f"lang-{uuid.uuid4().hex}"
    messages = post(stack.webhook, {"sender": sender, "message": text})
    assert isinstance(messages, list)
    payload = replies.payload(messages)
    assert payload is not None, messages
    return payload, "\n\n".join(m["text"] for m in messages if "text" in m)


def load(database: str, content: Path) -> None:
    command = [sys.executable, "-m", "knowledge", "load", "--database-url", database]
    command += ["--content-dir", str(content)]
    loaded = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert loaded.returncode == 0, loaded.stderr


@pytest.mark.parametrize("code", sorted(QUESTIONS))
def test_a_question_is_answered_in_its_language(stack, code):
    payload, text = chat(stack, QUESTIONS[code])
    assert payload["topic"] == TOPIC
    assert (payload["language"], payload["translated"]) == (code, True)
    assert language_of(text) == code, text
    assert payload["text_en"].startswith(CONTENT.english[f"answer/{TOPIC}"])
    assert language_of(payload["text_en"]) == "en"


def test_a_terse_follow_up_keeps_the_conversations_language(stack):
    sender = f"lang-{uuid.uuid4().hex}"
    first, _ = chat(stack, "Wie lange bewahren Sie meine Daten auf?", sender)
    assert first["language"] == "de"
    payload, text = chat(stack, "Tracker", sender)
    assert payload["language"] == "de" and language_of(text) == "de", text


@pytest.mark.parametrize("code", ["de", "ja"])
def test_the_app_api_returns_the_reply_and_its_english_original(stack, stack_env, code):
    body = post(
        f"{stack.frontdoor_url}/api/v1/chat",
        {"message": QUESTIONS[code]},
        stack_env["APP_API_TOKENS"],
    )
    assert isinstance(body, dict)
    assert (body["topic"], body["language"], body["translated"]) == (TOPIC, code, True)
    assert language_of(body["text"]) == code
    assert body["text_en"].startswith(CONTENT.english[f"answer/{TOPIC}"])
    assert body["sources"] == next(a for a in CONTENT.answers if a["topic"] == TOPIC)["sources"]


@pytest.fixture
def stale_german(stack: Stack, stack_database: str, tmp_path: Path):
    """The stack's knowledge base with an edited English answer to TOPIC (its translations
    stale); knowledge/content is loaded back, and answered, at the end."""
    content = Path(shutil.copytree(CONTENT_DIR, tmp_path / "content"))
    path = content / "answers.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edited = f"International SOS never sells personal information ({uuid.uuid4().hex[:8]})."
    next(a for a in data["answers"] if a["topic"] == TOPIC)["answer"] = edited
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load(stack_database, content)
    yield edited
    load(stack_database, CONTENT_DIR)
    wait_for(lambda: chat(stack, QUESTIONS["de"])[0]["translated"], LIVE_WITHIN_S, every=0.2)


def test_a_stale_translation_falls_back_to_the_english_under_the_preface(stack, stale_german):
    preface = CONTENT.translations["de"]["preface"].text
    found: list[tuple[dict, str]] = []

    def english_answered() -> bool:
        found[:] = [chat(stack, QUESTIONS["de"])]
        return stale_german in found[0][1]

    wait_for(english_answered, LIVE_WITHIN_S, every=0.2)
    payload, text = found[0]
    assert (payload["language"], payload["translated"]) == ("de", False)
    assert text.startswith(f"{preface}\n{stale_german}")
    assert payload["text_en"].startswith(stale_german)


def test_the_widget_shows_the_english_original_on_request(browser, stack, axe_source):
    browser.get(f"{stack.frontdoor_url}/")
    ask(browser, QUESTIONS["fr"])
    bubble = bot_messages(browser)[-1]
    assert bubble.get_attribute("lang") == "fr"
    note = bubble.find_element(By.CSS_SELECTOR, ".translation")
    assert note.get_attribute("lang") == "en"
    assert note.find_element(By.CSS_SELECTOR, ".translated-note").text == "Translated from English"
    original = note.find_element(By.CSS_SELECTOR, "details.original")
    english = CONTENT.english[f"answer/{TOPIC}"]
    assert original.get_attribute("open") is None and english not in bubble.text
    original.find_element(By.TAG_NAME, "summary").send_keys(Keys.ENTER)
    WebDriverWait(browser, WAIT).until(lambda d: original.get_attribute("open") is not None)
    shown = original.find_element(By.CSS_SELECTOR, ".original-text").text
    assert english in shown
    original.find_element(By.CSS_SELECTOR, "details.evidence summary").send_keys(Keys.ENTER)
    sentence = next(a for a in CONTENT.answers if a["topic"] == TOPIC)["sources"][0]
    WebDriverWait(browser, WAIT).until(lambda d: sentence in original.text)
    assert axe_violations(browser, axe_source) == []
    screenshot(browser, "widget-translated-original")
    browser.refresh()  # the transcript keeps the translation and its original
    WebDriverWait(browser, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.bot .translation details.original")
    )
