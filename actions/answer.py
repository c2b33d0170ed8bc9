"""The two custom actions: answer from the knowledge base, or ask the user to choose.

Every reply carries the contract's payload (contract/, topics from knowledge/topics.yml):
`{"topic", "notices"}` for an answer, `{"topic": "clarify", "candidates"}` when unsure.
Both actions are given the knowledge base's catalogue; built without one, as the action server
builds them, they answer with its live catalogue (knowledge.live), read at its start and again
after each load.
"""

import json
from abc import ABC, abstractmethod
from functools import cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from contract import routing
from contract.topics import (
    CLARIFY,
    COMPANY_NOTICE,
    HANDOFF,
    NLU_FALLBACK,
    OUT_OF_SCOPE,
    Kind,
)
from knowledge import Answer, Catalog, Notice
from knowledge.live import LiveCatalog

PENDING = "pending_topic"  # the question waiting for "which service?" to be answered

Events = list[dict[str, Any]]


@cache
def live_catalog() -> LiveCatalog:
    """The knowledge base ($DATABASE_URL) of this action-server process, which follows its
    loads (bot/action_server.py)."""
    return LiveCatalog()


class CatalogAction(Action, ABC):
    """An action answering from the catalogue it was given, else from the live one. The live
    one changes on the event loop only, and run() never awaits: one run sees one catalogue.
    (Abstract, so that the action server registers its subclasses only.)"""

    def __init__(self, catalog: Catalog | None = None):
        self.given = catalog

    @abstractmethod
    def name(self) -> str: ...

    @property
    def catalog(self) -> Catalog:
        return self.given if self.given is not None else live_catalog().catalog


def service_in(catalog: Catalog, tracker: Tracker) -> Notice | None:
    """The notice named in the latest message, if any (Catalog.named)."""
    return catalog.named(tracker.get_latest_entity_values("service"))


def typed(tracker: Tracker) -> str:
    """The latest message's text (read in this turn, never kept)."""
    return str(tracker.latest_message.get("text") or "")


def notice_button(notice: Notice, intent: str) -> dict[str, str]:
    payload = json.dumps({"service": notice.id})
    return {"title": notice.button, "payload": f"/{intent}{payload}"}


def topic_button(catalog: Catalog, topic: str) -> dict[str, str]:
    """A button that asks the question of `topic` again, as if the user had typed it."""
    is_notice = catalog.kind(topic) == Kind.NOTICE
    intent = routing.intent_for(topic, topic if is_notice else None)
    assert intent, f"no intent asks for {topic}"  # tests/unit/contract/test_routing.py
    if is_notice:
        return notice_button(catalog.notices[topic], intent)
    return {"title": catalog.button(topic), "payload": f"/{intent}"}


def reply(
    dispatcher: CollectingDispatcher,
    answer: Answer,
    notices: tuple[Notice, ...],
    ask: str = "",
    **kw: Any,
) -> None:
    """The answer, its notices' links, then `ask` (a question back), in one message."""
    links = "".join(f"\n{n.label}: {n.url}" for n in notices)
    dispatcher.utter_message(
        text=answer.text + ("\n" + links if links else "") + ("\n\n" + ask if ask else ""),
        json_message={"topic": answer.topic, "notices": [n.id for n in notices]},
        **kw,
    )


class ActionAnswer(CatalogAction):
    """Answers the question's topic, linking the notice of the named or remembered service."""

    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        intent = tracker.latest_message["intent"].get("name")
        named = service_in(self.catalog, tracker)
        pending = tracker.get_slot(PENDING)
        if intent == OUT_OF_SCOPE and not (named and pending):
            dispatcher.utter_message(response="utter_out_of_scope")
            return [SlotSet(PENDING, None)]
        remembered = tracker.get_slot("service")
        service = named or (self.catalog.notice(remembered) if remembered else None)
        last = pending or tracker.get_slot("last_topic")
        topic = self.topic(intent, named, service, last, typed(tracker), bool(pending))
        if topic is None:
            return ActionClarify(self.catalog).clarify(dispatcher, tracker)
        if self.catalog.kind(topic) == Kind.LANGUAGE:
            return self.other_language(dispatcher, tracker, topic)
        answer = self.catalog.answers[topic]
        asks_service = answer.service == "ask" and not service
        events = [
            SlotSet("last_topic", topic),
            SlotSet("misses", 0),
            SlotSet(PENDING, topic if asks_service else None),
        ]
        if service:
            events.append(SlotSet("service", service.id))
        if asks_service:
            buttons = [notice_button(n, "inform_service") for n in self.catalog.notices.values()]
            reply(dispatcher, answer, answer.notices, buttons=buttons, ask=routing.ASK_SERVICE)
        else:
            reply(dispatcher, answer, answer.notices_for(service))
        return events

    def other_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, topic: str
    ) -> Events:
        """Says, in the person's language, that it answers in English; links the overall notice."""
        language = next(tracker.get_latest_entity_values("language"), None)
        company = self.catalog.notices[COMPANY_NOTICE]
        dispatcher.utter_message(
            text=f"{self.catalog.language_reply(language)}\n{company.label}: {company.url}",
            json_message={"topic": topic, "notices": [company.id]},
        )
        return [SlotSet("misses", 0)]

    def topic(
        self,
        intent: str | None,
        named: Notice | None,
        service: Notice | None,
        last: str | None,
        text: str,
        awaited: bool,
    ) -> str | None:
        """The topic to answer, or None when the message names no usable question.

        A message that names a service without asking a question of its own (a follow-up,
        "and for the Tracker?", a typed answer to "which service?", whatever the NLU made of
        it; routing.names_a_service_only) repeats the last question that depends on the
        service, for that one; after any other answer it gives that service's notice, unless
        the NLU could not place it (then it asks, as for any unclear question). Urgent help
        is never taken for one.
        """
        urgent = routing.topic_for(intent) == HANDOFF
        if named and not urgent and routing.names_a_service_only(intent, text, awaited):
            previous = self.catalog.answers.get(last) if last else None
            if previous and previous.service and self.catalog.kind(previous.topic) != Kind.NOTICE:
                return previous.topic
            return None if intent == NLU_FALLBACK else named.id
        if intent == routing.FOLLOW_UP:
            return None
        return routing.topic_for(intent, service.id if service else None)


class ActionClarify(CatalogAction):
    """Offers the best candidate topics; the last miss (routing.yml) offers the company notice
    and the Subscriber Assistance line."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        return self.clarify(dispatcher, tracker)

    def clarify(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        settings = routing.CLARIFY
        misses = (tracker.get_slot("misses") or 0) + 1
        if misses >= settings.misses:
            candidates = [COMPANY_NOTICE, HANDOFF]
            text = settings.again.format(handoff=self.catalog.answers[HANDOFF].text)
            more = []
        else:
            candidates = self.candidates(tracker)
            text = settings.ask
            more = [{"title": settings.something_else, "payload": f"/{NLU_FALLBACK}"}]
        dispatcher.utter_message(
            text=text,
            buttons=[topic_button(self.catalog, t) for t in candidates] + more,
            json_message={"topic": CLARIFY, "candidates": candidates},
        )
        return [SlotSet("misses", misses)]

    def candidates(self, tracker: Tracker) -> list[str]:
        """The best distinct answer topics among the NLU's ranked intents."""
        named = service_in(self.catalog, tracker)
        ranking = tracker.latest_message.get("intent_ranking", [])
        return [topic for topic, _ in routing.ranked_topics(ranking, named.id if named else None)]
