"""Done: the new balance and the printed receipt (reprint on request), or a notice that the
printer has no paper (which goes when the paper is back, and the receipt can be printed then)."""

from kivy.uix.screenmanager import Screen

from kiosk_app.words import N_

RECEIPT_WORDS = {"printed": N_("Please take your receipt."), "printing": N_("Printing your receipt…"),
                 "no_paper": N_("The printer is out of paper: no receipt will print."),
                 "failed": N_("The receipt could not be printed."), "ready": "", "": ""}


class DoneScreen(Screen):
    @staticmethod
    def receipt_text(state: str, tr) -> str:
        return tr._(RECEIPT_WORDS[state]) if RECEIPT_WORDS.get(state) else ""
