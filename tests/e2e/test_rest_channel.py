"""The trained assistant over real HTTP: Rasa's REST channel, actions and knowledge base."""

import json

import aiohttp
import pytest

from contract import replies
from evaluation.rest_client import new_sender, send
from knowledge import load, read_content
from orchestration.stack import free_ports, running
from orchestration.train import train

pytestmark = pytest.mark.asyncio(loop_scope="session")

KB_URL = "https://www.internationalsos.com/"
KINDS = {topic.id: topic.kind for topic in read_content().topics.values()}


async def ask(stack, text: str, sender: str | None = None) -> tuple[dict, list[dict]]:
    """The contract payload and the messages of the reply to `text`."""
    async with aiohttp.ClientSession() as session:
        reply = await send(session, stack.webhook, sender or new_sender("test"), text)
    assert reply.error is None
    payload = replies.payload(reply.messages)
    assert payload is not None, reply.messages
    return payload, reply.messages


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


async def test_do_you_sell_my_data(stack):
    payload, messages = await ask(stack, "do you sell my data?")
    assert payload == {"topic": "policy.no_sale", "notices": ["notice.company"]}
    assert KB_URL in texts(messages)


async def test_where_is_the_medaire_notice(stack):
    payload, _ = await ask(stack, "where is the MedAire notice")
    assert payload == {"topic": "notice.medaire", "notices": ["notice.medaire"]}


async def test_i_need_a_doctor_now_gets_the_assistance_number_first(stack):
    payload, messages = await ask(stack, "I need a doctor now")
    assert payload["topic"] == "handoff.assistance"
    assert messages[0]["text"].startswith("Subscriber Assistance: +1 215 942 8342.")


async def test_a_client_companys_employee_is_not_sent_to_the_employment_notice(stack):
    text = "I'm an employee of a client company, does my employer see my data?"
    payload, _ = await ask(stack, text)
    assert payload == {"topic": "sharing.employers", "notices": ["notice.company"]}


async def test_the_service_is_remembered_for_a_follow_up(stack):
    sender = new_sender("test")
    first, _ = await ask(stack, "how long do you keep data from the tracker", sender)
    assert first["topic"] == "retention"
    assert first["notices"] == ["notice.tracker"]
    again, _ = await ask(stack, "and what about MedAire?", sender)
    assert again == {"topic": "retention", "notices": ["notice.medaire"]}


@pytest.mark.parametrize(
    ("typed", "service"),
    [
        ("Tracker", "notice.tracker"),
        ("travel ready", "notice.travel_ready"),
        ("the MedAire one", "notice.medaire"),
        ("for the tracker please", "notice.tracker"),
        ("it is the phone app I use", "notice.assistance_app"),
    ],
)
async def test_a_typed_service_answers_the_question_asked_back(stack, typed, service):
    sender = new_sender("test")
    first, messages = await ask(stack, "for how long is personal information stored?", sender)
    assert first == {"topic": "retention", "notices": ["notice.company"]}
    assert "\n\nWhich service is this about? Choose one or type it." in texts(messages)
    second, _ = await ask(stack, typed, sender)
    assert second == {"topic": "retention", "notices": [service]}


async def test_a_new_question_out_of_scope_is_not_taken_for_the_awaited_service(stack):
    sender = new_sender("test")
    first, _ = await ask(stack, "for how long is personal information stored?", sender)
    assert first["topic"] == "retention"
    second, _ = await ask(stack, "ok never mind, how much does a tracker licence cost", sender)
    assert second == {"topic": "out_of_scope", "notices": []}


@pytest.mark.parametrize("follow_up", ["and the Tracker?", "what about the tracker then"])
async def test_a_follow_up_naming_a_service_repeats_the_question_for_it(stack, follow_up):
    sender = new_sender("test")
    first, _ = await ask(stack, "can I ask you to erase what MedAire holds on me?", sender)
    assert first == {"topic": "rights.requests", "notices": ["notice.medaire"]}
    again, _ = await ask(stack, follow_up, sender)
    assert again == {"topic": "rights.requests", "notices": ["notice.tracker"]}


@pytest.mark.parametrize("end", ["", "?"])
async def test_a_described_service_is_recognised_with_or_without_a_question_mark(stack, end):
    """The recogniser once took a final "?" for a sign of no service: most examples that name
    none are questions, most that describe one were not written as such."""
    payload, _ = await ask(stack, f"how long do you keep what my clinic doctor wrote{end}")
    assert payload == {"topic": "retention", "notices": ["notice.medical_clinics"]}


