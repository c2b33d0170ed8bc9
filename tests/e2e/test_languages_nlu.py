"""Issue 23, understanding: questions in the answered languages over Rasa's REST channel get
their topic and set the conversation's `language` slot; English never gets another language;
a language not answered still gets language.unsupported."""

import aiohttp
import pytest

from contract import replies
from evaluation.rest_client import new_sender, send

pytestmark = pytest.mark.asyncio(loop_scope="session")

QUESTIONS = [
    ("fr", "est-ce que vous vendez mes données personnelles ?", "policy.no_sale"),
    ("es", "con quién comparten mis datos personales", "sharing.overview"),
    ("de", "wie lange speichern sie meine daten", "retention"),
    ("pt", "quero apagar todos os meus dados", "rights.requests"),
    ("it", "il mio datore di lavoro può vedere i miei dati medici", "sharing.employers"),
    ("nl", "verkopen jullie mijn gegevens aan andere bedrijven", "policy.no_sale"),
    ("ja", "Trackerのプライバシーポリシーはどこですか", "notice.tracker"),
    ("zh", "你们会出售我的个人数据吗", "policy.no_sale"),
]


async def ask(stack, text: str, sender: str) -> dict:
    """The contract payload of the reply to `text`."""
    async with aiohttp.ClientSession() as session:
        reply = await send(session, stack.webhook, sender, text)
    assert reply.error is None
    payload = replies.payload(reply.messages)
    assert payload is not None, reply.messages
    return payload


async def language_slot(stored_tracker, sender: str) -> str | None:
    return (await stored_tracker(sender))["slots"].get("language")


@pytest.mark.parametrize(("code", "text", "topic"), QUESTIONS, ids=[q[0] for q in QUESTIONS])
async def test_a_question_in_an_answered_language_gets_its_topic_and_language(
    stack, stored_tracker, code, text, topic
):
    sender = new_sender("test")
    assert (await ask(stack, text, sender))["topic"] == topic
    assert await language_slot(stored_tracker, sender) == code


@pytest.mark.parametrize(
    "text", ["ok", "yes", "Tracker", "thx", "data sold?", "pls delte my data", "gdpr rights"]
)
async def test_terse_english_never_gets_another_language(stack, stored_tracker, text):
    sender = new_sender("test")
    await ask(stack, text, sender)
    assert await language_slot(stored_tracker, sender) in (None, "en")


async def test_english_sets_english(stack, stored_tracker):
    sender = new_sender("test")
    assert (await ask(stack, "do you sell my data?", sender))["topic"] == "policy.no_sale"
    assert await language_slot(stored_tracker, sender) == "en"


async def test_a_follow_up_keeps_the_language_and_the_question(stack, stored_tracker):
    sender = new_sender("test")
    assert (await ask(stack, "combien de temps gardez-vous mes données", sender))["topic"] == (
        "retention"
    )
    payload = await ask(stack, "Tracker", sender)
    assert (payload["topic"], payload["notices"]) == ("retention", ["notice.tracker"])
    assert await language_slot(stored_tracker, sender) == "fr"


async def test_a_switch_of_language_switches_the_slot(stack, stored_tracker):
    sender = new_sender("test")
    await ask(stack, "vendez-vous mes données personnelles ?", sender)
    assert await language_slot(stored_tracker, sender) == "fr"
    payload = await ask(stack, "kann mein arbeitgeber meine gesundheitsdaten sehen", sender)
    assert payload["topic"] == "sharing.employers"
    assert await language_slot(stored_tracker, sender) == "de"


async def test_a_language_not_answered_still_gets_language_unsupported(stack, stored_tracker):
    sender = new_sender("test")
    assert (await ask(stack, "제 데이터를 다른 회사와 공유하나요", sender))["topic"] == (
        "language.unsupported"
    )
    assert await language_slot(stored_tracker, sender) == "ko"
