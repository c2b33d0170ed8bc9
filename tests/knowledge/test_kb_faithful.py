"""Faithful to the letter: links say where they lead."""

import pytest

from knowledge.loader import read_content

PRIVACY_PAGE = "https://www.internationalsos.com/privacy-notice/"


@pytest.fixture(scope="module")
def content():
    return read_content()


def test_link_labels_say_where_they_lead(content):
    for notice in content.notices:
        if notice["url"] == PRIVACY_PAGE:
            assert "privacy page" in notice["label"], notice["id"]
            assert notice["title"] in notice["label"], notice["id"]
        else:
            assert notice["label"] == notice["title"], notice["id"]
