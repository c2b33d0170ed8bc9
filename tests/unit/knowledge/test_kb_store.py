"""The catalogue read from the store: notice look-up by id and alias, the normalisation it
relies on, answers' notices, replies in other languages."""

import pytest

from knowledge import Catalog, KnowledgeStore, Notice, normalize


@pytest.fixture
def catalog(loaded_url):
    return Catalog.read(loaded_url)


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


def test_every_alias_finds_its_notice(loaded_url, catalog, content):
    expected = {
        alias: notice["id"]
        for notice in content["notices"]["notices"]
        for alias in notice["aliases"]
    }
    with KnowledgeStore(loaded_url) as store:
        assert store.aliases() == expected
    for alias, notice_id in expected.items():
        for variant in (alias, alias.upper(), f"  {alias.title()}!? ", alias.replace(" ", " - ")):
            found = catalog.notice(variant)
            assert found is not None and found.id == notice_id, variant


@pytest.mark.parametrize(
    ("key", "notice_id"),
    [
        ("MedAire", "notice.medaire"),
        ("Mobile App!", "notice.assistance_app"),
        ("e-learning", "notice.digital_learning"),
        ("E LEARNING", "notice.digital_learning"),
        ("elearning", "notice.digital_learning"),
        ("TRICARE", "notice.government_services"),
        ("Manager’s View", "notice.manager_view"),
        ("notice.medfit", "notice.medfit"),
        (" Notice.MedFit ", "notice.medfit"),
    ],
)
def test_notice_by_key(catalog, key, notice_id):
    assert catalog.notice(key).id == notice_id


@pytest.mark.parametrize("key", ["", "   ", "!!!", "privacy", "notice.nope", "medair"])
def test_unknown_keys_find_nothing(catalog, key):
    assert catalog.notice(key) is None


def test_notice_carries_its_aliases(catalog):
    notice = catalog.notice("yacht")
    assert isinstance(notice, Notice)
    assert notice.id == "notice.medaire"
    assert notice.title == "MedAire Privacy Notice"
    assert notice.aliases[:2] == ("medaire", "med aire")
    assert catalog.answers["notice.medaire"].notices == (notice,)


def test_answer_notices_keep_their_order(catalog):
    answer = catalog.answers["sharing.providers"]
    assert [n.id for n in answer.notices] == [
        "notice.company",
        "notice.medical_security_assistance",
    ]
    assert answer.notices[1] == catalog.notice("assistance centre")


@pytest.mark.parametrize(
    ("language", "start"), [("fr", "Désolé"), (None, "Sorry"), ("xx", "Sorry")]
)
def test_language_reply_falls_back_to_english(catalog, language, start):
    assert catalog.language_reply(language).startswith(start)


def test_the_catalogue_knows_the_languages_answered_in_their_own(catalog):
    assert catalog.answered == {"de", "es", "fr", "it", "ja", "nl", "pt", "zh"}
