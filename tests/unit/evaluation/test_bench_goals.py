"""The benchmark's goals: an error or an empty reply at any level is a goal missed."""

from evaluation.bench_report import goals


def report(empty_at_64: int = 0, errors_at_8: int = 0) -> dict:
    def level(users: int, errors: int = 0, empty: int = 0) -> dict:
        return {"users": users, "p50_ms": 10, "p95_ms": 500, "msg_per_s": 70,
                "errors": errors, "empty": empty}  # fmt: skip

    return {
        "levels": [level(1), level(8, errors_at_8), level(32), level(64, empty=empty_at_64)],
        "rss_mb": {"before": {"rasa": 800}, "after": {"rasa": 850}},
        "long": {"turn1_ms": 10, "turn50_ms": 11},
        "startup_s": 10,
        "train_s": 60,
    }


def met(ours: dict) -> dict[str, bool | None]:
    return {goal["goal"]: goal["met"] for goal in goals(ours)}


def test_every_goal_is_met_without_errors_or_empty_replies():
    assert all(met(report()).values())


def test_one_empty_reply_or_one_error_at_any_level_misses_the_goal():
    for ours in (report(empty_at_64=1), report(errors_at_8=1)):
        assert met(ours)["no error nor empty reply at any level"] is False
