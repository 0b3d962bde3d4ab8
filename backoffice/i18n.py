"""Language negotiation for messages: zh-CN (default) or English, from Accept-Language."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import Babel


def _select_locale() -> str:
    return request.accept_languages.best_match(
        current_app.config["LANGUAGES"], default=current_app.config["BABEL_DEFAULT_LOCALE"]
    ) if request else current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=_select_locale,
          default_translation_directories="translations")
