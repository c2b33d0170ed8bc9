"""The custom actions: answer from the knowledge base, ask the user to choose, or answer small
talk and out of scope (contract/routing.yml's replies).

Every reply carries the contract's payload (contract/, topics from knowledge/topics.yml):
`{"topic", "notices"}` for an answer, `{"topic": "clarify", "candidates"}` when unsure.
A reply in the conversation's language (the `language` slot, when the knowledge base has
its translations) adds `"language"`, `"translated"` (false: the English under a preface, the
translation being stale or missing) and `"text_en"`, the same reply in English.
The actions are given the knowledge base's catalogue; built without one, as the action server
builds them, they answer with its live catalogue (knowledge.live), read at its start and again
after each load.
"""

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
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
from knowledge.loader import FALLBACK_LANGUAGE
from knowledge.translation import (
    ASK_SERVICE,
    CLARIFY_AGAIN,
    CLARIFY_ASK,
    CLARIFY_SOMETHING_ELSE,
    answer_key,
    button_key,
    label_key,
    reply_key,
)

PENDING = "pending_topic"  # the question waiting for "which service?" to be answered
LANGUAGE = "language"  # the conversation's language, from the NLU's `language` entity

Events = list[dict[str, Any]]
Compose = Callable[[str], tuple[str, bool]]  # language -> (text, translated)


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


def language_of(catalog: Catalog, tracker: Tracker) -> str:
    """The language to answer in: the conversation's if there are translations into it, else
    English."""
    return catalog.reply_language(tracker.get_slot(LANGUAGE))


def send(
    dispatcher: CollectingDispatcher,
    language: str,
    compose: Compose,
    payload: dict[str, Any],
    **kw: Any,
) -> None:
    """One message of `compose(language)`; in another language than English, its payload
    says which, whether it is translated, and the English (`text_en`)."""
    text, translated = compose(language)
    if language != FALLBACK_LANGUAGE:
        english, _ = compose(FALLBACK_LANGUAGE)
        payload = payload | {"language": language, "translated": translated, "text_en": english}
    dispatcher.utter_message(text=text, json_message=payload, **kw)


def respond(dispatcher: CollectingDispatcher, catalog: Catalog, topic: str, language: str) -> None:
    """The reply of routing.yml to small talk or out of scope (`topic`), in `language`."""

    def compose(lang: str) -> tuple[str, bool]:
        return catalog.say(lang, reply_key(topic), routing.REPLIES[topic])

    send(dispatcher, language, compose, {"topic": topic, "notices": []})


def notice_button(notice: Notice, intent: str) -> dict[str, str]:
    payload = json.dumps({"service": notice.id})
    return {"title": notice.button, "payload": f"/{intent}{payload}"}


def topic_button(catalog: Catalog, topic: str, language: str) -> dict[str, str]:
    """A button that asks the question of `topic` again, as if the user had typed it."""
    is_notice = catalog.kind(topic) == Kind.NOTICE
    intent = routing.intent_for(topic, topic if is_notice else None)
    assert intent, f"no intent asks for {topic}"  # tests/unit/contract/test_routing.py
    if is_notice:
        return notice_button(catalog.notices[topic], intent)
    title = catalog.phrase(language, button_key(topic), catalog.button(topic))
    return {"title": title, "payload": f"/{intent}"}


def reply(
    dispatcher: CollectingDispatcher,
    catalog: Catalog,
    language: str,
    answer: Answer,
    notices: tuple[Notice, ...],
    asks_service: bool = False,
    **kw: Any,
) -> None:
    """The answer, its notices' links, then "which service?" if `asks_service`, in one
    message in `language`."""

    def compose(language: str) -> tuple[str, bool]:
        text, translated = catalog.say(language, answer_key(answer.topic), answer.text)
        links = "".join(
            f"\n{catalog.phrase(language, label_key(n.id), n.label)}: {n.url}" for n in notices
        )
        ask = catalog.phrase(language, ASK_SERVICE, routing.ASK_SERVICE) if asks_service else ""
        return text + ("\n" + links if links else "") + ("\n\n" + ask if ask else ""), translated

    payload = {"topic": answer.topic, "notices": [n.id for n in notices]}
    send(dispatcher, language, compose, payload, **kw)


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
        language = language_of(self.catalog, tracker)
        text = typed(tracker)
        awaited = bool(pending)
        if intent == OUT_OF_SCOPE and not (
            named and routing.names_a_service_only(intent, text, awaited)
        ):
            respond(dispatcher, self.catalog, OUT_OF_SCOPE, language)
            return [SlotSet(PENDING, None)]
        remembered = tracker.get_slot("service")
        service = named or (self.catalog.notice(remembered) if remembered else None)
        last = pending or tracker.get_slot("last_topic")
        topic = self.topic(intent, named, service, last, text, awaited)
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
            reply(dispatcher, self.catalog, language, answer, answer.notices, True, buttons=buttons)
        else:
            reply(dispatcher, self.catalog, language, answer, answer.notices_for(service))
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
        language = language_of(self.catalog, tracker)
        talk = routing.small_talk(tracker.latest_message.get("intent_ranking", []))
        if talk:  # unsure only which small talk: answered as ActionRespond answers it
            respond(dispatcher, self.catalog, routing.RESPONSES[talk], language)
            return []
        misses = (tracker.get_slot("misses") or 0) + 1
        compose: Compose
        if misses >= settings.misses:
            candidates = [COMPANY_NOTICE, HANDOFF]
            compose = self.again
            more = []
        else:
            candidates = self.candidates(tracker)

            def compose(lang: str) -> tuple[str, bool]:
                return self.catalog.say(lang, CLARIFY_ASK, settings.ask)

            title = self.catalog.phrase(language, CLARIFY_SOMETHING_ELSE, settings.something_else)
            more = [{"title": title, "payload": f"/{NLU_FALLBACK}"}]
        send(
            dispatcher,
            language,
            compose,
            {"topic": CLARIFY, "candidates": candidates},
            buttons=[topic_button(self.catalog, t, language) for t in candidates] + more,
        )
        return [SlotSet("misses", misses)]

    def again(self, language: str) -> tuple[str, bool]:
        """The last miss's text in `language`, with the answer of handoff.assistance."""
        text, translated = self.catalog.say(language, CLARIFY_AGAIN, routing.CLARIFY.again)
        handoff = self.catalog.answers[HANDOFF].text
        if translated:
            handoff = self.catalog.phrase(language, answer_key(HANDOFF), handoff)
        return text.format(handoff=handoff), translated

    def candidates(self, tracker: Tracker) -> list[str]:
        """The best distinct answer topics among the NLU's ranked intents."""
        named = service_in(self.catalog, tracker)
        ranking = tracker.latest_message.get("intent_ranking", [])
        return [topic for topic, _ in routing.ranked_topics(ranking, named.id if named else None)]


class ActionRespond(CatalogAction):
    """Answers small talk and out of scope (routing.yml `responses` and `replies`) in the
    conversation's language."""

    def name(self) -> str:
        return "action_respond"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        intent = tracker.latest_message["intent"].get("name") or ""
        topic = routing.RESPONSES.get(intent, OUT_OF_SCOPE)
        respond(dispatcher, self.catalog, topic, language_of(self.catalog, tracker))
        return []
