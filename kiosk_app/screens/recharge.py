"""Recharge: preset amounts and the keypad, the limits and the stored-credit cap shown; then pay
by payment code (scanned here) or by a QR for one of the site's gateways."""

from decimal import Decimal

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk_app.i18n import tr
from kiosk_app.presenters import amounts
from kiosk_app.presenters.keypad import KeypadBuffer
from kiosk_app.words import N_

CHANNELS = {"alipay": N_("Alipay"), "wechat": N_("WeChat Pay"), "unionpay": N_("UnionPay")}


class RechargeScreen(Screen):
    amount_text = StringProperty("")

    def __init__(self, **kwargs):
        self.buffer = KeypadBuffer(10, dot=True)
        super().__init__(**kwargs)

    def on_pre_enter(self, *_args):
        self.buffer.clear()
        self.amount_text = ""
        self._build_buttons(App.get_running_app().controller)

    def _build_buttons(self, controller) -> None:
        """The site's preset amounts (those allowed now) and a QR button per gateway set up."""
        self.ids.presets.clear_widgets()
        for value in controller.device.get("presets", []):
            button = Factory.KPlainButton(text=f"¥ {Decimal(value):.0f}",
                                          disabled=not self.preset_ok(controller.account, value))
            button.bind(on_release=lambda _b, v=value: self.preset(v))
            self.ids.presets.add_widget(button)
        self.ids.presets.cols = max(len(self.ids.presets.children), 1)
        self.ids.qr_buttons.clear_widgets()
        for channel in controller.device.get("channels", []):
            button = Factory.KButton(text=tr._("{channel} QR", channel=tr._(CHANNELS[channel])))
            button.bind(on_release=lambda _b, c=channel: self.pay(App.get_running_app(), "qr", c))
            self.ids.qr_buttons.add_widget(button)

    def key(self, key: str) -> None:
        self.buffer.press(key)
        self.amount_text = self.buffer.text

    def preset(self, value: str) -> None:
        self.buffer.text = value
        self.amount_text = value

    def pay(self, app, method: str, channel: str = "") -> None:
        app.controller.choose(amounts.parse(self.amount_text), method, channel)

    @staticmethod
    def limits_text(account: dict, tr) -> str:
        if not account.get("limits"):
            return ""
        limits = account["limits"]
        return tr._("{minimum} to {maximum} per payment; at most {most} now (cap {cap}).",
                    minimum=limits["minimum"], maximum=limits["maximum"], most=account["most"],
                    cap=limits["credit_cap"])

    @staticmethod
    def preset_ok(account: dict, value: str) -> bool:
        if not account.get("limits"):
            return False
        return amounts.problem(Decimal(value), amounts.Limits.from_api(account)) is None