async def test_a_named_service_beats_the_generic_privacy_policy(stack):
    payload, _ = await ask(stack, "show me the privacy policy of Travel Ready")
    assert payload == {"topic": "notice.travel_ready", "notices": ["notice.travel_ready"]}


@pytest.mark.parametrize("template", ["privacy policy for {}", "{} privacy notice"])
@pytest.mark.parametrize("notice", read_content().notices, ids=lambda notice: notice["id"])
async def test_every_service_named_beside_a_generic_phrase_gets_its_own_notice(
    stack, template, notice
):
    """The service as the assistant names it on its choices (an alias, or words the service
    recogniser knows)."""
    payload, _ = await ask(stack, template.format(notice["button"]))
    assert payload == {"topic": notice["id"], "notices": [notice["id"]]}


async def test_a_second_miss_offers_the_company_notice_and_the_assistance_line(stack):
    sender = new_sender("test")
    first, _ = await ask(stack, "/nlu_fallback", sender)
    assert first["topic"] == "clarify" and "notice.company" not in first["candidates"]
    second, messages = await ask(stack, "/nlu_fallback", sender)
    assert second == {"topic": "clarify", "candidates": ["notice.company", "handoff.assistance"]}
    assert "+1 215 942 8342" in texts(messages)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", "chitchat.greet"),
        ("bye", "chitchat.goodbye"),
        ("thanks", "chitchat.thanks"),
        ("are you a bot?", "chitchat.bot_challenge"),
        ("what's the weather", "out_of_scope"),
    ],
)
async def test_small_talk_replies_carry_their_topic_payload(stack, text, expected):
    payload, messages = await ask(stack, text)
    assert payload == {"topic": expected, "notices": []}
    assert texts(messages).strip()


@pytest.mark.parametrize(
    "template",
    [
        "🙂🙂🙂 {}",
        "<script>alert('{}')</script>",
        "'; DROP TABLE notices; -- {}",
        "x" * 5000 + " {}",
    ],
)
async def test_odd_input_is_neither_echoed_nor_stored(stack, stored_tracker, template):
    """A planted e-mail address in odd input: the reply holds none of it, anywhere (text,
    buttons, payload), and the stored conversation holds the turn but none of its text."""
    email = f"{new_sender('zebra')}@example.com"
    sender = new_sender("test")
    payload, messages = await ask(stack, template.format(email), sender)
    assert payload["topic"] == "clarify" or KINDS[payload["topic"]] in {
        "answer",
        "notice",
        "out_of_scope",
    }
    assert texts(messages).strip()
    assert "zebra" not in json.dumps(messages)
    tracker = await stored_tracker(sender)
    assert "zebra" not in json.dumps(tracker)
    (user,) = [e for e in tracker["events"] if e["event"] == "user"]
    assert user["text"] is None and user["parse_data"]["intent"]["name"]


async def test_a_language_not_answered_is_told_so_in_it_with_the_overall_notice(stack):
    payload, messages = await ask(stack, "czy sprzedajecie moje dane osobowe innym firmom?")
    assert payload == {"topic": "language.unsupported", "notices": ["notice.company"]}
    assert texts(messages).startswith("Przepraszam, mogę odpowiadać tylko po angielsku.")
    payload, _ = await ask(stack, "data sold?")
    assert payload["topic"] != "language.unsupported"


