"""The conversation store: no typed text, retention and the size bound, on Rasa's own classes."""

from urllib.parse import urlsplit

import pytest
import redis
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered

from bot.tracker_store import PrivateRedisTrackerStore, PrivateTrackerStore
from orchestration.paths import DOMAIN


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(DOMAIN)


def _user_turn(text: str, **kwargs) -> UserUttered:
    """A user event as Rasa's NLU leaves it: intent, entities, ranking and the text twice."""
    intent = {"name": "ask_retention", "confidence": 0.9}
    entities = [{"entity": "service", "value": "notice.tracker", "start": 0, "end": 7}]
    parse = {"text": text, "intent": intent, "entities": entities, "intent_ranking": [intent]}
    return UserUttered(text, intent, entities, parse_data=parse, **kwargs)


async def test_no_typed_text_is_stored_and_the_live_tracker_keeps_it(domain):
    store = PrivateTrackerStore(domain)
    tracker = await store.create_tracker("visitor")
    said = "Tracker: I'm Maria Gonzalez, I have Tourette's, maria@example.com"
    tracker.update(_user_turn(said, metadata={"note": said}))
    await store.save(tracker)
    stored = await store.retrieve("visitor")
    assert "Maria" not in store.store["visitor"] and "Tourette" not in store.store["visitor"]
    assert stored.latest_message.text is None
    assert stored.latest_message.intent["name"] == "ask_retention"
    assert stored.latest_message.entities[0]["value"] == "notice.tracker"
    assert stored.latest_message.metadata == {}
    assert tracker.latest_message.text == said  # the live turn is untouched


async def test_every_stored_user_event_and_the_session_metadata_lose_their_text(domain):
    store = PrivateTrackerStore(domain)
    tracker = await store.create_tracker("visitor")
    tracker.update(SessionStarted(metadata={"who": "Maria Gonzalez"}))
    tracker.update(SlotSet("session_started_metadata", {"who": "Maria Gonzalez"}))
    for text in ("My name is Maria Gonzalez", "I have HIV", "card 4111 1111 1111 1111"):
        tracker.update(_user_turn(text))
        tracker.update(ActionExecuted("action_answer"))
    await store.save(tracker)
    assert "Maria" not in store.store["visitor"]
    for secret in ("HIV", "4111"):
        assert secret not in store.store["visitor"]
    stored = await store.retrieve("visitor")
    users = [e for e in stored.events if isinstance(e, UserUttered)]
    assert [(e.text, e.intent_name) for e in users] == [(None, "ask_retention")] * 3


async def test_conversations_are_forgotten_after_the_retention_time(domain):
    now = [1000.0]
    store = PrivateTrackerStore(domain, retention_minutes=30, clock=lambda: now[0])
    await store.create_tracker("old")
    now[0] += 29 * 60
    await store.create_tracker("new")
    assert await store.retrieve("old") is not None  # 29 minutes idle: kept
    now[0] += 60 + 1
    assert await store.retrieve("old") is None  # 30 minutes and a second: forgotten
    assert await store.retrieve("new") is not None
    assert list(await store.keys()) == ["new"]


@pytest.fixture(params=["memory", "redis"])
def either_store(request, domain):
    """make(**settings): the in-memory store, or the Redis one on the test Redis."""
    if request.param == "memory":
        return lambda **settings: PrivateTrackerStore(domain, **settings)
    return request.getfixturevalue("redis_store")


async def test_a_conversation_keeps_its_last_events_only(either_store):
    store = either_store(max_events=10)
    tracker = await store.create_tracker("visitor-long")
    for turn in range(20):
        tracker.update(UserUttered(f"question {turn}"))
        tracker.update(ActionExecuted("action_answer"))
        tracker.update(SlotSet("last_topic", f"topic {turn}"))
    await store.save(tracker)
    stored = await store.retrieve("visitor-long")
    assert len(stored.events) == 10
    assert stored.get_slot("last_topic") == "topic 19"


