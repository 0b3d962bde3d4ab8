"""The staff console's static files at /console/, under a strict Content-Security-Policy.

Only HTML, JS, CSS and the message catalogue are served here, to anyone: they hold no data.
Every piece of data the console shows comes from /api/v1 with the staff session cookie.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import re
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, jsonify, request, send_from_directory

from backoffice.auth.permissions import public

ROOT = Path(__file__).resolve().parent / "console"
PO_FILE = Path(__file__).resolve().parent / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
# The console's languages; en is the msgids themselves, so its catalogue is empty.
LANGUAGES = ("zh-CN", "en")
_IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.S)
# Text worth compressing: the scripts (ECharts alone is 1 MB, a third of that in gzip), styles,
# the page and the catalogue. Below a kilobyte gzip saves less than its own headers cost.
_COMPRESSIBLE = frozenset({"text/html", "text/css", "text/javascript", "application/javascript",
                           "application/json"})
_COMPRESS_FROM = 1024



@functools.lru_cache(maxsize=8)
def _import_map_hash(page: Path, mtime_ns: int) -> str:
    # Chromium reads import maps only inline; the CSP allows exactly this one by its hash.
    found = _IMPORT_MAP.search(page.read_text(encoding="utf-8"))
    digest = hashlib.sha256(found.group(1).encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(page: Path = ROOT / "index.html") -> str:
    """A client's policy (the console's by default; the tenant pages' follow the same): its own
    scripts and the one inline import map of its page, nothing else."""
    script_hash = _import_map_hash(page, page.stat().st_mtime_ns)
    return "; ".join((
        "default-src 'self'", f"script-src 'self' {script_hash}", "style-src 'self'",
        "img-src 'self' data:", "font-src 'self'", "connect-src 'self'", "object-src 'none'",
        "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"))


@functools.lru_cache(maxsize=4)
def _catalogue(mtime_ns: int) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with PO_FILE.open("rb") as handle:
        catalog = read_po(handle)
    return {message.id: message.string for message in catalog
            if message.id and isinstance(message.id, str) and message.string
            and not message.fuzzy}


def catalogue(language: str) -> dict[str, str]:
    """English msgid -> text in `language`, generated from the back office's zh .po file."""
    if language == "en":
        return {}
    return _catalogue(PO_FILE.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _gzipped(body: bytes) -> bytes:
    # The files change only with a release: each is compressed once per process.
    return gzip.compress(body, compresslevel=9, mtime=0)


def compress(response: Response) -> Response:
    """gzip a whole 200 answer of text when the browser takes it (every browser does); the
    tenant pages at /m/ use it too."""
    response.vary.add("Accept-Encoding")
    if (response.status_code != 200 or response.mimetype not in _COMPRESSIBLE
            or "gzip" not in request.accept_encodings or "Content-Encoding" in response.headers):
        return response
    response.direct_passthrough = False  # a file sent by send_from_directory: read it here
    body = response.get_data()
    if len(body) < _COMPRESS_FROM:
        return response
    response.set_data(_gzipped(body))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag:
        # A weak tag: the gzip and identity bodies are the same file, so a revalidation
        # (If-None-Match, compared weakly) still gets its 304.
        response.set_etag(etag, weak=True)
    return response


def static_client(name: str, url_prefix: str, root: Path) -> Blueprint:
    """The blueprint that serves one browser client (the console here, the tenant pages at /m/):
    its page, scripts and styles and the message catalogue, to anyone, under the client's
    Content-Security-Policy, compressed, revalidated on every load."""
    blueprint = Blueprint(name, __name__, url_prefix=url_prefix)
    page = root / "index.html"

    @blueprint.after_request
    def _secure(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = content_security_policy(page)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        # Revalidated on every load, so a new release is picked up without a stale mix of modules.
        response.headers["Cache-Control"] = "no-cache"
        return compress(response)

    @blueprint.get("/")
    @public
    def index():
        """The client's single page (the hash part of the URL picks the screen)."""
        return send_from_directory(root, "index.html")

    @blueprint.get("/messages/<language>.json")
    @public
    def messages(language: str):
        """The message catalogue for one language."""
        if language not in LANGUAGES:
            abort(404)
        return jsonify(catalogue(language))

    @blueprint.get("/<path:filename>")
    @public
    def static_file(filename: str):
        """The client's scripts, styles and (for the console) vendored libraries."""
        return send_from_directory(root, filename)

    return blueprint


bp = static_client("console", "/console", ROOT)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
