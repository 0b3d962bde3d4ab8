"""Paying: "confirm on your phone" while the back office charges the payment code (USERPAYING);
the idle timer waits, and on an outage the order id stays on screen while polling resumes."""

from kivy.uix.screenmanager import Screen


class PayingScreen(Screen):
    pass
