"""The kiosk's words: English msgids in the code and the .kv files, Chinese from `data/zh.json`,
which `ops/kiosk_catalogue.py` generates from the back office's messages.po (a word is
translated once). Switching the language updates every bound label (Kivy's Observable recipe).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from kivy.lang import Observable

CATALOGUE = Path(__file__).resolve().parent / "data" / "zh.json"
LANGUAGES = ("zh", "en")


@cache
def catalogue() -> dict[str, str]:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))


def translate(msgid: str, language: str, **values) -> str:
    text = catalogue().get(msgid, msgid) if language == "zh" else msgid
    return text.format(**values) if values else text


class Translator(Observable):
    """`tr._("Recharge")` in kv re-evaluates when `tr.switch(...)` changes the language."""

    def __init__(self, language: str = "zh") -> None:
        super().__init__()
        self.language = language
        self.observers: list = []

    def _(self, msgid: str, **values) -> str:
        return translate(msgid, self.language, **values)

    def fbind(self, name, func, *largs, **kwargs):
        # kv binds with fbind(name, call_fn, args) and expects call_fn(args, instance, value).
        if name == "_":
            self.observers.append((func, largs[0] if len(largs) == 1 else largs))
            return 0
        return super().fbind(name, func, *largs, **kwargs)

    def funbind(self, name, func, *largs, **kwargs):
        if name == "_":
            key = (func, largs[0] if len(largs) == 1 else largs)
            if key in self.observers:
                self.observers.remove(key)
            return
        return super().funbind(name, func, *largs, **kwargs)

    def switch(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(language)
        self.language = language
        for func, args in list(self.observers):
            func(args, None, None)


tr = Translator()
