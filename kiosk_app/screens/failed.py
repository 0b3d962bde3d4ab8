"""A clear failure: declined, expired or cancelled, or refused before any payment."""

from kivy.uix.screenmanager import Screen


class FailedScreen(Screen):
    pass
