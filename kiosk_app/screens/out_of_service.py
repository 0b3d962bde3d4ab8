"""Out of service: the back office cannot be reached, so payments are off; it is tried again
after a countdown and the kiosk comes back by itself."""

from kivy.uix.screenmanager import Screen


class OutOfServiceScreen(Screen):
    pass
