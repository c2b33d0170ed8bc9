"""Each Rasa instance's endpoints: its action server, and Rasa's own Redis stores with REDIS_URL."""

import pytest
import yaml
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import read_endpoint_config

from bot.lock_store import RenewingRedisLockStore
from bot.tracker_store import PrivateRedisTrackerStore, PrivateTrackerStore
from orchestration.paths import DOMAIN
from orchestration.rasa_endpoints import endpoints, redis_connection, redis_password


def test_without_redis_conversations_stay_in_memory():
    settings = endpoints("http://127.0.0.1:5056")
    assert settings["action_endpoint"] == {
        "url": "http://127.0.0.1:5056/webhook",
        "headers": {"Authorization": "Bearer ${ACTION_SERVER_SECRET}"},
    }
    assert settings["tracker_store"]["type"] == "bot.tracker_store.PrivateTrackerStore"
    assert "lock_store" not in settings  # Rasa's in-memory one


def test_a_redis_url_becomes_rasa_settings_without_its_password():
    url = "rediss://assistant:s3cr%40t@redis.internal:6380/4"
    assert redis_connection(url) == {
        "url": "redis.internal",
        "port": 6380,
        "db": 4,
        "use_ssl": True,
        "username": "assistant",
        "password": "${REDIS_PASSWORD}",
    }
    assert redis_password(url) == "s3cr@t"
    assert "s3cr" not in yaml.safe_dump(endpoints("http://127.0.0.1:5055", url, "blue"))
    assert redis_connection("redis://127.0.0.1")["db"] == 0
    assert redis_password("redis://127.0.0.1") is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis://"])
def test_a_wrong_redis_url_is_refused(url):
    with pytest.raises(ValueError, match="REDIS_URL"):
        redis_connection(url)


def test_rasa_builds_its_redis_stores_from_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("REDIS_PASSWORD", "from-the-environment")
    monkeypatch.setenv("ACTION_SERVER_SECRET", "secret")
    file = tmp_path / "endpoints.yml"
    settings = endpoints("http://127.0.0.1:5055", "redis://:pw@127.0.0.1:6379/3", "blue")
    file.write_text(yaml.safe_dump(settings))

    store = TrackerStore.create(
        read_endpoint_config(str(file), "tracker_store"), Domain.load(DOMAIN)
    )
    inner = getattr(store, "_tracker_store", store)  # Rasa wraps it in a FailSafeTrackerStore
    assert isinstance(inner, PrivateRedisTrackerStore) and not isinstance(
        inner, PrivateTrackerStore
    )
    assert (inner.record_exp, inner.max_events, inner.key_prefix) == (1800, 30, "blue:tracker:")
    connection = inner.red.connection_pool.connection_kwargs
    assert (connection["db"], connection["password"], connection["socket_timeout"]) == (
        3,
        "from-the-environment",
        2,
    )

    locks = LockStore.create(read_endpoint_config(str(file), "lock_store"))
    assert isinstance(locks, RenewingRedisLockStore) and locks.key_prefix == "blue:lock:"
    connection = locks.red.connection_pool.connection_kwargs
    assert (connection["db"], connection["password"]) == (3, "from-the-environment")
