"""What each process of the stack gets in its environment (orchestration.stack.environments)."""

from pathlib import Path

import pytest

from bot.supervised import KEY_VARIABLE
from contract.environment import VARIABLES
from orchestration import stack
from orchestration.rasa_endpoints import REDIS_PASSWORD
from orchestration.stack import CHILD_ENV, CHILDREN, SETTING_VARIABLES, environments

RASA_URLS, ACTIONS_URLS = (
    ["http://127.0.0.1:5105", "http://127.0.0.1:5106"],
    ["http://127.0.0.1:5155"],
)
SECRETS = tuple(name for name, variable in VARIABLES.items() if variable.secret)
APP_TOKEN = "app-token-of-32-characters-at-least"


def children(env=None, frontdoor_port=8100):
    envs = environments(env or {}, RASA_URLS, ACTIONS_URLS, frontdoor_port)
    assert envs.frontdoor is not None
    return envs, {"actions": envs.actions, "rasa": envs.rasa, "frontdoor": envs.frontdoor}


@pytest.mark.parametrize("unrelated", ["AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "OPENAI_API_KEY"])
def test_an_unrelated_variable_of_the_callers_environment_reaches_no_child(monkeypatch, unrelated):
    monkeypatch.setenv(unrelated, "do-not-leak")
    monkeypatch.setenv("CORS_ORIGINS", "https://app.example")
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
    for name, env in children()[1].items():
        assert unrelated not in env, name
        assert "do-not-leak" not in env.values(), name
        assert env["CORS_ORIGINS"] == "https://app.example", name
        assert env["PATH"] == "/usr/local/bin:/usr/bin:/bin", name


def test_the_assistants_settings_and_the_server_variables_reach_every_child(monkeypatch):
    monkeypatch.setenv("GAP_RETENTION_DAYS", "30")
    monkeypatch.setenv("ACTION_TIMEOUT", "1.5")
    monkeypatch.setenv("HOME", "/home/assistant")
    for name, env in children()[1].items():
        assert env["GAP_RETENTION_DAYS"] == "30", name
        assert (env["ACTION_TIMEOUT"], env["HOME"]) == ("1.5", "/home/assistant"), name
        assert env.items() >= CHILD_ENV.items(), name


def test_each_child_gets_only_the_secrets_it_needs(monkeypatch):
    monkeypatch.setenv("RASA_TOKEN", "rasa-token")
    monkeypatch.setenv("ACTION_SERVER_SECRET", "actions-secret")
    monkeypatch.setenv("SESSION_SECRET", "session-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://kb:kb-password@db/kb")
    monkeypatch.setenv("APP_API_TOKENS", APP_TOKEN)
    redis = {"REDIS_URL": "redis://:redis-password@127.0.0.1:6379/0", "REDIS_KEY_PREFIX": "t1"}
    envs, env = children(redis)
    given = {
        "RASA_TOKEN": "rasa-token",
        "ACTION_SERVER_SECRET": "actions-secret",
        "SESSION_SECRET": "session-secret",
        "REDIS_PASSWORD": "redis-password",
        "DATABASE_URL": "postgresql://kb:kb-password@db/kb",
        "APP_API_TOKENS": APP_TOKEN,
    }
    needs = {
        "actions": {"ACTION_SERVER_SECRET", "DATABASE_URL"},
        "rasa": {"ACTION_SERVER_SECRET", "RASA_TOKEN", "REDIS_PASSWORD"},
        "frontdoor": {"RASA_TOKEN", "SESSION_SECRET", "DATABASE_URL", "APP_API_TOKENS"},
    }
    for name, secrets in needs.items():
        assert {s: env[name][s] for s in SECRETS if s in env[name]} == {
            s: given[s] for s in secrets
        }
        assert "REDIS_URL" not in env[name] and "REDIS_KEY_PREFIX" not in env[name], name
    assert (envs.rasa_token, envs.actions_secret) == ("rasa-token", "actions-secret")
    assert (envs.redis_url, envs.key_prefix) == (redis["REDIS_URL"], "t1")


def test_without_given_secrets_each_run_has_new_random_ones(monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    (first, env), (second, _) = children(), children()
    assert len(first.rasa_token) >= 32 and first.rasa_token != second.rasa_token
    assert env["rasa"]["RASA_TOKEN"] == env["frontdoor"]["RASA_TOKEN"] == first.rasa_token
    assert env["rasa"]["ACTION_SERVER_SECRET"] == env["actions"]["ACTION_SERVER_SECRET"]
    assert env["actions"]["ACTION_SERVER_SECRET"] == first.actions_secret
    assert "REDIS_PASSWORD" not in env["rasa"]


def test_env_adds_and_overrides_but_not_the_server_variables(monkeypatch):
    monkeypatch.setenv("ACTION_TIMEOUT", "1")
    env = {"ACTION_TIMEOUT": "1.5", "EXTRA": "1", "SANIC_HOST": "0.0.0.0"}
    for name, child in children(env)[1].items():
        assert child["ACTION_TIMEOUT"] == "1.5", name
        assert child["EXTRA"] == "1", name
        assert child["SANIC_HOST"] == "127.0.0.1", name


def test_the_front_door_is_told_where_rasa_and_the_action_servers_are(monkeypatch):
    monkeypatch.setenv("RASA_URL", "http://elsewhere:5005")
    monkeypatch.setenv("FRONTDOOR_PORT", "9999")
    frontdoor = children()[1]["frontdoor"]
    assert frontdoor["RASA_URL"] == ",".join(RASA_URLS)
    assert frontdoor["ACTIONS_URL"] == ACTIONS_URLS[0]
    assert frontdoor["FRONTDOOR_PORT"] == "8100"
    assert environments({}, RASA_URLS, ACTIONS_URLS, None).frontdoor is None


def test_rasa_keeps_a_dead_instances_lock_5_s_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("TICKET_LOCK_LIFETIME", raising=False)
    assert children()[1]["rasa"]["TICKET_LOCK_LIFETIME"] == "5"
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "20")
    assert children()[1]["rasa"]["TICKET_LOCK_LIFETIME"] == "20"


def test_the_benchmarks_starter_bot_gets_the_same_of_the_callers_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    given = {}
    monkeypatch.setattr(stack, "start", lambda command, log, env, cwd: given.update(env))
    monkeypatch.setattr(stack, "stop", lambda process: None)
    with stack.process(["rasa", "run"], tmp_path / "rasa.log", {"EXTRA": "1"}):
        pass
    assert "AWS_SECRET_ACCESS_KEY" not in given
    assert given.items() >= {"PATH": "/usr/bin:/bin", "EXTRA": "1", **CHILD_ENV}.items()


def test_every_variable_the_children_read_is_passed_on_or_set():
    for name, variable in VARIABLES.items():
        if variable.processes & CHILDREN:
            set_by_the_stack = {*CHILD_ENV, KEY_VARIABLE, REDIS_PASSWORD}  # the key at each start
            assert name in SETTING_VARIABLES or name in set_by_the_stack, name
            assert variable.internal == (name in set_by_the_stack), name


@pytest.mark.parametrize("env", [{"AGENT_TOKEN": "short"}, {"APP_API_TOKENS": f"{APP_TOKEN},x"}])
def test_a_front_door_setting_it_would_refuse_stops_the_stack_before_it_starts(env):
    with (
        pytest.raises(ValueError, match="at least 32 characters") as refused,
        stack.running(Path("no-model"), env=env),
    ):
        pytest.fail("started")
    assert "short" not in str(refused.value)
