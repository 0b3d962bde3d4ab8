"""Home (attract): the site's name, the language toggle, "Check balance" and "Recharge"."""

from kivy.uix.screenmanager import Screen


class HomeScreen(Screen):
    pass
