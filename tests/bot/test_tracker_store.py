"""The conversation store: redaction, retention and the size bound, on Rasa's own classes."""

import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

from bot.paths import DOMAIN
from bot.tracker_store import PrivateTrackerStore


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(DOMAIN)


async def test_user_text_is_stored_redacted_and_the_live_tracker_keeps_it(domain):
    store = PrivateTrackerStore(domain)
    tracker = await store.create_tracker("visitor")
    tracker.update(UserUttered("i'm jane@example.com", parse_data={"text": "i'm jane@example.com"}))
    await store.save(tracker)
    stored = await store.retrieve("visitor")
    assert stored.latest_message.text == "i'm [email]"
    assert stored.latest_message.parse_data["text"] == "i'm [email]"
    assert tracker.latest_message.text == "i'm jane@example.com"


async def test_names_health_and_numbers_are_redacted_in_every_stored_user_event(domain):
    store = PrivateTrackerStore(domain)
    tracker = await store.create_tracker("visitor")
    said = [
        ("My name is Maria Gonzalez, does MedAire share my data?",
         "My name is [name], does MedAire share my data?"),
        ("I have HIV and my passport is AB123456",
         "I have [health] and my passport is [id]"),
        ("card 4111 1111 1111 1111, born 12/03/1985",
         "card [card], born [date]"),
    ]  # fmt: skip
    for text, _ in said:
        tracker.update(UserUttered(text, parse_data={"text": text}))
        tracker.update(ActionExecuted("action_answer"))
    await store.save(tracker)
    stored = await store.retrieve("visitor")
    users = [e for e in stored.events if isinstance(e, UserUttered)]
    assert [(e.text, e.parse_data["text"]) for e in users] == [(r, r) for _, r in said]


async def test_conversations_are_forgotten_after_the_retention_time(domain):
    store = PrivateTrackerStore(domain, retention_minutes=0.5 / 60)
    await store.create_tracker("old")
    time.sleep(0.6)
    await store.create_tracker("new")
    assert await store.retrieve("old") is None
    assert await store.retrieve("new") is not None
    assert list(await store.keys()) == ["new"]


async def test_a_conversation_keeps_its_last_events_only(domain):
    store = PrivateTrackerStore(domain, max_events=10)
    tracker = await store.create_tracker("long")
    for turn in range(20):
        tracker.update(UserUttered(f"question {turn}"))
        tracker.update(ActionExecuted("action_answer"))
        tracker.update(SlotSet("last_topic", f"topic {turn}"))
    await store.save(tracker)
    stored = await store.retrieve("long")
    assert len(stored.events) == 10
    assert stored.latest_message.text == "question 19"
    assert stored.get_slot("last_topic") == "topic 19"


def test_rasa_builds_it_from_the_endpoints_file(domain):
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    from bot.paths import ENDPOINTS

    config = read_endpoint_config(str(ENDPOINTS), "tracker_store")
    store = TrackerStore.create(config, domain)
    inner = getattr(store, "_tracker_store", store)  # Rasa wraps it in a FailSafeTrackerStore
    assert isinstance(inner, PrivateTrackerStore)
    assert (inner.retention_s, inner.max_events) == (30 * 60, 30)
