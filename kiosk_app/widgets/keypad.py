"""Our own big numeric keypad: keys at least 15 mm whatever the screen's density."""

from __future__ import annotations

from kivy.metrics import mm
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.gridlayout import GridLayout

from kiosk_app.presenters.keypad import BACKSPACE, CLEAR, DOT

MIN_KEY = mm(15)


class Keypad(GridLayout):
    """Dispatches `on_key(key)`; `dot` shows a decimal point in place of clear."""

    dot = BooleanProperty(False)
    key_size = NumericProperty(MIN_KEY)

    __events__ = ("on_key",)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.bind(dot=lambda *_: self._build())
        self._build()

    def _build(self) -> None:
        from kiosk_app.widgets.keypad_key import KeypadKey

        self.clear_widgets()
        for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9",
                    DOT if self.dot else CLEAR, "0", BACKSPACE):
            button = KeypadKey(text=key)
            button.bind(on_release=lambda b: self.dispatch("on_key", b.text))
            self.add_widget(button)

    def on_key(self, key: str) -> None:
        pass