async def test_conversations_are_stored_without_what_people_typed(stack, stored_tracker):
    """The in-memory store keeps intents, entities, slots and times: the follow-up still
    works, and no word of either message is kept (Redis: tests/e2e/test_supervision.py)."""
    sender = new_sender("test")
    said = [
        "how long do you keep data from the tracker",
        "i am Jane Doe, jane.doe@example.com, +44 20 7946 0958",
        "and what about MedAire?",
    ]
    replies = [(await ask(stack, text, sender))[0] for text in said]
    assert replies[0]["topic"] == "retention"
    assert replies[2] == {"topic": "retention", "notices": ["notice.medaire"]}
    stored = json.dumps(await stored_tracker(sender))
    # the phone number whole: its digits alone turn up in stored timestamps by chance
    for word in ("Jane", "jane.doe", "7946 0958", "from the tracker", "what about"):
        assert word not in stored


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (29, {"topic": "retention", "notices": ["notice.medaire"]}),
        (31, {"topic": "notice.medaire", "notices": ["notice.medaire"]}),
    ],
)
async def test_a_conversation_silent_for_30_minutes_starts_afresh(
    stack, stored_tracker, minutes, expected
):
    """The follow-up repeats the last question within the session; after 30 minutes of
    silence (the conversation's events made that old) Rasa starts a new session, carrying
    nothing over, so it only names the service."""
    sender = new_sender("test")
    first, _ = await ask(stack, "how long do you keep data from the tracker", sender)
    assert first == {"topic": "retention", "notices": ["notice.tracker"]}
    events = (await stored_tracker(sender))["events"]
    for event in events:
        event["timestamp"] -= minutes * 60
        for entity in event.get("parse_data", {}).get("entities", []):
            if entity.get("confidence") is None:  # spaCy's; Rasa's event schema wants a number
                entity.pop("confidence", None)
    url = f"{stack.rasa_url}/conversations/{sender}/tracker/events"
    async with (
        aiohttp.ClientSession() as session,
        session.put(url, params={"token": stack.rasa_token}, json=events) as response,
    ):
        assert response.status == 200, await response.text()
    again, _ = await ask(stack, "and what about MedAire?", sender)
    assert again == expected


@pytest.fixture
def debug_stack(stack_env, tmp_path):
    """A stack of its own, with Rasa logging at DEBUG: it then logs every message's text."""
    database = f"sqlite:///{tmp_path / 'knowledge.sqlite'}"
    load(database)
    rasa_port, actions_port, frontdoor_port = free_ports(3)
    env = {**stack_env, "DATABASE_URL": database, "LOG_LEVEL": "DEBUG"}
    with running(
        train(),
        rasa_ports=[rasa_port],
        actions_ports=[actions_port],
        frontdoor_port=frontdoor_port,
        log_dir=tmp_path / "logs",
        env=env,
    ) as started:
        yield started


async def test_the_logs_trace_every_message_but_hold_no_text_of_it(debug_stack):
    stack = debug_stack
    question = f"do you sell my data? zebra-{new_sender('secret')}@example.com"
    await ask(stack, question)
    async with aiohttp.ClientSession() as session:  # through the front door too
        await session.post(f"{stack.frontdoor_url}/chat", json={"message": question})
    logs = {log.name: log.read_text() for log in stack.logs.glob("*.log")}
    assert {"actions.log", "rasa.log", "frontdoor.log"} <= set(logs)
    assert logs["rasa.log"].count("processor.message.parse") == 2  # Rasa parsed both
    assert "chat channel=widget topic=policy.no_sale" in logs["frontdoor.log"]
    assert [name for name, text in logs.items() if "zebra" in text] == []


async def test_a_message_sent_again_with_its_id_is_answered_once(stack, stored_tracker):
    """The same message id twice (as the front door resends after an instance died): the same
    reply, one user turn stored; a new id with the same words is a new turn; a malformed id is
    ignored (the message is processed as one without an id)."""
    sender = new_sender("test")

    async def post(text: str, message_id: str) -> list[dict]:
        body = {"sender": sender, "message": text, "metadata": {"message_id": message_id}}
        async with (
            aiohttp.ClientSession() as session,
            session.post(stack.webhook, json=body) as response,
        ):
            assert response.status == 200
            return await response.json()

    def user_turns(tracker: dict) -> list[str]:
        return [e["message_id"] for e in tracker["events"] if e["event"] == "user"]

    first = await post("how long do you keep my data?", "a" * 32)
    again = await post("how long do you keep my data?", "a" * 32)
    assert again == first and replies.payload(first)["topic"] == "retention"
    assert user_turns(await stored_tracker(sender)) == ["a" * 32]
    follow_up = await post("and for MedAire?", "b" * 32)
    assert replies.payload(follow_up) == {"topic": "retention", "notices": ["notice.medaire"]}
    assert await post("how long do you keep my data?", "a" * 32) == first
    await post("and for MedAire?", "not an id")
    turns = user_turns(await stored_tracker(sender))
    assert turns[:2] == ["a" * 32, "b" * 32] and len(turns) == 3 and turns[2] != "not an id"
