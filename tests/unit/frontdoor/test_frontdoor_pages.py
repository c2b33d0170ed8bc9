"""The widget and console pages, their static files and the OpenAPI document."""

import re
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

import frontdoor

STATIC = Path(frontdoor.__file__).with_name("static")


@pytest.mark.asyncio(loop_scope="session")
async def test_the_widget_page_and_its_files_are_served(client):
    page = await client.get("/")
    assert page.status == 200
    assert page.content_type == "text/html"
    html = await page.text()
    for part in [
        'src="static/widget.js"',
        'href="static/widget.css"',
        'role="log"',
        'for="message"',
    ]:
        assert part in html
    for path, kind in [("/static/widget.js", "javascript"), ("/static/widget.css", "text/css")]:
        response = await client.get(path)
        assert response.status == 200
        assert kind in response.content_type


@pytest.mark.asyncio(loop_scope="session")
async def test_the_openapi_document_is_served(client, openapi):
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    assert await response.json() == openapi


def test_the_openapi_document_is_sound(openapi):
    assert openapi["openapi"].startswith("3.1.")
    for schema in openapi["components"]["schemas"].values():
        Draft7Validator.check_schema(schema)
    refs = re.findall(r'"\$ref": "#/([^"]+)"', (STATIC.parent / "openapi.json").read_text())
    for ref in refs:
        node = openapi
        for part in ref.split("/"):
            node = node[part]


@pytest.mark.parametrize("name", sorted(p.name for p in STATIC.glob("*.html")))
def test_pages_have_no_inline_code_and_no_third_party_resources(name):
    html = (STATIC / name).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html, re.IGNORECASE)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


@pytest.mark.parametrize("name", sorted(p.name for p in STATIC.glob("*.js")))
def test_scripts_never_build_html_from_strings(name):
    script = (STATIC / name).read_text()
    for unsafe in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("]:
        assert unsafe not in script


@pytest.mark.parametrize("name", sorted(p.name for p in STATIC.glob("*.css")))
def test_styles_load_nothing_from_elsewhere(name):
    assert not re.search(r"@import|url\(", (STATIC / name).read_text())
