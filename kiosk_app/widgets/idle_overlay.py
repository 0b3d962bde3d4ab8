"""The "still there?" countdown over any screen after a quiet minute; a touch dismisses it."""

from kivy.app import App
from kivy.uix.floatlayout import FloatLayout


class IdleOverlay(FloatLayout):
    def on_touch_down(self, touch):
        controller = App.get_running_app().controller
        if not controller.idle_left:
            return False  # hidden: touches go to the screen below
        controller.touched()
        return True  # shown: a touch anywhere only says "still here"
