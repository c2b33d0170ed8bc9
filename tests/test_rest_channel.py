"""The trained assistant over real HTTP: Rasa's REST channel, actions and knowledge base."""

import aiohttp
import pytest

from bot.rest_client import contract, new_sender, send

pytestmark = pytest.mark.asyncio(loop_scope="session")

KB_URL = "https://www.internationalsos.com/"


async def ask(stack, text: str, sender: str | None = None) -> tuple[dict, list[dict]]:
    """The contract payload and the messages of the reply to `text`."""
    async with aiohttp.ClientSession() as session:
        reply = await send(session, stack.webhook, sender or new_sender("test"), text)
    assert reply.error is None
    payload = contract(reply.messages)
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
    assert messages[0]["text"].startswith(
        "If you need help now, please call Subscriber Assistance on +1 215 942 8342"
    )


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
    "text",
    [
        "🙂🙂🙂",
        "<script>alert(1)</script>",
        "'; DROP TABLE notices; --",
        "x" * 5000,
    ],
)
async def test_odd_input_gets_a_reply_with_a_contract_payload(stack, text):
    payload, messages = await ask(stack, text)
    assert payload["topic"] in {"clarify", "out_of_scope"} or payload["topic"].startswith(
        ("policy.", "principle.", "sharing.", "website.", "notice.", "rights.", "retention")
    )
    assert texts(messages).strip()
    assert "<script>" not in texts(messages)


async def test_another_language_is_answered_in_it_with_the_overall_notice(stack):
    payload, messages = await ask(stack, "¿venden ustedes mis datos personales a otras empresas?")
    assert payload == {"topic": "language.unsupported", "notices": ["notice.company"]}
    assert texts(messages).startswith("Lo siento, solo puedo responder en inglés.")
    payload, _ = await ask(stack, "data sold?")
    assert payload["topic"] != "language.unsupported"


async def test_conversations_are_stored_redacted(stack):
    sender = new_sender("test")
    text = "do you sell my data? i am Jane Doe, jane.doe@example.com, +44 20 7946 0958"
    await ask(stack, text, sender)
    url = f"{stack.rasa_url}/conversations/{sender}/tracker"
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, params={"token": stack.rasa_token}) as response,
    ):
        tracker = await response.json()
    stored = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert stored == ["do you sell my data? i am [name], [email], [phone]"]


async def test_no_message_text_reaches_the_logs(stack):
    marker = f"zebra-{new_sender('secret')} do you sell my data"
    await ask(stack, marker)
    async with aiohttp.ClientSession() as session:  # through the front door too
        await session.post(f"{stack.frontdoor_url}/chat", json={"message": marker})
    logs = {log.name: log.read_text() for log in stack.logs.glob("*.log")}
    assert {"actions.log", "rasa.log", "frontdoor.log"} <= set(logs)
    assert [name for name, text in logs.items() if "zebra" in text] == []
