"""How the console is served: public static files under a strict CSP, vendored libraries
unchanged since they were packed, and one message catalogue generated from the .po file."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from backoffice import console_routes

CONSOLE = Path(console_routes.ROOT)
VENDOR = CONSOLE / "vendor"


def _directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


def test_console_page_is_public_and_under_a_strict_policy(client):
    with client.get("/console/") as response:
        response.get_data()
    assert response.status_code == 200
    assert b'<script type="module" src="./js/main.js">' in response.data
    csp = _directives(response)
    import_map = re.search(rb'<script type="importmap">(.*?)</script>', response.data, re.S)
    digest = base64.b64encode(hashlib.sha256(import_map.group(1)).digest()).decode()
    # Our own files and the one inline import map by its hash: no inline code, no eval.
    assert csp["script-src"] == f"'self' 'sha256-{digest}'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_but_the_import_map():
    page = (CONSOLE / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    inline = [attributes for attributes, body in scripts if body.strip()]
    assert inline == [' type="importmap"']
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers


@pytest.mark.parametrize("path", ["/console/js/main.js", "/console/css/console.css",
                                  "/console/vendor/preact-10.27.2/preact.module.js"])
def test_console_files_are_served_with_the_policy(client, path):
    with client.get(path) as response:
        assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_no_path_outside_the_console_folder(client):
    assert client.get("/console/../console_routes.py").status_code == 404
    assert client.get("/console/%2e%2e/app.py").status_code == 404


def test_vendored_files_match_their_recorded_sums():
    manifest = json.loads((VENDOR / "vendor.json").read_text())
    listed = set()
    for package in manifest["packages"]:
        assert any(f["path"].endswith("LICENSE") for f in package["files"]), package["name"]
        for entry in package["files"]:
            listed.add(entry["path"])
            data = (VENDOR / entry["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
    on_disk = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()}
    assert on_disk - {"vendor.json"} == listed


def test_import_map_names_only_vendored_files():
    page = (CONSOLE / "index.html").read_text(encoding="utf-8")
    imports = json.loads(re.search(r'<script type="importmap">(.*?)</script>', page, re.S)
                         .group(1))["imports"]
    for target in imports.values():
        assert (CONSOLE / target).is_file(), target


def test_catalogue_comes_from_the_po_file(client):
    zh = client.get("/console/messages/zh-CN.json").json
    assert zh["Meter monitor"] == "远程监控"
    assert zh["No such site."] == "项目不存在。"  # the API's words are the console's too
    assert client.get("/console/messages/en.json").json == {}
    assert client.get("/console/messages/fr.json").status_code == 404


def test_every_literal_word_of_the_console_is_translated():
    catalogue = console_routes.catalogue("zh-CN")
    words = set()
    for script in (CONSOLE / "js").rglob("*.js"):
        words |= set(re.findall(r"\bt\('((?:[^'\\]|\\.)+)'", script.read_text(encoding="utf-8")))
    assert words, "the scan found no words"
    assert sorted(words - set(catalogue)) == []
