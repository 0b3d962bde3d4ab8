"""The last 30 days' use as bars, drawn with Kivy graphics (no chart library on the kiosk)."""

from __future__ import annotations

from decimal import Decimal

from kivy.graphics import Color, Line, Rectangle
from kivy.properties import ListProperty
from kivy.uix.widget import Widget

BAR = (0.25, 0.62, 1, 1)  # #409EFF, the shared blue
AXIS = (0.56, 0.58, 0.6, 1)


class UsageChart(Widget):
    """`days`: the API's usage rows ({"day", "kwh"}); bars scale to the largest day."""

    days = ListProperty()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.bind(days=self.redraw, size=self.redraw, pos=self.redraw)

    def redraw(self, *_args) -> None:
        self.canvas.clear()
        values = [Decimal(str(d["kwh"])) for d in self.days]
        top = max(values, default=Decimal(0))
        with self.canvas:
            Color(*AXIS)
            Line(points=[self.x, self.y, self.right, self.y], width=1)
            if not values:
                return
            slot = self.width / len(values)
            Color(*BAR)
            for i, value in enumerate(values):
                height = float(value / top) * (self.height - 4) if top > 0 else 0
                Rectangle(pos=(self.x + i * slot + slot * 0.15, self.y + 1), size=(slot * 0.7, height))
