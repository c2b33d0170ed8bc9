"""The two custom actions: answer from the knowledge base, or ask the user to choose.

Every reply carries the contract payload of knowledge/topics.yml:
`{"topic", "notices"}` for an answer, `{"topic": "clarify", "candidates"}` when unsure.
"""

import difflib
import json
from functools import cache, lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import routing
from knowledge import Answer, KnowledgeStore, Notice, normalize

COMPANY_NOTICE = "notice.company"
HANDOFF = "handoff.assistance"
LANGUAGE_TOPIC = "language.unsupported"


@lru_cache(maxsize=1)
def store() -> KnowledgeStore:
    """The knowledge store, opened once per action-server process."""
    return KnowledgeStore()


@cache
def answer_for(topic: str) -> Answer | None:
    """Answers change only when the knowledge base is reloaded, which restarts the server."""
    return store().answer(topic)


@lru_cache(maxsize=1024)
def notice_for(text: str) -> Notice | None:
    """A notice by id or alias; a close misspelling of an alias ("medair") still finds it."""
    found = store().notice(text)
    if found:
        return found
    close = difflib.get_close_matches(normalize(text), _normalized_aliases(), n=1, cutoff=0.85)
    return store().notice(close[0]) if close else None


@lru_cache(maxsize=1)
def _normalized_aliases() -> list[str]:
    return [normalize(alias) for alias in store().aliases()]


def service_in(tracker: Tracker) -> Notice | None:
    """The notice named in the latest message, if any."""
    for value in tracker.get_latest_entity_values("service"):
        notice = notice_for(str(value))
        if notice:
            return notice
    return None


def notice_button(notice: Notice, intent: str) -> dict[str, str]:
    payload = json.dumps({"service": notice.id})
    return {"title": notice.title.removesuffix(" Privacy Notice"), "payload": f"/{intent}{payload}"}


def topic_button(topic: str) -> dict[str, str]:
    """A button that asks the question of `topic` again, as if the user had typed it."""
    description = store().topics()[topic]
    if topic.startswith("notice."):
        return notice_button(notice_for(topic), routing.intent_for(topic, topic))
    if topic == HANDOFF:  # the page's name for the line, promising no person
        description = "Subscriber Assistance line"
    return {
        "title": description[:1].upper() + description[1:],
        "payload": f"/{routing.intent_for(topic)}",
    }


def reply(dispatcher: CollectingDispatcher, answer: Answer, notices: tuple[Notice, ...], **kw: Any):
    links = "".join(f"\n{n.label}: {n.url}" for n in notices)
    dispatcher.utter_message(
        text=answer.text + ("\n" + links if links else ""),
        json_message={"topic": answer.topic, "notices": [n.id for n in notices]},
        **kw,
    )


class ActionAnswer(Action):
    """Answers the question's topic, linking the notice of the named or remembered service."""

    def name(self) -> str:
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict):
        intent = tracker.latest_message["intent"].get("name")
        named = service_in(tracker)
        remembered = tracker.get_slot("service")
        service = named or (notice_for(remembered) if remembered else None)
        topic = self.topic(intent, named, service, tracker.get_slot("last_topic"))
        if topic is None:
            return ActionClarify().clarify(dispatcher, tracker)
        if topic == LANGUAGE_TOPIC:
            return self.other_language(dispatcher, tracker)
        answer = answer_for(topic)
        events = [SlotSet("last_topic", topic), SlotSet("misses", 0)]
        if service:
            events.append(SlotSet("service", service.id))
        if answer.service == "ask" and not service:
            buttons = [notice_button(n, "inform_service") for n in store().notices()]
            reply(dispatcher, answer, answer.notices, buttons=buttons)
        else:
            reply(dispatcher, answer, answer.notices_for(service))
        return events

    @staticmethod
    def other_language(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        """Says, in the person's language, that it answers in English; links the overall notice."""
        language = next(tracker.get_latest_entity_values("language"), None)
        company = notice_for(COMPANY_NOTICE)
        dispatcher.utter_message(
            text=f"{store().language_reply(language)}\n{company.label}: {company.url}",
            json_message={"topic": LANGUAGE_TOPIC, "notices": [company.id]},
        )
        return [SlotSet("misses", 0)]

    @staticmethod
    def topic(intent: str, named: Notice | None, service: Notice | None, last: str | None):
        """The topic to answer, or None when the message names no usable question."""
        if intent == routing.FOLLOW_UP:
            if named and last and answer_for(last).service and not last.startswith("notice."):
                return last
            return routing.topic_for(intent, named.id if named else None)
        return routing.topic_for(intent, service.id if service else None)


class ActionClarify(Action):
    """Offers the best candidate topics; a second miss offers the company notice and the
    Subscriber Assistance line."""

    def name(self) -> str:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict):
        return self.clarify(dispatcher, tracker)

    def clarify(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        misses = (tracker.get_slot("misses") or 0) + 1
        if misses >= 2:
            candidates = [COMPANY_NOTICE, HANDOFF]
            text = (
                "Sorry, I still couldn't work out what you need. You can read our overall "
                "privacy notice. " + answer_for(HANDOFF).text
            )
        else:
            candidates = self.candidates(tracker)
            text = "I'm not sure I understood. Did you mean one of these?"
        buttons = [topic_button(t) for t in candidates]
        if misses < 2:
            buttons.append({"title": "Something else", "payload": "/nlu_fallback"})
        dispatcher.utter_message(
            text=text,
            buttons=buttons,
            json_message={"topic": "clarify", "candidates": candidates},
        )
        return [SlotSet("misses", misses)]

    @staticmethod
    def candidates(tracker: Tracker) -> list[str]:
        """The best distinct answer topics among the NLU's ranked intents."""
        named = service_in(tracker)
        ranking = tracker.latest_message.get("intent_ranking", [])
        return [topic for topic, _ in routing.ranked_topics(ranking, named.id if named else None)]
