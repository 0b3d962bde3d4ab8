"""Pay by payment code: the tenant shows the 付款码 in Alipay, WeChat or UnionPay to the scanner;
the kiosk checks its format and hands it to the back office, which charges it."""

from kivy.uix.screenmanager import Screen


class PayCodeScreen(Screen):
    pass
