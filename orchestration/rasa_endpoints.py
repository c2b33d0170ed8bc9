"""The endpoints file of each Rasa instance the stack starts: endpoints.yml, completed.

- action_endpoint: the instance's action server, with the header `Authorization: Bearer
  ${ACTION_SERVER_SECRET}`, which Rasa fills in from its environment.
- Without a Redis URL, the conversation store of endpoints.yml (in memory) and Rasa's
  in-memory lock store: one instance, whose conversations end with it.
- With one (REDIS_URL), conversations go to Redis through Rasa's RedisTrackerStore
  (bot.tracker_store.PrivateRedisTrackerStore: no message text, the same size bound and retention,
  the latter as the key's expiry) and conversation locks to Rasa's RedisLockStore
  (bot.lock_store.RenewingRedisLockStore), so that several instances can take turns of one
  conversation, and a restart loses none. The URL's password is written as
  `${REDIS_PASSWORD}`, never into the file.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import redis
import yaml

from orchestration.paths import ENDPOINTS

ACTIONS_SECRET = "ACTION_SERVER_SECRET"
REDIS_PASSWORD = "REDIS_PASSWORD"
REDIS_TIMEOUT_S = 2  # a hung Redis fails a turn after this, instead of holding Rasa's loop
DEFAULT_KEY_PREFIX = "assistant"


def endpoints(actions_url: str, redis_url: str | None = None, key_prefix: str = "") -> dict:
    """The endpoints of a Rasa instance whose action server is at `actions_url`."""
    settings = yaml.safe_load(ENDPOINTS.read_text())
    settings["action_endpoint"] = {
        "url": f"{actions_url}/webhook",
        "headers": {"Authorization": f"Bearer ${{{ACTIONS_SECRET}}}"},
    }
    if redis_url:
        connection = {
            **redis_connection(redis_url),
            "key_prefix": key_prefix or DEFAULT_KEY_PREFIX,
            "socket_timeout": REDIS_TIMEOUT_S,
        }
        settings["tracker_store"] = {
            **settings["tracker_store"],
            "type": "bot.tracker_store.PrivateRedisTrackerStore",
            **connection,
        }
        settings["lock_store"] = {"type": "bot.lock_store.RenewingRedisLockStore", **connection}
    return settings


def redis_connection(url: str) -> dict:
    """Rasa's Redis store settings for `url` (redis:// or, with TLS, rediss://user:pass@host:port/db)."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError("REDIS_URL must look like redis://[:password@]host[:port][/db]")
    connection = {
        "url": parts.hostname,
        "port": parts.port or 6379,
        "db": int(parts.path.strip("/") or 0),
        "use_ssl": parts.scheme == "rediss",
    }
    if parts.username:
        connection["username"] = unquote(parts.username)
    if parts.password:
        connection["password"] = f"${{{REDIS_PASSWORD}}}"
    return connection


def redis_password(url: str) -> str | None:
    """The password in a Redis URL (none in ""), for the $REDIS_PASSWORD of Rasa's environment."""
    password = urlsplit(url).password
    return unquote(password) if password else None


def check_redis(url: str) -> None:
    """Raise RuntimeError unless Redis at `url` answers (the URL is not in the message)."""
    try:
        redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_S).ping()
    except redis.RedisError as error:
        raise RuntimeError(f"Redis at REDIS_URL does not answer: {type(error).__name__}") from None
