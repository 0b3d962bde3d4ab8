"""A supply state in the shared colours, always with its word (UI.md): colour is never the only signal."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.label import Label

from kiosk_app.i18n import tr
from kiosk_app.words import N_

# state: (msgid, fill, edge, text colour, dashed)
STATES = {
    "normal": (N_("Normal"), (0.40, 0.76, 0.23, 1), (0.40, 0.76, 0.23, 1), (1, 1, 1, 1), False),
    "alarm1": (N_("Alarm 1"), (0.90, 0.64, 0.24, 1), (0.90, 0.64, 0.24, 1), (1, 1, 1, 1), False),
    "alarm2": (N_("Alarm 2"), (0.98, 0.55, 0.09, 1), (0.98, 0.55, 0.09, 1), (1, 1, 1, 1), False),
    "arrears": (N_("Arrears"), (0.96, 0.42, 0.42, 1), (0.96, 0.42, 0.42, 1), (1, 1, 1, 1), False),
    "tripped": (N_("Tripped"), (0.96, 0.42, 0.42, 1), (0.96, 0.42, 0.42, 1), (1, 1, 1, 1), False),
    "lost_comm": (N_("Lost communication"), (0.19, 0.19, 0.2, 1), (0.19, 0.19, 0.2, 1), (1, 1, 1, 1), True),
    "protected": (N_("Protected"), (0.25, 0.62, 1, 1), (0.25, 0.62, 1, 1), (1, 1, 1, 1), False),
}


class StatusTag(Label):
    state = StringProperty("normal")
    fill = ListProperty([1, 1, 1, 1])
    edge = ListProperty([0, 0, 0, 1])
    text_color = ListProperty([1, 1, 1, 1])
    dashed = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        tr.fbind("_", self._refresh)
        self._refresh()

    def on_state(self, *_args) -> None:
        self._refresh()

    def _refresh(self, *_args) -> None:
        msgid, self.fill, self.edge, self.text_color, self.dashed = STATES.get(self.state, STATES["normal"])
        self.text = tr._(msgid)
