"""Property-based hostile input through Rasa's REST channel, on the running stack.

Random text in any script, binary-ish bytes, bad Unicode, markup, SQL and slash commands,
each with a planted e-mail, name or number, from a sender id with a name: every message gets a
normal reply (200, text and a contract payload), and afterwards no planted value is in any
log of the stack.
"""

import json
import urllib.error
import urllib.request

from hypothesis import given, settings
from hypothesis import strategies as st

from contract import replies

PLANTED = ("zorblax.planted@example.com", "Ignatius Quarrelsome", "+1 555 0199 4321")
INTENTS = ("ask_notice", "inform_service", "language_unsupported", "nlu_fallback", "restart")
MARKUP = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}${7*7}",
    "[x](javascript:alert(1))",
    "<!--",
    "]]>",
)
SQL = ("'; DROP TABLE notices; --", '" OR 1=1 --', "UNION SELECT text FROM gap_question")
MAX_EXAMPLES = 150

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
commands = st.builds(
    lambda intent, body: f"/{intent}{body}",
    st.sampled_from(INTENTS) | st.from_regex(r"[a-z_]{0,12}", fullmatch=True),
    st.just("") | json_values.map(json.dumps) | st.text(max_size=20),
)
fragments = st.one_of(
    st.text(max_size=80),
    st.text(st.characters(exclude_categories=()), max_size=40),  # any code point at all
    st.text(st.characters(categories=["Cs", "Cc", "Cf", "Zl", "Zp"]), max_size=20),
    st.binary(max_size=60).map(lambda raw: raw.decode("utf-8", "surrogateescape")),
    st.sampled_from(MARKUP + SQL),
    commands,
)


@st.composite
def hostile_messages(draw) -> str:
    """A few fragments, with a planted value at a random place."""
    text = "".join(draw(st.lists(fragments, min_size=1, max_size=3)))
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.sampled_from(PLANTED)) + text[at:]


def ask(webhook: str, sender: str, text: str) -> tuple[int, list]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(webhook, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, []


def test_hostile_messages_get_normal_replies_and_leave_no_planted_value_in_a_log(stack):
    """Every message gets a normal reply; then every log of the stack is searched for every
    planted value (in one test, so that the search always follows the messages)."""
    tried: list[str] = []

    @settings(max_examples=MAX_EXAMPLES, database=None)
    @given(text=hostile_messages(), sender=st.text(max_size=30))
    def gets_a_normal_reply(text, sender):
        tried.append(text)
        status, messages = ask(stack.webhook, f"{PLANTED[1]} {sender}", text)
        normal = (
            status == 200
            and replies.payload(messages) is not None
            and any(isinstance(m, dict) and str(m.get("text", "")).strip() for m in messages)
        )
        assert normal, (status, messages)

    gets_a_normal_reply()
    logs = {log.name: log.read_bytes() for log in stack.logs.glob("*.log")}
    leaks = [
        (name, value) for name, text in logs.items() for value in PLANTED if value.encode() in text
    ]
    print(f"\nhostile suite: {len(tried)} inputs, {len(leaks)} leaks")
    assert len(tried) >= MAX_EXAMPLES
    assert leaks == []
