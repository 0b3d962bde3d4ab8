"""The console's files go out gzip-compressed to browsers that take it (the first load's size),
unchanged to those that do not, and a revalidation of a compressed file still gets its 304."""

from __future__ import annotations

import gzip

import pytest

from backoffice import console_routes

CONSOLE = console_routes.ROOT
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.mark.parametrize("path", ["vendor/echarts-6.0.0/echarts.esm.min.js", "js/main.js",
                                  "css/console.css", "vendor/preact-10.27.2/preact.module.js"])
def test_text_files_are_gzipped_when_the_browser_takes_it(client, path):
    with client.get(f"/console/{path}", headers=GZIP) as response:
        body = response.get_data()
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    original = (CONSOLE / path).read_bytes()
    assert gzip.decompress(body) == original
    assert int(response.headers["Content-Length"]) == len(body) < len(original)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_catalogue_is_gzipped_and_the_small_page_is_not(client):
    with client.get("/console/messages/zh-CN.json", headers=GZIP) as response:
        body = response.get_data()
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).decode("utf-8").startswith("{")
    with client.get("/console/", headers=GZIP) as page:  # under a kilobyte: not worth it
        assert "Content-Encoding" not in page.headers
        assert b"importmap" in page.get_data()


def test_a_client_without_gzip_gets_the_file_as_it_is(client):
    path = "vendor/echarts-6.0.0/echarts.esm.min.js"
    with client.get(f"/console/{path}") as response:
        body = response.get_data()
    assert "Content-Encoding" not in response.headers
    assert body == (CONSOLE / path).read_bytes()


def test_revalidating_a_compressed_file_gets_a_304(client):
    with client.get("/console/js/main.js", headers=GZIP) as first:
        first.get_data()
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    with client.get("/console/js/main.js", headers={**GZIP, "If-None-Match": etag}) as again:
        assert again.status_code == 304
        assert again.get_data() == b""


@pytest.mark.parametrize("path", ["js/main.js", "css/mobile.css", "messages/zh-CN.json"])
def test_the_tenant_pages_go_out_compressed_too(client, path):
    # A phone on a cellular link: the pages' first load is the budget (issue: under 200 KB).
    with client.get(f"/m/{path}", headers=GZIP) as response:
        body = response.get_data()
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert gzip.decompress(body)
