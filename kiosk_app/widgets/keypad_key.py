"""One keypad key (its look is in keypad.kv)."""

from kivy.uix.button import Button


class KeypadKey(Button):
    pass