def test_rasa_builds_it_from_the_endpoints_file(domain):
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    from orchestration.paths import ENDPOINTS

    config = read_endpoint_config(str(ENDPOINTS), "tracker_store")
    store = TrackerStore.create(config, domain)
    inner = getattr(store, "_tracker_store", store)  # Rasa wraps it in a FailSafeTrackerStore
    assert isinstance(inner, PrivateTrackerStore)
    assert (inner.retention_s, inner.max_events) == (30 * 60, 30)


# --- the same store in Redis (REDIS_URL), shared by every Rasa instance ---------------------


@pytest.fixture
def redis_store(domain, redis_url, redis_prefix):
    """make(**settings): a PrivateRedisTrackerStore on the test Redis, under this run's prefix."""
    url = urlsplit(redis_url)

    def make(**settings) -> PrivateRedisTrackerStore:
        db = int(url.path.strip("/") or 0)
        return PrivateRedisTrackerStore(
            domain, url.hostname, url.port or 6379, db, key_prefix=redis_prefix, **settings
        )

    return make


@pytest.fixture
def raw(redis_url):
    return redis.Redis.from_url(redis_url, decode_responses=True)


async def test_redis_gets_no_typed_text_and_the_live_tracker_keeps_it(redis_store, raw):
    store = redis_store()
    tracker = await store.create_tracker("visitor-textless")
    said = "i'm jane@example.com, call me on +44 20 7946 0958"
    tracker.update(_user_turn(said))
    await store.save(tracker)
    stored_value = raw.get(store.key_prefix + "visitor-textless")
    assert "jane" not in stored_value and "7946 0958" not in stored_value  # whole: timestamps
    stored = await store.retrieve("visitor-textless")
    assert stored.latest_message.text is None
    assert stored.latest_message.intent_name == "ask_retention"
    assert tracker.latest_message.text == said


async def test_a_redis_conversation_expires_after_the_retention_time(redis_store, raw):
    """Its key's expiry, as Redis reports it, is the retention time, renewed by every turn."""
    for minutes in (30, 10):
        store = redis_store(retention_minutes=minutes)
        tracker = await store.create_tracker(f"visitor-kept-{minutes}")
        key = store.key_prefix + tracker.sender_id
        assert (minutes - 1) * 60_000 < raw.pttl(key) <= minutes * 60_000
        raw.pexpire(key, 60_000)  # as if all but a minute of it had passed
        tracker.update(UserUttered("and for MedAire?"))
        await store.save(tracker)
        assert (minutes - 1) * 60_000 < raw.pttl(key) <= minutes * 60_000
    raw.pexpireat(key, 1)  # its expiry passed: Redis deletes the key
    assert await store.retrieve(tracker.sender_id) is None


async def test_instances_on_one_redis_share_a_conversation(redis_store):
    first, second = redis_store(), redis_store()
    tracker = await first.create_tracker("visitor-shared")
    tracker.update(UserUttered("how long do you keep my data?"))
    tracker.update(SlotSet("last_topic", "retention"))
    await first.save(tracker)
    continued = await second.retrieve("visitor-shared")
    assert continued.get_slot("last_topic") == "retention"
    continued.update(UserUttered("and for MedAire?", {"name": "inform_service"}))
    await second.save(continued)
    intents = [
        e.intent_name
        for e in (await first.retrieve("visitor-shared")).events
        if isinstance(e, UserUttered)
    ]
    assert intents == [None, "inform_service"]


async def test_a_failed_save_is_logged_and_kept_nowhere(domain, caplog):
    store = PrivateRedisTrackerStore(domain, "127.0.0.1", _closed_port(), socket_timeout=0.5)
    tracker = await store.create_tracker("visitor-lost")  # saves, and must not raise
    tracker.update(UserUttered("i'm jane@example.com"))
    await store.save(tracker)
    assert "conversation not saved, Redis failed: ConnectionError" in caplog.text
    assert "jane" not in caplog.text


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
