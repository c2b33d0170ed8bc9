"""Notice look-up by id and alias, and the normalisation it relies on."""

import pytest

from knowledge import KnowledgeStore, Notice, normalize


@pytest.fixture
def store(loaded_url):
    with KnowledgeStore(loaded_url) as store:
        yield store


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  The App! ", "the app"),
        ("E-Learning", "e learning"),
        ("e learning", "e learning"),
        ("Manager's   View?", "manager s view"),
        ("In-flight\tsupport.", "in flight support"),
        ("notice.medaire", "notice medaire"),
        ("ＭｅｄＡｉｒｅ", "medaire"),
        ("--", ""),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_every_alias_finds_its_notice(store, content):
    expected = {
        alias: notice["id"]
        for notice in content["notices"]["notices"]
        for alias in notice["aliases"]
    }
    assert store.aliases() == expected
    for alias, notice_id in expected.items():
        for variant in (alias, alias.upper(), f"  {alias.title()}!? ", alias.replace(" ", " - ")):
            found = store.notice(variant)
            assert found is not None and found.id == notice_id, variant


@pytest.mark.parametrize(
    ("key", "notice_id"),
    [
        ("MedAire", "notice.medaire"),
        ("the App!", "notice.assistance_app"),
        ("e-learning", "notice.digital_learning"),
        ("E LEARNING", "notice.digital_learning"),
        ("elearning", "notice.digital_learning"),
        ("TRICARE", "notice.government_services"),
        ("Manager’s View", "notice.manager_view"),
        ("notice.medfit", "notice.medfit"),
        (" Notice.MedFit ", "notice.medfit"),
    ],
)
def test_notice_by_key(store, key, notice_id):
    assert store.notice(key).id == notice_id


@pytest.mark.parametrize("key", ["", "   ", "!!!", "privacy", "notice.nope", "medair"])
def test_unknown_keys_find_nothing(store, key):
    assert store.notice(key) is None


def test_notice_carries_its_aliases(store):
    notice = store.notice("yacht")
    assert isinstance(notice, Notice)
    assert notice.id == "notice.medaire"
    assert notice.title == "MedAire Privacy Notice"
    assert notice.aliases[:2] == ("medaire", "med aire")
    assert store.answer("notice.medaire").notices == (notice,)


def test_answer_notices_keep_their_order(store):
    answer = store.answer("sharing.providers")
    assert [n.id for n in answer.notices] == [
        "notice.company",
        "notice.medical_security_assistance",
    ]
    assert answer.notices[1] == store.notice("assistance centre")
