"""Pay by QR (the fallback): the order's QR with a countdown to its expiry; the kiosk follows the
order until it is paid."""

from kivy.uix.screenmanager import Screen


class PayQrScreen(Screen):
    @staticmethod
    def countdown(seconds: float) -> str:
        seconds = int(seconds)
        return f"{seconds // 60:02d}:{seconds % 60:02d}"
