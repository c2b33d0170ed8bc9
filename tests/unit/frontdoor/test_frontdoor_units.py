"""The front door's pure parts: settings, session ids, the token bucket, notice lines."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract import environment
from frontdoor.answers import without_link_lines
from frontdoor.choices import OfferedChoices
from frontdoor.errors import ApiError
from frontdoor.limits import Lockout, RateLimiter, client_key
from frontdoor.rasa_client import typed_text
from frontdoor.security import host_allowed
from frontdoor.sessions import SESSION_MINUTES, SessionIds
from frontdoor.settings import VARIABLES, Settings
from frontdoor.unanswered import RecordedQuestions
from orchestration.paths import ROOT

ONE, TWO = "1" * 32, "2" * 40  # app tokens


def test_settings_from_environment_variables():
    settings = Settings.from_env(
        {
            "FRONTDOOR_PORT": "8080",
            "RASA_URL": "http://127.0.0.1:5006",
            "RASA_TIMEOUT": "2.5",
            "APP_API_TOKENS": f" {ONE}, {TWO} ,,",
            "CORS_ORIGINS": "https://a.example,https://b.example",
            "RATE_LIMIT_BURST": "5",
            "SESSION_SECRET": "s3cret",
            "AGENT_TOKEN": "   ",
            "TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16",
            "HEADER_TIMEOUT": "5",
            "BODY_TIMEOUT": "6",
            "IDLE_TIMEOUT": "7",
            "MAX_CONNECTIONS_PER_IP": "8",
        }
    )
    assert settings.trusted_proxies == ("10.0.0.1", "192.168.0.0/16")
    assert (settings.header_timeout, settings.body_timeout, settings.idle_timeout) == (5, 6, 7)
    assert settings.max_connections_per_ip == 8
    assert (settings.port, settings.rasa_url, settings.rasa_timeout) == (
        8080,
        "http://127.0.0.1:5006",
        2.5,
    )
    assert settings.app_api_tokens == (ONE, TWO)
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
        {"PAGE_RATE_LIMIT_BURST": "0"},
        {"ALLOWED_HOSTS": "*"},
        {"ALLOWED_HOSTS": "https://example.com"},
        {"TRUSTED_PROXIES": "proxy.example.com"},
        {"TRUSTED_PROXIES": "10.0.0.1/8"},
        {"HEADER_TIMEOUT": "0"},
        {"BODY_TIMEOUT": "-1"},
        {"IDLE_TIMEOUT": "0"},
        {"MAX_CONNECTIONS_PER_IP": "0"},
    ],
)
def test_unsafe_settings_are_refused(env):
    with pytest.raises(ValueError):
        Settings.from_env(env)


@pytest.mark.parametrize(
    "env, name",
    [
        ({"AGENT_TOKEN": "agent-secret-of-31-characters.."}, "AGENT_TOKEN"),
        ({"APP_API_TOKENS": f"{ONE},app-secret-of-31-characters....,{TWO}"}, "APP_API_TOKENS"),
    ],
)
def test_tokens_under_32_characters_are_refused_without_being_shown(env, name):
    with pytest.raises(ValueError) as refused:
        Settings.from_env(env)
    assert str(refused.value) == f"{name}: each token must be at least 32 characters"
    assert Settings.from_env({name: "x" * 32})  # 32 is enough


def test_every_setting_has_its_environment_variable_with_the_same_default():
    assert set(VARIABLES) == {setting.name for setting in dataclasses.fields(Settings)}
    assert len(set(VARIABLES.values())) == len(VARIABLES)
    for setting in dataclasses.fields(Settings):
        variable = environment.VARIABLES[VARIABLES[setting.name]]
        assert "frontdoor" in variable.processes, variable.name
        if variable.default is not None:
            assert variable.default == setting.default, variable.name


def test_the_default_session_secret_is_random():
    assert Settings().session_secret != Settings().session_secret


def code_of(sessions: SessionIds, session_id: object) -> str:
    with pytest.raises(ApiError) as raised:
        sessions.conversation(session_id)
    return raised.value.code


def test_session_ids_are_random_and_signed():
    sessions = SessionIds(b"secret")
    first, second = sessions.conversation(None), sessions.conversation(None)
    assert first != second
    issued = sessions.issue(first)
    assert sessions.conversation(issued) == first
    tampered = issued[:-1] + ("A" if issued[-1] != "A" else "B")
    for forged in (tampered, issued + "x", " " + issued, "", first):
        assert code_of(sessions, forged) == "invalid_session"
    assert code_of(SessionIds(b"other"), issued) == "invalid_session"
    assert code_of(sessions, 42) == "invalid_request"


def test_session_ids_carry_their_issue_time_and_expire_with_rasas_sessions():
    now = [1_800_000_000.0]
    sessions = SessionIds(b"secret", clock=lambda: now[0])
    conversation = sessions.conversation(None)
    issued = sessions.issue(conversation)
    assert issued.split(".")[1] == "1800000000"
    now[0] += SESSION_MINUTES * 60
    assert sessions.conversation(issued) == conversation
    now[0] += 1
    assert code_of(sessions, issued) == "session_expired"
    now[0] -= SESSION_MINUTES * 60 + 3600  # an hour before it was issued
    assert code_of(sessions, issued) == "session_expired"
    domain = (ROOT / "domain.yml").read_text()
    assert f"session_expiration_time: {SESSION_MINUTES}\n" in domain


def test_only_the_latest_session_id_of_a_conversation_is_taken():
    now = [1_800_000_000.0]
    sessions = SessionIds(b"secret", clock=lambda: now[0], max_conversations=2)
    a, b, c = "a" * 24, "b" * 24, "c" * 24
    first = sessions.issue(a)
    now[0] += 1
    second = sessions.issue(a)
    assert sessions.conversation(second) == sessions.conversation(second) == a
    assert code_of(sessions, first) == "session_superseded"
    assert SessionIds(b"secret", clock=lambda: now[0]).conversation(first) == a  # a restart
    now[0] += 1
    elsewhere = SessionIds(b"secret", clock=lambda: now[0]).issue(a)  # another front door's
    assert sessions.conversation(elsewhere) == a
    sessions.issue(b)
    sessions.issue(c)  # the third conversation: the oldest, a, is forgotten
    assert list(sessions.latest.values) == [b, c]
    assert sessions.conversation(first) == a
    now[0] += SESSION_MINUTES * 60 + 1
    sessions.issue(a)  # b and c expired: forgotten with their ids
    assert list(sessions.latest.values) == [a]


def test_offered_choices_are_kept_per_conversation_and_forgotten_with_it():
    now = [0.0]
    choices = OfferedChoices(max_conversations=2, clock=lambda: now[0])
    choices.offer("a", ["/one", "/two"])
    choices.offer("a", ["/three"])
    assert all(choices.was_offered("a", p) for p in ("/one", "/two", "/three"))
    assert not choices.was_offered("b", "/one")
    now[0] = SESSION_MINUTES * 60 + 1
    assert not choices.was_offered("a", "/one")
    choices.offer("b", ["/x"])
    choices.offer("c", ["/y"])
    choices.offer("d", ["/z"])
    assert list(choices.offered.values) == ["c", "d"]


def test_recorded_questions_count_once_per_conversation_up_to_three_and_expire_with_it():
    now = [0.0]
    recorded = RecordedQuestions(max_conversations=2, clock=lambda: now[0])
    assert recorded.admit("a", "q1")
    assert not recorded.admit("a", "q1")
    assert recorded.admit("b", "q1")
    assert [recorded.admit("a", q) for q in ("q2", "q3", "q4")] == [True, True, False]
    now[0] = SESSION_MINUTES * 60 + 1
    assert recorded.admit("a", "q1")  # a conversation past its session starts afresh
    recorded.admit("c", "q1")
    recorded.admit("d", "q1")
    assert list(recorded.recorded.values) == ["c", "d"]


@pytest.mark.parametrize(
    "typed, sent",
    [
        ("/restart", "restart"),
        ("  //restart ", "restart"),
        ("/ /x", "x"),
        ("\u200b\u2060/restart", "restart"),
        ("\uff0f\ufe68restart", "\ufe68restart"),
        ("\x00/x", "x"),
        ("a / b", "a / b"),
        ("/", ""),
    ],
)
def test_typed_text_loses_its_leading_slashes(typed, sent):
    assert typed_text(typed) == sent


@settings(max_examples=2000, database=None)
@given(text=st.text())
def test_typed_text_never_starts_with_the_intent_prefix(text):
    typed = typed_text(text)
    assert typed == typed.strip()
    assert not typed.startswith("/")


@pytest.mark.parametrize(
    "host, allowed",
    [
        ("127.0.0.1:8000", True),
        ("127.0.0.1:1234", True),
        ("LOCALHOST:8000", True),
        ("localhost", True),
        ("evil.test:8000", False),
        ("evil.test", False),
        ("127.0.0.1.evil.test:8000", False),
        ("localhost.:8000", False),
        ("127.0.0.1:8000:8000", False),
        ("127.0.0.1:", False),
        ("", False),
        ("[::1]:8000", False),
        ("assistant.example.com:8000", False),
        ("assistant.example.com", False),
    ],
)
def test_allowed_hosts(host, allowed):
    assert host_allowed(host, Settings().hosts) == allowed


def test_allowed_hosts_setting():
    settings = Settings.from_env({"ALLOWED_HOSTS": "Assistant.Example.com, 10.0.0.5:8443"})
    assert settings.hosts == ("assistant.example.com", "10.0.0.5:8443")
    assert host_allowed("assistant.example.com:443", settings.hosts)
    assert host_allowed("10.0.0.5:8443", settings.hosts)
    assert not host_allowed("10.0.0.5:8000", settings.hosts)
    assert not host_allowed("127.0.0.1:8000", settings.hosts)
    assert Settings(host="0.0.0.0", port=9000).hosts == ("0.0.0.0:9000", "127.0.0.1", "localhost")


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


TRACKER_URL = "https://www.internationalsos.com/tracker"
TRACKER_LINE = f"Tracker Privacy Notice: {TRACKER_URL}"
TRACKER_LABEL = "Our privacy page, which links to the Tracker Privacy Notice"  # as the action says
CHOICE = {"title": "Tracker", "payload": "/inform_service"}


@pytest.mark.parametrize(
    "messages, shown",
    [
        ([{"text": f"Answer.\n\n{TRACKER_LINE}"}], [{"text": "Answer."}]),
        ([{"text": "Answer."}, {"text": TRACKER_LINE}], [{"text": "Answer."}]),  # paragraphs
        (
            [{"text": f"Which?\n{TRACKER_LINE}", "buttons": [CHOICE]}],
            [{"text": "Which?", "buttons": [CHOICE]}],
        ),
        ([{"text": "Other: https://x.example"}], [{"text": "Other: https://x.example"}]),
        ([{"text": TRACKER_LINE}], [{"text": ""}]),
        ([{"text": "Answer."}, {"text": f"{TRACKER_LABEL}: {TRACKER_URL}"}], [{"text": "Answer."}]),
    ],
)
def test_the_widget_gets_chat_replies_without_their_notice_lines(messages, shown):
    tracker = {"id": "notice.tracker", "title": "Tracker Privacy Notice", "label": TRACKER_LABEL}
    tracker["url"] = TRACKER_URL
    reply = {"messages": messages, "topic": "retention", "notices": [tracker], "sources": []}
    assert without_link_lines(reply) == {**reply, "messages": shown}


@pytest.mark.parametrize(
    "address, key",
    [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::1", "::/64"),
        ("not an address", "not an address"),
        (None, ""),
    ],
)
def test_failed_token_checks_count_per_ipv4_address_or_ipv6_64_network(address, key):
    assert client_key(address) == key


def test_the_lockout_counts_failures_within_15_minutes_and_lasts_15_minutes():
    now = [0.0]
    lockout = Lockout(clock=lambda: now[0])
    for _ in range(9):
        lockout.failed("a")
    now[0] += 15 * 60  # the nine are too old to count with the next
    lockout.failed("a")
    assert lockout.locked_for("a") == 0
    for _ in range(9):
        lockout.failed("a")
    assert lockout.locked_for("a") == 15 * 60
    assert lockout.locked_for("b") == 0
    now[0] += 15 * 60 - 1
    assert lockout.locked_for("a") == 1
    now[0] += 1
    assert lockout.locked_for("a") == 0
    lockout.failed("a")  # counting starts again
    assert lockout.locked_for("a") == 0


def test_the_lockout_forgets_the_oldest_clients_first():
    now = [0.0]
    lockout = Lockout(max_failures=2, max_clients=2, clock=lambda: now[0])
    for key in ("a", "a", "b", "c"):
        lockout.failed(key)
    assert list(lockout.clients) == ["b", "c"]  # a, locked out, is forgotten when full
    now[0] += 15 * 60
    lockout.failed("d")  # b and c are 15 minutes old: forgotten
    assert list(lockout.clients) == ["d"]
