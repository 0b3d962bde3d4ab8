"""Identify: the account or meter number on the big keypad (or a scan), and optionally the last
4 digits of the phone on the account."""

from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk_app.presenters.keypad import KeypadBuffer


class IdentifyScreen(Screen):
    field = StringProperty("number")  # which entry the keypad types into
    number_text = StringProperty("")
    phone_text = StringProperty("")
    number = ObjectProperty(None)
    phone = ObjectProperty(None)

    def __init__(self, **kwargs):
        self.number, self.phone = KeypadBuffer(20), KeypadBuffer(4)
        super().__init__(**kwargs)

    def on_pre_enter(self, *_args):
        self.number.clear()
        self.phone.clear()
        self.field = "number"
        self._sync()

    def on_leave(self, *_args):
        # Nothing typed here outlives the visit (a passer-by must not find the last tenant's number).
        self.number.clear()
        self.phone.clear()
        self._sync()

    def key(self, key: str) -> None:
        (self.phone if self.field == "phone" else self.number).press(key)
        self._sync()

    def _sync(self) -> None:
        self.number_text, self.phone_text = self.number.text, self.phone.masked()

    def submit(self, app) -> None:
        app.controller.look_up(self.number.text, self.phone.text)
