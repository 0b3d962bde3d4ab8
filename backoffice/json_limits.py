"""JSON request bodies are bounded in size and nesting before any schema reads them."""

from __future__ import annotations

import json

from flask import Flask, request
from flask_smorest import abort

# No request of the API nests deeper than a tariff (about 6 levels) or needs more than a
# batch of 1000 meter ids; the bounds leave room and keep the parsers' recursion far away.
MAX_DEPTH = 32
MAX_BYTES = 1024 * 1024
TOO_DEEP = "The JSON body is nested too deeply (at most 32 levels)."
TOO_LARGE = "The JSON body is too large (at most 1 MiB)."


def depth(value: object) -> int:
    """How many containers deep `value` nests (a scalar: 0), counted without recursion and
    given up on just past MAX_DEPTH."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def check_body() -> None:
    """Refuse a JSON body too large (413) or nested too deeply (400); leave malformed JSON to
    the schema's parser, which names the problem."""
    if not request.is_json:
        return
    if (request.content_length or 0) > MAX_BYTES:
        abort(413, message=TOO_LARGE)
    data = request.get_data(cache=True)  # the schema reads the same cached bytes
    if len(data) > MAX_BYTES:
        abort(413, message=TOO_LARGE)
    if not data:
        return
    try:
        body = json.loads(data)
    except RecursionError:
        abort(400, message=TOO_DEEP)
    except ValueError:
        return
    if depth(body) > MAX_DEPTH:
        abort(400, message=TOO_DEEP)


def init_app(app: Flask) -> None:
    app.before_request(check_body)
