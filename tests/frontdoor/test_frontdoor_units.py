"""The front door's pure parts: settings, session ids and the token bucket."""

import pytest

from bot.frontdoor.limits import RateLimiter
from bot.frontdoor.sessions import SessionIds
from bot.frontdoor.settings import Settings


def test_settings_from_environment_variables():
    settings = Settings.from_env(
        {
            "FRONTDOOR_PORT": "8080",
            "RASA_URL": "http://127.0.0.1:5006",
            "RASA_TIMEOUT": "2.5",
            "APP_API_TOKENS": " one, two ,,",
            "CORS_ORIGINS": "https://a.example,https://b.example",
            "RATE_LIMIT_BURST": "5",
            "SESSION_SECRET": "s3cret",
            "AGENT_TOKEN": "   ",
        }
    )
    assert (settings.port, settings.rasa_url, settings.rasa_timeout) == (
        8080,
        "http://127.0.0.1:5006",
        2.5,
    )
    assert settings.app_api_tokens == ("one", "two")
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.rate_limit_burst == 5
    assert settings.session_secret == b"s3cret"
    assert settings.agent_token == ""
    assert (settings.host, settings.frame_ancestors) == ("127.0.0.1", "'self'")


@pytest.mark.parametrize(
    "env",
    [
        {"FRAME_ANCESTORS": "'self'; script-src *"},
        {"CORS_ORIGINS": "*"},
        {"CORS_ORIGINS": "https://ok.example,.*\\.example"},
        {"RATE_LIMIT_PER_MINUTE": "0"},
        {"RATE_LIMIT_BURST": "0"},
    ],
)
def test_unsafe_settings_are_refused(env):
    with pytest.raises(ValueError):
        Settings.from_env(env)


def test_the_default_session_secret_is_random():
    assert Settings().session_secret != Settings().session_secret


def test_session_ids_are_random_and_signed():
    sessions = SessionIds(b"secret")
    first, second = sessions.issue(), sessions.issue()
    assert first != second
    assert sessions.is_ours(first)
    tampered = first[:-1] + ("A" if first[-1] != "A" else "B")
    assert not sessions.is_ours(tampered)
    assert not SessionIds(b"other").is_ours(first)
    assert not any(sessions.is_ours(other) for other in (None, 42, "", first + "x", " " + first))


def test_token_bucket_refills_per_client():
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert [limiter.acquire("a"), limiter.acquire("a")] == [0, 0]
    assert limiter.acquire("a") == pytest.approx(1.0)
    assert limiter.acquire("b") == 0
    now[0] = 1.0
    assert limiter.acquire("a") == 0
    assert limiter.acquire("a") > 0


def test_token_bucket_forgets_idle_clients():
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=1, max_clients=2, clock=lambda: now[0])
    for key in "abc":
        limiter.acquire(key)
    now[0] = 10.0
    limiter.acquire("d")
    assert set(limiter.buckets) == {"d"}
